"""Choose the default scorer's weights on the judged TUNING half (never the report half).

Computes each tuning profile's feature matrix once, over every opportunity notice of the store, exactly as
``Matcher.recommend`` computes it (``score_candidates`` with the firm's inferred codes), then scores a grid of
weightings by mean nDCG@10 (p@5h breaks ties) and prints the best ones. Usage:

    MATCHER_HOME=/path/to/judged/store python scripts/tune_judged.py [--judged evaluation/judged.json]
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher.config import get_settings
from matcher.evaluate.judged import JudgedProfile, load_judged, mean_metrics, profile_metrics
from matcher.evaluate.judged_methods import Corpus
from matcher.pipeline import Matcher
from matcher.ranking import features
from matcher.ranking.features import FEATURES
from matcher.ranking.fusion import WeightedScorer, fuse_matrix, order
from matcher.ranking.signals import score_candidates
from matcher.search.code_inference import Inferred, SuggestedCode


@dataclass
class Prepared:
    judged: JudgedProfile
    matrix: np.ndarray
    guards: np.ndarray


def inferred_variant(pairs: list[tuple[str, float]], mode: str, k: int) -> list[tuple[str, float]]:
    """The suggested codes as ranking would weigh them under one candidate rule ("none" = not at all)."""
    return [] if mode == "none" else features.weigh_inferred(pairs, mode, k)  # type: ignore[arg-type]


def prepare(matcher: Matcher, corpus: Corpus, judged: list[JudgedProfile], variant: Variant,
            ordered: Callable[[Inferred], list[SuggestedCode]] = Inferred.ranked) -> list[Prepared]:
    """Each profile's features over every notice, with its suggestions in the order ``ordered`` gives them
    (as ranking reads them: the keywords' translations first, then the whole description's suggestions)."""
    mode, k, expand_dense = variant
    lexical = matcher.index.current().lexical
    documents = matcher.embedder.encode_documents([t.text() for t in corpus.tenders])
    out = []
    for item in judged:
        pairs = [(s.code, s.confidence) for s in ordered(matcher.suggestions.inferred(item.profile))[:10]]
        inferred = inferred_variant(pairs, mode, k)
        query = features.query_text(item.profile, inferred) if expand_dense else item.profile.text()
        dense = documents @ matcher.embedder.encode_queries([query])[0]
        scored = score_candidates(item.profile, corpus.tenders, dense.tolist(), lexical, None, inferred)
        out.append(Prepared(item, scored.matrix, scored.multipliers))
    return out


def score(prepared: list[Prepared], ids: list[str], weights: dict[str, float], guard: bool) -> dict[str, float]:
    scorer = WeightedScorer(weight=weights)
    rows = []
    for p in prepared:
        scores = fuse_matrix(p.matrix, p.guards if guard else np.ones(len(ids)), scorer)
        rows.append(profile_metrics([ids[i] for i in order(scores, ids, 50)], p.judged.grades))
    return mean_metrics(rows)


Variant = tuple[str, int, bool]


def _variant(text: str) -> Variant:
    """MODE/K[/dense]: the inferred-code rule and whether the dense query adds code labels (the lexical query
    always does: on the tuning half it lifted nDCG@10 from 0.441 to 0.474 at the weights before tuning)."""
    mode, k, *flags = text.split("/")
    return mode, int(k), "dense" in flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judged", type=Path, default=Path("evaluation/judged.json"))
    parser.add_argument("--variant", dest="variants", action="append", type=_variant,
                        help="inferred-code rule MODE/K (none, raw, relative, flat); repeatable")
    args = parser.parse_args()
    args.variants = args.variants or [_variant(v) for v in ("flat/5", "flat/3", "relative/5", "flat/5/dense")]
    matcher = Matcher(get_settings())
    corpus = Corpus.of(matcher)
    tune = [j for j in load_judged(args.judged) if j.split == "tune"]
    ids = corpus.ids
    results = []
    grid = list(itertools.product((0.3, 0.5, 0.7), (0.0, 0.1, 0.2, 0.35), (0.0, 0.15, 0.3, 0.5),
                                  (0.0, 0.1, 0.2, 0.4)))
    for variant in args.variants:
        prepared = prepare(matcher, corpus, tune, variant)
        for dense, lexical, codes, nature in grid:
            weights = {"dense": dense, "lexical": lexical, "codes": codes, "nature": nature, "country": 0.08,
                       "value": 0.04, "feedback": 0.03}
            for guard in (True, False):
                found = score(prepared, ids, weights, guard)
                results.append((found["ndcg@10"], found["p@5h"], found["p@5"], weights, guard, variant))
        current = {name: v for name, v in WeightedScorer().weight.items() if name in FEATURES}
        print(f"current weights, {variant}:", score(prepared, ids, current, True), flush=True)
    results.sort(key=lambda r: (-r[0], -r[1]))
    for ndcg, p5h, p5, weights, guard, variant in results[:25]:
        shown = {name: v for name, v in weights.items() if name in ("dense", "lexical", "codes", "nature")}
        print(f"ndcg@10 {ndcg:.3f}  p@5h {p5h:.3f}  p@5 {p5:.3f}  guard={guard} {variant} {shown}")


if __name__ == "__main__":
    main()

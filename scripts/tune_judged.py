"""Choose the default scorer's weights on the judged TUNING half (never the report half).

Computes each tuning profile's feature matrix once, over every opportunity notice of the store, exactly as
``Matcher.recommend`` computes it (``score_candidates`` with the firm's inferred codes), then scores a grid of
weightings by mean nDCG@10 (p@5h breaks ties) and prints the best ones. Usage:

    MATCHER_HOME=/path/to/judged/store python scripts/tune_judged.py [--judged evaluation/judged.json]
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher.config import get_settings
from matcher.evaluate.judged import JudgedProfile, load_judged, mean_metrics, profile_metrics
from matcher.evaluate.judged_methods import Corpus
from matcher.features import FEATURES
from matcher.pipeline import Matcher
from matcher.rank import WeightedScorer, fuse_matrix, order
from matcher.signals import score_candidates


@dataclass
class Prepared:
    judged: JudgedProfile
    matrix: np.ndarray
    guards: np.ndarray


def prepare(matcher: Matcher, corpus: Corpus, judged: list[JudgedProfile]) -> list[Prepared]:
    lexical = matcher.index.current().lexical
    documents = matcher.embedder.encode_documents([t.text() for t in corpus.tenders])
    out = []
    for item in judged:
        dense = documents @ matcher.embedder.encode_queries([item.profile.text()])[0]
        scored = score_candidates(item.profile, corpus.tenders, dense.tolist(), lexical, None,
                                  matcher.inferred_codes(item.profile))
        out.append(Prepared(item, scored.matrix, scored.multipliers))
    return out


def score(prepared: list[Prepared], ids: list[str], weights: dict[str, float], guard: bool) -> dict[str, float]:
    scorer = WeightedScorer(weight=weights)
    rows = []
    for p in prepared:
        scores = fuse_matrix(p.matrix, p.guards if guard else np.ones(len(ids)), scorer)
        rows.append(profile_metrics([ids[i] for i in order(scores, ids, 50)], p.judged.grades))
    return mean_metrics(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judged", type=Path, default=Path("evaluation/judged.json"))
    args = parser.parse_args()
    matcher = Matcher(get_settings())
    corpus = Corpus.of(matcher)
    tune = [j for j in load_judged(args.judged) if j.split == "tune"]
    prepared = prepare(matcher, corpus, tune)
    ids = corpus.ids
    results = []
    grid = itertools.product((0.3, 0.5, 0.7), (0.0, 0.1, 0.2, 0.35), (0.0, 0.15, 0.3, 0.5), (0.0, 0.1, 0.2, 0.4))
    for dense, lexical, codes, nature in grid:
        weights = {"dense": dense, "lexical": lexical, "codes": codes, "nature": nature, "country": 0.08,
                   "value": 0.04, "feedback": 0.03}
        for guard in (True, False):
            found = score(prepared, ids, weights, guard)
            results.append((found["ndcg@10"], found["p@5h"], found["p@5"], weights, guard))
    results.sort(key=lambda r: (-r[0], -r[1]))
    for ndcg, p5h, p5, weights, guard in results[:15]:
        shown = {k: v for k, v in weights.items() if k in ("dense", "lexical", "codes", "nature")}
        print(f"ndcg@10 {ndcg:.3f}  p@5h {p5h:.3f}  p@5 {p5:.3f}  guard={guard}  {shown}")
    current = {k: v for k, v in WeightedScorer().weight.items() if k in FEATURES}
    print("current default:", score(prepared, ids, current, True), current)


if __name__ == "__main__":
    main()

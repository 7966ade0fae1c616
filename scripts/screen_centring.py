"""Screen the dense signal over mean-centred vectors before it is built into the product.

A multilingual encoder's vectors carry a component shared by every text of one language and one genre: a
Korean firm profile sits nearer other Korean firm profiles than the English notice that buys what it makes.
Subtracting the mean vector of each side's kind of text before the cosine leaves more of what the texts say:

- a notice's vector minus the mean of the stored opportunity notices in its language (shrunk towards the mean
  of all notices by ``SHRINK`` pseudo-notices, so a language with three notices does not cancel them);
- a profile's vector minus the mean of the development profiles written in its language (the profiles'
  words only; never a grade, and never a held-out profile: each development set's mean leaves it out);
- the centred cosine mapped onto the raw cosine's mean and spread over the development pairs (one affine map,
  which keeps the order), so the hand-set weights and the trees' columns see the range they were built for.

The dense column of every development profile's features over every opportunity notice is replaced, the
weighted scorer's top ``DEPTH`` re-selected, and the shipped trees (``judged_reranker.PARAMS``, shipped view)
retrained leaving one development set out, as ``scripts/screen_judged.py loso`` does. ``--held-out`` trains
on all four development sets and reads the held-out sets once; ``--pool FILE`` writes each profile of that
judged file's top 10 under the candidate (to pool a new set's candidates before it is judged).

Two options screen the forms the product could serve: ``--indexed-means`` fits the notice means over every
stored notice (award notices too), as an index build would; ``--product-candidates`` keeps each profile's
candidates to those the product retrieves (the raw dense top ``DENSE_CANDIDATES`` and the notices under its
codes, ``recommender.CODE_CANDIDATES``), so the centred cosine re-scores them and the index stays raw;
``--foreign-script-only`` centres only profiles written in a script no notice uses (Korean), the others
keeping the raw cosine.

Usage (results in evaluation/RESULTS.md)::

    MATCHER_HOME=/path/to/judged/store python scripts/screen_centring.py [--held-out] [--pool FILE --out FILE] \
        [--indexed-means] [--product-candidates] [--foreign-script-only]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from screen_judged import (  # run as a script: scripts/ is on the path
    DEVELOPMENT_SETS,
    HELD_OUT_SETS,
    SHIPPED_VARIANT,
    Candidates,
    Fit,
    candidates_of,
    paired_interval,
    relevance_fit,
    report_set_out,
    shipped_trees,
    shipped_view,
    trained,
)
from tune_judged import Prepared, prepare

from matcher.config import get_settings
from matcher.evaluate.judged import JudgedProfile, load_judged
from matcher.evaluate.judged_methods import Corpus
from matcher.pipeline import Matcher
from matcher.ranking import judged_reranker
from matcher.ranking.features import FEATURES, code_prefixes
from matcher.search.code_inference import foreign_script
from matcher.search.encoders import normalize_rows
from matcher.services.recommender import CODE_CANDIDATES

#: Pseudo-notices of the all-language mean added to each language's mean.
SHRINK = 10.0
#: The vector search's candidates for a list of 10 (``Settings.min_candidates``).
DENSE_CANDIDATES = 200


def centred_documents(documents: np.ndarray, languages: Sequence[str | None]) -> np.ndarray:
    """Each notice's vector minus its language's (shrunk) mean, unit length."""
    everything = documents.mean(axis=0)
    keys = np.array([language or "" for language in languages])
    means = {k: (documents[keys == k].sum(axis=0) + SHRINK * everything) / ((keys == k).sum() + SHRINK)
             for k in set(keys)}
    return normalize_rows(documents - np.stack([means[k] for k in keys]))


class Centring:
    """The profiles' vectors, their per-language means leaving a development set out, and the affine map."""

    def __init__(self, matcher: Matcher, sets: dict[str, list[JudgedProfile]], development: Sequence[str]) -> None:
        self.sets, self.development = sets, list(development)
        self.vectors = {name: matcher.embedder.encode_queries([j.profile.text() for j in judged])
                        for name, judged in sets.items()}

    def profile_mean(self, language: str, leaving_out: str) -> np.ndarray:
        rows = [v for name in self.development if name != leaving_out
                for j, v in zip(self.sets[name], self.vectors[name], strict=True) if j.language == language]
        return np.asarray(np.mean(rows, axis=0))

    def cosines(self, name: str, documents: np.ndarray) -> np.ndarray:
        """(profiles of ``name``, notices): centred cosines."""
        return np.stack([documents @ normalize_rows((v - self.profile_mean(j.language, name))[None])[0]
                         for j, v in zip(self.sets[name], self.vectors[name], strict=True)])


def product_candidates(matcher: Matcher, corpus: Corpus, profile: JudgedProfile, raw: np.ndarray) -> np.ndarray:
    """Which notices the product would rank for ``profile`` (a mask): the raw dense top ``DENSE_CANDIDATES``
    and the notices under its confirmed and suggested codes' prefixes, as ``Recommender`` retrieves them."""
    mask = np.zeros(len(corpus.ids), dtype=bool)
    mask[np.argsort(-raw, kind="stable")[:DENSE_CANDIDATES]] = True
    codes = [*profile.profile.codes, *(c for c, _ in matcher.suggestions.for_ranking(profile.profile))]
    position = {tid: i for i, tid in enumerate(corpus.ids)}
    for tid in matcher.catalog.ids_with_codes(code_prefixes(codes), CODE_CANDIDATES) if codes else []:
        if tid in position:
            mask[position[tid]] = True
    return mask


def data_of(matcher: Matcher, corpus: Corpus, prepared: dict[str, list[Prepared]],
            dense: dict[str, np.ndarray] | None, masks: dict[str, list[np.ndarray]] | None = None,
            ) -> dict[str, list[Candidates]]:
    """Each set's candidates, with the dense column replaced by ``dense`` (None: as shipped), and only the
    notices of ``masks`` ranked when given (the others' term guard set to 0, which zeroes their score)."""
    breadths = judged_reranker.breadth(corpus.tenders)
    column = FEATURES.index("dense")
    data: dict[str, list[Candidates]] = {}
    for name, profiles in prepared.items():
        out = []
        for k, p in enumerate(profiles):
            matrix = p.matrix.copy()
            if dense is not None:
                matrix[:, column] = dense[name][k]
            guards = p.guards if masks is None else np.where(masks[name][k], p.guards, 0.0)
            out.append(candidates_of(matcher, corpus, Prepared(p.judged, matrix, guards), breadths))
        data[name] = out
    return data


def top10(corpus: Corpus, train: list[Candidates], kept: list[str], fit: Fit,
          profiles: list[Candidates]) -> dict[str, list[str]]:
    scored = trained(fit, train, kept)
    found = {}
    for c in profiles:
        best = np.argsort(-scored(c), kind="stable")[:10]
        found[c.prepared.judged.profile.firm_id] = [corpus.ids[c.top[i]] for i in best]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("evaluation"))
    parser.add_argument("--held-out", action="store_true",
                        help="train on every development set, read the held-out sets once")
    parser.add_argument("--pool", type=Path, help="a judged file whose profiles' candidate top 10 to write")
    parser.add_argument("--out", type=Path, default=Path("centred_top10.json"))
    parser.add_argument("--indexed-means", action="store_true", help="notice means over every stored notice")
    parser.add_argument("--product-candidates", action="store_true",
                        help="re-score only the candidates the product retrieves")
    parser.add_argument("--foreign-script-only", action="store_true",
                        help="centre only profiles written in a script no notice uses (Korean)")
    args = parser.parse_args()
    matcher = Matcher(get_settings())
    corpus = Corpus.of(matcher)
    development = [name for name, _, _ in DEVELOPMENT_SETS]
    chosen = [*DEVELOPMENT_SETS, *(HELD_OUT_SETS if args.held_out else ())]
    sets = {name: [j for j in load_judged(args.folder / file) if split == "all" or j.split == split]
            for name, file, split in chosen}
    if args.pool:
        sets["pool"] = load_judged(args.pool)
    raw_docs = matcher.embedder.encode_documents([t.text() for t in corpus.tenders])
    if args.indexed_means:
        stored = list(matcher.all_tenders())
        position = {t.tender_id: i for i, t in enumerate(stored)}
        every = centred_documents(matcher.embedder.encode_documents([t.text() for t in stored]),
                                  [t.language for t in stored])
        documents = every[[position[tid] for tid in corpus.ids]]
    else:
        documents = centred_documents(raw_docs, [t.language for t in corpus.tenders])
    centring = Centring(matcher, sets, development)
    centred = {name: centring.cosines(name, documents) for name in sets}
    raw = np.concatenate([(centring.vectors[n] @ raw_docs.T).ravel() for n in development])
    pooled = np.concatenate([centred[n].ravel() for n in development])
    slope, shift = raw.std() / pooled.std(), pooled.mean()
    print(f"raw cosine mean {raw.mean():.3f} sd {raw.std():.3f}; centred mean {shift:.3f} sd {pooled.std():.3f}")
    dense = {name: np.clip(raw.mean() + (c - shift) * slope, 0.0, 1.0) for name, c in centred.items()}
    if args.foreign_script_only:  # profiles in a script the notices use keep their raw cosine
        dense = {name: np.stack([d if foreign_script(j.profile.text()) else np.clip(raw_docs @ v, 0.0, 1.0)
                                 for j, v, d in zip(sets[name], centring.vectors[name], rows, strict=True)])
                 for name, rows in dense.items()}
    prepared = {name: prepare(matcher, corpus, judged, SHIPPED_VARIANT) for name, judged in sets.items()}
    masks = None if not args.product_candidates else {
        name: [product_candidates(matcher, corpus, j, raw_docs @ v)
               for j, v in zip(sets[name], centring.vectors[name], strict=True)] for name in sets}
    targets = [name for name, _, _ in HELD_OUT_SETS] if args.held_out else development
    per_profile: dict[tuple[str, str], list[float]] = {}  # (variant, scorer) -> nDCG@10 of each profile
    for label, variant in (("shipped", None), ("centred", dense)):
        data = data_of(matcher, corpus, prepared, variant, masks)
        kept = shipped_view(list(data[development[0]][0].columns))
        for scorer, fit in (("weighted", None), ("trees", relevance_fit(shipped_trees()))):
            per_profile[label, scorer] = report_set_out(corpus, data, f"{label} {scorer}", kept, fit, targets,
                                                        recall=True)
            if args.pool and label == "centred" and fit is not None:
                train = [c for n in development for c in data[n]]
                args.out.write_text(json.dumps(top10(corpus, train, kept, fit, data["pool"]), indent=1))
    for scorer in ("weighted", "trees"):
        low, mean, high = paired_interval(per_profile["centred", scorer], per_profile["shipped", scorer])
        print(f"{scorer}: centred - shipped nDCG@10 per profile, over {len(per_profile['shipped', scorer])} "
              f"profiles: {mean:+.3f} (95% bootstrap interval {low:+.3f} to {high:+.3f})")


if __name__ == "__main__":
    main()

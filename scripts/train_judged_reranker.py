"""Train the judged re-ranker (``matcher.ranking.judged_reranker``) on the judged development sets and save it.

For every development profile (the tuning half of evaluation/judged.json and every profile of the second,
third and fourth fresh sets; the reported half and the first fresh set are held out and never read here), the
shipped features are computed over every opportunity notice of the judged store as ranking computes them
(``scripts/tune_judged.py``), the weighted scorer's first ``DEPTH`` are kept, and each becomes one row of
``COLUMNS`` labelled relevant when graded 1 or 2 (a 2 weighs three times a 1). The trees are exported as plain
arrays (``matcher.ranking.trees.export_trees``, checked against scikit-learn's own decision function) and saved
with a manifest naming the columns, the sets and the row counts.

``--leave-out NAME`` trains without one development set, to check that the product reproduces the
leave-one-set-out figures of ``scripts/screen_judged.py loso`` on it (``matcher evaluate --judged``).

``--calibrate`` also fits the re-ranker's own fit-score calibration (``matcher.ranking.calibration``, saved in
``judged_reranker/calibration/``; the weighted scorer keeps its own in ``calibration/``), on scores the trees
did not train on: each development set ranked by trees trained on the other three
(``out_of_fold_calibration``). ``matcher calibrate`` would fit on the tuning half, which the trees trained on.

Usage (a judged store, see evaluation/JUDGING.md)::

    MATCHER_HOME=/path/to/judged/store python scripts/train_judged_reranker.py --calibrate [--models-dir DIR]
    MATCHER_HOME=/path/to/judged/store python scripts/train_judged_reranker.py --leave-out fresh4 --models-dir /tmp/x
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from tune_judged import prepare  # run as a script: scripts/ is on the path

from matcher.config import get_settings
from matcher.evaluate.judged import JudgedProfile, load_judged
from matcher.evaluate.judged_methods import Corpus
from matcher.pipeline import Matcher
from matcher.ranking.calibration import Calibration, fit_calibration, save_calibration
from matcher.ranking.fusion import WeightedScorer, fuse_matrix
from matcher.ranking.judged_reranker import (
    COLUMNS,
    DEPTH,
    FOLDER,
    KIND,
    MIN_DOCUMENTS,
    PARAMS,
    JudgedReranker,
    ProfileView,
    neutral_hand_set,
    rerank_columns,
    save_judged_reranker,
)
from matcher.ranking.trees import CHECK_ROWS, TreeScorer, export_trees
from matcher.search.retrieve import MatchQuery
from matcher.services.code_suggestions import INFERRED_FOR_RANKING

#: (name, file, split): the sets trained on. "all" takes every profile of a file.
DEVELOPMENT_SETS = (("tune", "judged.json", "tune"), ("fresh2", "judged_fresh2.json", "all"),
                    ("fresh3", "judged_fresh3.json", "all"), ("fresh4", "judged_fresh4.json", "all"))
#: The shipped features as ranking computes them (inferred codes "flat" over the first five, no dense
#: expansion): ``scripts/tune_judged.py`` variants.
SHIPPED_VARIANT = ("flat", INFERRED_FOR_RANKING, False)


@dataclass
class SetRows:
    """One development set: its profiles, and the training rows of their weighted top ``DEPTH``."""

    profiles: list[JudgedProfile]
    x: np.ndarray
    grades: np.ndarray


def set_rows(matcher: Matcher, corpus: Corpus, folder: Path) -> dict[str, SetRows]:
    scorer = WeightedScorer()
    out = {}
    for name, file, split in DEVELOPMENT_SETS:
        judged = [j for j in load_judged(folder / file) if split == "all" or j.split == split]
        xs, ys = [], []
        for prepared in prepare(matcher, corpus, judged, SHIPPED_VARIANT):
            profile = prepared.judged.profile
            weighted = fuse_matrix(prepared.matrix, prepared.guards, scorer)
            top = np.argsort(-weighted, kind="stable")[:DEPTH]
            view = ProfileView.of(profile, matcher.suggestions.best_confidence(profile),
                                  matcher.suggestions.by_source(profile))
            xs.append(rerank_columns(neutral_hand_set(prepared.matrix[top]), prepared.guards[top],
                                     [corpus.tenders[i] for i in top], view, scorer))
            ys.append(np.array([prepared.judged.grades.get(corpus.ids[i], 0) for i in top]))
        out[name] = SetRows(judged, np.vstack(xs), np.concatenate(ys))
    return out


def fit(sets: list[SetRows]) -> TreeScorer:
    x = np.vstack([s.x for s in sets])
    grades = np.concatenate([s.grades for s in sets])
    # relevant = graded 1 or 2; a 2 weighs three times a 1
    model = HistGradientBoostingClassifier(**PARAMS).fit(x, (grades >= 1).astype(int),
                                                         sample_weight=np.where(grades == 2, 3.0, 1.0))
    return export_trees(model, len(COLUMNS), KIND, check=x[:: max(1, len(x) // CHECK_ROWS)])


def out_of_fold_calibration(matcher: Matcher, rows: dict[str, SetRows], depth: int) -> Calibration:
    """The fit-score calibration on scores the trees did not train on: for each development set, the trees
    trained on the other three rank its profiles as the product does (``Matcher.recommend``), and every judged
    match of their first ``depth`` counts once."""
    scores: list[float] = []
    grades: list[int] = []
    recommender = matcher.recommender
    encoder, documents = matcher.settings.encoder, matcher.index.current().lexical.n_docs
    try:
        for name, held in rows.items():
            # trained with this store's encoder: without it in the manifest the recommender would not apply
            # the trees (``applies_to``) and the calibration would map the weighted scorer's scores
            fold = JudgedReranker(fit([r for n, r in rows.items() if n != name]), {"training": {"encoder": encoder}})
            if not fold.applies_to(encoder, documents):
                raise SystemExit(f"the re-ranker does not rank this store ({documents} notices, fewer than "
                                 f"{MIN_DOCUMENTS}): calibrate on the judged store")
            recommender.__dict__["judged_reranker"] = fold
            for item in held.profiles:
                for match in matcher.recommend(item.profile, MatchQuery(k=depth, include_closed=True)):
                    if match.tender_id in item.grades:  # unjudged results say nothing either way
                        scores.append(match.score)
                        grades.append(item.grades[match.tender_id])
    finally:
        recommender.__dict__.pop("judged_reranker", None)
    info = {"judged_files": [file for _, file, _ in DEVELOPMENT_SETS], "out_of_fold": True, "depth": depth,
            "matches": len(scores), "encoder": matcher.settings.encoder}
    return fit_calibration(scores, [g == 2 for g in grades], [g >= 1 for g in grades], info)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluation", type=Path, default=Path("evaluation"), help="folder of the judged files")
    parser.add_argument("--models-dir", type=Path, default=None, help="default: MATCHER_MODELS_DIR")
    parser.add_argument("--leave-out", choices=[name for name, _, _ in DEVELOPMENT_SETS], default=None)
    parser.add_argument("--calibrate", action="store_true",
                        help="also fit and save the fit-score calibration on out-of-fold scores")
    parser.add_argument("--depth", type=int, default=20, help="results per profile the calibration reads")
    args = parser.parse_args()
    settings = get_settings()
    matcher = Matcher(settings)
    corpus = Corpus.of(matcher)
    models_dir = args.models_dir or settings.models_dir
    rows = set_rows(matcher, corpus, args.evaluation)
    kept = {name: r for name, r in rows.items() if name != args.leave_out}
    trees = fit(list(kept.values()))
    grades = np.concatenate([r.grades for r in kept.values()])
    training = {
        "sets": {name: len(r.profiles) for name, r in kept.items()}, "left_out": args.leave_out,
        "rows": len(grades), "relevant_rows": int((grades >= 1).sum()), "graded_2_rows": int((grades == 2).sum()),
        "encoder": settings.encoder, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = save_judged_reranker(trees, models_dir, training)
    print(f"trained on {len(grades)} rows ({training['relevant_rows']} relevant) of {training['sets']} -> {path}")
    if args.calibrate:
        calibration = out_of_fold_calibration(matcher, kept, args.depth)
        saved = save_calibration(calibration, models_dir / FOLDER)
        bands = ", ".join(f"{b.name} >= {b.floor:.2f}: {b.judged} matches, {b.relevant_share} relevant, "
                          f"{b.useful_share} useful" for b in calibration.bands)
        print(f"calibrated on {calibration.info['matches']} out-of-fold judged matches -> {saved}\n{bands}")


if __name__ == "__main__":
    main()

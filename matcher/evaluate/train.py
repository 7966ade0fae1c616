"""Training the re-ranker on award history, using only what is dated before the cut.

Inside the history before the cut, an inner time split (at the same quantile) gives profiles (wins before the
inner cut) and labels (wins between the inner cut and the cut). Features come from the product's own code
(``EvalContext.firm``). Two thirds of the firms train a pairwise logistic regression (each won award against
random awards it did not win) and tree ensembles (``matcher.ranking.trees``: won rows against the not-won rows history
ranks highest plus weighted random ones); the other third validates them against the hand-set weighted
scorers, and the best on validation Recall@k is what ships (a learnt model is then refitted on every firm).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from tqdm import tqdm

from matcher.errors import InvalidInput
from matcher.evaluate.context import EvalContext
from matcher.evaluate.metrics import average, firm_metrics, rank_positions
from matcher.evaluate.split import cutoff_at_quantile, time_split
from matcher.normalize.suppliers import SupplierResolver
from matcher.ranking.features import FEATURES
from matcher.ranking.fusion import Scorer, WeightedScorer, fuse_matrix
from matcher.ranking.reranker import HISTORY_CHOICES, fit_pairwise
from matcher.ranking.trees import TREE_CHOICES, fit_trees
from matcher.schema import Award
from matcher.search.encoders import Embedder

log = logging.getLogger(__name__)

NEGATIVES_PER_POSITIVE = 30
HARD_NEGATIVES = 60  # per firm, the candidates history ranks highest that it did not win (tree rows)
RANDOM_NEGATIVES = 60  # per firm, plus this many at random
VALIDATION_EVERY = 3  # every third firm validates


Points = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class TrainingSet:
    pairs: list[np.ndarray] = field(default_factory=list)  # positive - negative feature differences
    validation: list[tuple[np.ndarray, np.ndarray, list[int]]] = field(default_factory=list)
    train_pairs_all: list[np.ndarray] = field(default_factory=list)
    points: list[Points] = field(default_factory=list)  # (rows, won, sample weight) for the trees
    points_all: list[Points] = field(default_factory=list)
    span: dict[str, Any] = field(default_factory=dict)


def _differences(features: np.ndarray, relevant: list[int], rng: np.random.Generator) -> np.ndarray:
    negatives = np.setdiff1d(np.arange(len(features)), relevant)
    out = []
    for positive in relevant:
        chosen = rng.choice(negatives, size=min(NEGATIVES_PER_POSITIVE, len(negatives)), replace=False)
        out.append(features[positive] - features[chosen])
    return np.vstack(out) if out else np.zeros((0, features.shape[1]))


def _points(features: np.ndarray, relevant: list[int], rng: np.random.Generator) -> Points:
    """A firm's won rows and not-won rows: the ones its history ranks highest (hard) and some at random,
    the random ones weighted by how many they stand for, so the trees learn the odds over all candidates."""
    negatives = np.setdiff1d(np.arange(len(features)), relevant)
    prior = features[negatives, FEATURES.index("history")] + 1.5 * features[negatives, FEATURES.index("market_share")]
    hard = negatives[np.argsort(-prior, kind="stable")[:HARD_NEGATIVES]]
    rest = np.setdiff1d(negatives, hard)
    easy = rng.choice(rest, size=min(RANDOM_NEGATIVES, len(rest)), replace=False)
    rows = np.r_[np.asarray(relevant, dtype=np.int64), hard, easy]
    won = np.r_[np.ones(len(relevant)), np.zeros(len(hard) + len(easy))]
    weight = np.r_[np.ones(len(relevant) + len(hard)), np.full(len(easy), len(rest) / max(len(easy), 1))]
    return features[rows], won, weight


def training_set(
    awards: Sequence[Award], cutoff: date, embedders: Mapping[str, Embedder], default_encoder: str,
    resolver: SupplierResolver | None = None, quantile: float = 0.7, progress: bool = False, seed: int = 0,
) -> TrainingSet:
    """Pairs from the awards dated before ``cutoff`` only."""
    before = [a for a in awards if a.date < cutoff]
    if not before:
        raise InvalidInput(f"no awards before {cutoff} to train on")
    inner = cutoff_at_quantile(before, quantile)
    split = time_split(before, inner, resolver)
    if len(split.firms) < VALIDATION_EVERY:
        raise InvalidInput(f"too few suppliers with wins on both sides of {inner} (inner cut before {cutoff})")
    context = EvalContext.build(split, embedders, default_encoder, progress=progress)
    rng = np.random.default_rng(seed)
    out = TrainingSet()
    for n, identity in enumerate(tqdm(split.firms, desc="training pairs", disable=not progress)):
        view = context.firm(identity)
        relevant = split.relevant[identity]
        pairs = _differences(view.features, relevant, rng)
        points = _points(view.features, relevant, rng)
        out.train_pairs_all.append(pairs)
        out.points_all.append(points)
        if n % VALIDATION_EVERY == 0:
            out.validation.append((view.features, view.guards, relevant))
        else:
            out.pairs.append(pairs)
            out.points.append(points)
    out.span = {
        "from": min(a.date for a in before).isoformat(), "to": max(a.date for a in before).isoformat(),
        "inner_cut": inner.isoformat(), "cutoff": cutoff.isoformat(), "firms": len(split.firms),
        "positives": split.positives, "candidates": len(split.candidates),
    }
    return out


def _validate(scorer: Scorer, training: TrainingSet, k: int) -> dict[str, float]:
    tiebreak = np.random.default_rng(0).permutation(len(training.validation[0][0]))
    return average(
        firm_metrics(rank_positions(fuse_matrix(f, g, scorer), rel, tiebreak), k) for f, g, rel in training.validation
    )


def decision_pairs(decisions: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Partner decisions as pairs: every approved tender's features minus every rejected one's, per firm."""
    out = [(a[:, None, :] - r[None, :, :]).reshape(-1, a.shape[1]) for a, r in decisions if len(a) and len(r)]
    return np.vstack(out) if out else np.zeros((0, len(FEATURES)))


def train(
    training: TrainingSet, k: int = 10, decisions: Sequence[tuple[np.ndarray, np.ndarray]] = ()
) -> tuple[Scorer, dict[str, Any]]:
    """The scorer to ship and a report of the choice (validation metrics of every contender). ``decisions``
    (approved, rejected feature rows per firm, from ``matcher.evaluate.decision_pairs``) join the training pairs."""
    extra = decision_pairs(decisions)
    training.pairs.append(extra)
    training.train_pairs_all.append(extra)
    training.span["decision_pairs"] = len(extra)
    contenders: dict[str, Scorer] = {
        "logistic": fit_pairwise(np.vstack(training.pairs)),
        **{f"weighted:{name}": WeightedScorer(name=name, weight=w) for name, w in HISTORY_CHOICES.items()},
    }
    x, y, w = _stack(training.points)
    if len(np.unique(y)) == 2:  # the trees need won and not-won rows
        contenders |= {f"trees:{name}": fit_trees(x, y, name, weight=w) for name in TREE_CHOICES}
    metrics = {name: _validate(scorer, training, k) for name, scorer in contenders.items()}
    best = max(metrics, key=lambda name: (metrics[name][f"recall@{k}"], metrics[name]["mrr"]))
    log.info("re-ranker validation: %s; shipping %s", metrics, best)
    return _refit(best, contenders[best], training), {"selected": best, "validation": metrics, "span": training.span}


def _stack(points: Sequence[Points]) -> Points:
    if not points:
        return np.zeros((0, len(FEATURES))), np.zeros(0), np.zeros(0)
    rows, won, weight = zip(*points, strict=True)
    return np.vstack(rows), np.concatenate(won), np.concatenate(weight)


def _refit(best: str, scorer: Scorer, training: TrainingSet) -> Scorer:
    """The validated choice, refitted on every firm (validation ones too) when it is learnt."""
    if best == "logistic":
        return fit_pairwise(np.vstack(training.train_pairs_all))
    if best.startswith("trees:"):
        x, y, w = _stack(training.points_all)
        return fit_trees(x, y, best.removeprefix("trees:"), weight=w)
    return scorer

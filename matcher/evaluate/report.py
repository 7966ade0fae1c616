"""Run every method over a time split and report the metrics (the ``matcher evaluate`` payload).

"default" is the shipped ranking: the product's features (``EvalContext.firm``) fused by the scorer the
Matcher picks for a firm with award history (``pick_scorer``): the saved re-ranker when its training data
ends before the cut, otherwise one trained here on the awards before the cut (``matcher.evaluate.train``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from tqdm import tqdm

from matcher.errors import InvalidInput
from matcher.evaluate.baselines import baselines
from matcher.evaluate.context import EvalContext
from matcher.evaluate.metrics import average, firm_metrics, rank_positions
from matcher.evaluate.split import MIN_AFTER, MIN_BEFORE, TimeSplit, time_split
from matcher.evaluate.train import train, training_set
from matcher.ranking.features import FEATURES
from matcher.ranking.fusion import Scorer, WeightedScorer, fuse_matrix
from matcher.ranking.reranker import pick_scorer
from matcher.schema import Award
from matcher.search.encoders import Embedder

log = logging.getLogger(__name__)

SINGLE_SIGNALS = ("lexical", "codes", "value", "history", "history_similarity", "code_affinity",
                  "buyer_affinity", "value_affinity", "pair_affinity", "market_share", "label_prior",
                  "family_prior", "recent_holder", "title_value_affinity")


@dataclass
class EvalReport:
    cutoff: date
    firms: int
    positives: int
    candidates: int
    default: str
    k: int
    methods: dict[str, dict[str, float]]
    ranks: dict[str, list[np.ndarray]] = field(default_factory=dict)  # per method, per firm (firm order)
    firm_ids: list[str] = field(default_factory=list)
    scorer: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The documented ``--json`` shape."""
        return {
            "cutoff": self.cutoff.isoformat(), "firms": self.firms, "positives": self.positives,
            "candidates": self.candidates, "default": self.default, "methods": self.methods,
        }


def shipped_scorer(reranker: Scorer | None, manifest_to: str | None, cutoff: date) -> Scorer | None:
    """The saved re-ranker if it saw nothing on or after the cut, else None (train one here instead)."""
    if reranker is None or manifest_to is None:
        return None
    return reranker if date.fromisoformat(manifest_to) < cutoff else None


def evaluate(
    awards: Sequence[Award], cutoff: date, embedders: Mapping[str, Embedder], default_encoder: str,
    k: int = 10, reranker: Scorer | None = None, progress: bool = False,
) -> EvalReport:
    """Every method on one time split. ``reranker`` is the saved one, already checked by ``shipped_scorer``."""
    started = time.perf_counter()
    split = time_split(awards, cutoff)
    _check_split(split, awards)
    scorer_info: dict[str, Any] = {"source": "saved"}
    if reranker is None:
        chosen, scorer_info = train(training_set(awards, cutoff, embedders, default_encoder, split.resolver,
                                                 progress=progress), k)
        scorer_info["source"] = "trained on this file before the cut"
        reranker = chosen
    default = pick_scorer(WeightedScorer(), reranker, has_history=True)
    context = EvalContext.build(split, embedders, default_encoder, progress=progress)
    ranks = _rank_all(split, context, default, k, progress)
    report = EvalReport(
        cutoff=split.cutoff, firms=len(split.firms), positives=split.positives, candidates=len(split.candidates),
        default="default", k=k, methods={m: average(firm_metrics(r, k) for r in rs) for m, rs in ranks.items()},
        ranks=ranks, firm_ids=split.firms, scorer={**scorer_info, "name": default.name},
    )
    report.seconds = round(time.perf_counter() - started, 1)
    return report


def _check_split(split: TimeSplit, awards: Sequence[Award]) -> None:
    """A cut that leaves one side empty, or no supplier on both sides, has nothing to measure: said before any
    training (an empty side reached scikit-learn as a ValueError)."""
    span = f"in this file (its awards run from {min(a.date for a in awards)} to {max(a.date for a in awards)})"
    if not split.history:
        raise InvalidInput(f"no awards before {split.cutoff} {span}")
    if not split.candidates:
        raise InvalidInput(f"no awards on or after {split.cutoff} {span}")
    if not split.profiles:
        raise InvalidInput(f"no supplier has {MIN_BEFORE} distinct wins before {split.cutoff} and {MIN_AFTER} on "
                           "or after it: nothing to measure (choose another --cutoff)")


def _rank_all(
    split: TimeSplit, context: EvalContext, default: Scorer, k: int, progress: bool
) -> dict[str, list[np.ndarray]]:
    tiebreak = np.random.default_rng(0).permutation(len(split.candidates))
    others = baselines(split)
    ranks: dict[str, list[np.ndarray]] = {}

    def add(name: str, scores: np.ndarray, relevant: list[int]) -> None:
        ranks.setdefault(name, []).append(rank_positions(scores, relevant, tiebreak))

    for identity in tqdm(split.firms, desc="evaluating firms", disable=not progress):
        relevant = split.relevant[identity]
        view = context.firm(identity)
        add("default", fuse_matrix(view.features, view.guards, default), relevant)
        add("weighted (no history)", fuse_matrix(view.features, view.guards, WeightedScorer()), relevant)
        for encoder in context.embedders:
            add(f"dense:{encoder}", context.dense(identity, encoder), relevant)
        for name in SINGLE_SIGNALS:
            add(name, view.features[:, FEATURES.index(name)], relevant)
        for name, baseline in others.items():
            add(name, baseline(identity), relevant)
    return ranks

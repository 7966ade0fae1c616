"""Fuse signals into one score in [0, 1] and order candidates.

The default is a weighted mean of the signals times the exact-term guard. A learned re-ranker (see
``matcher.ranking.reranker``) can replace the weighted mean; it sees the same signal vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from matcher.feature_set import FEATURE_SET
from matcher.ranking.signals import FEATURES, Signals

#: The default weight of every signal, as declared (and chosen) in ``matcher.feature_set``.
DEFAULT_WEIGHTS: dict[str, float] = {f.name: f.weight for f in FEATURE_SET if f.kind == "signal"}


class Scorer(Protocol):
    """Maps feature vectors (n, len(FEATURES)) to scores in [0, 1]."""

    name: str

    def score(self, features: np.ndarray) -> np.ndarray: ...

    def weights(self) -> dict[str, float]: ...


@dataclass
class WeightedScorer:
    """A weighted mean of the signals. Weights need not sum to one; they are normalised."""

    name: str = "hybrid"
    weight: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def score(self, features: np.ndarray) -> np.ndarray:
        w = np.array([self.weight.get(name, 0.0) for name in FEATURES], dtype=np.float64)
        total = w.sum()
        if total <= 0:
            return np.zeros(len(features))
        return np.asarray(np.clip(features @ (w / total), 0.0, 1.0), dtype=np.float64)

    def weights(self) -> dict[str, float]:
        total = sum(self.weight.values()) or 1.0
        return {k: round(v / total, 4) for k, v in self.weight.items() if v}


def fuse(signals: Sequence[Signals], scorer: Scorer) -> np.ndarray:
    """Scores for each pair: the scorer's output damped by the exact-term guard."""
    if not signals:
        return np.zeros(0)
    features = np.array([s.vector() for s in signals], dtype=np.float64)
    guards = np.array([s.guard.multiplier for s in signals], dtype=np.float64)
    return fuse_matrix(features, guards, scorer)


def fuse_matrix(features: np.ndarray, guards: np.ndarray, scorer: Scorer) -> np.ndarray:
    """``fuse`` over a feature matrix (evaluation scores thousands of pairs this way)."""
    return np.asarray(np.clip(scorer.score(features) * guards, 0.0, 1.0), dtype=np.float64)


def order(scores: np.ndarray, keys: Sequence[str], k: int | None = None) -> list[int]:
    """Indices by descending score; ties broken by key so results are deterministic. With ``k``, only the
    first k, sorting just the candidates that can reach them (the k-th best score and above)."""
    pool: Sequence[int] = range(len(keys))
    if k is not None and 0 < k < len(keys):
        kth = np.partition(np.asarray(scores), len(keys) - k)[len(keys) - k]
        pool = np.flatnonzero(np.asarray(scores) >= kth).tolist()
    return sorted(pool, key=lambda i: (-float(scores[i]), keys[i]))[:k]

"""Ranking metrics for one firm, macro-averaged over firms.

``rank_positions`` turns scores into the 1-based rank of each relevant item. Ties are broken by a fixed
random permutation (the same for every method), so a method that scores everything alike gets the rank a
random order would give it, not the flattering or unflattering one that input order would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

METRICS = ("recall", "hr", "mrr", "ndcg")


def rank_positions(scores: np.ndarray, relevant: Sequence[int], tiebreak: np.ndarray) -> np.ndarray:
    """Sorted 1-based ranks of the relevant items when ordering by score (descending)."""
    order = np.lexsort((tiebreak, -scores))
    rank_of = np.empty(len(scores), dtype=np.int64)
    rank_of[order] = np.arange(1, len(scores) + 1)
    return np.sort(rank_of[np.asarray(relevant, dtype=np.int64)])


def recall_at(ranks: np.ndarray, k: int) -> float:
    return float(np.sum(ranks <= k) / len(ranks)) if len(ranks) else 0.0


def hit_at(ranks: np.ndarray, k: int) -> float:
    return float(np.any(ranks <= k))


def reciprocal_rank(ranks: np.ndarray) -> float:
    return float(1.0 / ranks.min()) if len(ranks) else 0.0


def ndcg_at(ranks: np.ndarray, k: int) -> float:
    """Binary-relevance nDCG@k: DCG of the hits in the top k over the DCG of a perfect top k."""
    if not len(ranks):
        return 0.0
    dcg = float(np.sum(1.0 / np.log2(ranks[ranks <= k] + 1)))
    ideal = float(np.sum(1.0 / np.log2(np.arange(1, min(k, len(ranks)) + 1) + 1)))
    return dcg / ideal


def firm_metrics(ranks: np.ndarray, k: int) -> dict[str, float]:
    return {
        f"recall@{k}": recall_at(ranks, k),
        f"hr@{k}": hit_at(ranks, k),
        "mrr": reciprocal_rank(ranks),
        f"ndcg@{k}": ndcg_at(ranks, k),
    }


def average(per_firm: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Macro average over firms (each firm counts once, however many awards it won)."""
    rows = list(per_firm)
    if not rows:
        return {}
    return {key: round(float(np.mean([r[key] for r in rows])), 4) for key in rows[0]}


def recall_curve(ranks: Sequence[np.ndarray], ks: Sequence[int]) -> list[float]:
    """Mean Recall@k for each k (the notebook's Recall@k plot)."""
    return [float(np.mean([recall_at(r, k) for r in ranks])) if ranks else 0.0 for k in ks]

"""Partner decisions as a ranking signal.

A tender a partner approved for a firm scores 1, one still proposed 0.75; a rejected one never reaches
ranking (it is filtered out). Every other candidate moves towards the firm's approved tenders and away from
its rejected ones: 0.5 plus half the difference between its best cosine to an approved tender and its best
cosine to a rejected one. A firm without decisions gets the neutral 0.5 everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from matcher.signals import NEUTRAL

PROPOSED = 0.75


def feedback_signal(
    candidate_ids: Sequence[str],
    candidate_vectors: np.ndarray,
    statuses: Mapping[str, str],
    approved_vectors: np.ndarray,
    rejected_vectors: np.ndarray,
) -> list[tuple[float, str]]:
    """(value, note) per candidate, in candidate order."""
    pull = _best_cosine(candidate_vectors, approved_vectors)
    push = _best_cosine(candidate_vectors, rejected_vectors)
    out: list[tuple[float, str]] = []
    for i, tender_id in enumerate(candidate_ids):
        status = statuses.get(tender_id)
        if status == "approved":
            out.append((1.0, "approved for this firm by its partner"))
        elif status == "proposed":
            out.append((PROPOSED, "on the firm's shortlist, awaiting the partner's decision"))
        elif not len(approved_vectors) and not len(rejected_vectors):
            out.append((NEUTRAL, ""))
        else:
            value = float(np.clip(NEUTRAL + (pull[i] - push[i]) / 2, 0.0, 1.0))
            note = "resembles tenders the partner approved" if value > 0.6 else ""
            out.append((value, note))
    return out


def _best_cosine(candidates: np.ndarray, references: np.ndarray) -> np.ndarray:
    if not len(references) or not len(candidates):
        return np.zeros(len(candidates), dtype=np.float32)
    return np.asarray(np.clip((candidates @ references.T).max(axis=1), 0.0, 1.0), dtype=np.float32)

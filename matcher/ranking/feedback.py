"""Partner decisions as a ranking signal.

A tender a partner approved for a firm scores 1, one still proposed 0.75; a rejected one never reaches
ranking (it is filtered out). Every other candidate moves towards the firm's approved tenders and away from
its rejected ones: 0.5 plus half the difference between its likeness to the nearest approved tender and to
the nearest rejected one. Likeness is the mean of the text cosine and how close the two notices' codes are
(``matcher.normalize.codes``: same product class, group, ...): "more like this one" means more of what that notice
buys, and on the judged tuning half the cosine alone moved notices that read alike but buy something else
(``matcher evaluate --judged --decisions``). A firm without decisions gets the neutral 0.5 everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.ranking.features import code_similarity
from matcher.ranking.signals import NEUTRAL

PROPOSED = 0.75


@dataclass(frozen=True)
class Decided:
    """The decided tenders of one kind (approved or rejected): their text vectors and codes."""

    vectors: np.ndarray
    codes: Sequence[Sequence[str]] = ()


def feedback_signal(
    candidate_ids: Sequence[str],
    candidate_vectors: np.ndarray,
    statuses: Mapping[str, str],
    approved: Decided,
    rejected: Decided,
    candidate_codes: Sequence[Sequence[str]] = (),
) -> list[tuple[float, str]]:
    """(value, note) per candidate, in candidate order."""
    pull = likeness(candidate_vectors, candidate_codes, approved)
    push = likeness(candidate_vectors, candidate_codes, rejected)
    approved_vectors, rejected_vectors = approved.vectors, rejected.vectors
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


def likeness(vectors: np.ndarray, codes: Sequence[Sequence[str]], decided: Decided) -> np.ndarray:
    """Per candidate, its best likeness to one of the decided tenders: the mean of the text cosine and the
    code closeness (the text cosine alone when codes are not given)."""
    if not len(decided.vectors) or not len(vectors):
        return np.zeros(len(vectors), dtype=np.float32)
    cosine = np.clip(vectors @ decided.vectors.T, 0.0, 1.0)
    if not codes or not decided.codes:
        return np.asarray(cosine.max(axis=1), dtype=np.float32)
    closeness = np.array([[_code_closeness(mine, theirs) for theirs in decided.codes] for mine in codes])
    return np.asarray(((cosine + closeness) / 2).max(axis=1), dtype=np.float32)


def _code_closeness(a: Sequence[str], b: Sequence[str]) -> float:
    """The closest pair of codes of two notices, either way round (an ancestor code covers its descendants)."""
    return max((max(code_similarity(x, y), code_similarity(y, x)) for x in a for y in b), default=0.0)

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

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.ranking.features import code_block, code_similarity
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
    closeness = code_closeness(codes, decided.codes)
    return np.asarray(((cosine + closeness) / 2).max(axis=1), dtype=np.float32)


def code_closeness(mine: Sequence[Sequence[str]], theirs: Sequence[Sequence[str]]) -> np.ndarray:
    """(len(mine), len(theirs)): for each pair of notices, their closest pair of codes, either way round (an
    ancestor code covers its descendants); 0 when no code of one is near a code of the other.

    Each distinct pair of codes is compared once, and only within a block (``code_block``: codes of different
    CPV divisions or schemes share no level); the notices' maxima are then read from that table. Comparing
    every pair of codes of every pair of notices cost a firm with 300 decided notices about 4 s a ranking (40.8 of
    44.3 s for 10 digests on the smoke store with 300 shortlist items a firm, profiled), growing with its history."""
    ours = sorted({code for codes in mine for code in codes})
    others = sorted({code for codes in theirs for code in codes})
    column = {code: k for k, code in enumerate(others)}
    blocks: dict[str, list[int]] = defaultdict(list)
    for code in others:
        blocks[code_block(code)].append(column[code])
    pairs = np.zeros((len(ours), len(others) + 1), dtype=np.float32)  # the last column: no code (padding)
    for row, code in enumerate(ours):
        for k in blocks.get(code_block(code), ()):
            pairs[row, k] = max(code_similarity(code, others[k]), code_similarity(others[k], code))
    row_of = {code: row for row, code in enumerate(ours)}
    best = np.zeros((len(mine), len(others) + 1), dtype=np.float32)  # per notice of mine: per code of theirs
    for i, codes in enumerate(mine):
        if codes:
            best[i] = pairs[[row_of[code] for code in codes]].max(axis=0)
    width = max((len(codes) for codes in theirs), default=0) or 1
    table = np.full((len(theirs), width), len(others), dtype=np.int64)
    for j, codes in enumerate(theirs):
        table[j, : len(codes)] = [column[code] for code in codes]
    return np.asarray(best[:, table].max(axis=2), dtype=np.float32)

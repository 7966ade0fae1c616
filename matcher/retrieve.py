"""Candidate retrieval: over-fetch from the vector index, then apply the hard filters.

Hard filters (open deadline, opportunity notice types, countries, value range, excluded ids) can remove most
of what the index returns (most notices in a year-long feed are closed or are award notices), so the fetch
grows until enough candidates pass or the whole index has been seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from tqdm import tqdm

from matcher.fx import to_eur
from matcher.index import VectorIndex
from matcher.schema import OPPORTUNITY_TYPES, Tender

FETCH_GROWTH = 4


@dataclass(frozen=True)
class MatchQuery:
    """What the caller asked for: how many results and which hard filters apply."""

    k: int = 10
    include_closed: bool = False
    countries: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    value_currency: str = "EUR"
    exclude: frozenset[str] = field(default_factory=frozenset)
    #: Only for reverse matching and evaluation: allow award notices and other non-opportunities.
    any_notice_type: bool = False


def passes(tender: Tender, query: MatchQuery, now: datetime) -> bool:
    """True when the tender survives every hard filter. Unknown values are kept (most notices lack one)."""
    if tender.tender_id in query.exclude:
        return False
    if not query.any_notice_type and tender.notice_type not in OPPORTUNITY_TYPES:
        return False
    if not query.include_closed and tender.deadline is not None and tender.deadline < now:
        return False
    if query.countries and not set(query.countries) & set(tender.all_countries()):
        return False
    return _value_passes(tender, query)


def _value_passes(tender: Tender, query: MatchQuery) -> bool:
    if query.min_value is None and query.max_value is None:
        return True
    if tender.value is None:
        return True
    value = to_eur(tender.value, tender.currency)
    if value is None:
        return True
    low = to_eur(query.min_value, query.value_currency) if query.min_value is not None else None
    high = to_eur(query.max_value, query.value_currency) if query.max_value is not None else None
    return (low is None or value >= low) and (high is None or value <= high)


def retrieve(
    index: VectorIndex,
    query_vector: np.ndarray,
    fetch: Callable[[list[str]], dict[str, Tender]],
    query: MatchQuery,
    now: datetime,
    overfetch: int,
    min_candidates: int,
) -> list[tuple[Tender, float]]:
    """Up to ``max(k * overfetch, min_candidates)`` filtered candidates with their dense similarity."""
    wanted = max(query.k * overfetch, min_candidates)
    fetch_size = wanted
    while True:
        hits = index.search(query_vector.reshape(1, -1), fetch_size)[0]
        tenders = fetch([tid for tid, _ in hits])
        passed = [
            (tenders[tid], score) for tid, score in hits if tid in tenders and passes(tenders[tid], query, now)
        ]
        if len(passed) >= wanted or fetch_size >= len(index):
            return passed[:wanted]
        fetch_size *= FETCH_GROWTH


def retrieve_many(
    index: VectorIndex,
    query_vectors: np.ndarray,
    fetch: Callable[[list[str]], dict[str, Tender]],
    queries: Sequence[MatchQuery],
    now: datetime,
    overfetch: int,
    min_candidates: int,
    progress: bool = False,
    batch_size: int = 256,
) -> list[list[tuple[Tender, float]]]:
    """``retrieve`` for many queries: one FAISS search and one store read per batch of queries. A query
    whose filters leave too few candidates falls back to the growing single-query fetch."""
    out: list[list[tuple[Tender, float]]] = []
    bar = tqdm(total=len(queries), desc="ranking", unit="firm", disable=not progress)
    for start in range(0, len(queries), batch_size):
        batch = list(queries[start : start + batch_size])
        wanted = [max(q.k * overfetch, min_candidates) for q in batch]
        hits = index.search(query_vectors[start : start + len(batch)], max(wanted))
        tenders = fetch(sorted({tid for row in hits for tid, _ in row}))
        for offset, (query, row, want) in enumerate(zip(batch, hits, wanted, strict=True)):
            passed = [(tenders[t], s) for t, s in row if t in tenders and passes(tenders[t], query, now)]
            if len(passed) < want and len(row) < len(index):
                vector = query_vectors[start + offset]
                passed = retrieve(index, vector, fetch, query, now, overfetch, min_candidates)
            out.append(passed[:want])
        bar.update(len(batch))
    bar.close()
    return out

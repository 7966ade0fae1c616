"""Candidate retrieval: over-fetch from the vector index, then apply the hard filters.

Hard filters (open at the moment asked, as ``matcher.normalize.openness`` defines it; opportunity notice types;
countries; value range; excluded ids) can remove most of what the index returns (most notices in a
year-long feed are closed or are award notices), so the fetch grows until enough candidates pass or the
whole index has been seen. Notices published after the moment asked are never returned, closed or not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from matcher.normalize.currencies import to_eur
from matcher.normalize.openness import OpenAt
from matcher.schema import OPPORTUNITY_TYPES, Tender
from matcher.search.vector_index import Subset, VectorIndex

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


def passes(tender: Tender, query: MatchQuery, at: OpenAt) -> bool:
    """True when the tender survives every hard filter at ``at.now``. Unknown values are kept (most notices
    lack one); a notice published after ``at.now`` is not public yet, even with ``include_closed``."""
    if tender.tender_id in query.exclude or not at.visible(tender):
        return False
    if not query.any_notice_type and tender.notice_type not in OPPORTUNITY_TYPES:
        return False
    if not query.include_closed and at.closed(tender):
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


def restricts_to_open(query: MatchQuery) -> bool:
    """Whether only open opportunities can pass this query (so the subset of notices open at the same moment,
    ``TenderRepository.open_ids``, may prefilter it)."""
    return not query.include_closed and not query.any_notice_type


def retrieve(
    index: VectorIndex,
    query_vector: np.ndarray,
    fetch: Callable[[list[str]], dict[str, Tender]],
    query: MatchQuery,
    at: OpenAt,
    min_candidates: int,
    open_now: Subset | None = None,
) -> list[tuple[Tender, float]]:
    """Up to ``max(k, min_candidates)`` filtered candidates with their dense similarity: the same pool for every
    list up to ``min_candidates`` long, so that a shorter list is always the start of a longer one (a pool that
    grew with ``k`` showed a firm asking for 50 a notice at rank 5 that its list of 10 did not hold).
    ``open_now`` (the tenders open at about ``at.now``) narrows the scan for queries that want open ones only;
    every hard filter is still applied to what comes back, so a slightly stale subset is harmless."""
    wanted = max(query.k, min_candidates)
    within = open_now if restricts_to_open(query) else None
    reachable = len(index) if within is None else len(within)
    fetch_size = wanted
    while True:
        hits = index.search(query_vector.reshape(1, -1), fetch_size, within)[0]
        tenders = fetch([tid for tid, _ in hits])
        passed = [
            (tenders[tid], score) for tid, score in hits if tid in tenders and passes(tenders[tid], query, at)
        ]
        if len(passed) >= wanted or fetch_size >= reachable or len(hits) < fetch_size:
            return collapse_duplicates(passed)[:wanted]  # enough, or all the index can reach for it
        fetch_size *= FETCH_GROWTH


def retrieve_many(
    index: VectorIndex,
    query_vectors: np.ndarray,
    fetch: Callable[[list[str]], dict[str, Tender]],
    queries: Sequence[MatchQuery],
    at: OpenAt,
    min_candidates: int,
    progress: bool = False,
    batch_size: int = 256,
    open_now: Subset | None = None,
) -> list[list[tuple[Tender, float]]]:
    """``retrieve`` for many queries: one FAISS search per batch of queries (per kind: open-only queries
    scan ``open_now``, the others everything) and one store read per batch. A query whose filters leave too
    few candidates falls back to the growing single-query fetch."""
    out: list[list[tuple[Tender, float]] | None] = [None] * len(queries)
    bar = tqdm(total=len(queries), desc="ranking", unit="firm", disable=not progress)
    groups = [[i for i, q in enumerate(queries) if restricts_to_open(q) == narrowed] for narrowed in (True, False)]
    for narrowed, members in zip((True, False), groups, strict=True):
        within = open_now if narrowed else None
        reachable = len(index) if within is None else len(within)
        for start in range(0, len(members), batch_size):
            batch = members[start : start + batch_size]
            wanted = [max(queries[i].k, min_candidates) for i in batch]
            depth = max(wanted)
            hits = index.search(query_vectors[batch], depth, within)
            tenders = fetch(sorted({tid for row in hits for tid, _ in row}))
            for i, row, want in zip(batch, hits, wanted, strict=True):
                query = queries[i]
                passed = [(tenders[t], s) for t, s in row if t in tenders and passes(tenders[t], query, at)]
                if len(passed) < want and len(row) == depth < reachable:  # filters took too many: dig deeper
                    passed = retrieve(index, query_vectors[i], fetch, query, at, min_candidates, open_now)
                out[i] = collapse_duplicates(passed)[:want]
            bar.update(len(batch))
    bar.close()
    return [row if row is not None else [] for row in out]


def collapse_duplicates(candidates: list[tuple[Tender, float]]) -> list[tuple[Tender, float]]:
    """One candidate per ``Tender.duplicate_key`` (the same notice published under two ids), in the input
    order. The one kept is the one published last (a re-publication or the call after its prior information
    notice is the current one); on a tie the higher dense score, then the smaller id."""
    best: dict[str, tuple[Tender, float]] = {}
    for tender, score in candidates:
        key = tender.duplicate_key()
        held = best.get(key)
        if held is None or _preferred((tender, score), held):
            best[key] = (tender, score)
    kept = {id(tender) for tender, _ in best.values()}
    return [(tender, score) for tender, score in candidates if id(tender) in kept]


def _preferred(new: tuple[Tender, float], held: tuple[Tender, float]) -> bool:
    (tender, score), (other, other_score) = new, held
    published = tender.published.toordinal() if tender.published else 0
    other_published = other.published.toordinal() if other.published else 0
    if published != other_published:
        return published > other_published
    if score != other_score:
        return score > other_score
    return tender.tender_id < other.tender_id

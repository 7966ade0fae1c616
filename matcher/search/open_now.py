"""What is open at the Matcher's clock, kept between requests (the rule itself: ``matcher.normalize.openness``).

Two things are read from the store for every ranking and change rarely: the indexed notices open now, a
FAISS prefilter (in a year-long feed most notices are closed, and scanning only open ones spares fetching
and discarding thousands per request), and the ids that later notices cancelled, which the hard filters
check (``OpenAt``). The subset is rebuilt when the index changes, the tenders change (one counter read,
``matcher.store.versions``) or the minute turns; the hard filters applied to what comes back close what it
still holds, but a notice it leaves out is never found. Keyed on the index alone, a notice re-opened without
changing itself (the notice that cancelled it deleted) stayed out until an index job ended, while its page
and search said it was open. The cancelled ids are read again whenever the tenders change or the day turns
(a cancellation counts from its publication day), so a cancellation is never missed.
"""

from __future__ import annotations

from datetime import date, datetime

from matcher.normalize.openness import OpenAt, today
from matcher.search.index_sync import LoadedIndex
from matcher.search.vector_index import Subset
from matcher.store import Database, TenderRepository, versions


class OpenNow:
    def __init__(self, db: Database, tenders: TenderRepository) -> None:
        self._db = db
        self._tenders = tenders
        self._subset: tuple[tuple[str, int, datetime], Subset] | None = None
        self._cancelled: tuple[tuple[int, date], frozenset[str]] | None = None

    def at(self, now: datetime) -> OpenAt:
        """The open rule at ``now`` with the ids cancelled by notices stored now and published by then."""
        with self._db.connect() as conn:
            key = (versions.read(conn, "tenders"), today(now))
            cached = self._cancelled
            if cached is None or cached[0] != key:
                cached = (key, self._tenders.cancelled_ids(conn, now))
                self._cancelled = cached
        return OpenAt(self._tenders.open_rule, now, cached[1])

    def subset(self, loaded: LoadedIndex, now: datetime) -> Subset:
        """The indexed notices open at ``now`` (to the minute) as the store holds them now."""
        with self._db.connect() as conn:
            key = (loaded.build_id, versions.read(conn, "tenders"), now.replace(second=0, microsecond=0))
            cached = self._subset
            if cached is not None and cached[0] == key:
                return cached[1]
            subset = loaded.vectors.subset(self._tenders.open_ids(conn, now))
        self._subset = (key, subset)
        return subset

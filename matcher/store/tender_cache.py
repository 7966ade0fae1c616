"""Parsed tenders kept between requests (``TenderCache``), dropped whenever the tender tables change."""

from __future__ import annotations

import threading

from cachetools import FIFOCache
from sqlalchemy import Connection

from matcher.schema import Tender
from matcher.store import versions
from matcher.store.tenders import TenderRepository

#: Parsed tenders a process keeps: every open notice of a year-long feed (about one in ten of a million).
TENDERS_CACHED = 150_000


class TenderCache:
    """Parsed tenders kept between requests, dropped whenever the tender tables change.

    Ranking reads the same candidate notices again and again; parsing their JSON into validated models
    was the largest cost of a recommendation, and checking each one's content hash against the store was
    the next. Every write bumps the tenders counter (``matcher.store.versions``) in its own transaction,
    so one primary-key read tells whether anything may have changed: if so the cache starts over, and a
    changed or deleted notice is never served stale, from this process or another. Within one version, the
    tenders parsed longest ago make room (first in, first out: serving a tender does not refresh it).
    """

    def __init__(self, repository: TenderRepository, size: int = TENDERS_CACHED) -> None:
        self._repository = repository
        self._items: FIFOCache[str, Tender] = FIFOCache(maxsize=size)
        self._version: int | None = None
        self._lock = threading.Lock()

    def get_many(self, conn: Connection, ids: list[str]) -> dict[str, Tender]:
        version = versions.read(conn, "tenders")
        found: dict[str, Tender] = {}
        with self._lock:
            if version != self._version:
                self._items.clear()
                self._version = version
            for tender_id in ids:
                cached = self._items.get(tender_id)
                if cached is not None:
                    found[tender_id] = cached
        fresh = self._repository.get_many(conn, [t for t in dict.fromkeys(ids) if t not in found])
        with self._lock:
            if version == self._version:
                self._items.update(fresh)
        found.update(fresh)
        return found

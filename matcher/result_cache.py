"""Ranked recommendations kept between requests, valid for exactly as long as their inputs.

A firm's recommendations depend on the index build, the stored tenders, the firm's profile, its partner's
decisions, the award history and the clock. The key holds the index build id and the change counters of
``matcher.store.versions`` (one read for all of them), so any committed write, from any process, makes
every older entry unreachable; the clock enters by the minute, and a hit whose list holds a tender that
closed since is recomputed rather than served. Dashboards and partners re-open the same firms all day;
this serves those repeats without ranking again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime

from matcher.schema import Match


class ResultCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, list[Match]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, now: datetime) -> list[Match] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None and all(m.deadline is None or m.deadline >= now for m in found):
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
            return None

    def put(self, key: Hashable, matches: list[Match]) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = matches
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

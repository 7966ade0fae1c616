"""Ranked recommendations kept between requests, valid for exactly as long as their inputs.

A firm's recommendations depend on the index build, the stored tenders, the firm's profile, its partner's
decisions, the award history and the clock. The key holds the index build id and the change counters of
``matcher.store.versions`` (one read for all of them), so any committed write, from any process, makes
every older entry unreachable. The clock enters as an expiry per entry (``fresh_until``): the first moment
one of its tenders closes or its "days left" changes, and at most ``max_age`` after it was ranked. Tenders
outside the list closing meanwhile cannot change it (the open set only shrinks), so entries do not all
expire together on the minute, and dashboards and partners re-opening the same firms all day are served
without ranking again.

The core caches ``Match`` lists; the API caches the serialised response under the same key. Entries are held
in a ``cachetools.LRUCache`` (the bounded cache every in-process cache of the project uses); the expiry is
checked here against the caller's ``now`` (``Settings.now()``, which replays and tests move) rather than
against ``cachetools.TLRUCache``'s own timer.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from cachetools import LRUCache

from matcher.schema import Match

V = TypeVar("V")
DAY = timedelta(days=1)


def fresh_until(matches: Iterable[Match], now: datetime, max_age: timedelta) -> datetime:
    """The last moment a list ranked at ``now`` is still what ranking would return: up to the first deadline
    of a listed tender (open through it), or the first tick of the whole days left before one (as the
    reasons print them), and at most ``max_age`` on."""
    until = now + max_age
    for match in matches:
        if match.deadline is not None and match.deadline > now:
            whole_days = (match.deadline - now) // DAY
            until = min(until, match.deadline - whole_days * DAY)
    return until


class ResultCache(Generic[V]):
    """A thread-safe LRU map from key to a value and the moments it may be served between.

    ``size`` entries at most (0 turns the cache off). What invalidates an entry: its key (callers put the
    index build and the ``versions`` counters in it, so a write makes older keys unreachable and they age
    out of the LRU), and its window (``put``'s ``since`` and ``expires``: served while ``since <= now <=
    expires``). A clock moved back (a replay, a test, the wall clock stepped back) is before ``since``: a list
    ranked the day a notice was published was served the day before, the notice in it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: LRUCache[Hashable, tuple[V, datetime, datetime | None]] = LRUCache(maxsize=max(size, 1))
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, now: datetime) -> V | None:
        with self._lock:
            found = self._items.get(key)  # a hit becomes the most recently used
            if found is not None and now <= found[1] and (found[2] is None or found[2] <= now):
                self.hits += 1
                return found[0]
            if found is not None and now > found[1]:
                del self._items[key]
            self.misses += 1
            return None

    def put(self, key: Hashable, value: V, expires: datetime, since: datetime | None = None) -> None:
        """Keep ``value`` for ``key`` until ``expires``; from ``since`` on when given (the moment a ranking was
        made at: what the clock has not reached yet, it does not depend on)."""
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = (value, expires, since)  # the least recently used entry makes room

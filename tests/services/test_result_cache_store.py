"""``ResultCache`` on its own: bounded LRU, expiry per entry against the caller's clock, size 0 = off."""

from __future__ import annotations

from datetime import timedelta

from matcher.services.result_cache import ResultCache
from tests.conftest import NOW


def test_an_entry_is_served_through_its_expiry_and_dropped_after() -> None:
    cache = ResultCache[str](4)
    cache.put("k", "v", NOW + timedelta(minutes=5))
    assert cache.get("k", NOW + timedelta(minutes=5)) == "v"  # open through the last moment
    assert cache.get("k", NOW + timedelta(minutes=5, microseconds=1)) is None
    assert cache.get("k", NOW) is None  # dropped, not just hidden: an earlier clock does not bring it back
    assert (cache.hits, cache.misses) == (1, 2)


def test_an_entry_is_not_served_before_the_moment_it_was_made_at() -> None:
    cache = ResultCache[str](4)
    cache.put("k", "v", NOW + timedelta(minutes=5), since=NOW)
    assert cache.get("k", NOW - timedelta(microseconds=1)) is None  # a clock moved back: kept, not served
    assert cache.get("k", NOW) == "v" and cache.get("k", NOW + timedelta(minutes=5)) == "v"
    assert (cache.hits, cache.misses) == (2, 1)


def test_the_least_recently_used_entry_makes_room() -> None:
    cache = ResultCache[int](2)
    later = NOW + timedelta(hours=1)
    cache.put("a", 1, later)
    cache.put("b", 2, later)
    assert cache.get("a", NOW) == 1  # "a" is now more recent than "b"
    cache.put("c", 3, later)
    assert [cache.get(k, NOW) for k in ("a", "b", "c")] == [1, None, 3]
    cache.put("a", 10, later)  # a new value for a held key replaces it, and counts as a use
    cache.put("d", 4, later)
    assert [cache.get(k, NOW) for k in ("a", "c", "d")] == [10, None, 4]


def test_size_zero_keeps_nothing() -> None:
    cache = ResultCache[int](0)
    cache.put("a", 1, NOW + timedelta(hours=1))
    assert cache.get("a", NOW) is None and cache.misses == 1 and cache.size == 0


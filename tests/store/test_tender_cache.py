"""Parsed tenders are cached per process, and a write from any process is seen by the next read."""

from __future__ import annotations

from pathlib import Path

from matcher.config import Settings
from matcher.normalize.openness import OpenRule
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.search.encoders import FakeEncoder
from matcher.store.db import Database
from matcher.store.tender_cache import TenderCache
from matcher.store.tenders import TenderRepository


def test_a_write_by_another_process_is_seen_by_the_next_read(matcher: Matcher, settings: Settings) -> None:
    first = Tender(tender_id="t:1", source="test", title="Pumps for a water plant")
    matcher.upsert_tenders([first, Tender(tender_id="t:2", source="test", title="Road works")])
    assert matcher.fetch_tenders(["t:1"])["t:1"].title == "Pumps for a water plant"
    assert matcher.fetch_tenders(["t:1"])["t:1"] is matcher.fetch_tenders(["t:1"])["t:1"]  # served from cache

    other = Matcher(settings, encoder=FakeEncoder())  # another worker on the same database
    other.upsert_tenders([first.model_copy(update={"title": "Pumps and valves for a water plant"})])
    assert matcher.fetch_tenders(["t:1"])["t:1"].title == "Pumps and valves for a water plant"

    other.delete_tenders(["t:2"], sync=False)
    assert set(matcher.fetch_tenders(["t:1", "t:2", "t:3"])) == {"t:1"}
    other.close()


def test_an_unchanged_reingest_keeps_the_cache(matcher: Matcher) -> None:
    tender = Tender(tender_id="t:1", source="test", title="Pumps for a water plant")
    matcher.upsert_tenders([tender])
    cached = matcher.fetch_tenders(["t:1"])["t:1"]
    matcher.upsert_tenders([tender])  # identical: nothing written, nothing invalidated
    assert matcher.fetch_tenders(["t:1"])["t:1"] is cached


def test_the_cache_is_bounded_and_the_first_parsed_make_room(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'cache.db'}")
    db.create_all()
    repository = TenderRepository(OpenRule(open_call_days=90, prior_information_days=365))
    with db.begin() as conn:
        repository.upsert(conn, [Tender(tender_id=f"t:{i}", source="test", title=f"Notice {i}") for i in range(3)])
    cache = TenderCache(repository, size=2)
    with db.connect() as conn:
        first = cache.get_many(conn, ["t:0", "t:1"])
        assert cache.get_many(conn, ["t:0"])["t:0"] is first["t:0"]  # served, not refreshed
        cache.get_many(conn, ["t:2"])  # a third tender: the first parsed (t:0) makes room
        again = cache.get_many(conn, ["t:0", "t:1"])
    assert again["t:1"] is first["t:1"] and again["t:0"] is not first["t:0"]
    assert again["t:0"] == first["t:0"]

"""Parsed tenders are cached per process, and a write from any process is seen by the next read."""

from __future__ import annotations

from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.search.encoders import FakeEncoder


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

"""Two OCDS feeds on one store: a notice belongs to the feed (or the file ingest) that first stored it, and
another feed that reuses its ocid (a hostile or compromised publisher) can neither rewrite nor close it; its run
says why. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import delete

from matcher.config import Settings
from matcher.feeds.http import PoliteClient
from matcher.feeds.ocds import OcdsConnector
from matcher.feeds.runner import FeedOutcome, FeedRunner
from matcher.ingest.base import Rejected
from matcher.pipeline import Matcher
from matcher.schema import IngestReport, Tender
from matcher.services.feeds import validated_spec
from matcher.store import TenderFilter, tender_owners
from matcher.store.feeds import FeedSpec
from tests.conftest import NOW

OCID = "ocds-a1b2c3-0001"
NOTICE = f"ocds:{OCID}"


def release(title: str | None, tags: list[str], status: str = "active") -> dict[str, Any]:
    tender: dict[str, Any] = {"id": "t1", "status": status, "tenderPeriod": {"endDate": "2030-01-01T00:00:00Z"}}
    if title is not None:
        tender["title"] = title
    return {"ocid": OCID, "id": f"{OCID}-{len(tags)}-{status}", "date": "2021-05-03T10:00:00Z", "tag": tags,
            "language": "en", "buyer": {"name": "Town of Ashford"}, "tender": tender}


ROAD_WORKS = release("Resurfacing of the high street", ["tender"])
HIJACK = release("Send your bid documents to bids.example.net", ["tenderUpdate"])
CLOSE = release(None, ["tenderCancellation"], status="cancelled")


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    local = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    local.no_handler_status_code = 404
    local.start()
    yield local
    local.clear()
    local.stop()


def serve(server: HTTPServer, path: str, *releases: dict[str, Any]) -> None:
    server.expect_request(path).respond_with_json({"releases": list(releases)})


def add(matcher: Matcher, server: HTTPServer, name: str) -> None:
    url = server.url_for(f"/{name}/releases")
    matcher.add_feed(validated_spec(name, "ocds", url=url), actor="test")


def ocds(spec: FeedSpec, client: PoliteClient, settings: Settings) -> OcdsConnector:
    return OcdsConnector(spec, client, settings)


def run(matcher: Matcher, client: PoliteClient, name: str) -> FeedOutcome:
    return FeedRunner(matcher, client, ocds).run([name], sync=False).outcomes[0]


def open_ids(matcher: Matcher) -> set[str]:
    _, found = matcher.search_tenders(TenderFilter(open_at=NOW), limit=10)
    return {tender.tender_id for tender in found}


def test_a_feed_cannot_rewrite_or_close_another_feeds_notice(
    matcher_on_each_store: Matcher, client: PoliteClient, server: HTTPServer,
) -> None:
    matcher = matcher_on_each_store
    add(matcher, server, "a")
    add(matcher, server, "b")
    serve(server, "/a/releases", ROAD_WORKS)
    assert (run(matcher, client, "a").status, run(matcher, client, "a").unchanged) == ("ok", 1)  # idempotent
    before = matcher.get_tender(NOTICE)
    assert before.title == "Resurfacing of the high street"

    serve(server, "/b/releases", HIJACK)
    outcome = run(matcher, client, "b")
    # Skipped, not an error: the rest of b's page would be stored (1 rejected: the reused ocid).
    assert (outcome.status, outcome.new, outcome.updated, outcome.rejected) == ("ok", 0, 0, 1)
    assert matcher.feed("b").last_run.rejections == [(NOTICE, f"{NOTICE} belongs to feed 'a'; not changed")]
    assert matcher.get_tender(NOTICE) == before

    server.clear()
    serve(server, "/b/releases", CLOSE)
    outcome = run(matcher, client, "b")
    assert (outcome.status, outcome.new, outcome.rejected) == ("ok", 0, 1)
    assert matcher.feed("b").last_run.rejections == [
        (f"{NOTICE}:closed", f"{NOTICE}:closed would close {NOTICE}, which belongs to feed 'a'; not changed")]
    assert open_ids(matcher) == {NOTICE}
    assert [t.tender_id for t in matcher.all_tenders()] == [NOTICE]

    # The owner itself may still change and close its notice, and a re-run of its page changes nothing.
    server.clear()
    serve(server, "/a/releases", CLOSE)
    outcome = run(matcher, client, "a")
    assert (outcome.status, outcome.new, outcome.rejected) == ("ok", 1, 0)
    assert open_ids(matcher) == set()
    assert run(matcher, client, "a").unchanged == 1


def notice(tender_id: str, title: str, cancels: list[str] | None = None) -> Tender:
    """An open call, or with ``cancels`` a closing notice (as ``matcher.feeds.ocds`` makes them: type "other")."""
    return Tender(tender_id=tender_id, source="ocds", title=title, published=date(2021, 5, 3),
                  deadline=datetime(2030, 1, 1, tzinfo=UTC), cancels=cancels or [],
                  notice_type="other" if cancels else "open_call")


def store_page(matcher: Matcher, feed: str, *items: Tender) -> IngestReport:
    with matcher.catalog.db.begin() as conn:
        return matcher.catalog.store_feed_page(conn, feed, items, [Rejected("r-9 (page 1)", "no title")])


def test_a_feeds_page_skips_the_notices_another_source_stored_saying_whose_they_are(
    matcher_on_each_store: Matcher, tmp_path: Path,
) -> None:
    matcher = matcher_on_each_store
    road = notice(NOTICE, "Resurfacing of the high street")
    assert store_page(matcher, "a", road).new == 1
    package = tmp_path / "releases.json"
    package.write_text(json.dumps({"uri": "x", "publishedDate": "2021-05-03T10:00:00Z",
                                   "releases": [{**ROAD_WORKS, "ocid": "ocds-a1b2c3-0002"}]}))
    assert matcher.ingest_tenders([package], sync=False).report.new == 1
    filed = matcher.get_tender("ocds:ocds-a1b2c3-0002")

    report = store_page(matcher, "b", notice(NOTICE, "Hijacked"), notice(f"{NOTICE}:closed", "closed", [NOTICE]),
                        notice("ocds:ocds-a1b2c3-0002", "Hijacked"), notice("ocds:b-1", "Feed b's own notice"))
    assert (report.new, report.updated, report.unchanged) == (1, 0, 0)  # only b's own notice
    assert report.rejected == [
        ("r-9 (page 1)", "no title"),  # the page's own rejections first
        (NOTICE, f"{NOTICE} belongs to feed 'a'; not changed"),
        (f"{NOTICE}:closed", f"{NOTICE}:closed would close {NOTICE}, which belongs to feed 'a'; not changed"),
        ("ocds:ocds-a1b2c3-0002", "ocds:ocds-a1b2c3-0002 was stored from a file; not changed"),
    ]
    assert matcher.get_tender(NOTICE) == road
    assert matcher.get_tender("ocds:ocds-a1b2c3-0002") == filed
    assert sorted(t.tender_id for t in matcher.all_tenders()) == ["ocds:b-1", NOTICE, "ocds:ocds-a1b2c3-0002"]

    # The owner changes and closes its own notice; its page again changes nothing; b's stays b's.
    changed = notice(NOTICE, "Resurfacing of the high street, lot 2 added")
    closing = notice(f"{NOTICE}:closed", "closed", [NOTICE])
    report = store_page(matcher, "a", changed, closing)
    assert (report.new, report.updated, report.rejected[1:]) == (1, 1, [])
    assert store_page(matcher, "a", changed, closing).unchanged == 2
    assert store_page(matcher, "a", notice("ocds:b-1", "a's now")).rejected[1:] == [
        ("ocds:b-1", "ocds:b-1 belongs to feed 'b'; not changed")]


def test_a_notice_stored_before_owners_were_kept_goes_to_the_first_feed_that_writes_it(
    matcher_on_each_store: Matcher,
) -> None:
    matcher = matcher_on_each_store
    road = notice(NOTICE, "Resurfacing of the high street")
    assert store_page(matcher, "a", road).new == 1
    with matcher.catalog.db.begin() as conn:  # as an older version left it: no owner
        conn.execute(delete(tender_owners.tender_owners))
    assert store_page(matcher, "a", road).unchanged == 1
    assert store_page(matcher, "b", notice(NOTICE, "Hijacked")).rejected[1:] == [
        (NOTICE, f"{NOTICE} belongs to feed 'a'; not changed")]
    # Deleted, it is no one's: whoever stores it next owns it.
    matcher.delete_tenders([NOTICE], sync=False)
    assert store_page(matcher, "b", notice(NOTICE, "Another")).new == 1
    assert store_page(matcher, "a", road).rejected[1:] == [(NOTICE, f"{NOTICE} belongs to feed 'b'; not changed")]


def test_a_closing_notice_stored_before_its_notice_closes_it_only_when_one_owner_stores_both(
    matcher_on_each_store: Matcher,
) -> None:
    matcher = matcher_on_each_store
    # b closes ocids a has not published yet (a sequence is easy to guess): nothing to refuse when b's page comes.
    assert store_page(matcher, "b", notice(f"{NOTICE}:closed", "closed", [NOTICE])).new == 1
    assert store_page(matcher, "b", notice("ocds:b-2:closed", "closed", ["ocds:b-2"])).new == 1
    assert store_page(matcher, "a", notice(NOTICE, "Resurfacing of the high street")).new == 1
    assert store_page(matcher, "b", notice("ocds:b-2", "Feed b's own notice")).new == 1
    # a's notice stays open; b's own closing notice closes b's own notice, stored before or after it.
    assert open_ids(matcher) == {NOTICE}
    with matcher.catalog.db.connect() as conn:
        assert matcher.catalog.tenders.cancelled_ids(conn, NOW) == {"ocds:b-2"}


def test_a_feed_reading_a_notice_another_source_stored_as_it_is_counts_it_unchanged(
    matcher_on_each_store: Matcher,
) -> None:
    """Two feeds of one publisher, or a feed beside an officer's file of its notices, read the same notices: the
    same content is no change to refuse."""
    matcher = matcher_on_each_store
    road = notice(NOTICE, "Resurfacing of the high street")
    assert store_page(matcher, "a", road).new == 1
    report = store_page(matcher, "b", road)
    assert (report.unchanged, report.rejected[1:]) == (1, [])
    assert store_page(matcher, "b", notice(NOTICE, "Hijacked")).rejected[1:] == [
        (NOTICE, f"{NOTICE} belongs to feed 'a'; not changed")]


def test_a_ted_feed_changes_and_closes_the_ted_notices_an_officer_loaded_from_a_file(
    matcher_on_each_store: Matcher, tmp_path: Path,
) -> None:
    """TED ids are issued by TED alone, whichever feed or file brings them: a TED feed's corrected notice and its
    cancellation reach a notice an officer loaded from a file (only ids publishers share, OCDS's, are guarded)."""
    matcher = matcher_on_each_store
    original = Tender(tender_id="ted:100-2021", source="ted", title="Water meters", published=date(2021, 5, 3),
                      deadline=datetime(2030, 1, 1, tzinfo=UTC), notice_type="open_call")
    path = tmp_path / "notices.jsonl"
    path.write_text(original.model_dump_json(exclude_none=True) + "\n", encoding="utf-8")
    assert matcher.ingest_tenders([path], sync=False).report.new == 1
    assert store_page(matcher, "ted-daily", original).unchanged == 1
    changed = original.model_copy(update={"title": "Water meters, lot 2 added"})
    assert (store_page(matcher, "ted-daily", changed).updated, matcher.get_tender("ted:100-2021")) == (1, changed)
    cancelling = Tender(tender_id="ted:200-2021", source="ted", title="Cancelled", published=date(2021, 5, 4),
                        cancels=["ted:100-2021"], notice_type="other")
    report = store_page(matcher, "ted-daily", cancelling)
    assert (report.new, report.rejected[1:]) == (1, [])
    assert "ted:100-2021" not in open_ids(matcher)

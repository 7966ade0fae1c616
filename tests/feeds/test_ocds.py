"""The OCDS connector end to end: a local publisher on 127.0.0.1 serves real release and record packages
(tests/fixtures/feeds/ocds) paged by ``links.next``; FeedRunner stores them. After every fault, exactly the
right notices are stored and the cursor is where the next run must start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from matcher.config import Settings
from matcher.feeds.http import PoliteClient
from matcher.feeds.ocds import OcdsConnector
from matcher.feeds.runner import FeedOutcome, FeedRunner
from matcher.pipeline import Matcher
from matcher.services.feed_credentials import without_credentials
from matcher.services.feeds import validated_spec
from matcher.store.feeds import FeedSpec
from matcher.store.tenders import TenderFilter
from tests.conftest import FIXTURES
from tests.feeds.conftest import Sleeps, cli

ROOT = Path(__file__).parents[2]
PAGES = FIXTURES / "feeds" / "ocds"
PUBLISHER = "https://ocds.publisher.example"  # the fixtures' stand-in host, replaced by the local server's
#: The UK notices' own time: after their publication (2014-12-17), before most of their deadlines.
NOW = datetime(2015, 1, 15, 12, tzinfo=UTC)
P1, P2, P3, P4 = ("/api/releases?limit=2", "/api/releases?limit=2&offset=2", "/api/releases?limit=2&offset=4",
                  "/api/releases?limit=2&offset=6")


def uk(key: str) -> str:
    """The tender id of a UK Contracts Finder fixture notice, by the 8 characters that tell them apart."""
    return f"ocds:ocds-b5fd17-{key}-adc8-11e6-9901-0019b9f3037b"


PAGE_1, PAGE_2, PAGE_3 = [uk("2c3698c7"), uk("2c330cf9")], [uk("2c391a7a"), uk("2c3aae9c")], [uk("2c40364c"),
                                                                                                 uk("2c41e69a")]
ALL_SIX = PAGE_1 + PAGE_2 + PAGE_3


@pytest.fixture
def settings(tmp_path: Path) -> Settings:  # overrides tests/conftest.py's clock (2021) with the notices' time
    return Settings(home=tmp_path / "home", encoder="fake", clock=NOW, min_candidates=50)


@pytest.fixture(scope="module")
def local_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(local_server: HTTPServer) -> HTTPServer:
    local_server.clear()
    local_server.no_handler_status_code = 404  # a request nobody expected is final, not retried
    return local_server


def ocds(spec: FeedSpec, client: PoliteClient, settings: Settings) -> OcdsConnector:
    return OcdsConnector(spec, client, settings)


def base(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


def page(server: HTTPServer, name: str) -> dict[str, Any]:
    """A fixture page with its publisher host pointing at the local server."""
    data: dict[str, Any] = json.loads((PAGES / name).read_text(encoding="utf-8").replace(PUBLISHER, base(server)))
    return data


def linked(document: dict[str, Any], next_link: str | None) -> dict[str, Any]:
    """The page with its links.next set (or removed)."""
    document = {key: value for key, value in document.items() if key != "links"}
    return {**document, "links": {"next": next_link}} if next_link else document


def expect(server: HTTPServer, target: str, oneshot: bool = False) -> Any:
    path, _, query = target.partition("?")
    expectation = server.expect_oneshot_request if oneshot else server.expect_request
    return expectation(path, query_string=dict(parse_qsl(query)))


def serve(server: HTTPServer, target: str, body: dict[str, Any]) -> None:
    expect(server, target).respond_with_json(body)


def serve_releases(server: HTTPServer) -> None:
    for target, name in ((P1, "releases-1.json"), (P2, "releases-2.json"), (P3, "releases-3.json")):
        serve(server, target, page(server, name))


def add(matcher: Matcher, server: HTTPServer, name: str = "uk", path: str = "/api/releases",
        query: str | None = "limit={page_size}&since={since}", page_size: int | None = 2) -> None:
    matcher.add_feed(validated_spec(name, "ocds", url=base(server) + path, query=query, page_size=page_size),
                     actor="test")


def run(matcher: Matcher, client: PoliteClient, name: str = "uk", since: date | None = None) -> FeedOutcome:
    return FeedRunner(matcher, client, ocds).run([name], since=since, sync=False).outcomes[0]


def stored(matcher: Matcher) -> list[str]:
    return sorted(tender.tender_id for tender in matcher.all_tenders())


def open_ids(matcher: Matcher) -> set[str]:
    _, found = matcher.search_tenders(TenderFilter(open_at=NOW), limit=100)
    return {tender.tender_id for tender in found}


def requested(server: HTTPServer) -> list[str]:
    return [request.full_path.rstrip("?") for request, _ in server.log]


def cursor(
    server: HTTPServer, last: str, next_link: str | None, watermark: str | None = "2014-12-17"
) -> dict[str, Any]:
    """The cursor after the page at ``last``, whose next link is ``next_link``."""
    return {"next": base(server) + next_link if next_link else None, "page": base(server) + last,
            "watermark": watermark}


# --- reading ---------------------------------------------------------------------------------------------------


def test_release_packages_over_three_pages(matcher: Matcher, client: PoliteClient, server: HTTPServer) -> None:
    add(matcher, server)
    serve_releases(server)
    outcome = run(matcher, client)
    assert (outcome.status, outcome.pages, outcome.new, outcome.rejected) == ("ok", 3, 6, 0)
    assert requested(server) == [P1, P2, P3]  # first run: no start day, so since= is left out
    assert stored(matcher) == sorted(ALL_SIX)
    tender = matcher.get_tender(uk("2c3698c7"))
    assert tender.title == "STANDING LIST OF CONSTRUCTION CONTRACTORS AND SUB-CONTRACTORS"
    assert (tender.buyer, tender.codes, tender.value, tender.currency) == ("Spend Network", ["CPV:72000000"],
                                                                          2_000_000.0, "GBP")
    assert (tender.published, tender.deadline) == (date(2014, 12, 17), datetime(2020, 3, 31, tzinfo=UTC))
    # The last page has no next link: the cursor keeps it, to be read again next time.
    assert matcher.feed("uk").cursor == cursor(server, P3, None)
    # The real "unsuccessful" notices are closed by their status although their deadlines are still ahead.
    assert open_ids(matcher) == {uk("2c3698c7"), uk("2c3aae9c"), uk("2c40364c")}


def test_rerun_stores_nothing_new_then_picks_up_a_newly_added_release(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    add(matcher, server)
    serve_releases(server)
    run(matcher, client)
    server.clear_log()

    again = run(matcher, client)
    assert (again.status, again.pages, again.new, again.updated, again.unchanged) == ("ok", 1, 0, 0, 2)
    assert requested(server) == [P3]  # only the last page, re-read
    assert matcher.feed("uk").cursor == cursor(server, P3, None)

    # The publisher adds a release: it lands on a new page, which page 3 now links to.
    server.clear()
    serve(server, P3, linked(page(server, "releases-3.json"), base(server) + P4))
    serve(server, P4, page(server, "releases-4.json"))
    later = run(matcher, client)
    assert (later.status, later.pages, later.new, later.updated, later.unchanged) == ("ok", 2, 1, 0, 2)
    assert stored(matcher) == sorted([*ALL_SIX, uk("2c44d7bf")])
    assert matcher.feed("uk").cursor == cursor(server, P4, None)


def test_record_packages(matcher: Matcher, client: PoliteClient, server: HTTPServer) -> None:
    add(matcher, server, "md", "/api/records", query=None, page_size=None)
    serve(server, "/api/records", page(server, "records-1.json"))
    serve(server, "/api/records?page=2", page(server, "records-2.json"))
    outcome = run(matcher, client, "md")
    assert (outcome.status, outcome.pages, outcome.new, outcome.rejected) == ("ok", 2, 3, 0)
    assert stored(matcher) == ["ocds:ocds-ngfbwp-19651579", "ocds:ocds-ngfbwp-19683121", "ocds:ocds-ngfbwp-19693984"]
    tender = matcher.get_tender("ocds:ocds-ngfbwp-19651579")  # from the record's compiledRelease
    assert (tender.title, tender.buyer, tender.codes) == ("Tender Ref 17/01668 Bulletin 47",
                                                          "CONSILIUL RAIONAL CIMIŞLIA", ["CPV:45000000"])
    assert (tender.published, tender.deadline) == (date(2017, 6, 13), datetime(2017, 7, 4, 10, tzinfo=UTC))
    # The releases are dated 2017, after this test's clock (2015-01-15): the watermark stops at today, so a
    # restart from it cannot skip what is published between today and those dates.
    assert matcher.feed("md").cursor == cursor(server, "/api/records?page=2", None, watermark="2015-01-15")


def test_page_size_and_date_filter_are_sent(matcher: Matcher, client: PoliteClient, server: HTTPServer) -> None:
    one_page = linked(page(server, "releases-1.json"), None)
    add(matcher, server, "dated", query="pageSize={page_size}&from={since_datetime}&type=tender", page_size=2)
    add(matcher, server, "undated", query="pageSize={page_size}&from={since_datetime}&type=tender", page_size=2)
    expect(server, "/api/releases?pageSize=2&from=2014-12-17T00:00:00Z&type=tender").respond_with_json(one_page)
    expect(server, "/api/releases?pageSize=2&type=tender").respond_with_json(one_page)
    assert run(matcher, client, "dated", since=date(2014, 12, 17)).new == 2
    assert run(matcher, client, "undated").unchanged == 2  # no start day: the date parameter is left out
    assert len(server.log) == 2


@pytest.mark.parametrize(("query", "page_size", "since", "error"), [
    ("since={since}", 50, None, "page size 50 needs a {page_size} placeholder in the query naming the publisher's "
                                "parameter (e.g. limit={page_size})"),
    ("limit={page_size}", 50, date(2015, 1, 1), "a start date needs a {since} or {since_datetime} placeholder"),
    ("limit={page_size}&until={until}", 50, None, "query parameter 'until': placeholder {until} not understood"),
])
def test_a_query_that_cannot_be_sent_fails_the_feed_saying_why(
    matcher: Matcher, client: PoliteClient, server: HTTPServer, query: str, page_size: int, since: date | None,
    error: str,
) -> None:
    add(matcher, server, query=query, page_size=page_size)
    outcome = run(matcher, client, since=since)
    assert outcome.status == "failed" and outcome.error is not None and error in outcome.error
    assert server.log == [] and stored(matcher) == []


def test_relative_next_links_resolve_against_the_page(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    add(matcher, server)
    serve(server, P1, linked(page(server, "releases-1.json"), "/api/releases?limit=2&offset=2"))
    serve(server, P2, linked(page(server, "releases-2.json"), "releases?limit=2&offset=4"))
    serve(server, P3, page(server, "releases-3.json"))
    assert run(matcher, client).new == 6
    assert requested(server) == [P1, P2, P3]


def test_an_empty_page_ends_the_run_even_when_it_links_to_itself(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    add(matcher, server)
    serve_releases(server)
    run(matcher, client)
    server.clear()
    serve(server, P3, linked(page(server, "releases-3.json"), base(server) + P4))
    serve(server, P4, linked({**page(server, "releases-4.json"), "releases": []}, base(server) + P4))
    outcome = run(matcher, client)
    assert (outcome.status, outcome.pages, outcome.new) == ("ok", 2, 0)
    assert matcher.feed("uk").cursor == cursor(server, P4, None)


# --- what a release says -----------------------------------------------------------------------------------------


def test_malformed_releases_are_rejected_with_their_reason_and_the_rest_stored(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    add(matcher, server, page_size=4)
    url = base(server) + "/api/releases?limit=4"
    serve(server, "/api/releases?limit=4", page(server, "releases-malformed.json"))
    outcome = run(matcher, client)
    assert (outcome.status, outcome.new, outcome.rejected) == ("ok", 1, 3)
    assert stored(matcher) == [uk("2c40364c")]
    assert matcher.feed("uk").last_run.rejections == [
        (f"{url}#/releases/1", "release without an 'ocid' (expected an OCDS release)"),  # ocid removed
        (f"{url}#/releases/2", "release without an 'ocid' (expected an OCDS release)"),  # ocid a number
        (f"{uk('2c44d7bf').removeprefix('ocds:')} ({url})", "'tender' is str, expected an object, so the release "
                                                            "has no title"),
    ]


def test_a_cancelled_tender_closes_the_stored_notice(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    add(matcher, server)
    serve_releases(server)
    run(matcher, client)
    assert uk("2c3698c7") in open_ids(matcher)

    server.clear()
    serve(server, P3, linked(page(server, "releases-3.json"), base(server) + P4))
    serve(server, P4, {**page(server, "releases-4.json"), "releases": [page(server, "release-cancelled.json")]})
    outcome = run(matcher, client)
    assert (outcome.status, outcome.new, outcome.updated, outcome.unchanged) == ("ok", 0, 1, 2)
    cancelled = matcher.get_tender(uk("2c3698c7"))
    assert cancelled.notice_type == "other" and cancelled.title.startswith("STANDING LIST OF CONSTRUCTION")
    assert open_ids(matcher) == {uk("2c3aae9c"), uk("2c40364c")}
    assert matcher.feed("uk").cursor == cursor(server, P4, None, watermark="2014-12-20")


def test_partial_releases_never_blank_a_stored_notice_and_a_bare_cancellation_still_closes_it(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    add(matcher, server)
    serve_releases(server)
    run(matcher, client)
    before = matcher.get_tender(uk("2c3698c7"))

    server.clear()
    serve(server, P3, linked(page(server, "releases-3.json"), base(server) + P4))
    partial = [page(server, "release-partial-update.json"), page(server, "release-partial-cancellation.json")]
    serve(server, P4, {**page(server, "releases-4.json"), "releases": partial})
    outcome = run(matcher, client)
    assert (outcome.status, outcome.new, outcome.updated, outcome.rejected) == ("ok", 1, 0, 1)

    # The titleless tenderUpdate is rejected, saying why; the stored notice is untouched (old deadline too).
    [(record, reason)] = matcher.feed("uk").last_run.rejections
    assert record == f"{uk('2c3698c7').removeprefix('ocds:')} ({base(server) + P4})"
    assert reason.startswith("no title in this release (tags: tenderUpdate): OCDS lets a publisher send only")
    assert matcher.get_tender(uk("2c3698c7")) == before

    # The titleless cancellation becomes a closing notice that cancels the stored one, which keeps its text.
    closing = matcher.get_tender(uk("2c3aae9c") + ":closed")
    assert (closing.notice_type, closing.cancels, closing.published) == ("other", [uk("2c3aae9c")],
                                                                        date(2014, 12, 21))
    assert closing.title == "ocds-b5fd17-2c3aae9c-adc8-11e6-9901-0019b9f3037b: tender cancelled"
    assert matcher.get_tender(uk("2c3aae9c")).title.startswith("Framework for Provision of Community Based")
    assert open_ids(matcher) == {uk("2c3698c7"), uk("2c40364c")}


# --- faults ------------------------------------------------------------------------------------------------------


def test_429_with_retry_after_is_waited_out(
    matcher: Matcher, client: PoliteClient, server: HTTPServer, sleeps: Sleeps
) -> None:
    add(matcher, server)
    expect(server, P2, oneshot=True).respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    serve_releases(server)
    outcome = run(matcher, client)
    assert (outcome.status, outcome.new) == ("ok", 6) and sleeps == [7.0]
    assert requested(server) == [P1, P2, P2, P3]


def test_a_500_then_success(matcher: Matcher, client: PoliteClient, server: HTTPServer, sleeps: Sleeps) -> None:
    add(matcher, server)
    expect(server, P2, oneshot=True).respond_with_data("boom", status=500)
    serve_releases(server)
    outcome = run(matcher, client)
    assert (outcome.status, outcome.new) == ("ok", 6) and sleeps == [1.0]  # backoff 1 s, the fixture's full jitter
    assert stored(matcher) == sorted(ALL_SIX)


def test_a_page_truncated_twice_fails_the_run_and_the_rerun_completes_it(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    add(matcher, server)
    whole = json.dumps(page(server, "releases-2.json"))
    for _ in range(2):  # the client fetches a malformed page once more before giving up
        expect(server, P2, oneshot=True).respond_with_data(whole[:700], content_type="application/json")
    serve_releases(server)

    first = run(matcher, client)
    assert first.status == "failed" and first.error is not None
    assert first.error.startswith(f"{base(server) + P2}: malformed JSON")
    assert stored(matcher) == sorted(PAGE_1)
    assert matcher.feed("uk").cursor == cursor(server, P1, P2)  # after the last good page

    again = run(matcher, client)
    assert (again.status, again.pages, again.new, again.updated) == ("ok", 2, 4, 0)
    assert stored(matcher) == sorted(ALL_SIX)
    assert requested(server) == [P1, P2, P2, P2, P3]  # page 1 was never fetched again


def test_an_expired_next_link_restarts_from_the_watermark_day(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    add(matcher, server)
    truncated = json.dumps(page(server, "releases-2.json"))[:700]
    expect(server, P2).respond_with_data(truncated, content_type="application/json")
    serve(server, P1, page(server, "releases-1.json"))
    run(matcher, client)
    assert matcher.feed("uk").cursor == cursor(server, P1, P2)

    # Later the publisher no longer knows that link; a since= request from the watermark day has everything.
    server.clear()
    expect(server, P2).respond_with_data("gone", status=410)
    everything = [release for name in ("releases-1.json", "releases-2.json", "releases-3.json")
                  for release in page(server, name)["releases"]]
    serve(server, "/api/releases?limit=2&since=2014-12-17", {**page(server, "releases-3.json"), "releases": everything})
    outcome = run(matcher, client)
    assert (outcome.status, outcome.new, outcome.unchanged) == ("ok", 4, 2)
    assert requested(server) == [P2, "/api/releases?limit=2&since=2014-12-17"]
    assert stored(matcher) == sorted(ALL_SIX)


def test_a_paging_loop_fails_after_storing_the_pages_before_it(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    add(matcher, server)
    serve(server, P1, page(server, "releases-1.json"))
    serve(server, P2, linked(page(server, "releases-2.json"), base(server) + P1))  # back to page 1
    outcome = run(matcher, client)
    assert outcome.status == "failed"
    assert outcome.error == f"paging loop: the next link {base(server) + P1} was already followed in this run"
    assert outcome.pages == 2 and stored(matcher) == sorted(PAGE_1 + PAGE_2)
    assert requested(server) == [P1, P2]


def test_a_next_link_to_the_same_page_under_a_new_address_fails_after_storing_it(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    # Each link was new to the paging guard ('?p=2', '?p=3', ... or a fragment added), so a publisher linking its
    # page to itself that way was read up to the guard's 10,000 pages, hours at the polite pace. The second
    # time the same releases come, the run stops there.
    add(matcher, server, path="/api/loop", query=None, page_size=None)
    for n in range(1, 30):
        serve(server, f"/api/loop?p={n}" if n > 1 else "/api/loop",
              linked(page(server, "releases-1.json"), f"{base(server)}/api/loop?p={n + 1}"))
    outcome = run(matcher, client)
    assert outcome.status == "failed" and outcome.error == (
        f"{base(server)}/api/loop?p=2: the same 2 notices as the page before ({base(server)}/api/loop); "
        "the source ignores the paging, stopping")
    assert outcome.pages == 1 and stored(matcher) == sorted(PAGE_1)
    assert requested(server) == ["/api/loop", "/api/loop?p=2"]
    assert matcher.feed("uk").cursor["next"] == f"{base(server)}/api/loop?p=2"  # the next run asks again


def test_pages_that_come_round_again_under_new_addresses_fail_where_they_repeat(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    # Two pages served in turn ('?p=1' and '?p=3' the first, '?p=2' and '?p=4' the second), each link new: no page
    # equals the one just before it, so only the guard's 10,000 pages stopped the run. The third page repeats the
    # first one's releases, and the run stops there, after storing the two pages that were new.
    add(matcher, server, path="/api/cycle", query=None, page_size=None)
    for n in range(1, 30):
        name = "releases-1.json" if n % 2 else "releases-2.json"
        serve(server, f"/api/cycle?p={n}" if n > 1 else "/api/cycle",
              linked(page(server, name), f"{base(server)}/api/cycle?p={n + 1}"))
    outcome = run(matcher, client)
    assert outcome.status == "failed" and outcome.error == (
        f"{base(server)}/api/cycle?p=3: the same 2 notices as an earlier page ({base(server)}/api/cycle); "
        "the source ignores the paging, stopping")
    assert outcome.pages == 2 and stored(matcher) == sorted(PAGE_1 + PAGE_2)
    assert requested(server) == ["/api/cycle", "/api/cycle?p=2", "/api/cycle?p=3"]
    assert matcher.feed("uk").cursor["next"] == f"{base(server)}/api/cycle?p=3"


def test_two_ocids_of_one_notice_id_on_a_page_keep_the_first_and_name_the_other(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    # 'ocds-x/1' and 'ocds-x%2F1' are one notice id ('/' is percent-encoded): both were stored, the second silently
    # replacing the first ("1 new").
    def release(ocid: str, title: str) -> dict[str, Any]:
        return {"ocid": ocid, "id": "1", "date": "2014-12-17T00:00:00Z", "tag": ["tender"],
                "tender": {"title": title, "status": "active"}}

    add(matcher, server, path="/api/ids", query=None, page_size=None)
    serve(server, "/api/ids", {"releases": [release("ocds-x/1", "Road salt"), release("ocds-x%2F1", "Grit")]})
    outcome = run(matcher, client)
    assert (outcome.status, outcome.new, outcome.rejected) == ("ok", 1, 1)
    assert matcher.get_tender("ocds:ocds-x%2F1").title == "Road salt"
    assert matcher.feed("uk").last_run.rejections == [(
        f"ocds-x%2F1 ({base(server)}/api/ids)", "duplicate tender_id 'ocds:ocds-x%2F1' in this file: the first, at "
        "ocds-x/1, is kept; this one differs in title")]


@pytest.mark.parametrize("elsewhere", [
    "http://localhost:{port}/api/releases?limit=2&offset=2",  # the same server under another host name
    "https://127.0.0.1:{port}/api/releases?limit=2&offset=2",  # another scheme
    "http://127.0.0.1:{other}/api/releases?limit=2&offset=2",  # another port
    "http://127.0.0.1:{port}@localhost:{port}/api/releases",  # userinfo dressed as the host
    "file:///etc/passwd",
])
def test_a_next_link_to_another_origin_is_refused(
    matcher: Matcher, client: PoliteClient, server: HTTPServer, elsewhere: str
) -> None:
    add(matcher, server)
    target = elsewhere.format(port=server.port, other=server.port + 1)
    serve(server, P1, linked(page(server, "releases-1.json"), target))
    serve(server, P2, page(server, "releases-2.json"))
    outcome = run(matcher, client)
    assert outcome.status == "failed" and outcome.error is not None
    shown = without_credentials(target)  # a user:password@ in a link is masked as in a feed's own URL
    assert f"links.next {shown!r} leaves the feed's origin http://127.0.0.1:{server.port}; refused" in outcome.error
    assert stored(matcher) == sorted(PAGE_1) and requested(server) == [P1]
    assert matcher.feed("uk").cursor == cursor(server, P1, None)  # the refused link is not kept


def test_a_page_that_is_not_an_ocds_package_fails_the_run_naming_it(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    add(matcher, server)
    serve(server, P1, {"results": [], "count": 0})
    outcome = run(matcher, client)
    assert outcome.error == (f"{base(server) + P1}: not an OCDS release or record package "
                             "(no 'releases' or 'records' list; got 'count', 'results')")
    assert matcher.feed("uk").cursor == {}



def test_lone_surrogates_from_a_publisher_are_stored_as_replacement_characters(
    matcher_on_each_store: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    # JSON may escape half of a UTF-16 pair ("\\ud800"), which no store can encode: a title, an ocid or a key
    # holding one stopped the page with "unexpected UnicodeEncodeError" (the feed stuck on it for good), or raised
    # it out of the runner (a traceback, the run left "running"). Such text is read as U+FFFD, as bad UTF-8 is.
    matcher = matcher_on_each_store
    add(matcher, server, query=None, page_size=None)
    good = page(server, "releases-1.json")["releases"][0]
    titled = json.dumps({**good, "tender": {**good["tender"], "title": "Road works \ud800 lot 2"}})
    named = json.dumps({**good, "ocid": "ocds-b5fd17-\udc80"})
    serve_text(server, "/api/releases", f'{{"releases": [{titled}, {named}]}}')
    outcome = run(matcher, client)
    assert (outcome.status, outcome.new, outcome.rejected) == ("ok", 2, 0)
    assert matcher.get_tender(uk("2c3698c7")).title == "Road works \ufffd lot 2"
    assert matcher.get_tender("ocds:ocds-b5fd17-\ufffd").title.startswith("STANDING LIST")

    add(matcher, server, "other", "/api/other", query=None, page_size=None)
    serve_text(server, "/api/other", '{"\\udc80results": []}')
    outcome = run(matcher, client, "other")
    assert outcome.error == (f"{base(server)}/api/other: not an OCDS release or record package (no 'releases' or "
                             "'records' list; got '\ufffdresults')")
    assert matcher.feed("other").last_run.status == "failed"



def test_an_amount_past_floats_range_rejects_its_notice_like_any_infinite_amount(
    matcher: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    # JSON integers have no bound: float(10**400) raised OverflowError out of the reader, so the page failed as
    # "unexpected OverflowError" on every run and the feed never got past it. It now reads as 1e400 does.
    add(matcher, server, query=None, page_size=None)
    first, second = page(server, "releases-1.json")["releases"]
    huge = {**first, "tender": {**first["tender"], "value": {"amount": 10**400, "currency": "GBP"}}}
    serve(server, "/api/releases", {"releases": [huge, second]})
    outcome = run(matcher, client)
    assert (outcome.status, outcome.new, outcome.rejected) == ("ok", 1, 1)
    assert stored(matcher) == [uk("2c330cf9")]
    [(record, reason)] = matcher.feed("uk").last_run.rejections
    assert (record, reason) == (f"{uk('2c3698c7').removeprefix('ocds:')} ({base(server)}/api/releases)",
                                "value: Input should be a finite number")



def test_a_package_key_with_a_control_character_is_quoted_in_the_error(
    matcher_on_each_store: Matcher, client: PoliteClient, server: HTTPServer
) -> None:
    # The keys of a page that is not a package were named as sent: a NUL in one made PostgreSQL refuse the run's
    # error, raised out of the runner (a traceback, the feed left "running"), and an escape sequence would have
    # reached the officer's terminal through `matcher feeds list`. They are quoted, as other refused values are.
    matcher = matcher_on_each_store
    add(matcher, server, query=None, page_size=None)
    serve_text(server, "/api/releases", '{"\\u0000k": 1, "\\u001b[2Jr": 2}')
    outcome = run(matcher, client)
    assert outcome.error == (f"{base(server)}/api/releases: not an OCDS release or record package (no 'releases' or "
                             "'records' list; got '\\x00k', '\\x1b[2Jr')")
    assert matcher.feed("uk").last_run.status == "failed"



def test_feeds_list_shows_the_control_characters_a_publisher_sent_escaped(home: Path, server: HTTPServer) -> None:
    # A rejected record is named as the publisher wrote it (its ocid), and `matcher feeds list` printed it as is:
    # an ESC or BEL in an ocid reached the officer's terminal as an escape sequence (here: set the window title),
    # a line break as a line of its own.
    good = page(server, "releases-1.json")["releases"][0]
    serve(server, "/api/releases", {"releases": [{**good, "ocid": "\x1b]0;owned\x07x\nfeed ok"}]})
    assert cli("feeds", "add", "esc", "--kind", "ocds", "--url", base(server) + "/api/releases")[0] == 0
    assert cli("feeds", "run", "esc")[:2] == (0, "esc: ok, 1 pages, 0 new, 0 updated, 0 unchanged, 1 rejected\n")
    code, out, _ = cli("feeds", "list")
    assert code == 0 and not any(c in out for c in "\x1b\x07")
    rejected = [line for line in out.splitlines() if line.startswith("    rejected")]
    assert len(rejected) == 1 and rejected[0].startswith("    rejected \\x1b]0;owned\\x07x\\nfeed ok (http://")


def serve_text(server: HTTPServer, target: str, body: str) -> None:
    """A page as the publisher wrote it (``json.dumps`` would escape what the test needs raw)."""
    expect(server, target).respond_with_data(body, content_type="application/json")


# --- kill -9 between two pages -----------------------------------------------------------------------------------

CHILD = """
import sys
from datetime import datetime
from matcher.config import Settings
from matcher.feeds.http import HttpPolicy, PoliteClient
from matcher.feeds.ocds import OcdsConnector
from matcher.feeds.runner import FeedRunner
from matcher.pipeline import Matcher
from matcher.search.encoders import FakeEncoder

settings = Settings(home=sys.argv[1], encoder="fake", clock=datetime.fromisoformat(sys.argv[2]), min_candidates=50)
policy = HttpPolicy(user_agent="tender-matcher/test (+ops@example.org)", read_timeout=120.0, retries=0,
                    host_interval=0.0, allow_private=True)
FeedRunner(Matcher(settings, encoder=FakeEncoder()), PoliteClient(policy),
           lambda spec, client, settings: OcdsConnector(spec, client, settings)).run(["uk"], sync=False)
"""


def wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    """Poll until ``condition`` holds; the deadline only keeps a broken test from hanging."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)


@pytest.mark.slow
def test_a_kill_between_two_pages_loses_nothing_and_duplicates_nothing(
    matcher: Matcher, client: PoliteClient, server: HTTPServer, settings: Settings, tmp_path: Path
) -> None:
    add(matcher, server)
    asked, answer = threading.Event(), threading.Event()
    second = page(server, "releases-2.json")

    def hang(request: Request) -> Response:  # page 2 answers only once the first process is dead
        asked.set()
        answer.wait(60)
        return Response(json.dumps(second), content_type="application/json")

    serve(server, P1, page(server, "releases-1.json"))
    expect(server, P2).respond_with_handler(hang)
    serve(server, P3, page(server, "releases-3.json"))

    log = (tmp_path / "child.log").open("w")
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.home), NOW.isoformat()], cwd=ROOT,
                             stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    try:
        wait_until(lambda: asked.is_set() or child.poll() is not None)
        assert asked.is_set(), (tmp_path / "child.log").read_text()
        os.kill(child.pid, signal.SIGKILL)  # page 1 is committed, page 2 in flight
        assert child.wait(30) == -signal.SIGKILL
    finally:
        answer.set()
        if child.poll() is None:
            child.kill()
            child.wait(30)
        log.close()

    feed = matcher.feed("uk")
    assert feed.cursor == cursor(server, P1, P2) and feed.last_run.status == "running"
    assert stored(matcher) == sorted(PAGE_1)

    outcome = run(matcher, client)  # the dead run's lease is taken at once (matcher.store.locks)
    assert (outcome.status, outcome.pages, outcome.new, outcome.updated) == ("ok", 2, 4, 0)
    assert stored(matcher) == sorted(ALL_SIX)
    assert requested(server) == [P1, P2, P2, P3]  # page 1 once: the rerun started after it
    assert matcher.feed("uk").cursor == cursor(server, P3, None)

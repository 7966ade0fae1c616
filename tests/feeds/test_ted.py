"""The TED connector end to end (FeedRunner into a real store) against a local replay of TED: the Search API's
pages, each notice's XML and the daily packages, all from tests/fixtures/feeds/ted (real notices; README.md
there says where each shape comes from). Faults are injected per request: 429 with Retry-After, 500, a read
timeout, a truncated page, a paging loop, a missing or malformed notice.

The clock is the tests' fixed NOW (2021-06-01), so a first run reads 2021-05-31 (OJ S 103: two pages, seven
notices) and 2021-06-01 (OJ S 104: one page, two notices).
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import re
import tarfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from matcher.config import Settings
from matcher.errors import InvalidInput
from matcher.feeds.base import Connector
from matcher.feeds.http import FeedError, HttpPolicy, PoliteClient
from matcher.feeds.runner import FeedRunner, FeedsRun
from matcher.feeds.ted import TedConnector
from matcher.ingest.base import Rejected
from matcher.ingest.ted import parse_ted_document, read_ted
from matcher.pipeline import Matcher
from matcher.services.feeds import validated_spec
from matcher.store.feeds import FeedSpec
from tests.feeds.conftest import Sleeps

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds" / "ted"
QUERY = "classification-cpv IN (33100000) AND place-of-performance IN (DEU)"

# The fixture days, page by page (publication numbers), as the Search API lists them.
MAY_31 = [["272490-2021", "272494-2021", "990001-2021", "272423-2021"], ["271703-2021", "990002-2021", "990003-2021"]]
JUNE_1 = [["275094-2021", "272931-2021"]]
ALL_NUMBERS = [n for page in MAY_31 + JUNE_1 for n in page]

Fault = Callable[[Response], Response]


def tender_id(number: str) -> str:
    """The id the TED reader gives the fixture notice served as ``number`` (eForms ids come from the XML)."""
    item = parse_ted_document((FIXTURES / "notices" / f"{number}.xml").read_bytes(), number)
    assert not isinstance(item, Rejected), item
    return item.tender_id


def status(code: int, headers: dict[str, str] | None = None) -> Fault:
    return lambda normal: Response("", code, headers=headers or {})


def slow(seconds: float) -> Fault:
    def fault(normal: Response) -> Response:
        time.sleep(seconds)  # past the client's read timeout: it gives up and asks again
        return normal
    return fault


def truncated(normal: Response) -> Response:
    data = normal.get_data()
    return Response(data[: len(data) // 2], normal.status_code, content_type=normal.content_type)


def next_token(token: str, total: int = 1000) -> Fault:
    """The page with its iterationNextToken replaced (a source sending the reader in circles)."""
    def fault(normal: Response) -> Response:
        page = json.loads(normal.get_data())
        page["iterationNextToken"], page["totalNoticeCount"] = token, total
        return Response(json.dumps(page), 200, content_type="application/json")
    return fault


def _day(query: str) -> str:
    """The day of an expert query's publication-date window, as YYYYMMDD."""
    return str(re.findall(r"publication-date>=(\d{8})", query)[0])


class FakeTed:
    """TED on 127.0.0.1, replaying the fixtures: POST /v3/notices/search (the day's pages, chained by
    iterationNextToken, only the requested fields, at most ``limit`` notices), GET /en/notice/{number}/xml and
    GET /packages/daily/{issue} (ETag, 304 on If-None-Match, 404 for issues not in the fixtures). Links in the
    pages point here. ``fail(key, *faults)`` makes the next requests for ``key`` fail, one fault each: keys are
    a page's file stem ("20210531-2"), "xml:<number>" or "package:<issue>"."""

    def __init__(self, server: HTTPServer) -> None:
        self.base = server.url_for("/").rstrip("/")
        self.search_url = f"{self.base}/v3/notices/search"
        self.searches: list[dict[str, Any]] = []
        self.xml_fetches: list[str] = []
        self.package_requests: list[tuple[str, str | None]] = []  # (issue, If-None-Match)
        self.faults: dict[str, list[Fault]] = defaultdict(list)
        server.expect_request("/v3/notices/search", method="POST").respond_with_handler(self._search)
        server.expect_request(re.compile(r"^/en/notice/[^/]+/xml$"), method="GET").respond_with_handler(self._xml)
        server.expect_request(re.compile(r"^/packages/daily/\d+$"), method="GET").respond_with_handler(self._package)

    def fail(self, key: str, *faults: Fault) -> None:
        self.faults[key].extend(faults)

    def searched_days(self) -> list[str]:
        return [_day(body["query"]) for body in self.searches]

    def _serve(self, key: str, normal: Response) -> Response:
        queue = self.faults.get(key)
        return queue.pop(0)(normal) if queue else normal

    def _search(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        self.searches.append(body)
        token = body.get("iterationNextToken")
        stem = token or f"{_day(body['query'])}-1"
        path = FIXTURES / "search" / f"{stem}.json"
        empty: dict[str, Any] = {"notices": [], "totalNoticeCount": 0, "iterationNextToken": None, "timedOut": False}
        page: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else empty
        fields = set(body["fields"])
        page["notices"] = [{k: v for k, v in n.items() if k in fields} for n in page["notices"][: body["limit"]]]
        text = json.dumps(page).replace("https://ted.europa.eu", self.base)
        return self._serve(stem, Response(text, 200, content_type="application/json"))

    def _xml(self, request: Request) -> Response:
        number = request.path.split("/")[3]
        self.xml_fetches.append(number)
        path = FIXTURES / "notices" / f"{number}.xml"
        normal = Response(path.read_bytes(), 200, content_type="application/xml") if path.exists() else (
            Response("no such notice", 404))
        return self._serve(f"xml:{number}", normal)

    def _package(self, request: Request) -> Response:
        issue = request.path.rsplit("/", 1)[1]
        self.package_requests.append((issue, request.headers.get("If-None-Match")))
        path = FIXTURES / "daily" / f"{issue}.tar.gz"
        etag = f'"{issue}-1"'
        if not path.exists():
            normal = Response("not found", 404)
        elif request.headers.get("If-None-Match") == etag:
            normal = Response("", 304, headers={"ETag": etag})
        else:
            normal = Response(path.read_bytes(), 200, content_type="application/gzip", headers={"ETag": etag})
        return self._serve(f"package:{issue}", normal)


@pytest.fixture
def ted(httpserver: HTTPServer) -> FakeTed:
    return FakeTed(httpserver)


def connector(spec: FeedSpec, client: PoliteClient, settings: Settings, ted: FakeTed) -> TedConnector:
    """TED's connector, asking the replay's Search API (the packages' first issue) instead of TED's."""
    made = TedConnector(spec, client, settings)
    made.search_url = ted.search_url
    return made


def runner(matcher: Matcher, client: PoliteClient, ted: FakeTed) -> FeedRunner:
    def make(spec: FeedSpec, polite: PoliteClient, settings: Settings) -> Connector:
        return connector(spec, polite, settings, ted)
    return FeedRunner(matcher, client, make)


def add_search_feed(matcher: Matcher, ted: FakeTed, query: str | None = None) -> None:
    matcher.add_feed(validated_spec("ted", "ted", url=ted.search_url, query=query), actor="test")


def stored_ids(matcher: Matcher) -> set[str]:
    return {t.tender_id for t in matcher.all_tenders()}


def outcome(result: FeedsRun) -> tuple[str, int, int, int, int, str | None]:
    (one,) = result.outcomes
    return one.status, one.pages, one.new, one.updated, one.rejected, one.error


def search_cursor(*days: tuple[str, list[str]], day: str = "2021-05-31") -> dict[str, Any]:
    return {"mode": "search", "day": day, "done": dict(days)}


# ----------------------------------------------------------------------------- Search API


def test_a_run_stores_every_notice_of_the_days_pages_and_moves_the_cursor(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_search_feed(matcher, ted)
    result = runner(matcher, client, ted).run(["ted"])
    # 2021-05-31: two pages of notices (page 2's token is not followed: 7 of 7 received); 2021-06-01: one.
    assert outcome(result) == ("ok", 3, 9, 0, 0, None)
    assert stored_ids(matcher) == {tender_id(n) for n in ALL_NUMBERS}
    assert "ted:272490-2021" in stored_ids(matcher)  # a TED-XML notice keeps its publication number
    assert sorted(ted.xml_fetches) == sorted(ALL_NUMBERS)
    assert ted.searched_days() == ["20210531", "20210531", "20210601"]
    assert [body.get("iterationNextToken") for body in ted.searches] == [None, "20210531-2", None]
    # Yesterday is the watermark: the next run re-reads it and today, fetching XML only for new numbers.
    assert matcher.feed("ted").cursor == search_cursor(
        ("2021-05-31", MAY_31[0] + MAY_31[1]), ("2021-06-01", JUNE_1[0]))
    # The change notice (corrigendum) and the award notices are passed through as the reader parsed them.
    stored = matcher.fetch_tenders([tender_id("990002-2021"), "ted:271703-2021"])
    assert stored[tender_id("990002-2021")].notice_type == "other"
    assert stored["ted:271703-2021"].notice_type == "award"


def test_a_second_run_reads_the_pages_again_but_fetches_and_stores_nothing(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_search_feed(matcher, ted)
    runner(matcher, client, ted).run(["ted"])
    cursor = matcher.feed("ted").cursor
    ted.searches.clear()
    fetched_before = len(ted.xml_fetches)
    result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result) == ("ok", 3, 0, 0, 0, None)
    assert len(ted.xml_fetches) == fetched_before  # every number was in the cursor's done list
    assert ted.searched_days() == ["20210531", "20210531", "20210601"]
    assert matcher.feed("ted").cursor == cursor
    assert len(stored_ids(matcher)) == 9


def test_the_expert_query_is_the_feeds_query_within_the_days_window(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_search_feed(matcher, ted, query=QUERY)
    runner(matcher, client, ted).run(["ted"])
    first = ted.searches[0]
    assert first["query"] == f"({QUERY}) AND publication-date>=20210531 AND publication-date<=20210531"
    assert ted.searches[2]["query"] == f"({QUERY}) AND publication-date>=20210601 AND publication-date<=20210601"
    assert (first["paginationMode"], first["scope"], first["limit"]) == ("ITERATION", "ALL", 100)
    assert {"publication-number", "links"} <= set(first["fields"])
    assert "iterationNextToken" not in first and ted.searches[1]["iterationNextToken"] == "20210531-2"


def test_since_overrides_the_cursor_and_reads_every_notice_again(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_search_feed(matcher, ted)
    runner(matcher, client, ted).run(["ted"])
    ted.searches.clear()
    ted.xml_fetches.clear()
    result = runner(matcher, client, ted).run(["ted"], since=date(2021, 5, 30))
    # 2021-05-30 (a Sunday) has no notices: one empty page; then the two days again, XML included.
    assert outcome(result) == ("ok", 4, 0, 0, 0, None)
    assert ted.searched_days() == ["20210530", "20210531", "20210531", "20210601"]
    assert sorted(ted.xml_fetches) == sorted(ALL_NUMBERS)
    assert matcher.feed("ted").last_run.unchanged == 9
    assert matcher.feed("ted").cursor == search_cursor(("2021-05-31", MAY_31[0] + MAY_31[1]),
                                                       ("2021-06-01", JUNE_1[0]))

    ted.searches.clear()
    runner(matcher, client, ted).run(["ted"], since=date(2021, 6, 1))
    assert ted.searched_days() == ["20210601"]
    assert matcher.feed("ted").cursor == search_cursor(("2021-06-01", JUNE_1[0]), day="2021-06-01")


def test_a_malformed_notice_is_rejected_with_its_reason_and_the_others_are_stored(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_search_feed(matcher, ted)
    ted.fail("xml:272494-2021", truncated)
    result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result) == ("ok", 3, 8, 0, 1, None)
    assert stored_ids(matcher) == {tender_id(n) for n in ALL_NUMBERS if n != "272494-2021"}
    ((record, reason),) = matcher.feed("ted").last_run.rejections
    assert record == f"272494-2021 (veat, {ted.base}/en/notice/272494-2021/xml)"
    assert reason.startswith("not well-formed XML (line ")  # lxml's complaint with its position


def test_a_notice_whose_xml_is_missing_is_rejected_and_tried_again_by_the_next_run(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_search_feed(matcher, ted)
    ted.fail("xml:990003-2021", status(404))
    result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result) == ("ok", 3, 8, 0, 1, None)
    ((record, reason),) = matcher.feed("ted").last_run.rejections
    assert record.startswith("990003-2021 (cn-standard, ") and reason == (
        "the notice's XML is not available: HTTP 404")
    assert "990003-2021" not in matcher.feed("ted").cursor["done"]["2021-05-31"]

    # Its day is still re-read: the XML is asked for again (only it), and now it is there.
    ted.xml_fetches.clear()
    result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result) == ("ok", 3, 1, 0, 0, None)
    assert ted.xml_fetches == ["990003-2021"]
    assert stored_ids(matcher) == {tender_id(n) for n in ALL_NUMBERS}


def test_a_notice_whose_xml_the_client_refuses_is_rejected_and_the_others_are_stored(
    matcher: Matcher, policy: HttpPolicy, sleeps: Sleeps, ted: FakeTed
) -> None:
    # A notice's XML that redirects to another origin, or is larger than the client takes, failed the whole run
    # on every run ("a source that keeps failing"), so one such link held the feed on its day for good. The
    # same answer would come again: the notice is rejected with the client's reason, as a 404 is.
    add_search_feed(matcher, ted)
    ted.fail("xml:272494-2021", status(302, {"Location": "http://127.0.0.2:9/elsewhere.xml"}))
    ted.fail("xml:990003-2021", lambda normal: Response(b"<x/>" * (1 << 19), 200, content_type="application/xml"))
    bounded = HttpPolicy(**{**policy.__dict__, "max_bytes": 1 << 20})
    with PoliteClient(bounded, sleep=sleeps, jitter=lambda: 1.0) as client:
        result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result) == ("ok", 3, 7, 0, 2, None)
    assert stored_ids(matcher) == {tender_id(n) for n in ALL_NUMBERS if n not in ("272494-2021", "990003-2021")}
    assert matcher.feed("ted").last_run.rejections == [
        (f"272494-2021 (veat, {ted.base}/en/notice/272494-2021/xml)", "the notice's XML is refused: redirected to "
         "http://127.0.0.2:9/elsewhere.xml, another origin; refused"),
        (f"990003-2021 (cn-standard, {ted.base}/en/notice/990003-2021/xml)", "the notice's XML is refused: "
         "response larger than 1048576 bytes; refused"),
    ]
    done = matcher.feed("ted").cursor["done"]["2021-05-31"]
    assert "272494-2021" not in done and "990003-2021" not in done  # asked for again while the day is re-read


def with_notice(extra: dict[str, Any]) -> Fault:
    """The page with one more notice at its end (its total raised to match)."""
    def fault(normal: Response) -> Response:
        page = json.loads(normal.get_data())
        page["notices"].append(extra)
        page["totalNoticeCount"] += 1
        return Response(json.dumps(page), 200, content_type="application/json")
    return fault


def test_a_publication_number_that_makes_no_url_is_rejected_and_the_others_are_stored(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    # The number goes into the XML's URL; a NUL in it made httpx raise InvalidURL before the client's own
    # handling, so the run failed as "unexpected InvalidURL" on this page at every run.
    add_search_feed(matcher, ted)
    ted.fail("20210531-2", with_notice({"publication-number": "990004-2021\u0000", "notice-type": "cn-standard"}))
    result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result) == ("ok", 3, 9, 0, 1, None)
    ((record, reason),) = matcher.feed("ted").last_run.rejections
    assert record == "990004-2021\x00 (cn-standard, https://ted.europa.eu/en/notice/990004-2021\x00/xml)"
    assert reason.startswith("the notice's XML is refused: invalid URL (Invalid non-printable ASCII character")
    assert "990004-2021\x00" not in matcher.feed("ted").cursor["done"]["2021-05-31"]


def test_a_notice_whose_xml_link_leaves_ted_is_rejected_unfetched_and_the_others_are_stored(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    # The Search API's links.xml was followed to any host: a compromised or spoofed answer steered the feed's
    # requests anywhere (OCDS next links and every redirect are held to the source's origin).
    add_search_feed(matcher, ted)
    elsewhere = "http://127.0.0.2:9/notice.xml"
    ted.fail("20210531-2", with_notice({"publication-number": "990005-2021", "notice-type": "cn-standard",
                                        "links": {"xml": {"MUL": elsewhere}}}))
    result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result) == ("ok", 3, 9, 0, 1, None)
    assert matcher.feed("ted").last_run.rejections == [(
        f"990005-2021 (cn-standard, {elsewhere})",
        f"the notice's XML link is on another host than TED's (expected {ted.base.split('//')[1]} or "
        "ted.europa.eu); refused")]
    assert "990005-2021" not in matcher.feed("ted").cursor["done"]["2021-05-31"]


def test_a_bot_challenge_instead_of_the_xml_fails_the_run_without_marking_anything_read(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_search_feed(matcher, ted)
    ted.fail("xml:272490-2021", status(202))  # TED's CDN answered 202 with an empty body to some clients
    result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result)[:2] == ("failed", 0)
    assert outcome(result)[-1] == f"{ted.base}/en/notice/272490-2021/xml: HTTP 202 with 0 bytes instead of the notice"
    assert stored_ids(matcher) == set() and matcher.feed("ted").cursor == {}


# ----------------------------------------------------------------------------- faults


def test_429_with_retry_after_waits_as_asked_then_goes_on(
    matcher: Matcher, client: PoliteClient, ted: FakeTed, sleeps: Sleeps
) -> None:
    add_search_feed(matcher, ted)
    ted.fail("20210531-1", status(429, {"Retry-After": "7"}))
    result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result) == ("ok", 3, 9, 0, 0, None)
    assert sleeps == [7.0]
    assert stored_ids(matcher) == {tender_id(n) for n in ALL_NUMBERS}


def test_500_then_success_backs_off_once(
    matcher: Matcher, client: PoliteClient, ted: FakeTed, sleeps: Sleeps
) -> None:
    add_search_feed(matcher, ted)
    ted.fail("xml:271703-2021", status(500))
    result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result) == ("ok", 3, 9, 0, 0, None)
    assert sleeps == [1.0]  # backoff 1 s * 2**0, jitter fixed at 1 by the test client
    assert ted.xml_fetches.count("271703-2021") == 2


@pytest.fixture
def threaded_ted() -> Iterator[FakeTed]:
    """FakeTed on a server answering each request in its own thread: a handler still sleeping past the
    client's read timeout does not hold up the client's second try."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield FakeTed(server)
    finally:
        server.clear()
        server.stop()


def test_a_read_timeout_then_success(
    matcher: Matcher, threaded_ted: FakeTed, sleeps: Sleeps, policy: HttpPolicy
) -> None:
    ted = threaded_ted
    add_search_feed(matcher, ted)
    quick = dataclasses.replace(policy, read_timeout=0.3)
    ted.fail("20210531-2", slow(0.6))
    with PoliteClient(quick, sleep=sleeps, jitter=lambda: 1.0) as client:
        result = runner(matcher, client, ted).run(["ted"])
    assert outcome(result) == ("ok", 3, 9, 0, 0, None)
    assert sleeps == [1.0]
    assert [body.get("iterationNextToken") for body in ted.searches] == [None, "20210531-2", "20210531-2", None]
    assert stored_ids(matcher) == {tender_id(n) for n in ALL_NUMBERS}


def test_a_truncated_page_twice_fails_the_run_on_the_last_good_page_and_a_rerun_completes(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_search_feed(matcher, ted)
    ted.fail("20210531-2", truncated, truncated)  # asked once more after the first, then the run gives up
    result = runner(matcher, client, ted).run(["ted"])
    status_, pages, new, _, _, error = outcome(result)
    assert (status_, pages, new) == ("failed", 1, 4)
    assert error is not None and error.startswith(f"{ted.search_url}: malformed JSON")
    assert matcher.feed("ted").cursor == search_cursor(("2021-05-31", MAY_31[0]))
    assert stored_ids(matcher) == {tender_id(n) for n in MAY_31[0]}

    ted.xml_fetches.clear()
    result = runner(matcher, client, ted).run(["ted"])  # the source has recovered
    assert outcome(result) == ("ok", 3, 5, 0, 0, None)
    assert sorted(ted.xml_fetches) == sorted(MAY_31[1] + JUNE_1[0])  # page 1's XML is not fetched again
    assert stored_ids(matcher) == {tender_id(n) for n in ALL_NUMBERS}


def test_a_paging_loop_stops_the_run_after_storing_the_pages_before_it(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_search_feed(matcher, ted)
    ted.fail("20210531-2", next_token("20210531-2"))  # page 2 points at itself
    result = runner(matcher, client, ted).run(["ted"])
    status_, pages, new, _, _, error = outcome(result)
    assert (status_, pages, new) == ("failed", 2, 7)
    assert error is not None and error.startswith("paging loop: the next link")
    assert "iterationNextToken=20210531-2" in error
    assert matcher.feed("ted").cursor == search_cursor(("2021-05-31", MAY_31[0] + MAY_31[1]))
    assert stored_ids(matcher) == {tender_id(n) for n in MAY_31[0] + MAY_31[1]}


def test_a_new_token_to_the_same_page_stops_the_run_after_storing_the_pages_before_it(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    # A token the run has not followed passed the paging guard, so a source handing out a fresh token with the
    # same page (and no total to end the day) was read up to 10,000 pages a day.
    add_search_feed(matcher, ted)
    seen: list[bytes] = []

    def again(token: str) -> Fault:
        def fault(normal: Response) -> Response:
            page = json.loads(seen[0] if seen else normal.get_data())
            seen.append(json.dumps(page).encode())
            page["iterationNextToken"] = token
            page.pop("totalNoticeCount")
            return Response(json.dumps(page), 200, content_type="application/json")
        return fault

    ted.fail("20210531-2", again("loop-1"))
    for n in range(1, 6):
        ted.fail(f"loop-{n}", again(f"loop-{n + 1}"))
    result = runner(matcher, client, ted).run(["ted"])
    status_, pages, new, _, _, error = outcome(result)
    assert (status_, pages, new) == ("failed", 2, 7)
    assert error == (f"{ted.search_url} publication-date 2021-05-31 page 3: the same 3 notices as the page before "
                     f"({ted.search_url} publication-date 2021-05-31 page 2); the source ignores the paging, stopping")
    assert matcher.feed("ted").cursor == search_cursor(("2021-05-31", MAY_31[0] + MAY_31[1]))


def test_a_source_that_stays_down_fails_the_run_and_marks_nothing_read(
    matcher: Matcher, client: PoliteClient, ted: FakeTed, sleeps: Sleeps
) -> None:
    add_search_feed(matcher, ted)
    ted.fail("xml:272423-2021", *[status(503)] * 4)  # every attempt of the test client (3 retries)
    result = runner(matcher, client, ted).run(["ted"])
    status_, pages, new, _, _, error = outcome(result)
    assert (status_, pages, new) == ("failed", 0, 0)
    assert error == f"{ted.base}/en/notice/272423-2021/xml: gave up after 4 attempts (HTTP 503)"
    assert matcher.feed("ted").cursor == {} and sleeps == [1.0, 2.0, 4.0]


# ----------------------------------------------------------------------------- daily packages


def add_package_feed(matcher: Matcher, ted: FakeTed) -> None:
    matcher.add_feed(validated_spec("ojs", "ted", url=f"{ted.base}/packages/daily"), actor="test")


def package_ids(issue: str) -> set[str]:
    return {item.tender_id for item in read_ted(FIXTURES / "daily" / f"{issue}.tar.gz") if not isinstance(
        item, Rejected)}


def test_daily_packages_store_every_notice_and_a_rerun_with_304_parses_nothing(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_package_feed(matcher, ted)
    result = runner(matcher, client, ted).run(["ojs"])
    assert outcome(result) == ("ok", 2, 18, 0, 0, None)
    assert stored_ids(matcher) == package_ids("202100103") | package_ids("202100104")
    assert len(package_ids("202100104") - {f"ted:{n}" for n in ("275094-2021", "272931-2021", "273886-2021",
                                                                 "273850-2021", "275100-2021", "273853-2021",
                                                                 "275077-2021")}) == 2  # the eForms two
    # The first issue is yesterday's (2021-05-31), as the Search API numbers it; 105 is not out yet.
    (lookup,) = ted.searches
    assert lookup["query"] == "publication-date>=20210531 AND publication-date<=20210531"
    assert "ojs-number" in lookup["fields"]
    assert ted.package_requests == [("202100103", None), ("202100104", None), ("202100105", None)]
    assert matcher.feed("ojs").cursor == {"mode": "packages", "issue": "202100104",
                                          "validators": {"etag": '"202100104-1"'}}

    ted.package_requests.clear()
    result = runner(matcher, client, ted).run(["ojs"])
    assert outcome(result) == ("ok", 0, 0, 0, 0, None)
    assert ted.package_requests == [("202100104", '"202100104-1"'), ("202100105", None)]
    assert len(ted.searches) == 1  # the cursor knows where it is


def test_since_starts_the_packages_at_that_days_issue(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_package_feed(matcher, ted)
    result = runner(matcher, client, ted).run(["ojs"], since=date(2021, 6, 1))
    assert outcome(result) == ("ok", 1, 9, 0, 0, None)
    assert [issue for issue, _ in ted.package_requests] == ["202100104", "202100105"]


def test_packages_move_on_to_the_new_year_after_the_last_issue(
    ted: FakeTed, client: PoliteClient, settings: Settings
) -> None:
    # The 2021 clock, a cursor on the last issue of 2020 (252): 253 is a 404, so issue 1 of 2021 comes next.
    first_of_2021 = (FIXTURES / "daily" / "202100103.tar.gz").read_bytes()
    ted.fail("package:202100001", lambda normal: Response(first_of_2021, 200, content_type="application/gzip"))
    spec = FeedSpec("ojs", "ted", url=f"{ted.base}/packages/daily")
    pages = list(connector(spec, client, settings, ted).pages({"mode": "packages", "issue": "202000252"}, None))
    assert [page.cursor for page in pages] == [{"mode": "packages", "issue": "202100001"}]
    assert {t.tender_id for t in pages[0].tenders} == package_ids("202100103")
    assert [issue for issue, _ in ted.package_requests] == ["202000253", "202100001", "202100002"]


def test_a_source_answering_every_issue_with_one_package_stops_at_the_first_repeat(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    # A server (or a CDN's catch-all) answering any issue number with the same package was read issue after issue
    # without end: the packages had no paging guard, and each issue is a new address.
    add_package_feed(matcher, ted)
    same = (FIXTURES / "daily" / "202100104.tar.gz").read_bytes()
    for issue in range(105, 120):
        ted.fail(f"package:202100{issue}", lambda normal: Response(same, 200, content_type="application/gzip"))
    result = runner(matcher, client, ted).run(["ojs"])
    assert outcome(result) == ("failed", 2, 18, 0, 0, (
        f"{ted.base}/packages/daily/202100105: the same 9 notices as the page before "
        f"({ted.base}/packages/daily/202100104); the source ignores the paging, stopping"))
    assert [issue for issue, _ in ted.package_requests] == ["202100103", "202100104", "202100105"]
    assert matcher.feed("ojs").cursor["issue"] == "202100104"


def test_an_issue_number_no_year_reaches_ends_the_packages(
    ted: FakeTed, client: PoliteClient, settings: Settings
) -> None:
    # One issue per publication day: a source answering issue 367 of a year answers what TED never publishes.
    # (Last year's: this year's issues past today's day of the year are not out yet, so that cursor starts again.)
    other = (FIXTURES / "daily" / "202100103.tar.gz").read_bytes()
    ted.fail("package:202000366", lambda normal: Response(other, 200, content_type="application/gzip"))
    spec = FeedSpec("ojs", "ted", url=f"{ted.base}/packages/daily")
    found = connector(spec, client, settings, ted).pages({"mode": "packages", "issue": "202000365"}, None)
    assert [page.cursor["issue"] for page in itertools.islice(found, 1)] == ["202000366"]
    with pytest.raises(FeedError, match=re.escape(f"{ted.base}/packages/daily/202000367: an OJ S year has at most "
                                                  "366 issues (one per publication day); stopping")):
        next(found)
    assert [issue for issue, _ in ted.package_requests] == ["202000366"]


def test_a_package_that_is_not_an_archive_fails_the_run_naming_it(
    matcher: Matcher, client: PoliteClient, ted: FakeTed
) -> None:
    add_package_feed(matcher, ted)
    ted.fail("package:202100104", lambda normal: Response("<html>maintenance</html>", 200))
    result = runner(matcher, client, ted).run(["ojs"])
    status_, pages, new, _, _, error = outcome(result)
    assert (status_, pages, new) == ("failed", 1, 9)
    assert error is not None and error.startswith(f"{ted.base}/packages/daily/202100104: not a readable tar")
    assert matcher.feed("ojs").cursor == {"mode": "packages", "issue": "202100103",
                                          "validators": {"etag": '"202100103-1"'}}


def test_a_package_member_that_is_not_a_notice_is_rejected_by_its_url(
    client: PoliteClient, settings: Settings, ted: FakeTed
) -> None:
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as archive:
        good = (FIXTURES / "notices" / "272490-2021.xml").read_bytes()
        for name, data in (("20210531_103/00272490_2021.xml", good), ("20210531_103/00272491_2021.xml", b"<a")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    ted.fail("package:202100103", lambda normal: Response(packed.getvalue(), 200))
    spec = FeedSpec("ojs", "ted", url=f"{ted.base}/packages/daily/")
    page = next(connector(spec, client, settings, ted).pages({}, date(2021, 5, 31)))
    assert [t.tender_id for t in page.tenders] == ["ted:272490-2021"]
    ((record, reason),) = [(r.record, r.reason) for r in page.rejected]
    assert record == f"{ted.base}/packages/daily/202100103:20210531_103/00272491_2021.xml"
    assert "tmp" not in reason and reason


# ----------------------------------------------------------------------------- specs


@pytest.mark.parametrize(("url", "query", "page_size", "problem"), [
    ("https://ted.europa.eu/packages/daily", QUERY, None, "cannot be filtered by a query"),
    (None, f"{QUERY} SORT BY publication-number DESC", None, "without SORT BY"),
    (None, None, 251, "at most 250 notices a page"),
])
def test_specs_the_connector_cannot_follow_are_refused_naming_the_problem(
    client: PoliteClient, settings: Settings, url: str | None, query: str | None, page_size: int | None,
    problem: str,
) -> None:
    with pytest.raises(InvalidInput, match=problem):
        TedConnector(FeedSpec("t", "ted", url, query, page_size), client, settings)


def test_the_public_endpoints_are_the_defaults(client: PoliteClient, settings: Settings) -> None:
    assert TedConnector(FeedSpec("t", "ted"), client, settings).search_url == (
        "https://api.ted.europa.eu/v3/notices/search")
    packages = TedConnector(FeedSpec("t", "ted", url="https://ted.europa.eu/packages/daily"), client, settings)
    assert packages.packages and packages.search_url == "https://api.ted.europa.eu/v3/notices/search"

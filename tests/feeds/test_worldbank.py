"""The World Bank connector end to end: a local server on 127.0.0.1 replays the API's pages
(tests/fixtures/feeds/worldbank, newest first, three notices a page) and FeedRunner stores them.

The clock is 2026-09-25 12:00 UTC, so a first run reads back to 2026-07-27 (``LOOKBACK_DAYS`` = 60): page 1
(5, 3 and 1 September), page 2 (31 August, 28 July, then 22 July, older: the run stops there) and never
page 3 (June). Page 2's 28 July notice has no title and is rejected."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from matcher.config import Settings
from matcher.errors import InvalidInput
from matcher.feeds.base import Connector, Page
from matcher.feeds.http import PoliteClient
from matcher.feeds.runner import FeedRunner, FeedsRun
from matcher.feeds.worldbank import WorldBankConnector, parse_query
from matcher.pipeline import Matcher
from matcher.services.feeds import validated_spec
from matcher.store.feeds import FeedSpec
from matcher.store.tenders import TenderFilter
from tests.feeds.conftest import Sleeps

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds" / "worldbank"
PATH = "/api/v2/procnotices"
NOW = datetime(2026, 9, 25, 12, 0, tzinfo=UTC)
FIRST_RUN = ["wb:OP00467118", "wb:OP00467020", "wb:OP00466911", "wb:OP00465854"]  # on or after 2026-07-27
ALL = [*FIRST_RUN, "wb:OP00458234", "wb:OP00453371", "wb:OP00450001"]  # OP00459233 has no title
DONE = {"watermark": "2026-09-05", "revisited": "2026-09-25"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", encoder="fake", clock=NOW, min_candidates=50)


def fixture(n: int) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads((PAGES / f"page-{n}.json").read_text())
    return answer


class FakeWorldBank:
    """The procurement notices API on the local server: the fixture notices, newest first, ``rows`` at offset
    ``os`` in the fixture pages' shapes (the notices at offset 3 keyed by id, as page-2.json is), an answer
    set for an offset served as it is, faults queued per offset served first, every request's parameters kept."""

    KEYED = 3

    def __init__(self, httpserver: HTTPServer) -> None:
        self.notices: list[dict[str, Any]] = [raw for n in (1, 2, 3) for raw in listed(fixture(n))]
        self.answers: dict[int, dict[str, Any]] = {}
        self.faults: dict[int, list[Callable[[bytes], Response]]] = {}
        self.requests: list[dict[str, str]] = []
        httpserver.expect_request(PATH).respond_with_handler(self.handle)
        self.url = httpserver.url_for(PATH)

    def answer(self, offset: int, rows: int) -> dict[str, Any]:
        if offset in self.answers:
            return self.answers[offset]
        batch = self.notices[offset : offset + rows]
        notices = {raw["id"]: raw for raw in batch} if offset == self.KEYED else batch
        return {"rows": rows, "os": str(offset), "page": str(offset // rows + 1), "total": str(len(self.notices)),
                "procnotices": notices}

    def handle(self, request: Request) -> Response:
        params = request.args.to_dict()
        self.requests.append(params)
        offset = int(params["os"])
        body = json.dumps(self.answer(offset, int(params["rows"]))).encode()
        if self.faults.get(offset):
            return self.faults[offset].pop(0)(body)
        return Response(body, content_type="application/json")

    def offsets(self) -> list[int]:
        return [int(params["os"]) for params in self.requests]

    def notice(self, notice_id: str) -> dict[str, Any]:
        """The served notice itself, to change as the Bank changes it in place."""
        return next(raw for raw in self.notices if raw["id"] == notice_id)


def listed(answer: dict[str, Any]) -> list[dict[str, Any]]:
    notices = answer["procnotices"]
    return list(notices.values()) if isinstance(notices, dict) else list(notices)


def dropped(body: bytes) -> Response:
    """The connection lost after the first 100 bytes of a body announced whole."""
    def cut() -> Iterator[bytes]:
        yield body[:100]
        raise ConnectionResetError("dropped by the test")
    return Response(cut(), headers={"Content-Length": str(len(body))}, content_type="application/json")


def truncated(body: bytes) -> Response:
    """A complete response whose JSON is cut short (a proxy that gave up)."""
    return Response(body[: len(body) // 2], content_type="application/json")


@pytest.fixture
def api(httpserver: HTTPServer) -> FakeWorldBank:
    return FakeWorldBank(httpserver)


def test_the_replay_serves_the_fixture_pages(api: FakeWorldBank) -> None:
    assert [api.answer(offset, 3) for offset in (0, 3, 6)] == [fixture(1), fixture(2), fixture(3)]


def connector(spec: FeedSpec, client: PoliteClient, settings: Settings) -> Connector:
    return WorldBankConnector(spec, client, settings)


def add(matcher: Matcher, api: FakeWorldBank, query: str | None = None) -> None:
    matcher.add_feed(validated_spec("wb", "worldbank", url=api.url, query=query, page_size=3), actor="test")


def run(matcher: Matcher, client: PoliteClient, since: date | None = None,
        factory: Callable[[FeedSpec, PoliteClient, Settings], Connector] = connector) -> FeedsRun:
    return FeedRunner(matcher, client, connectors=factory).run(["wb"], since=since)


def stored(matcher: Matcher) -> list[str]:
    return [t.tender_id for t in matcher.all_tenders()]


def counts(matcher: Matcher) -> tuple[str | None, int, int, int, int, int]:
    last = matcher.feed("wb").last_run
    return last.status, last.pages, last.new, last.updated, last.unchanged, last.rejected


def open_ids(matcher: Matcher, now: datetime = NOW) -> set[str]:
    _, found = matcher.search_tenders(TenderFilter(open_at=now, source="worldbank"), limit=100)
    return {t.tender_id for t in found}


def test_first_run_stores_two_pages_and_moves_the_cursor(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api)
    outcome = run(matcher, client).outcomes[0]
    assert (outcome.status, outcome.error) == ("ok", None)
    assert sorted(stored(matcher)) == sorted(FIRST_RUN)
    assert api.offsets() == [0, 3]  # page 2 reached 22 July, before the window: page 3 is never asked for
    assert counts(matcher) == ("ok", 2, 4, 0, 0, 1)
    (record, reason), = matcher.feed("wb").last_run.rejections
    assert record.startswith(api.url) and "os=3" in record and record.endswith("notice OP00459233")
    assert reason == "no title (bid_description or project_name)"
    assert matcher.feed("wb").cursor == DONE  # the newest notice day read, and today's look-back done
    kenya = matcher.fetch_tenders(["wb:OP00467118"])["wb:OP00467118"]
    assert (kenya.countries, kenya.notice_type, kenya.deadline) == (
        ["KE"], "open_call", datetime(2026, 10, 6, 10, 0, tzinfo=UTC))
    assert open_ids(matcher) == {"wb:OP00467118", "wb:OP00467020", "wb:OP00465854"}  # not the award


def test_a_page_holding_one_notice_twice_keeps_the_first_and_names_the_other(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    # Both copies went to the store, the second silently replacing the first (a file's copies are rejected).
    add(matcher, api)
    page = fixture(1)
    first = listed(page)[0]
    page["procnotices"] = [*listed(page), {**first, "bid_description": "Another text"}]
    api.answers[0] = page
    run(matcher, client)
    where = next(record for record, _ in matcher.feed("wb").last_run.rejections if "os=0" in record)
    assert matcher.fetch_tenders([f"wb:{first['id']}"])[f"wb:{first['id']}"].title == first["bid_description"]
    assert where.startswith(api.url) and where.endswith(f" notice {first['id']}")
    reasons = [reason for record, reason in matcher.feed("wb").last_run.rejections if record == where]
    assert reasons == [f"duplicate tender_id 'wb:{first['id']}' in this file: the first, at {where}, is kept; "
                       "this one differs in title"]


def test_a_notice_naming_a_key_twice_is_rejected_by_name_and_the_others_stored(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    # json.loads kept the second id, and the notice was stored as wb:OP09999999; a saved answer rejects it.
    add(matcher, api)
    first = listed(fixture(1))[0]["id"]
    twice = f'"id": "{first}", "id": "OP09999999"'
    api.faults[0] = [lambda body: Response(body.decode().replace(f'"id": "{first}"', twice, 1),
                                           content_type="application/json")]
    run(matcher, client)
    assert sorted(stored(matcher)) == sorted(tid for tid in FIRST_RUN if tid != f"wb:{first}")
    reasons = [reason for record, reason in matcher.feed("wb").last_run.rejections if "os=0" in record]
    assert reasons == ["names 'id' more than once: give each key once (which value was meant is unknown)"]


def test_a_page_keying_a_notice_twice_rejects_it_and_one_naming_its_list_twice_fails_the_run(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api)
    key = listed(fixture(2))[0]["id"]  # page 2 keys its notices by id (``FakeWorldBank.KEYED``)
    api.faults[3] = [lambda body: Response(body.decode().replace(f'"{key}": ', f'"{key}": {{}}, "{key}": ', 1),
                                           content_type="application/json")]
    run(matcher, client)
    assert f"wb:{key}" not in stored(matcher)
    reasons = [reason for record, reason in matcher.feed("wb").last_run.rejections if record.endswith(key)]
    assert reasons == [f"the answer keys notice '{key}' more than once: give each notice once (which was meant is "
                       "unknown)"]
    api.faults[0] = [lambda body: Response(body.decode().replace('"procnotices": ', '"procnotices": [], '
                                                                 '"procnotices": ', 1),
                                           content_type="application/json")]
    outcome = run(matcher, client, since=date(2026, 9, 1)).outcomes[0]
    assert outcome.status == "failed"
    assert outcome.error is not None and "names 'procnotices' more than once" in outcome.error


def test_the_api_parameters_and_the_feeds_filters_are_sent(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api, query="procurement_group_desc=Goods&project_ctry_code=KE&qterm=surgical%20gloves")
    run(matcher, client)
    assert api.requests == [
        {"procurement_group_desc": "Goods", "project_ctry_code": "KE", "qterm": "surgical gloves",
         "format": "json", "rows": "3", "os": str(offset), "srt": "noticedate", "order": "desc"}
        for offset in (0, 3)
    ]


def test_a_bad_query_fails_the_feed_before_any_request(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api, query="rows=500")
    outcome = run(matcher, client).outcomes[0]
    assert outcome.status == "failed" and outcome.error is not None
    assert "worldbank query: 'rows' is set by the connector" in outcome.error
    assert api.requests == [] and stored(matcher) == [] and matcher.feed("wb").cursor == {}


@pytest.mark.parametrize(("query", "problem"), [
    ("os=3", "'os' is set by the connector"),
    ("a=1&a=2", "'a' is given twice"),
    ("country", "expected name=value pairs"),
    ("x y=1", "bad parameter name"),
    ("qterm=", "'qterm' has no value"),
])
def test_query_format(query: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        parse_query(query)


def test_query_values_are_url_decoded() -> None:
    assert parse_query(None) == parse_query("  ") == {}
    assert parse_query("?project_ctry_name=Viet+Nam&notice_type=Invitation%20for%20Bids") == {
        "project_ctry_name": "Viet Nam", "notice_type": "Invitation for Bids"}


def test_a_rerun_the_same_day_stores_nothing_new(matcher: Matcher, client: PoliteClient, api: FakeWorldBank) -> None:
    add(matcher, api)
    run(matcher, client)
    api.requests.clear()
    run(matcher, client)
    # From the day before the watermark (4 September): page 1 holds 5 September, then 3 September ends it.
    assert api.offsets() == [0]
    assert counts(matcher) == ("ok", 1, 0, 0, 1, 0)
    assert sorted(stored(matcher)) == sorted(FIRST_RUN) and matcher.feed("wb").cursor == DONE


def test_since_overrides_the_cursor(matcher: Matcher, client: PoliteClient, api: FakeWorldBank) -> None:
    add(matcher, api)
    run(matcher, client)
    api.requests.clear()
    run(matcher, client, since=date(2026, 6, 1))
    assert api.offsets() == [0, 3, 6]
    assert counts(matcher) == ("ok", 3, 3, 0, 4, 1)  # June's two and 22 July are new
    assert sorted(stored(matcher)) == sorted(ALL) and matcher.feed("wb").cursor == DONE


def test_a_corrected_deadline_updates_the_stored_notice(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api)
    run(matcher, client)
    api.notice("OP00467118")["submission_deadline_date"] = "2026-10-20T00:00:00Z"
    run(matcher, client)
    assert counts(matcher) == ("ok", 1, 0, 1, 0, 0)
    kenya = matcher.fetch_tenders(["wb:OP00467118"])["wb:OP00467118"]
    assert kenya.deadline == datetime(2026, 10, 20, 10, 0, tzinfo=UTC)
    assert sorted(stored(matcher)) == sorted(FIRST_RUN)


def test_a_cancelled_notice_closes(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank, settings: Settings
) -> None:
    add(matcher, api)
    run(matcher, client)
    assert "wb:OP00467020" in open_ids(matcher)
    api.notice("OP00467020")["notice_status"] = "Cancelled"  # published 3 September, cancelled in place
    # The same day's runs read from the day before the watermark only: 3 September is not read again...
    run(matcher, client)
    assert "wb:OP00467020" in open_ids(matcher)
    # ...the next day's first run reads the last 60 days again, and the cancellation closes the notice.
    tomorrow = settings.model_copy(update={"clock": NOW + timedelta(days=1)})
    api.requests.clear()
    run(matcher, client, factory=lambda spec, polite, _: WorldBankConnector(spec, polite, tomorrow))
    assert api.offsets() == [0, 3] and counts(matcher)[3] == 1  # one updated
    cancelled = matcher.fetch_tenders(["wb:OP00467020"])["wb:OP00467020"]
    assert cancelled.notice_type == "other"
    later = NOW + timedelta(days=1)
    assert open_ids(matcher, later) == {"wb:OP00467118", "wb:OP00465854"}
    assert matcher.feed("wb").cursor == {"watermark": "2026-09-05", "revisited": "2026-09-26"}


def test_429_with_retry_after_then_success(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank, sleeps: Sleeps
) -> None:
    add(matcher, api)
    api.faults[3] = [lambda body: Response("slow down", status=429, headers={"Retry-After": "7"})]
    assert run(matcher, client).outcomes[0].status == "ok"
    assert sleeps == [7.0] and api.offsets() == [0, 3, 3]
    assert sorted(stored(matcher)) == sorted(FIRST_RUN) and matcher.feed("wb").cursor == DONE


def test_500_then_success(matcher: Matcher, client: PoliteClient, api: FakeWorldBank, sleeps: Sleeps) -> None:
    add(matcher, api)
    api.faults[0] = [lambda body: Response("oops", status=500)]
    assert run(matcher, client).outcomes[0].status == "ok"
    assert sleeps == [1.0] and api.offsets() == [0, 0, 3]  # backoff 1 s x 2**0, jitter fixed at 1
    assert sorted(stored(matcher)) == sorted(FIRST_RUN) and counts(matcher) == ("ok", 2, 4, 0, 0, 1)


def test_a_connection_dropped_mid_body_then_success(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank, sleeps: Sleeps
) -> None:
    add(matcher, api)
    api.faults[3] = [dropped]
    assert run(matcher, client).outcomes[0].status == "ok"
    assert sleeps == [1.0] and api.offsets() == [0, 3, 3]
    assert sorted(stored(matcher)) == sorted(FIRST_RUN) and matcher.feed("wb").cursor == DONE


def test_a_page_truncated_twice_fails_the_run_and_the_next_run_resumes_after_the_last_good_page(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api)
    api.faults[3] = [truncated, truncated]
    outcome = run(matcher, client).outcomes[0]
    assert outcome.status == "failed"
    assert outcome.error is not None and "malformed JSON" in outcome.error and "os=3" in outcome.error
    assert api.offsets() == [0, 3, 3]  # fetched once more, then given up
    assert sorted(stored(matcher)) == sorted(FIRST_RUN[:3])  # page 1 is stored
    assert counts(matcher) == ("failed", 1, 3, 0, 0, 0)
    window = {"start": "2026-07-27", "offset": 3, "top": "2026-09-05", "revisit": "2026-09-25"}
    assert matcher.feed("wb").cursor == {"window": window}
    # The source recovers: the next run asks for page 2 first and stores exactly what was missing.
    api.requests.clear()
    assert run(matcher, client).outcomes[0].status == "ok"
    assert api.offsets() == [3]
    assert counts(matcher) == ("ok", 1, 1, 0, 0, 1)
    assert sorted(stored(matcher)) == sorted(FIRST_RUN) and matcher.feed("wb").cursor == DONE


class Killed(BaseException):
    """Stands for the process being killed: not an Exception, so the runner records nothing after it."""


def test_a_kill_between_two_pages_loses_and_duplicates_nothing(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api)

    class KilledAfterOnePage:
        def __init__(self, inner: Connector) -> None:
            self.inner = inner

        def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
            for page in self.inner.pages(cursor, since):
                yield page  # the runner commits this page before asking for the next
                raise Killed

    def killing(spec: FeedSpec, polite: PoliteClient, settings: Settings) -> Connector:
        return KilledAfterOnePage(WorldBankConnector(spec, polite, settings))

    with pytest.raises(Killed):
        run(matcher, client, factory=killing)
    feed = matcher.feed("wb")
    assert feed.last_run.status == "running" and feed.last_run.pages == 1  # the run never finished
    assert feed.cursor["window"]["offset"] == 3
    assert sorted(stored(matcher)) == sorted(FIRST_RUN[:3])
    # A fresh runner (a new process) resumes from the stored cursor: page 2 only.
    api.requests.clear()
    assert run(matcher, client).outcomes[0].status == "ok"
    assert api.offsets() == [3]
    assert counts(matcher) == ("ok", 1, 1, 0, 0, 1)  # 3 new before the kill + 1 after = the 4 notices
    assert sorted(stored(matcher)) == sorted(FIRST_RUN) and matcher.feed("wb").cursor == DONE


def test_notices_published_while_a_run_was_stopped_push_the_list_down_and_nothing_is_skipped(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api)
    api.faults[3] = [truncated, truncated]
    run(matcher, client)  # page 1 stored, the cursor at offset 3
    newest = {**api.notice("OP00467118"), "id": "OP00467200", "noticedate": "06-Sep-2026",
              "bid_description": "Supply of office desks"}
    api.notices.insert(0, newest)  # every later notice moves down one place
    api.requests.clear()
    run(matcher, client)
    # Resumed at offset 3, which now holds OP00466911 (read again, unchanged), OP00465854 (new) and the
    # untitled OP00459233; offset 6 starts with 22 July, before the window.
    assert api.offsets() == [3, 6]
    assert counts(matcher) == ("ok", 2, 1, 0, 1, 1)
    assert sorted(stored(matcher)) == sorted(FIRST_RUN) and matcher.feed("wb").cursor == DONE
    # The next run starts the day before the watermark and picks the new notice up.
    api.requests.clear()
    run(matcher, client)
    assert api.offsets() == [0] and counts(matcher) == ("ok", 1, 1, 0, 1, 0)
    assert sorted(stored(matcher)) == sorted([*FIRST_RUN, "wb:OP00467200"])
    assert matcher.feed("wb").cursor == {"watermark": "2026-09-06", "revisited": "2026-09-25"}


def test_a_notice_dated_in_the_future_does_not_hold_the_watermark(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api)
    api.notice("OP00467118")["noticedate"] = "05-Sep-2099"
    run(matcher, client)
    assert matcher.feed("wb").cursor == {"watermark": "2026-09-25", "revisited": "2026-09-25"}  # today at most


def test_an_empty_answer_without_procnotices_ends_the_run(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api)
    api.answers[0] = {"rows": 3, "os": "0", "total": "0"}
    assert run(matcher, client).outcomes[0].status == "ok"
    assert stored(matcher) == [] and counts(matcher) == ("ok", 1, 0, 0, 0, 0)
    # nothing read: the next run starts where this one did
    assert matcher.feed("wb").cursor == {"watermark": "2026-07-28", "revisited": "2026-09-25"}


def test_an_answer_of_another_shape_fails_the_run_naming_the_page(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    add(matcher, api)
    api.answers[3] = {"error": "maintenance"}
    outcome = run(matcher, client).outcomes[0]
    assert outcome.status == "failed" and outcome.error is not None
    assert "os=3" in outcome.error and "no 'procnotices' in the answer" in outcome.error
    assert sorted(stored(matcher)) == sorted(FIRST_RUN[:3]) and matcher.feed("wb").cursor["window"]["offset"] == 3


@pytest.mark.parametrize("total", ["\u00b2", "9" * 5000])
def test_a_total_that_is_not_a_count_is_ignored(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank, total: str
) -> None:
    # str.isdigit() holds for '²', which int() refuses, and int() refuses more than 4,300 digits: the ValueError
    # escaped the reader and failed the page as "unexpected ValueError" on every run. Now it reads as no total.
    add(matcher, api)
    api.answers[0] = {**fixture(1), "total": total}
    assert run(matcher, client).outcomes[0].error is None
    assert sorted(stored(matcher)) == sorted(FIRST_RUN) and counts(matcher) == ("ok", 2, 4, 0, 0, 1)
    assert matcher.feed("wb").cursor == DONE


def test_a_source_that_ignores_the_offset_is_stopped_at_the_first_repeated_page(
    matcher: Matcher, client: PoliteClient, api: FakeWorldBank
) -> None:
    # Each offset is a new URL, so the paging guard never saw a loop: a server answering every os= with the same
    # page (and a large total) held the run for its 10,000 pages, hours at the polite pace, the other feeds waiting.
    add(matcher, api)
    for offset in range(0, 30, 3):
        api.answers[offset] = {**fixture(1), "total": "100000"}
    outcome = run(matcher, client).outcomes[0]
    assert outcome.status == "failed" and api.offsets() == [0, 3]
    assert outcome.error is not None and "os=3" in outcome.error and outcome.error.endswith(
        ": the same 3 notices as the page before (" + api.url + "?format=json&rows=3&os=0&srt=noticedate&"
        "order=desc); the source ignores the paging, stopping")
    assert sorted(stored(matcher)) == sorted(FIRST_RUN[:3]) and counts(matcher)[:3] == ("failed", 1, 3)
    assert matcher.feed("wb").cursor["window"]["offset"] == 3  # after the page stored; nothing skipped

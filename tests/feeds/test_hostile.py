"""What a hostile or broken source, or a careless operator, can do to a feed: each ends in one clear line naming
the feed and the problem, never a password on screen, a feed stuck for good, or a traceback."""

from __future__ import annotations

import base64
import json
import logging
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from api.feed_schemas import FeedPublic, FeedRunPublic
from matcher.config import Settings
from matcher.feeds.http import FeedError, PoliteClient
from matcher.feeds.ocds import OcdsConnector
from matcher.feeds.runner import FeedRunner
from matcher.feeds.worldbank import WorldBankConnector
from matcher.pipeline import Matcher
from matcher.services.feed_credentials import without_credentials
from matcher.store.feeds import FeedRepository, FeedSpec
from tests.feeds.conftest import Sleeps, cli
from tests.feeds.test_ted import FIXTURES, FakeTed
from tests.feeds.test_ted import connector as ted_connector
from tests.feeds.test_worldbank import DONE as WB_DONE
from tests.feeds.test_worldbank import FIRST_RUN as WB_FIRST_RUN
from tests.feeds.test_worldbank import NOW as WB_NOW
from tests.feeds.test_worldbank import FakeWorldBank

SECRET = "s3cr%40t"  # percent-encoded '@' in the password, as the README asks


def test_a_password_in_a_feed_url_is_sent_but_never_printed_nor_logged(
    home: Path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture,
) -> None:
    httpserver.expect_request("/api/releases").respond_with_data("down", status=503)
    url = httpserver.url_for("/api/releases").replace("http://", f"http://reader:{SECRET}@")
    caplog.set_level(logging.DEBUG)
    outputs = [cli("feeds", "add", "portal", "--kind", "ocds", "--url", url), cli("feeds", "run"),
               cli("feeds", "list"), cli("feeds", "list", "--json")]
    # The source still gets the credentials, as HTTP basic authentication.
    sent = httpserver.log[0][0].headers["Authorization"]
    assert base64.b64decode(sent.removeprefix("Basic ")).decode() == "reader:s3cr@t"
    assert [code for code, _, _ in outputs] == [0, 1, 0, 0]
    shown = "\n".join([out + err for _, out, err in outputs] + [caplog.text])
    assert "s3cr" not in shown and "reader:" not in shown
    assert "portal: failed, 0 pages" in outputs[1][1]
    assert f"error: {httpserver.url_for('/api/releases')}: gave up after 1 attempts (HTTP 503)" in outputs[1][1]
    assert json.loads(outputs[3][1])[0]["url"].startswith("http://***@localhost:")


def test_every_url_in_a_message_loses_its_user_information() -> None:
    # urlsplit reads the user information up to the last '@' before the path: all of it is masked.
    text = "https://u:p@ss@h.example/a@b and http://token@h.example:8080?q=x@y, mailto:a@b.example"
    masked = "https://***@h.example/a@b and http://***@h.example:8080?q=x@y, mailto:a@b.example"
    assert without_credentials(text) == masked
    assert str(FeedError(f"{text}: HTTP 500")) == f"{masked}: HTTP 500"


def test_the_api_shows_a_stored_password_masked() -> None:
    never = FeedRunPublic(started_at=None, finished_at=None, status=None, pages=0, new=0, updated=0, unchanged=0,
                          rejected=0, error=None, rejections=[])
    shown = FeedPublic(name="portal", kind="ocds", url="https://reader:s3cret@tenders.example/api", query=None,
                       page_size=None, cursor={}, cursor_at=None, created_at=datetime(2026, 1, 1, tzinfo=UTC),
                       created_by="cli", last_run=never)
    assert shown.url == "https://***@tenders.example/api"


def test_a_run_from_a_day_after_today_is_refused_as_the_api_refuses_it(home: Path) -> None:
    assert cli("feeds", "add", "wb", "--kind", "worldbank")[0] == 0
    code, out, err = cli("feeds", "run", "--since", "2199-01-01")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "since 2199-01-01 is after today (" in err
    assert json.loads(cli("feeds", "list", "--json")[1])[0]["last_run"]["status"] is None  # nothing ran


# ----------------------------------------------------------------------------- cursors ahead of the calendar
# A clock that ran ahead for a while (or a row edited by hand) left cursors in the future: each connector took them
# as they were and read nothing from then on, the run "ok" every time, until the calendar caught up.

FUTURE = "2099-01-01"


def test_a_ted_search_cursor_in_the_future_reads_yesterday_and_today(
    httpserver: HTTPServer, client: PoliteClient, tmp_path: Path,
) -> None:
    ted = FakeTed(httpserver)
    settings = Settings(home=tmp_path / "home", encoder="fake", clock=datetime(2021, 6, 1, tzinfo=UTC))
    made = ted_connector(FeedSpec("ted", "ted", url=ted.search_url), client, settings, ted)
    pages = list(made.pages({"mode": "search", "day": FUTURE, "done": {FUTURE: ["1-2099"]}}, None))
    assert ted.searched_days() == ["20210531", "20210531", "20210601"]
    assert sum(len(page.tenders) for page in pages) == 9
    assert pages[-1].cursor["day"] == "2021-05-31" and FUTURE not in pages[-1].cursor["done"]


@pytest.mark.parametrize("issue", ["209900001", "202100200"])  # a later year; an issue past 2021-06-01's 152nd day
def test_a_packages_cursor_ahead_of_the_calendar_starts_again_at_yesterdays_issue(
    httpserver: HTTPServer, client: PoliteClient, tmp_path: Path, issue: str,
) -> None:
    ted = FakeTed(httpserver)
    settings = Settings(home=tmp_path / "home", encoder="fake", clock=datetime(2021, 6, 1, tzinfo=UTC))
    made = ted_connector(FeedSpec("ojs", "ted", url=f"{ted.base}/packages/daily"), client, settings, ted)
    pages = list(made.pages({"mode": "packages", "issue": issue}, None))
    assert [page.cursor["issue"] for page in pages] == ["202100103", "202100104"]
    assert [asked for asked, _ in ted.package_requests] == ["202100103", "202100104", "202100105"]


def test_a_worldbank_cursor_in_the_future_reads_the_look_back_again(
    httpserver: HTTPServer, client: PoliteClient, tmp_path: Path,
) -> None:
    api = FakeWorldBank(httpserver)
    settings = Settings(home=tmp_path / "home", encoder="fake", clock=WB_NOW)
    made = WorldBankConnector(FeedSpec("wb", "worldbank", url=api.url, page_size=3), client, settings)
    future = {"watermark": FUTURE, "revisited": FUTURE,
              "window": {"start": FUTURE, "offset": 0, "top": None, "revisit": None}}
    pages = list(made.pages(future, None))
    assert [t.tender_id for page in pages for t in page.tenders] == WB_FIRST_RUN
    assert pages[-1].cursor == WB_DONE


def test_an_ocds_watermark_in_the_future_is_not_a_start_day(
    httpserver: HTTPServer, client: PoliteClient, tmp_path: Path,
) -> None:
    httpserver.expect_request("/api/releases", query_string="token=old").respond_with_data("gone", status=410)
    httpserver.expect_request("/api/releases").respond_with_json({"releases": []})
    settings = Settings(home=tmp_path / "home", encoder="fake", clock=datetime(2021, 6, 1, tzinfo=UTC))
    spec = FeedSpec("portal", "ocds", url=httpserver.url_for("/api/releases"), query="since={since}")
    made = OcdsConnector(spec, client, settings)
    stored = {"next": httpserver.url_for("/api/releases?token=old"), "page": None, "watermark": FUTURE}
    (page,) = made.pages(stored, None)
    # Restarted from the first URL without a start day (everything again; upserts make that harmless).
    assert [request.full_path.rstrip("?") for request, _ in httpserver.log] == [
        "/api/releases?token=old", "/api/releases"]
    assert page.cursor["watermark"] is None


# ----------------------------------------------------------------------------- a feed row edited by hand


@pytest.mark.parametrize(("kind", "url", "page_size", "problem"), [
    ("ocds", "http://[::1/releases", None,
     "url 'http://[::1/releases': expected an http:// or https:// URL with a host"),
    ("ocds", "ftp://tenders.example/releases", None,
     "url 'ftp://tenders.example/releases': expected an http:// or https:// URL with a host"),
    ("worldbank", "search.worldbank.org/api", None,
     "url 'search.worldbank.org/api': expected an http:// or https:// URL with a host"),
    ("ted", None, -5, "page size -5: expected 1 to 1000"),
    ("worldbank", None, 0, "page size 0: expected 1 to 1000"),
])
def test_a_row_edited_to_hold_what_no_face_accepts_fails_its_run_naming_the_field(
    matcher: Matcher, client: PoliteClient, caplog: pytest.LogCaptureFixture,
    kind: str, url: str | None, page_size: int | None, problem: str,
) -> None:
    with matcher.engine.db.begin() as conn:  # as a hand edit leaves it: the service's checks left out
        FeedRepository().add(conn, FeedSpec("edited", kind, url, None, page_size), "officer-1")
    (outcome,) = FeedRunner(matcher, client).run(["edited"], sync=False).outcomes
    assert (outcome.status, outcome.error) == ("failed", f"feed 'edited': {problem}")
    assert client.requests == 0
    assert not [record for record in caplog.records if record.exc_info]  # no traceback in the log


def test_a_ted_page_longer_than_asked_for_stops_the_run_before_any_xml_is_fetched(
    httpserver: HTTPServer, client: PoliteClient, tmp_path: Path,
) -> None:
    # Each notice of a page costs one XML request at the host's pace: a source answering 'limit': 2 with 10,000
    # notices held the run for hours on one page. The fixture's first page holds 4 notices.
    ted = FakeTed(httpserver)
    whole = (FIXTURES / "search" / "20210531-1.json").read_text().replace("https://ted.europa.eu", ted.base)
    ted.fail("20210531-1", lambda normal: Response(whole, 200, content_type="application/json"))
    settings = Settings(home=tmp_path / "home", encoder="fake", clock=datetime(2021, 6, 1, tzinfo=UTC))
    made = ted_connector(FeedSpec("ted", "ted", url=ted.search_url, page_size=2), client, settings, ted)
    with pytest.raises(FeedError) as failed:
        list(made.pages({}, None))
    assert str(failed.value) == (f"{ted.search_url} publication-date 2021-05-31 page 1: 4 notices, more than the 2 "
                                 "asked for; stopping")
    assert ted.xml_fetches == []


# ----------------------------------------------------------------------------- answers that are not JSON


def test_an_html_page_or_an_empty_body_where_json_was_expected_is_named_as_such(
    httpserver: HTTPServer, client: PoliteClient,
) -> None:
    # Both were "malformed JSON (Expecting value: line 1 column 1 (char 0))", as if a page had been cut short.
    page = "<html><body><h1>Service unavailable</h1>" + "x" * 500 + "</body></html>"
    httpserver.expect_request("/maintenance").respond_with_data(page, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/nothing").respond_with_data("", status=204)
    with pytest.raises(FeedError) as html:
        client.get_json(httpserver.url_for("/maintenance"))
    assert str(html.value) == (f"{httpserver.url_for('/maintenance')}: not JSON but 'text/html; charset=utf-8', "
                               f"starting '<html><body><h1>Service unavailable</h1>{'x' * 20}'")  # 60 characters
    with pytest.raises(FeedError) as empty:
        client.get_json(httpserver.url_for("/nothing"))
    assert str(empty.value) == f"{httpserver.url_for('/nothing')}: an empty body (HTTP 204) where JSON was expected"


class _Redirecting(BaseHTTPRequestHandler):
    """Answers every GET with a 302 to ``location``, as sent (werkzeug would correct or refuse it)."""

    location = ""

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("location", ["http://[::1/releases", "/releases\x01next"])
def test_a_redirect_to_no_url_at_all_is_refused_at_once(client: PoliteClient, sleeps: Sleeps, location: str) -> None:
    # It was a RemoteProtocolError, retried as a lost connection: the same answer each time, after backoffs.
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("To", (_Redirecting,), {"location": location}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/releases"
    try:
        with pytest.raises(FeedError) as refused:
            client.get(url)
    finally:
        server.shutdown()
        server.server_close()
    assert str(refused.value).startswith(f"{url}: redirected to {location!r}, not a URL (")
    assert refused.value.refused and client.requests == 1 and sleeps == []

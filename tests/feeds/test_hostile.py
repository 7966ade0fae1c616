"""What a hostile or broken source, or a careless operator, can do to a feed: each ends in one clear line naming
the feed and the problem, never a password on screen, a feed stuck for good, or a traceback."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from api.feed_schemas import FeedPublic, FeedRunPublic
from matcher.feeds.credentials import without_credentials
from matcher.feeds.http import FeedError
from tests.feeds.conftest import cli

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

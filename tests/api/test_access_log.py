"""Secrets stay out of the access log: a real uvicorn server logs ``/unsubscribe?token=[redacted]``, never the
token itself (issue 15, item 4)."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api.logs import RedactSecrets, redact
from api.main import create_app
from matcher.config import Settings
from matcher.digest.tokens import make_token


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, Settings]]:
    """The app under a real uvicorn server (in a thread), with uvicorn's own access log format."""
    settings = Settings(home=tmp_path / "home", encoder="fake", secret_key="log-secret-" + "x" * 32)
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, lifespan="off", access_log=True,
                            log_level="info")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield port, settings
    server.should_exit = True
    thread.join(timeout=10)


def test_the_access_log_never_holds_an_unsubscribe_token(served: tuple[int, Settings]) -> None:
    port, settings = served
    token = make_token(settings, "0" * 32)
    access = logging.getLogger("uvicorn.access")
    records = Records()
    access.addHandler(records)
    try:
        for method, path in (("GET", f"/unsubscribe?token={token}"), ("POST", f"/unsubscribe?lang=ko&token={token}"),
                             ("GET", f"/unsubscribe?TOKEN={token}&token={token}")):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request(method, path)
            assert connection.getresponse().status == 404  # a valid signature naming no subscription
            connection.close()
        deadline = time.monotonic() + 5
        while len(records.records) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        access.removeHandler(records)
    messages = [r.getMessage() for r in records.records]
    assert len(messages) == 3, messages
    assert all(token not in m and token.split(".")[1] not in m for m in messages), messages
    assert '"GET /unsubscribe?token=[redacted] HTTP/1.1" 404' in messages[0]
    assert '"POST /unsubscribe?lang=ko&token=[redacted] HTTP/1.1" 404' in messages[1]
    assert "TOKEN=[redacted]&token=[redacted]" in messages[2]


def test_redact_keeps_everything_but_the_secret_values() -> None:
    assert redact("/unsubscribe?token=abc.def") == "/unsubscribe?token=[redacted]"
    redacted = "/x?a=1&api_key=[redacted]&b=2&password=[redacted]#frag"
    assert redact("/x?a=1&api_key=k%20y&b=2&password=p#frag") == redacted
    assert redact("/tenders?q=token&k=3") == "/tenders?q=token&k=3"  # the word alone is not a secret
    assert redact("/firms/mytoken=1") == "/firms/mytoken=1"  # only query parameters
    # A name spelled with escapes is the same parameter to the server (Starlette decodes it), so its value too.
    assert redact("/unsubscribe?t%6Fken=abc&%54OKEN=d;api%5Fkey=e") == (
        "/unsubscribe?t%6Fken=[redacted]&%54OKEN=[redacted];api%5Fkey=[redacted]")
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/unsubscribe?token=s.e", "1.1", 200), None)
    assert RedactSecrets().filter(record) and record.getMessage() == (
        '127.0.0.1:5 - "GET /unsubscribe?token=[redacted] HTTP/1.1" 200')

"""Digest fixtures: the bundled demo (real TED notices, six firms) loaded once, copied per test, and a real
SMTP server (aiosmtpd) on 127.0.0.1 that records what it accepts and can be told to refuse."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from matcher.cli import app
from matcher.config import Settings
from matcher.demo import demo_data, load_demo
from matcher.pipeline import Matcher
from matcher.search.encoders import FakeEncoder
from matcher.store.subscriptions import Subscription, SubscriptionRepository, SubscriptionSpec
from tests.api.conftest import database_url  # noqa: F401  (SQLite, + PostgreSQL when configured)

KO_FIRM = "kr-hanbit-water"
EN_FIRM = "en-pixelwave-signage"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler: keeps accepted messages; ``refuse`` makes the next n DATA commands fail."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # the bytes as received, for tests of the wire format
        self.recipients: list[list[str]] = []  # each accepted message's envelope (RCPT TO), in order
        self.refuse = 0
        self.refusal = "451 4.3.0 Try again later"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        if self.refuse > 0:
            self.refuse -= 1
            return self.refusal
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
        self.messages.append(message)
        self.raw.append(raw)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self, **kwargs: Any) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.kwargs = kwargs
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **self.kwargs)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo") / "home"
    matcher = Matcher(Settings(home=home, encoder="fake", clock=demo_data().as_of), encoder=FakeEncoder())
    load_demo(matcher)
    matcher.close()
    return home


@pytest.fixture
def digest_settings(tmp_path: Path, demo_home: Path, smtp: SmtpServer) -> Settings:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    return Settings(
        home=home, encoder="fake", clock=demo_data().as_of, min_candidates=50,
        smtp_host="127.0.0.1", smtp_port=smtp.port,
        smtp_retries=3, smtp_backoff_seconds=0.01, secret_key="test-secret-" + "x" * 32, public_url="https://matcher.test",
    )


@pytest.fixture
def demo(digest_settings: Settings) -> Iterator[Matcher]:
    matcher = Matcher(digest_settings, encoder=FakeEncoder())
    yield matcher
    matcher.close()


def subscribe(matcher: Matcher, firm_id: str, address: str, **extra: Any) -> Subscription:
    with matcher.engine.db.begin() as conn:
        return SubscriptionRepository().add(conn, SubscriptionSpec(firm_id=firm_id, email=address, **extra), "test")


@pytest.fixture
def subscribed(demo: Matcher) -> dict[str, Subscription]:
    """One Korean and one English subscription, plus one per remaining demo firm (English)."""
    subs = {
        "ko": subscribe(demo, KO_FIRM, "ko@example.org", language="ko", max_items=5),
        "en": subscribe(demo, EN_FIRM, "en@example.org", language="en", max_items=5),
    }
    for firm_id in ("kr-saebyeol-optics", "kr-daehan-mobility", "kr-jeonwoo-cable", "kr-gyeongin-rail"):
        subs[firm_id] = subscribe(demo, firm_id, f"{firm_id}@example.org", max_items=3)
    return subs


def run_in_part(demo: Matcher, outbox: Path, monkeypatch: pytest.MonkeyPatch, exit_code: int = 1) -> str:
    """``matcher digest run --outbox`` on ``demo``'s home, where some digest fails: exit code 1 (the documented
    code when any failed; ``exit_code`` 0 where every one must go) and no traceback. Its output."""
    monkeypatch.setenv("MATCHER_HOME", str(demo.settings.home))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_SECRET_KEY", "test-secret-" + "x" * 32)
    result = CliRunner().invoke(app, ["digest", "run", "--outbox", str(outbox), "--workers", "1",
                                      "--as-of", demo.settings.now().isoformat()])
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    return result.stdout

"""``matcher digest run`` killed with SIGKILL in the middle of a send (issue 15, item 8): the rerun starts at
once (the dead run's lease is not waited out), every subscription gets its digest, and the one documented
duplicate (the server accepted, the process died before recording it) carries the same Message-ID. And the
lease is renewed while a send waits on a slow server, so no second run can take it meanwhile."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from matcher.config import Settings
from matcher.digest.run import LOCK_NAME, DigestRun, RunSummary
from matcher.digest.send import SmtpSender
from matcher.pipeline import Matcher
from matcher.store._common import utcnow
from matcher.store.locks import Lease
from matcher.store.process import ProcessIdentity
from matcher.store.subscriptions import Subscription
from tests.digest.conftest import Inbox, SmtpServer

ROOT = Path(__file__).parents[2]
AS_OF = "2021-04-28T12:00:00"


class StallingInbox(Inbox):
    """Accepts messages; the ``stall_at``-th one (counting from 1) is recorded as received, then its reply is
    held back until ``resume`` is set: for the client, a server that accepted and has not yet said so."""

    def __init__(self, stall_at: int) -> None:
        super().__init__()
        self.stall_at = stall_at
        self.seen = 0
        self.stalled = threading.Event()
        self.resume = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        reply = await super().handle_DATA(server, session, envelope)
        self.seen += 1
        if self.seen == self.stall_at:
            self.stalled.set()
            while not self.resume.is_set():
                await asyncio.sleep(0.01)
        return reply


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """The conftest's server (which ``demo``'s settings name), stalling on the third message."""
    server = SmtpServer()
    server.inbox = StallingInbox(stall_at=3)
    server.start()
    yield server
    stalling_inbox(server).resume.set()
    server.stop()


def stalling_inbox(server: SmtpServer) -> StallingInbox:
    assert isinstance(server.inbox, StallingInbox)
    return server.inbox


def wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    """Poll until ``condition`` holds; the deadline only keeps a broken test from hanging."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)


def cli_env(settings: Settings, port: int) -> dict[str, str]:
    return {
        **os.environ, "MATCHER_HOME": str(settings.home), "MATCHER_ENCODER": "fake", "MATCHER_MIN_CANDIDATES": "50",
        "MATCHER_OVERFETCH": "5", "MATCHER_SMTP_HOST": "127.0.0.1", "MATCHER_SMTP_PORT": str(port),
        "MATCHER_SMTP_RETRIES": "0", "MATCHER_SECRET_KEY": "test-secret-" + "x" * 32, "MATCHER_PUBLIC_URL": "https://matcher.test",
    }


def digest_run() -> list[str]:
    return [sys.executable, "-c", "from matcher.cli import main; main()", "digest", "run", "--as-of", AS_OF,
            "--workers", "1"]


@pytest.mark.slow
def test_digest_run_killed_mid_send_reruns_at_once_with_one_same_id_duplicate(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription], tmp_path: Path
) -> None:
    inbox = stalling_inbox(smtp)
    env = cli_env(demo.settings, smtp.port)
    log = tmp_path / "killed-run.log"
    with log.open("wb") as output:  # a file, not a pipe nobody reads while the run writes
        run = subprocess.Popen(digest_run(), env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: inbox.stalled.is_set() or run.poll() is not None)
        assert run.poll() is None, log.read_text()  # the third digest is with the server, its "250" not yet sent
        lease = Lease(demo.engine.db, LOCK_NAME, timedelta(minutes=2))
        state = lease.state()
        assert state.process is not None and state.process.pid == run.pid
        assert state.expires_at is not None and state.expires_at > utcnow()  # a live lease, not an expired one
        run.send_signal(signal.SIGKILL)
        assert run.wait(timeout=60) == -signal.SIGKILL
    finally:
        run.kill()
        run.wait()
    inbox.resume.set()
    assert len(inbox.messages) == 3

    again = subprocess.run(digest_run(), env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
                           check=False)
    assert again.returncode == 0, again.stderr
    # 2 recorded as sent before the kill; the rerun sends the 4 still pending, the stalled one among them
    assert "0 subscriptions due, sent 4, skipped 0 empty, 0 failed (4 left pending by an earlier run)" in again.stdout

    assert Counter(m["To"] for m in inbox.messages) == Counter(
        {s.email: 2 if s.email == inbox.messages[2]["To"] else 1 for s in subscribed.values()})
    ids = Counter(m["Message-ID"] for m in inbox.messages)
    assert len(ids) == len(subscribed)
    assert [n for n in ids.values() if n > 1] == [2] and ids[inbox.messages[2]["Message-ID"]] == 2


@pytest.mark.slow
def test_the_lease_is_renewed_while_a_send_waits_on_a_slow_server(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription]
) -> None:
    inbox = stalling_inbox(smtp)
    ttl = timedelta(milliseconds=400)
    outcome: list[RunSummary] = []

    def one_run() -> None:
        with SmtpSender(demo.settings) as sender:
            outcome.append(DigestRun(demo, sender, lock_ttl=ttl).run())

    runner = threading.Thread(target=one_run)
    runner.start()
    try:
        wait_until(inbox.stalled.is_set)
        stalled_at = utcnow()
        wait_until(lambda: utcnow() > stalled_at + 3 * ttl)  # the send has waited three leases long
        other = Lease(demo.engine.db, LOCK_NAME, timedelta(minutes=2), process=ProcessIdentity("replica-2", 1))
        state = other.state()
        assert state.expires_at is not None and state.expires_at > utcnow()
        assert state.process == ProcessIdentity.current()
        assert not other.acquire()
    finally:
        inbox.resume.set()
        runner.join()
    assert outcome[0].sent == len(subscribed) and not outcome[0].stopped
    assert len(inbox.messages) == len(subscribed)

"""Crashes and concurrent runs: every due digest is delivered exactly once (and the one documented window)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.digest.run import LOCK_NAME, DigestRun, RunSummary
from matcher.digest.send import SmtpSender
from matcher.errors import Conflict
from matcher.pipeline import Matcher
from matcher.search.encoders import FakeEncoder
from matcher.store.digests import DigestRepository
from matcher.store.subscriptions import Subscription
from tests.digest.conftest import SmtpServer


class Killed(BaseException):
    """Stands for the process dying: nothing in the run catches it."""


class CrashAfter(SmtpSender):
    def __init__(self, settings: Settings, k: int) -> None:
        super().__init__(settings)
        self.k = k
        self.sent = 0

    def send(self, message: EmailMessage) -> None:
        if self.sent == self.k:
            raise Killed
        super().send(message)
        self.sent += 1


def rerun(settings: Settings) -> RunSummary:
    matcher = Matcher(settings, encoder=FakeEncoder())
    try:
        with SmtpSender(settings) as sender:
            return DigestRun(matcher, sender).run()
    finally:
        matcher.close()


def assert_each_once(smtp: SmtpServer, subscribed: dict[str, Subscription]) -> None:
    assert Counter(m["To"] for m in smtp.inbox.messages) == Counter(s.email for s in subscribed.values())
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == len(subscribed)


@pytest.mark.parametrize("k", [0, 1, 4])
def test_crash_after_kth_email_then_rerun_delivers_each_exactly_once(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription], k: int
) -> None:
    with pytest.raises(Killed):
        DigestRun(demo, CrashAfter(demo.settings, k)).run()
    assert len(smtp.inbox.messages) == k
    summary = rerun(demo.settings)
    assert summary.resent == len(subscribed) - k and summary.due == 0
    assert_each_once(smtp, subscribed)
    assert rerun(demo.settings).sent == 0


@pytest.mark.slow
def test_killed_process_leaves_a_lock_the_rerun_takes_at_once(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription]
) -> None:
    """A real process killed (os._exit) after two emails: no cleanup runs, and its lease would hold for ten
    minutes, but its process is gone from this machine, so a rerun takes the lock at once (issue 15, item 8)
    and sends the rest, each once. (A holder on another machine still expires: tests/store/test_locks.py.)"""
    script = textwrap.dedent(f"""
        import os
        from datetime import timedelta
        from matcher.config import Settings
        from matcher.digest.run import DigestRun
        from matcher.digest.send import SmtpSender
        from matcher.search.encoders import FakeEncoder
        from matcher.pipeline import Matcher

        settings = Settings.model_validate_json({demo.settings.model_dump_json()!r})
        class Dies(SmtpSender):
            count = 0
            def send(self, message):
                if self.count == 2:
                    os._exit(9)
                super().send(message)
                self.count += 1
        DigestRun(Matcher(settings, encoder=FakeEncoder()), Dies(settings), lock_ttl=timedelta(minutes=10)).run()
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2], timeout=120, check=False)
    assert done.returncode == 9 and len(smtp.inbox.messages) == 2
    state = demo.digest_lease(LOCK_NAME, timedelta(minutes=2)).state()
    assert state.holder is not None and state.expires_at is not None  # left held: nothing released it
    assert rerun(demo.settings).sent == len(subscribed) - 2
    assert_each_once(smtp, subscribed)


def test_crash_between_smtp_accept_and_commit_is_the_one_window(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documented: if the process dies after the server accepted a digest and before 'sent' is committed,
    that one digest is sent again, with the same Message-ID so the duplicate is detectable."""
    original = DigestRepository.mark_sent
    calls = {"n": 0}

    def dies_on_third(self: DigestRepository, conn: object, digest_id: str) -> bool:
        calls["n"] += 1
        if calls["n"] == 3:
            raise Killed
        return original(self, conn, digest_id)  # type: ignore[arg-type]

    monkeypatch.setattr(DigestRepository, "mark_sent", dies_on_third)
    with pytest.raises(Killed), SmtpSender(demo.settings) as sender:
        DigestRun(demo, sender).run()
    monkeypatch.setattr(DigestRepository, "mark_sent", original)
    rerun(demo.settings)
    ids = Counter(m["Message-ID"] for m in smtp.inbox.messages)
    assert len(ids) == len(subscribed)
    assert sorted(ids.values()) == [1] * (len(subscribed) - 1) + [2]  # one duplicate, same Message-ID


def test_two_runs_started_together_do_not_both_send(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription]
) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def one_run() -> None:
        matcher = Matcher(demo.settings, encoder=FakeEncoder())  # own engine, own connections
        try:
            with SmtpSender(demo.settings) as sender:
                barrier.wait()
                outcomes.append(f"sent {DigestRun(matcher, sender).run().sent}")
        except Conflict:
            outcomes.append("refused")
        finally:
            matcher.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", f"sent {len(subscribed)}"]  # a run takes seconds: they overlap
    assert_each_once(smtp, subscribed)

"""One subscription whose ranking fails is recorded as failed with its error; the others are still sent
(issue 15, item 1: one bad subscription used to stop every digest, on every rerun)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from matcher.digest.run import DigestRun
from matcher.digest.send import SmtpSender
from matcher.pipeline import Matcher
from matcher.services.recommender import Recommender
from matcher.store.digests import DigestRepository, digests
from matcher.store.subscriptions import Subscription
from tests.digest.conftest import KO_FIRM, SmtpServer, run_in_part, subscribe

#: The error the adversarial test met (lexical.term_guards over zero candidates), now raised on purpose
#: for any firm ranked with no candidate, so the test does not depend on that bug still being there.
BROADCAST = "operands could not be broadcast together with shapes (0,2) (0,)"


@pytest.fixture
def crashing_on_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Recommender._rank_tenders

    def rank(self: Recommender, firm: Any, candidates: Sequence[Any], *args: Any) -> Any:
        if not candidates:
            raise ValueError(BROADCAST)
        return original(self, firm, list(candidates), *args)

    monkeypatch.setattr(Recommender, "_rank_tenders", rank)


@pytest.mark.parametrize("batch_size", [500, 3])  # one batch of 7, halved down to the bad one; three batches
def test_a_failing_subscription_is_recorded_and_the_others_are_sent(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription], crashing_on_empty: None,
    caplog: pytest.LogCaptureFixture, batch_size: int,
) -> None:
    bad = subscribe(demo, KO_FIRM, "nowhere@example.org", countries=("AQ",))  # a valid country no notice has
    with caplog.at_level(logging.WARNING), SmtpSender(demo.settings) as sender:
        summary = DigestRun(demo, sender, batch_size=batch_size).run()
    assert (summary.due, summary.sent, summary.failed) == (7, 6, 1)
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(s.email for s in subscribed.values())
    with demo.engine.db.connect() as conn:
        (record,) = DigestRepository().for_subscription(conn, bad.subscription_id)
    assert record.status == "failed" and record.items == () and record.message is None
    assert record.last_error is not None and BROADCAST in record.last_error and "ValueError" in record.last_error
    assert any(bad.subscription_id in r.getMessage() and BROADCAST in r.getMessage() for r in caplog.records)

    # It stays due (a failure holds no tenders) and is tried again by the next run; the others are not due.
    again = DigestRun(demo, SmtpSender(demo.settings)).run()
    assert (again.due, again.sent, again.failed) == (1, 0, 1)
    with demo.engine.db.connect() as conn:
        statuses = conn.execute(select(digests.c.status).where(
            digests.c.subscription_id == bad.subscription_id)).scalars().all()
    assert statuses == ["failed", "failed"]


def test_a_dry_run_counts_the_failure_and_records_nothing(
    demo: Matcher, subscribed: dict[str, Subscription], crashing_on_empty: None,
) -> None:
    subscribe(demo, KO_FIRM, "nowhere@example.org", countries=("AQ",))
    summary = DigestRun(demo, None, dry_run=True).run()
    assert (summary.due, summary.sent, summary.failed) == (7, 6, 1)
    with demo.engine.db.connect() as conn:
        assert conn.execute(select(digests.c.digest_id)).first() is None


def test_the_cli_sends_the_others_and_exits_1_naming_the_count(
    demo: Matcher, subscribed: dict[str, Subscription], crashing_on_empty: None, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subscribe(demo, KO_FIRM, "nowhere@example.org", countries=("AQ",))
    outbox = tmp_path / "outbox"
    assert "7 subscriptions due, sent 6, skipped 0 empty, 1 failed" in run_in_part(demo, outbox, monkeypatch)
    assert len(list(outbox.glob("*.eml"))) == 6

"""A subscription row edited by hand to break a rule (an address no server takes, a language the digests do not
know, a count out of range) is skipped and named by the digest run; every other digest still goes. The run used
to read every active subscription before sending anything, so one such row stopped every digest, on every run,
with a ``StoredRecordInvalid`` (a count out of range gave an empty digest, and an address the API refuses was
handed to the mail server as it was). A digest left pending for such a row is neither sent nor cancelled: it goes
once the row is mended."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from matcher.digest.run import DigestRun
from matcher.digest.send import SmtpSender
from matcher.pipeline import Matcher
from matcher.store.digests import DigestRepository
from matcher.store.subscriptions import Subscription
from tests.digest.conftest import SmtpServer, run_in_part

EDITS = {
    "email": ("not an address", "email: not an email address (expected name@example.org) "
                                "(stored: 'not an address')"),
    "language": ("xx", "language: Input should be 'ko' or 'en' (stored: 'xx')"),
    "max_items": (0, "max_items: Input should be greater than or equal to 1 (stored: 0)"),
}


def edit_by_hand(matcher: Matcher, subscription_id: str, column: str, value: Any) -> None:
    with matcher.engine.db.begin() as conn:
        written = conn.execute(text(f"UPDATE subscriptions SET {column} = :value WHERE subscription_id = :id"),
                               {"value": value, "id": subscription_id})
        assert written.rowcount == 1


def named(sub: Subscription, column: str) -> str:
    return f"subscriptions subscription_id={sub.subscription_id!r}: {EDITS[column][1]}"


@pytest.mark.parametrize("column", list(EDITS))
def test_a_subscription_edited_by_hand_is_named_and_every_other_digest_goes(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription], column: str,
) -> None:
    bad = subscribed["en"]
    edit_by_hand(demo, bad.subscription_id, column, EDITS[column][0])
    with SmtpSender(demo.settings) as sender:
        summary = DigestRun(demo, sender).run()
    assert (summary.due, summary.sent, summary.failed) == (5, 5, 1)
    assert summary.unreadable == [named(bad, column)]
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(
        s.email for key, s in subscribed.items() if key != "en")
    assert summary.line() == ("5 subscriptions due, sent 5, skipped 0 empty, 1 failed; 1 subscription unreadable, "
                              f"not sent (run 'matcher store check'): {named(bad, column)}")
    with demo.engine.db.connect() as conn:
        assert DigestRepository().for_subscription(conn, bad.subscription_id) == []

    # Mended, it is due and sent by the next run; the others are not due again.
    edit_by_hand(demo, bad.subscription_id, column, getattr(bad, column))
    again = DigestRun(demo, SmtpSender(demo.settings)).run()
    assert (again.due, again.sent, again.failed, again.unreadable) == (1, 1, 0, [])
    assert [m["To"] for m in smtp.inbox.to(bad.email)] == [bad.email]


def test_a_dry_run_names_it_too(demo: Matcher, subscribed: dict[str, Subscription]) -> None:
    bad = subscribed["ko"]
    edit_by_hand(demo, bad.subscription_id, "language", "xx")
    summary = DigestRun(demo, None, dry_run=True).run()
    assert (summary.due, summary.sent, summary.failed, summary.unreadable) == (5, 5, 1, [named(bad, "language")])


def test_a_pending_digest_of_a_row_edited_since_waits_for_it_to_be_mended(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription],
) -> None:
    """The server refused one digest for now (a 4xx keeps it pending); its row is then edited by hand. The next run
    neither sends nor cancels the pending digest and names the row; once the row is mended the digest goes."""
    smtp.inbox.refuse = demo.settings.smtp_retries + 1  # every attempt at the first digest
    with SmtpSender(demo.settings) as sender:
        first = DigestRun(demo, sender).run()
    assert (first.due, first.sent, first.failed) == (6, 5, 1)
    with demo.engine.db.connect() as conn:
        (pending,) = DigestRepository().pending(conn)
    bad = next(s for s in subscribed.values() if s.subscription_id == pending.subscription_id)
    edit_by_hand(demo, bad.subscription_id, "email", EDITS["email"][0])

    held = DigestRun(demo, SmtpSender(demo.settings)).run()
    assert (held.due, held.sent, held.failed, held.unreadable) == (0, 0, 1, [named(bad, "email")])
    with demo.engine.db.connect() as conn:
        (still,) = DigestRepository().pending(conn)
    assert still.digest_id == pending.digest_id and smtp.inbox.to(bad.email) == []

    edit_by_hand(demo, bad.subscription_id, "email", bad.email)
    mended = DigestRun(demo, SmtpSender(demo.settings)).run()
    assert (mended.due, mended.sent, mended.resent, mended.failed) == (0, 1, 1, 0)
    assert [m["Message-ID"] for m in smtp.inbox.to(bad.email)] == [pending.message_id]


def test_the_cli_sends_the_others_and_exits_1_naming_the_row(
    demo: Matcher, subscribed: dict[str, Subscription], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = subscribed["en"]
    edit_by_hand(demo, bad.subscription_id, "max_items", 0)
    outbox = tmp_path / "outbox"
    said = run_in_part(demo, outbox, monkeypatch)
    assert "5 subscriptions due, sent 5, skipped 0 empty, 1 failed; 1 subscription unreadable" in said
    assert named(bad, "max_items") in said
    assert len(list(outbox.glob("*.eml"))) == 5

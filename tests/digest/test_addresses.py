"""Addresses beyond ASCII: an address with a non-ASCII local part or domain needs a server offering SMTPUTF8
(RFC 6531); one that does not cannot take that message, ever, and must not hold up the others."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from matcher.digest.run import DigestRun
from matcher.digest.send import SmtpSender
from matcher.pipeline import Matcher
from matcher.store.digests import digests
from matcher.store.subscriptions import Subscription
from tests.digest.conftest import KO_FIRM, SmtpServer, subscribe

INTERNATIONAL = ("müller@bücher.de", "kim@한국.kr", "김@example.kr")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """The conftest's server (which ``demo``'s settings name), without SMTPUTF8."""
    server = SmtpServer(enable_SMTPUTF8=False)
    server.start()
    yield server
    server.stop()


def statuses(matcher: Matcher) -> dict[str, tuple[str, str | None]]:
    with matcher.engine.db.connect() as conn:
        rows = conn.execute(select(digests.c.email, digests.c.status, digests.c.last_error)).all()
    return {row.email: (row.status, row.last_error) for row in rows}


def test_a_server_without_smtputf8_fails_those_digests_for_good_and_sends_the_others(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription]
) -> None:
    """smtplib refuses such a message before sending it (SMTPNotSupportedError), which was taken for a lost
    connection: retried with backoff, left pending, and three in a row stopped the run. Pending digests go out
    first at every run, so from then on every run stopped on them and no digest went out to anyone."""
    for address in INTERNATIONAL:
        subscribe(demo, KO_FIRM, address)
    waits: list[float] = []
    summary = DigestRun(demo, SmtpSender(demo.settings, sleep=waits.append)).run()
    assert (summary.sent, summary.failed, summary.stopped) == (len(subscribed), 3, "")
    assert waits == []  # nothing retried
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(s.email for s in subscribed.values())
    found = statuses(demo)
    for address in INTERNATIONAL:
        status, error = found[address]
        assert status == "failed"
        assert error == (f"the SMTP server does not offer SMTPUTF8, which the address {address} needs "
                         "(its name or domain is not ASCII)")
    subscribe(demo, KO_FIRM, "later@example.org")
    again = DigestRun(demo, SmtpSender(demo.settings, sleep=waits.append)).run()
    assert (again.sent, again.failed, again.stopped) == (1, 3, "")  # each tried once more, named again
    assert smtp.inbox.messages[-1]["To"] == "later@example.org"

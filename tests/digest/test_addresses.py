"""Addresses beyond ASCII: an address with a non-ASCII local part or domain needs a server offering SMTPUTF8
(RFC 6531); one that does not cannot take that message, ever, and must not hold up the others."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from matcher.digest.run import DigestRun
from matcher.digest.send import OutboxSender, SmtpSender
from matcher.errors import InvalidInput
from matcher.pipeline import Matcher
from matcher.store.digests import digests
from matcher.store.subscriptions import Subscription, SubscriptionSpec
from tests.digest.conftest import KO_FIRM, SmtpServer, subscribe

#: Addresses whose local part is not ASCII: only SMTPUTF8 carries them.
INTERNATIONAL = ("müller@bücher.de", "김@example.kr", "jürgen@example.de")
#: An address whose domain only is not ASCII (an IDN), and how it is sent: its domain's ASCII form (IDNA 2008).
IDN = ("kim@한국.kr", "kim@xn--3e0b707e.kr")


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


def test_an_address_that_is_not_ascii_is_written_as_itself_for_a_server_with_smtputf8(
    demo: Matcher, smtp: SmtpServer
) -> None:
    """Through SMTPUTF8 the To header carries the address in UTF-8 (RFC 6532). It went out as RFC 2047 encoded
    words inside the address ('To: =?utf-8?q?m=C3=BCller?=@=?utf-8?q?b=C3=BCcher?=.de'), which RFC 2047 forbids
    there: a mail client shows that text, and a reply goes nowhere."""
    server = SmtpServer(enable_SMTPUTF8=True)
    server.start()
    try:
        for address in INTERNATIONAL:
            subscribe(demo, KO_FIRM, address)
        settings = demo.settings.model_copy(update={"smtp_port": server.port})
        with SmtpSender(settings) as sender:
            assert DigestRun(demo, sender).run().sent == 3
    finally:
        server.stop()
    to_lines = sorted(line for raw in server.inbox.raw for line in raw.splitlines() if line.startswith(b"To:"))
    assert to_lines == sorted(f"To: {address}".encode() for address in INTERNATIONAL)
    assert sorted(m["To"] for m in server.inbox.messages) == sorted(INTERNATIONAL)


def test_the_outbox_holds_an_address_that_is_not_ascii_as_itself(demo: Matcher, tmp_path: Path) -> None:
    (address, *_) = INTERNATIONAL
    subscribe(demo, KO_FIRM, address)
    summary = DigestRun(demo, OutboxSender(tmp_path / "outbox")).run()
    assert (summary.sent, summary.failed) == (1, 0)
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    assert f"To: {address}".encode() in eml.read_bytes().splitlines()
    assert email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)["To"] == address


@pytest.mark.parametrize("smtputf8", [False, True])
def test_an_internationalised_domain_goes_out_in_its_ascii_form_through_any_server(
    demo: Matcher, smtputf8: bool
) -> None:
    """'kim@한국.kr' needed a server with SMTPUTF8, and failed for good on one without; its domain's ASCII form
    ('xn--3e0b707e.kr', the same domain) goes through any server. The subscription keeps the address as written."""
    address, sent_as = IDN
    server = SmtpServer(enable_SMTPUTF8=smtputf8)
    server.start()
    try:
        subscription = subscribe(demo, KO_FIRM, address)
        settings = demo.settings.model_copy(update={"smtp_port": server.port})
        with SmtpSender(settings) as sender:
            summary = DigestRun(demo, sender).run()
    finally:
        server.stop()
    assert (summary.sent, summary.failed) == (1, 0)
    (raw,) = server.inbox.raw
    assert f"To: {sent_as}".encode() in raw.splitlines() and raw.isascii()
    assert demo.subscription(subscription.subscription_id).email == address



#: Addresses that are addresses by the letter (RFC 5322 lets a name hold '=' and '?'), but read by the email package
#: as an RFC 2047 encoded word: one decoding to a line break and a header, one to another address.
ENCODED = ("=?utf-8?q?a=0D=0ABcc=3A_x=40evil.example?=@example.org", "=?utf-8?q?postmaster?=@example.org")


@pytest.mark.parametrize("address", ENCODED)
def test_an_address_read_as_encoded_text_is_refused_and_a_stored_one_fails_alone(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription], address: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Subscribed, the first made `to_message` raise ValueError outside the part of the run that fails one
    subscription alone: `matcher digest run` ended in a traceback, every digest of the batch unsent, on every run.
    The second went to postmaster@example.org (the To header, decoded, is where smtplib sends). Such an address
    is now refused when subscribed, and one stored before fails alone, named; the others are sent."""
    with pytest.raises(InvalidInput, match=r"bad email address .*'=\?'"):
        demo.subscribe(SubscriptionSpec(firm_id=KO_FIRM, email=address), actor="test")
    stored = subscribe(demo, KO_FIRM, address)  # as a store written before the rule holds it
    summary = DigestRun(demo, SmtpSender(demo.settings)).run()
    assert (summary.sent, summary.failed) == (len(subscribed), 1)
    assert sorted(r for rs in smtp.inbox.recipients for r in rs) == sorted(s.email for s in subscribed.values())
    status, error = statuses(demo)[address]
    assert status == "failed" and error is not None and "'=?'" in error
    assert any(stored.subscription_id in r.getMessage() and "'=?'" in r.getMessage() for r in caplog.records)

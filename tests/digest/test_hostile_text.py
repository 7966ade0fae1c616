"""Text people and feeds wrote, hostile to an email: it must neither break the message nor stop the run."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from matcher.digest.run import DigestRun
from matcher.digest.send import SmtpSender
from matcher.pipeline import Matcher
from tests.digest.conftest import EN_FIRM, KO_FIRM, SmtpServer, run_in_part, subscribe


@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\u2028", "\x85"])
def test_a_firm_name_holding_a_line_break_is_one_line_in_the_subject(
    demo: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line_break: str
) -> None:
    """A firm's name may hold a line break (a profile keeps what its firm wrote); the Subject is a header, where a
    line break would start another one. The email package refuses it: `to_message` raised ValueError outside the
    part of the run that fails one subscription alone, so `matcher digest run` ended in a traceback, every other
    digest of the batch unsent, on every run."""
    firm = demo.get_firm(EN_FIRM)
    demo.upsert_firms([firm.model_copy(update={"name": f"Pixelwave{line_break}Bcc: victim@evil.example"})])
    subscribe(demo, EN_FIRM, "en@example.org")
    subscribe(demo, KO_FIRM, "ko@example.org")
    outbox = tmp_path / "outbox"
    output = run_in_part(demo, outbox, monkeypatch, exit_code=0)
    assert output.endswith("2 subscriptions due, sent 2, skipped 0 empty, 0 failed\n")
    messages = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in outbox.glob("*.eml")]
    (english,) = [m for m in messages if m["To"] == "en@example.org"]
    assert english["Subject"].endswith(" new tenders for Pixelwave Bcc: victim@evil.example")
    assert english["Bcc"] is None


#: A firm's name that is, to a mail program, an RFC 2047 encoded word holding a line break and a Bcc header.
ENCODED_BCC = "=?utf-8?q?Pixelwave=0D=0ABcc:_victim@evil.example?="
#: One that decodes to a right-to-left override, the character the text part and the Subject leave out.
ENCODED_OVERRIDE = "=?utf-8?q?Pixel=E2=80=AEwave?="


@pytest.mark.parametrize("name", [ENCODED_BCC, ENCODED_OVERRIDE, "Pixel\x00wave\x1b[31m"])
def test_a_firm_name_that_reads_as_encoded_text_stays_literal_text_in_the_subject(
    demo: Matcher, smtp: SmtpServer, name: str
) -> None:
    """The email package decodes an encoded word ('=?utf-8?q?...?=') in any header value it is given, and writes what
    it decoded as it is: a firm named ENCODED_BCC made the Subject 'x' and a second header 'Bcc: victim@...', and
    smtplib sent the digest, live unsubscribe link and all, to that address too. Its name is now shown as written
    (the '=?' kept from being read as encoded text), and a NUL or an ESC it holds is left out of the header."""
    firm = demo.get_firm(EN_FIRM)
    demo.upsert_firms([firm.model_copy(update={"name": name})])
    subscribe(demo, EN_FIRM, "en@example.org")
    with SmtpSender(demo.settings) as sender:
        assert DigestRun(demo, sender).run().sent == 1
    assert smtp.inbox.recipients == [["en@example.org"]]
    (received,) = smtp.inbox.messages
    assert received["Bcc"] is None
    subject = str(received["Subject"])
    assert "\u202e" not in subject and "\x00" not in subject and "\x1b" not in subject
    assert subject.replace("\u2060", "").endswith(" new tenders for " + name.replace("\x00", "").replace("\x1b", ""))

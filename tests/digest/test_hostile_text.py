"""Text people and feeds wrote, hostile to an email: it must neither break the message nor stop the run."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from matcher.pipeline import Matcher
from tests.digest.conftest import EN_FIRM, KO_FIRM, run_in_part, subscribe


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

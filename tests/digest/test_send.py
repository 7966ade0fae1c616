"""SMTP delivery against a real aiosmtpd server: retries on 4xx and lost connections, none on 5xx, login."""

from __future__ import annotations

import email
import email.policy
import os
import stat
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from matcher.config import Settings
from matcher.digest.send import OutboxSender, PermanentFailure, SmtpSender, TemporaryFailure
from matcher.errors import MatcherError
from tests.digest.conftest import SmtpServer, free_port


def message(subject: str = "hello") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "digest@example.org", "a@example.org", subject
    msg["Message-ID"] = "<digest.abc@example.org>"
    msg["X-Matcher-Digest"] = "abc"
    msg.set_content("안녕하세요", charset="utf-8", cte="base64")
    return msg


def settings(port: int, **extra: Any) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_retries=3, smtp_backoff_seconds=0.01, **extra)


def test_refused_then_accepted_is_retried_with_backoff(smtp: SmtpServer) -> None:
    smtp.inbox.refuse = 2
    waits: list[float] = []
    with SmtpSender(settings(smtp.port), sleep=waits.append) as sender:
        sender.send(message())
    assert len(smtp.inbox.messages) == 1
    assert smtp.inbox.messages[0].get_content().strip() == "안녕하세요"
    assert waits == [0.01, 0.02]  # exponential


def test_temporary_failures_give_up_after_the_retries(smtp: SmtpServer) -> None:
    smtp.inbox.refuse = 10
    waits: list[float] = []
    with SmtpSender(settings(smtp.port), sleep=waits.append) as sender, pytest.raises(TemporaryFailure, match="451"):
        sender.send(message())
    assert waits == [0.01, 0.02, 0.04]
    assert smtp.inbox.messages == []


def test_permanent_refusal_is_not_retried(smtp: SmtpServer) -> None:
    smtp.inbox.refuse, smtp.inbox.refusal = 5, "550 5.1.1 No such user"
    waits: list[float] = []
    with SmtpSender(settings(smtp.port), sleep=waits.append) as sender, pytest.raises(PermanentFailure, match="550"):
        sender.send(message())
    assert waits == []
    assert smtp.inbox.refuse == 4


def test_no_server_is_a_temporary_failure() -> None:
    with SmtpSender(settings(free_port()), sleep=lambda _: None) as sender, pytest.raises(TemporaryFailure):
        sender.send(message())


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_with_configured_credentials() -> None:
    seen: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        seen.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    server = SmtpServer(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    server.start()
    try:
        with SmtpSender(settings(server.port, smtp_user="digest", smtp_password="s3cret")) as sender:
            sender.send(message())
    finally:
        server.stop()
    assert seen == [(b"digest", b"s3cret")]
    assert len(server.inbox.messages) == 1


@pytest.mark.parametrize(("extra", "said"), [
    ({"smtp_starttls": True}, r"does not offer STARTTLS, which MATCHER_SMTP_STARTTLS asks for"),
    ({"smtp_user": "digest", "smtp_password": "s3cret"}, r"does not offer AUTH, which MATCHER_SMTP_USER asks for"),
])
def test_a_server_without_what_the_settings_ask_for_stops_at_once(
    smtp: SmtpServer, extra: dict[str, Any], said: str
) -> None:
    """Like a refused login, a settings problem, the same for every message: it was taken for a lost connection,
    retried, and the run stopped "early" with every digest pending, on every run."""
    waits: list[float] = []
    with SmtpSender(settings(smtp.port, **extra), sleep=waits.append) as sender, \
            pytest.raises(MatcherError, match=said) as raised:
        sender.send(message())
    assert not isinstance(raised.value, TemporaryFailure | PermanentFailure)
    assert f"127.0.0.1:{smtp.port}" in str(raised.value)
    assert waits == [] and smtp.inbox.messages == []


def test_a_failed_outbox_write_leaves_no_half_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails part-way (a full disk) is a temporary failure, and its '.eml.tmp' goes with it: it was
    left in the outbox, beside the messages a reader picks up."""
    outbox = OutboxSender(tmp_path / "out")

    def full(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fchmod", full)  # the file is made; what follows it fails
    with pytest.raises(TemporaryFailure, match="No space left on device"):
        outbox.send(message())
    monkeypatch.undo()
    assert list((tmp_path / "out").iterdir()) == []
    outbox.send(message())
    assert [f.name for f in (tmp_path / "out").iterdir()] == ["abc.eml"]


def test_outbox_writes_one_file_per_digest_even_when_resent(tmp_path: Path) -> None:
    outbox = OutboxSender(tmp_path / "out")
    outbox.send(message("first"))
    outbox.send(message("again"))
    files = list((tmp_path / "out").glob("*.eml"))
    assert [f.name for f in files] == ["abc.eml"]
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "again"


def test_outbox_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    """Digest files hold subscribers' addresses and live unsubscribe links (issue 15, item 9)."""
    previous = os.umask(0o022)
    try:
        outbox = OutboxSender(tmp_path / "out")
        outbox.send(message("first"))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700
    assert [stat.S_IMODE(f.stat().st_mode) for f in (tmp_path / "out").glob("*.eml")] == [0o600]
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    OutboxSender(existing).send(message("second"))
    assert stat.S_IMODE(existing.stat().st_mode) == 0o755  # the owner's own folder keeps its mode
    assert stat.S_IMODE((existing / "abc.eml").stat().st_mode) == 0o600


@pytest.mark.parametrize("header", ["Bcc", "Cc", "Resent-To"])
def test_the_envelope_holds_the_to_address_alone_whatever_other_recipient_headers_say(
        smtp: SmtpServer, header: str) -> None:
    """A digest goes to its subscriber only: a recipient header that reached a message by any way (a header
    injection not yet known, a template's mistake) adds no envelope recipient."""
    msg = message()
    msg[header] = "victim@evil.example"
    with SmtpSender(settings(smtp.port)) as sender:
        sender.send(msg)
    assert smtp.inbox.recipients == [["a@example.org"]]


def test_a_message_naming_no_single_recipient_is_refused_unsent(smtp: SmtpServer) -> None:
    msg = message()
    del msg["To"]
    msg["To"] = "a@example.org, b@example.org"
    with SmtpSender(settings(smtp.port)) as sender, pytest.raises(PermanentFailure, match="one recipient"):
        sender.send(msg)
    assert smtp.inbox.messages == []

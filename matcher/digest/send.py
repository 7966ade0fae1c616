"""Deliver rendered messages: over SMTP (STARTTLS and login from settings) or into an outbox folder.

SMTP failures are sorted into temporary (4xx replies, refused or dropped connections, timeouts), which are
retried with exponential backoff on a fresh connection, and permanent (5xx, or an address that is not ASCII
for a server without SMTPUTF8), which are not. A sender
raises ``TemporaryFailure`` when its retries are used up and ``PermanentFailure`` at once; the caller
decides what either means for the digest log. Each names the server. A server silent for ``SMTP_TIMEOUT`` (30 s)
on any step is a temporary failure, so one digest waits at most (MATCHER_SMTP_RETRIES + 1) x 30 s plus the backoff
before it is left pending, and a run stops after three such digests in a row (``matcher.digest.run``). What is the
same for every message (a refused login, a missing STARTTLS or AUTH, a greeting refusing service or not in SMTP) is
a MatcherError: the run stops at once, its digests pending.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from matcher.config import Settings
from matcher.errors import MatcherError
from matcher.paths import writable_folder

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 30.0


class SendFailure(MatcherError):
    """A message could not be delivered."""


class TemporaryFailure(SendFailure):
    """Worth retrying later (4xx, connection trouble); the digest stays pending."""


class PermanentFailure(SendFailure):
    """The server refused for good (5xx); retrying the same message will not help."""


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


def _server(settings: Settings) -> str:
    return f"the SMTP server at {settings.smtp_host}:{settings.smtp_port}"


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _classify(exc: smtplib.SMTPException | OSError, server: str) -> SendFailure:
    """Temporary for 4xx, replies that are not SMTP and connection errors, permanent for 5xx; each names ``server``."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        temporary = any(400 <= code < 500 for code in codes)
        refused = "; ".join(f"{address}: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items())
        return (TemporaryFailure if temporary else PermanentFailure)(f"{server} refused the recipient ({refused})")
    if isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600:
        return PermanentFailure(f"{server} answered {exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPResponseException):  # 4xx, or a line that is no SMTP reply (code -1)
        return TemporaryFailure(f"{server} answered {exc.smtp_code} {_text(exc.smtp_error)}")
    # Dropped or refused connections, timeouts, SMTPServerDisconnected: the server may be back later.
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return TemporaryFailure(f"{server} did not answer within {SMTP_TIMEOUT:g} s")
    return TemporaryFailure(f"{server} could not be reached or dropped the connection: {exc}")


class _Smtp(smtplib.SMTP):
    """An SMTP connection that knows whether the end of a message (CRLF.CRLF, which dot-stuffing keeps out of any
    body) went out: a failure after it, with no reply, is a server silent about a message it may already hold."""

    message_out = False

    def send(self, s: ReadableBuffer | str) -> None:
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.message_out = True


def _greeted(settings: Settings) -> _Smtp:
    """A connection the server greeted. A greeting refusing service (5xx) or not in SMTP (a web server at that port)
    is the settings' problem, the same for every message, like a refused login: a MatcherError naming the server
    (the run stops, its digests stay pending). It was a permanent refusal of each message in turn: every digest of
    the run marked failed, one by one. A 4xx greeting (busy) is a TemporaryFailure's SMTPConnectError."""
    assert settings.smtp_host is not None
    try:
        return _Smtp(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)
    except smtplib.SMTPConnectError as exc:
        check = "check MATCHER_SMTP_HOST and MATCHER_SMTP_PORT"
        if exc.smtp_code == -1:
            raise MatcherError(f"{_server(settings)} did not greet in SMTP (not an SMTP server, or not at that "
                               f"port): {check}") from exc
        if 500 <= exc.smtp_code < 600:
            raise MatcherError(f"{_server(settings)} refused service: {exc.smtp_code} {_text(exc.smtp_error)}: "
                               f"{check}") from exc
        raise


def _offered(smtp: smtplib.SMTP, settings: Settings, extension: str, setting: str) -> None:
    """A MatcherError (a settings problem, like a refused login: the run stops, its digests stay pending) when the
    server does not offer ``extension``, which ``setting`` asks for. smtplib's SMTPNotSupportedError was taken for
    a lost connection: retried, and the run stopped "early" the same way every time."""
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn(extension):
        smtp.close()
        raise MatcherError(f"the SMTP server at {settings.smtp_host}:{settings.smtp_port} does not offer "
                           f"{extension}, which {setting} asks for")


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _links_reachable(settings: Settings, smtp_host: str) -> None:
    """A MatcherError (before anything is planned or recorded) when mail goes through a server elsewhere while the
    unsubscribe links point at this machine's loopback: MATCHER_PUBLIC_URL unset (http://127.0.0.1:8000) sent every
    subscriber a link and a List-Unsubscribe header nobody could use, which mailbox providers take for spam. A
    server on this machine too (a test, a local relay) is left alone."""
    link_host = urlsplit(settings.public_url).hostname or ""
    if _loopback(link_host) and not _loopback(smtp_host.strip("[]").lower()):
        raise MatcherError(f"MATCHER_PUBLIC_URL is {settings.public_url}, this machine's own address: the unsubscribe "
                           f"links of digests sent through {smtp_host} would reach no subscriber (set it to the "
                           "address subscribers reach the API at)")


def _recipient(message: EmailMessage) -> str:
    """The one address a digest goes to: its To header's. Without ``to_addrs``, ``send_message`` adds every Cc and
    Bcc to the envelope, so a recipient header that reached a message by any way (an injection not yet known, a
    template's mistake) would receive the digest and its live unsubscribe link."""
    found = getaddresses([str(value) for value in message.get_all("To", [])])
    if len(found) != 1 or not found[0][1]:
        raise PermanentFailure(f"a digest must name one recipient, not {message['To']!r}")
    return found[0][1]


class SmtpSender:
    """One SMTP connection reused for many messages, reopened after a failure."""

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        if not settings.smtp_host:
            raise MatcherError("no SMTP server configured (set MATCHER_SMTP_HOST, or use --outbox DIR)")
        _links_reachable(settings, settings.smtp_host)
        self.settings = settings
        self._sleep = sleep
        self._smtp: _Smtp | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        """Deliver one message to the one address of its To header, retrying temporary failures ``smtp_retries``
        times with doubling waits. The envelope names that address alone (``_recipient``)."""
        recipient = _recipient(message)
        attempts = self.settings.smtp_retries + 1
        for attempt in range(attempts):
            smtp = None
            try:
                smtp = self._connection()
                smtp.message_out = False
                try:
                    smtp.send_message(message, to_addrs=[recipient])
                except smtplib.SMTPNotSupportedError as exc:
                    # Raised before anything is sent, when an address is not ASCII and the server does not offer
                    # SMTPUTF8: the same every time. Taken for a lost connection, it was retried and left pending,
                    # and such digests, sent first at every run, stopped every later run.
                    raise PermanentFailure(f"the SMTP server does not offer SMTPUTF8, which the address "
                                           f"{message['To']} needs (its name or domain is not ASCII)") from exc
                return
            except (smtplib.SMTPException, OSError) as exc:
                failure = _classify(exc, _server(self.settings))
                self._drop()
                if smtp is not None and smtp.message_out and not isinstance(exc, smtplib.SMTPResponseException):
                    # No reply to a whole message: the server may hold it, and each retry sent another copy (five
                    # of one digest with the default retries). Pending: the next run sends it once more, at most.
                    raise TemporaryFailure(
                        f"{_server(self.settings)} took the whole message but did not confirm it"
                        + (f" within {SMTP_TIMEOUT:g} s" if "did not answer" in str(failure) else "")
                        + ": left pending, not sent again until the next run") from exc
                if isinstance(failure, PermanentFailure) or attempt + 1 == attempts:
                    raise failure from exc
                wait = self.settings.smtp_backoff_seconds * 2**attempt
                log.warning("%s to %s; retry %d/%d in %.1fs", failure, message["To"], attempt + 1,
                            attempts - 1, wait)
                self._sleep(wait)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                log.debug("SMTP QUIT failed; connection dropped", exc_info=True)
            self._smtp = None

    def _connection(self) -> _Smtp:
        if self._smtp is None:
            s = self.settings
            smtp = _greeted(s)
            try:
                if s.smtp_starttls:
                    _offered(smtp, s, "STARTTLS", "MATCHER_SMTP_STARTTLS")
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    _offered(smtp, s, "AUTH", "MATCHER_SMTP_USER")
                    smtp.login(s.smtp_user, s.smtp_password or "")
            except smtplib.SMTPAuthenticationError as exc:
                smtp.close()
                # Not a property of one message: stop the run (digests stay pending) instead of failing each.
                raise MatcherError(f"SMTP login as {s.smtp_user!r} refused: {exc.smtp_code}") from exc
            except (smtplib.SMTPException, OSError):
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            except OSError:
                log.debug("closing a failed SMTP connection failed", exc_info=True)
            self._smtp = None


def ready_outbox(folder: Path) -> None:
    """Check now that digests can be written into ``folder`` (created 0700 if missing), else an InvalidInput
    naming why: ``matcher schedule`` asks at start, before its first job, as a digest run does."""
    writable_folder(folder, "digests", mode=0o700)


class OutboxSender:
    """Writes each message to ``DIR/<digest id>.eml``. A resent digest overwrites its own file, so the
    outbox holds every digest exactly once whatever happened to earlier runs. The messages carry subscribers'
    addresses and live unsubscribe links, so the files are the owner's only (0600) and a folder created here
    is 0700 (an existing folder keeps the mode its owner gave it). A folder no message can be written into (a
    loop of links, a dangling link, a file, not this user's to write) is an InvalidInput naming why, at once:
    before the run plans or records a digest."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        ready_outbox(self.folder)

    def __enter__(self) -> OutboxSender:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        name = str(message["X-Matcher-Digest"] or message["Message-ID"]).strip("<>").replace("/", "_")
        target = self.folder / f"{name}.eml"
        temporary = target.with_suffix(".eml.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)  # exactly, whatever the umask (or an older file's mode)
                handle.write(bytes(message))
            temporary.replace(target)  # atomic: a reader never sees half a message
        except OSError as exc:
            with contextlib.suppress(OSError):  # a half-written file would sit among the messages
                temporary.unlink(missing_ok=True)
            raise TemporaryFailure(f"cannot write {target}: {exc}") from exc

    def close(self) -> None:
        return None

"""SMTP servers that misbehave below the SMTP replies aiosmtpd can be told to give: one that greets with something
that is not SMTP, one that refuses service in its greeting, one that never answers. Each is a socket on
127.0.0.1 playing one part; what the run must do is give up, name the server and leave the digests pending."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from matcher.config import Settings
from matcher.digest import send
from matcher.digest.run import DigestRun
from matcher.digest.send import SmtpSender, TemporaryFailure
from matcher.errors import MatcherError
from matcher.pipeline import Matcher
from matcher.store.subscriptions import Subscription
from tests.digest.conftest import SmtpServer
from tests.digest.test_send import message

Part = Callable[[socket.socket], None]


def _garbage(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")


def _refusing(conn: socket.socket) -> None:
    conn.sendall(b"554 5.7.1 No SMTP service here\r\n")


def _silent(conn: socket.socket) -> None:
    conn.recv(1)  # until the client gives up and closes


@pytest.fixture
def fake_server() -> Iterator[Callable[[Part], int]]:
    """``start(part)``: a server on 127.0.0.1 answering every connection with ``part``; its port."""
    listeners: list[socket.socket] = []

    def start(part: Part) -> int:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    part(conn)

        threading.Thread(target=serve, daemon=True).start()
        return int(listener.getsockname()[1])

    yield start
    for listener in listeners:
        listener.close()


def settings(port: int) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_retries=2, smtp_backoff_seconds=0.0)


def test_a_server_greeting_with_what_is_not_smtp_stops_the_run_naming_it(
    fake_server: Callable[[Part], int],
) -> None:
    """An address and port that answer with something else (a web server) read as 'SMTP -1: P/1.1 400 Bad Request',
    a permanent refusal of that one message: every digest of the run was marked failed, one by one, and the run went
    on through all of them. It is the settings' problem, like a refused login: the run stops, its digests pending."""
    port = fake_server(_garbage)
    waits: list[float] = []
    with SmtpSender(settings(port), sleep=waits.append) as sender, pytest.raises(MatcherError) as raised:
        sender.send(message())
    assert not isinstance(raised.value, send.SendFailure)
    assert str(raised.value) == (f"the SMTP server at 127.0.0.1:{port} did not greet in SMTP (not an SMTP server, or "
                                 "not at that port): check MATCHER_SMTP_HOST and MATCHER_SMTP_PORT")
    assert waits == []


def test_a_server_refusing_service_in_its_greeting_stops_the_run_naming_it(
    fake_server: Callable[[Part], int],
) -> None:
    port = fake_server(_refusing)
    with SmtpSender(settings(port), sleep=lambda _: None) as sender, pytest.raises(MatcherError) as raised:
        sender.send(message())
    assert not isinstance(raised.value, send.SendFailure)
    assert str(raised.value) == (f"the SMTP server at 127.0.0.1:{port} refused service: 554 5.7.1 No SMTP service "
                                 "here: check MATCHER_SMTP_HOST and MATCHER_SMTP_PORT")


def test_a_server_that_never_answers_is_given_up_on_after_the_timeout_named(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription], fake_server: Callable[[Part], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It was 'SMTP connection failed: SMTPServerDisconnected(...timed out)': neither the server nor how long was
    waited. Every digest stays pending for the next run, which sends each once."""
    monkeypatch.setattr(send, "SMTP_TIMEOUT", 0.2)
    port = fake_server(_silent)
    silent = demo.settings.model_copy(update={"smtp_port": port, "smtp_retries": 0})
    with SmtpSender(silent) as sender, pytest.raises(TemporaryFailure) as raised:
        sender.send(message())
    said = f"the SMTP server at 127.0.0.1:{port} did not answer within 0.2 s"
    assert str(raised.value) == said
    with SmtpSender(silent) as sender:
        summary = DigestRun(demo, sender).run()
    assert summary.sent == 0 and said in summary.stopped
    assert summary.line().endswith(f"; stopped early: 3 digests in a row failed temporarily ({said})")
    with SmtpSender(demo.settings) as sender:
        again = DigestRun(demo, sender).run()
    assert (again.sent, again.resent, again.failed) == (len(subscribed), len(subscribed), 0)
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(s.email for s in subscribed.values())


def test_a_server_silent_after_taking_a_whole_message_is_not_sent_it_again_in_the_run(
    fake_server: Callable[[Part], int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server that read the message to its final '.' and then said nothing may hold it: each retry sent it again,
    five copies of one digest in one run with the default four retries. It is left pending for the next run, once."""
    monkeypatch.setattr(send, "SMTP_TIMEOUT", 0.2)
    copies: list[int] = []

    def silent_after_data(conn: socket.socket) -> None:
        lines = conn.makefile("rb")
        conn.sendall(b"220 ready\r\n")
        for line in lines:
            if line.strip().upper() == b"DATA":
                conn.sendall(b"354 go on\r\n")
                while lines.readline() not in (b".\r\n", b""):
                    pass
                copies.append(1)
                conn.recv(1)  # silent until the client gives up
                return
            conn.sendall(b"250 ok\r\n")

    port = fake_server(silent_after_data)
    waits: list[float] = []
    sender = SmtpSender(Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_retries=4), sleep=waits.append)
    with sender, pytest.raises(TemporaryFailure) as raised:
        sender.send(message())
    assert copies == [1] and waits == []
    assert str(raised.value) == (f"the SMTP server at 127.0.0.1:{port} took the whole message but did not confirm it "
                                 "within 0.2 s: left pending, not sent again until the next run")

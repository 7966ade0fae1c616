"""Shared fixtures for the connector tests: a polite client that never really sleeps, recording its waits, host
names that resolve as a test says, and a home for the command line."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.feeds.http import HttpPolicy, PoliteClient


class Sleeps(list[float]):
    """The waits a client asked for, instead of waiting (tests assert on them)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture(autouse=True)
def _feeds_on_127_0_0_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test servers listen on 127.0.0.1, which feeds refuse unless told (tests/feeds/test_private_addresses.py
    turns this off again); the setting reaches every Settings and every child process of a test."""
    monkeypatch.setenv("MATCHER_FEEDS_ALLOW_PRIVATE", "1")


@pytest.fixture
def private_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Private addresses refused, as every deployment starts (undoes ``_feeds_on_127_0_0_1``)."""
    monkeypatch.delenv("MATCHER_FEEDS_ALLOW_PRIVATE", raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A matcher home for ``cli``, with the fake encoder and feeds that neither retry nor pace."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_FEEDS_RETRIES", "0")
    monkeypatch.setenv("MATCHER_FEEDS_HOST_INTERVAL_SECONDS", "0")
    return tmp_path / "home"


def cli(*args: str) -> tuple[int, str, str]:
    """The ``matcher`` command's exit code, stdout and stderr."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def policy() -> HttpPolicy:
    # Short real timeouts so a hanging test server fails fast; retries and pacing are recorded, not slept.
    return HttpPolicy(user_agent="tender-matcher/test (+ops@example.org)", connect_timeout=2.0, read_timeout=2.0,
                      retries=3, backoff=1.0, max_backoff=8.0, max_retry_after=120.0, host_interval=0.0,
                      allow_private=True)


@pytest.fixture
def client(policy: HttpPolicy, sleeps: Sleeps) -> Iterator[PoliteClient]:
    with PoliteClient(policy, sleep=sleeps, jitter=lambda: 1.0) as polite:
        yield polite


class Names(dict[str, list[list[str]]]):
    """Host names that resolve as a test says: each lookup takes the next answer (the last one repeats), and
    ``calls`` counts the lookups. Every other name resolves as usual."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: dict[str, int] = {}


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> Names:
    answers = Names()
    real: Callable[..., Any] = socket.getaddrinfo

    def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in answers:
            return real(host, port, *args, **kwargs)
        answers.calls[name] = answers.calls.get(name, 0) + 1
        found = answers[name][min(answers.calls[name], len(answers[name])) - 1]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in found]

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return answers

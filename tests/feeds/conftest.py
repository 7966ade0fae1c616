"""Shared fixtures for the connector tests: a polite client that never really sleeps, recording its waits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
def policy() -> HttpPolicy:
    # Short real timeouts so a hanging test server fails fast; retries and pacing are recorded, not slept.
    return HttpPolicy(user_agent="tender-matcher/test (+ops@example.org)", connect_timeout=2.0, read_timeout=2.0,
                      retries=3, backoff=1.0, max_backoff=8.0, max_retry_after=120.0, host_interval=0.0,
                      allow_private=True)


@pytest.fixture
def client(policy: HttpPolicy, sleeps: Sleeps) -> Iterator[PoliteClient]:
    with PoliteClient(policy, sleep=sleeps, jitter=lambda: 1.0) as polite:
        yield polite

"""Deletions sent together: exactly one succeeds, the others are a 404. DELETE /tenders/{id} read the tender, then
deleted it, so every request that read it before the first deletion committed answered 200 (a hostile sweep: 8
sent together, 8 times 200 and one index job each); DELETE of a subscription answered 200 ('unsubscribed': false)
however often it was sent. Each route now decides from the rows its own write changed. The requests run in threads
against the store of the test (SQLite, and PostgreSQL when MATCHER_TEST_POSTGRES_URL is set), held at a barrier
after any read so that they all write together; the feeds' and partners' deletions, right already, are pinned."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from matcher.pipeline import Matcher
from matcher.services.access import AccessControl
from tests.api.conftest import OWN, World

TOGETHER = 6


def _held(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> None:
    """``owner.name`` waits until ``TOGETHER`` calls have reached it (each past whatever its route read first)."""
    barrier = threading.Barrier(TOGETHER, timeout=30)  # the timeout only ends a hang
    original: Callable[..., Any] = getattr(owner, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, held)


def _together(world: World, path: str) -> Counter[int]:
    with ThreadPoolExecutor(TOGETHER) as pool:
        answers = list(pool.map(lambda _: world.client.delete(path, headers=world.auth("officer")), range(TOGETHER)))
    return Counter(a.status_code for a in answers)


def test_one_of_several_deletions_of_a_tender_succeeds(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    tender_id = world.tenders[1]
    _held(monkeypatch, Matcher, "delete_tenders")
    statuses = _together(world, f"/tenders/{tender_id}")
    assert statuses == Counter({200: 1, 404: TOGETHER - 1}), statuses
    assert world.client.get(f"/tenders/{tender_id}", headers=world.auth("officer")).status_code == 404


def test_one_of_several_endings_of_a_subscription_succeeds(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    made = world.client.post(f"/firms/{OWN}/subscriptions", json={"email": "a@example.kr"},
                             headers=world.auth("officer"))
    assert made.status_code == 201, made.text
    path = f"/firms/{OWN}/subscriptions/{made.json()['subscription_id']}"
    _held(monkeypatch, Matcher, "unsubscribe")
    statuses = _together(world, path)
    assert statuses == Counter({200: 1, 404: TOGETHER - 1}), statuses
    monkeypatch.undo()
    again = world.client.delete(path, headers=world.auth("officer"))
    assert again.status_code == 404 and "already ended" in again.json()["detail"], again.text


def test_one_of_several_removals_of_a_feed_succeeds(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    assert world.client.post("/feeds", json={"name": "ted-water", "kind": "ted"},
                             headers=world.auth("officer")).status_code == 201
    _held(monkeypatch, Matcher, "remove_feed")
    assert _together(world, "/feeds/ted-water") == Counter({204: 1, 404: TOGETHER - 1})


def test_one_of_several_withdrawals_of_a_firm_succeeds(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _held(monkeypatch, AccessControl, "unassign")
    assert _together(world, f"/partners/partner-a/firms/{OWN}") == Counter({204: 1, 404: TOGETHER - 1})

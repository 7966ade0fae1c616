"""Two officers' ``POST /tenders`` of the same new notice at the same moment: one stores it (``new``), the other is
answered as a second POST sent after it is (``unchanged``, or ``updated`` when it sends other fields), and the
notice is stored once. On PostgreSQL both read "not stored" and both inserted; the loser's unique violation was a
409 ("another request changed the same record"), while on SQLite, whose writing transactions take turns, it got
the answer of a re-post. The race is forced: each request's read of the stored notices waits for the other's."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World

NOTICE = {"tender_id": "api:raced-1", "source": "api", "title": "Water meters for Nairobi"}


def _racing_posts(world: World, monkeypatch: pytest.MonkeyPatch, *bodies: dict[str, Any]) -> list[Any]:
    """Each body POSTed by its own client at once; every request's first read of the stored notices waits (a
    little, as SQLite lets one writer in at a time) for the others' to have read too."""
    tenders = world.matcher.catalog.tenders
    read, met = tenders.source_records, threading.Barrier(len(bodies), timeout=0.5)

    def source_records(*args: Any) -> Any:
        stored = read(*args)
        with contextlib.suppress(threading.BrokenBarrierError):  # SQLite: the other waits for this transaction
            met.wait()
        return stored

    monkeypatch.setattr(tenders, "source_records", source_records)
    clients = [TestClient(world.client.app) for _ in bodies]

    def post(client: TestClient, body: dict[str, Any]) -> Any:
        return client.post("/tenders", json={"tenders": [body]}, headers=world.auth("officer"))

    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(post, clients, bodies))
    monkeypatch.undo()
    return answers


def _counts(answer: Any) -> tuple[int, int, int]:
    assert answer.status_code == 200, answer.text
    return answer.json()["new"], answer.json()["updated"], answer.json()["unchanged"]


def test_the_same_new_notice_posted_twice_at_once_is_new_once_and_unchanged_once(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = _racing_posts(world, monkeypatch, NOTICE, NOTICE)
    assert sorted(_counts(a) for a in answers) == [(0, 0, 1), (1, 0, 0)]
    assert world.matcher.get_tender("api:raced-1").title == NOTICE["title"]


def test_a_racing_post_of_other_fields_updates_the_notice_the_other_stored(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    other = {**NOTICE, "title": "Water meters for Mombasa"}
    answers = _racing_posts(world, monkeypatch, NOTICE, other)
    assert sorted(_counts(a) for a in answers) == [(0, 1, 0), (1, 0, 0)]
    assert world.matcher.get_tender("api:raced-1").title in {NOTICE["title"], other["title"]}

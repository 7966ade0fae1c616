"""A JSON body that names one key twice in one object is a 422 naming the key and where it is, and nothing is
stored. Python's JSON reader keeps the last value without a word, so '{"name": "a", "name": "b"}' stored 'b'
(a hostile sweep): what a client's log or a proxy's filter read as the first value was not what was stored. The
check is one place for every JSON body (``api.deps.KeyFirstRoute``), nested objects included."""

from __future__ import annotations

import pytest
from httpx2 import Response  # what starlette's TestClient answers with

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot

CASES = [
    ("POST", "/firms", '{"firm_id": "new-firm", "name": "a", "name": "b", "description": "Water meters"}',
     "body.name", "'name'"),
    ("PATCH", f"/firms/{OWN}", '{"name": "Kept", "name": "Lost"}', "body.name", "'name'"),
    ("POST", "/tenders", '{"tenders": [{"tender_id": "a:1", "source": "a", "title": "t", "title": "u"}]}',
     "body.tenders.0.title", "'title'"),
    ("POST", f"/firms/{OWN}/subscriptions", '{"email": "a@example.kr", "min_score": 0.1, "min_score": 0.9}',
     "body.min_score", "'min_score'"),
    ("POST", f"/firms/{OWN}/keywords", '{"keywords": ["a"], "keywords": ["b"]}', "body.keywords", "'keywords'"),
]


def send(world: World, method: str, path: str, body: str) -> Response:
    """``body`` as it is written: a client library's JSON encoder sends a key once."""
    return world.client.request(method, path, content=body.encode(),
                                headers={**world.auth("officer"), "Content-Type": "application/json"})


@pytest.mark.parametrize(("method", "path", "body", "loc", "key"), CASES, ids=[c[3] + " " + c[1] for c in CASES])
def test_a_repeated_key_is_422_naming_it(world: World, method: str, path: str, body: str, loc: str, key: str) -> None:
    before = snapshot(world)
    response = send(world, method, path, body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{loc}: key {key} sent 2 times in one object"), response.text
    assert snapshot(world) == before


def test_keys_repeated_in_two_objects_are_both_named(world: World) -> None:
    body = '{"tenders": [{"tender_id": "a:1", "tender_id": "a:2", "source": "a", "title": "t"},' \
           ' {"tender_id": "b:1", "source": "b", "source": "c", "title": "t"}]}'
    response = send(world, "POST", "/tenders", body)
    assert response.status_code == 422, response.text
    assert [p["loc"] for p in response.json()["problems"]] == ["body.tenders.0.tender_id", "body.tenders.1.source"]


def test_the_same_key_in_different_objects_is_fine(world: World) -> None:
    body = '{"tenders": [{"tender_id": "a:1", "source": "a", "title": "t"}, {"tender_id": "a:2", "source": "a",' \
           ' "title": "t"}]}'
    response = send(world, "POST", "/tenders", body)
    assert response.status_code == 200, response.text
    assert response.json()["new"] == 2

"""A JSON boolean is not a number: a number field sent true or false is a 422 naming it, and nothing is stored.
Pydantic's lax mode read true as 1 (a hostile sweep): ``"min_score": true`` subscribed with the highest fit (digests
that send nothing), ``"page_size": true`` fetched one notice a page, ``"top": true`` proposed one, ``"value": true``
stored a notice worth 1 EUR, each answered 201 or 200."""

from __future__ import annotations

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot

CASES = [
    ("POST", f"/firms/{OWN}/shortlist/from-recommendations", {"top": True}, "body.top"),
    ("POST", f"/firms/{OWN}/subscriptions", {"email": "a@example.kr", "max_items": True}, "body.max_items"),
    ("POST", f"/firms/{OWN}/subscriptions", {"email": "a@example.kr", "min_score": True}, "body.min_score"),
    ("POST", f"/firms/{OWN}/subscriptions", {"email": "a@example.kr", "min_value": False}, "body.min_value"),
    ("PATCH", f"/firms/{OWN}", {"max_value": True}, "body.max_value"),
    ("POST", "/firms", {"firm_id": "new-firm", "name": "N", "description": "D", "min_value": True,
                        "currency": "EUR"}, "body.min_value"),
    ("POST", "/feeds", {"name": "ted-water", "kind": "ted", "page_size": True}, "body.page_size"),
    ("POST", "/tenders", {"tenders": [{"tender_id": "a:1", "source": "a", "title": "t", "value": True,
                                       "currency": "EUR"}]}, "body.tenders.0.value"),
]


@pytest.mark.parametrize(("method", "path", "body", "loc"), CASES, ids=[c[3] + " " + c[1] for c in CASES])
def test_a_boolean_for_a_number_is_422_naming_the_field(
    world: World, method: str, path: str, body: dict[str, object], loc: str
) -> None:
    before = snapshot(world)
    response = world.client.request(method, path, json=body, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{loc}: "), response.text
    assert "a number, not true" in response.text or "a number, not false" in response.text
    assert snapshot(world) == before


def test_numbers_are_still_numbers(world: World) -> None:
    response = world.client.post(f"/firms/{OWN}/subscriptions", json={"email": "a@example.kr", "max_items": 3,
                                                                       "min_score": 0.5, "min_value": 0},
                                  headers=world.auth("officer"))
    assert response.status_code == 201, response.text
    assert (response.json()["max_items"], response.json()["min_score"], response.json()["min_value"]) == (3, 0.5, 0)

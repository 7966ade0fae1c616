"""A keyword or certification of 30,000 characters was stored through the profile (PATCH, the profile form, a firms
file) and shown on every page and answer that lists the profile; the suggested-keywords route already capped an
item at 200 (the web workspace's adversarial review). Every way in now refuses an item over ``MAX_ITEM``, naming
it; one stored before the rule still reads."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from matcher.schema import MAX_ITEM, STORED, FirmProfile
from tests.api.conftest import OWN, World

LONG = "k" * 30_000


@pytest.mark.parametrize("field", ["keywords", "certifications"])
def test_a_patch_with_an_item_too_long_is_a_422_naming_it_and_nothing_is_stored(world: World, field: str) -> None:
    before = world.matcher.get_firm(OWN)
    response = world.client.patch(f"/firms/{OWN}", json={field: ["valves", LONG]}, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert f"at most {MAX_ITEM} characters, got 30,000: one product line" in response.text and field in response.text
    assert world.matcher.get_firm(OWN) == before


def test_an_item_of_the_longest_length_is_taken() -> None:
    firm = FirmProfile(firm_id="f", name="F", description="Pumps", keywords=["k" * MAX_ITEM])
    assert firm.keywords == ["k" * MAX_ITEM]
    with pytest.raises(ValidationError, match=f"at most {MAX_ITEM} characters, got {MAX_ITEM + 1}"):
        FirmProfile(firm_id="f", name="F", description="Pumps", keywords=["k" * (MAX_ITEM + 1)])


def test_a_profile_stored_before_the_rule_still_reads() -> None:
    stored = FirmProfile.model_validate({"firm_id": "f", "name": "F", "description": "Pumps", "keywords": [LONG]},
                                        context=STORED)
    assert stored.keywords == [LONG]


def test_the_documented_schema_gives_the_bound(world: World) -> None:
    schema = world.client.get("/openapi.json").json()["components"]["schemas"]
    assert schema["FirmUpdate"]["properties"]["keywords"]["items"]["maxLength"] == MAX_ITEM

"""GET /firms/{id}/suggested-codes (whoever may see the firm) and POST /firms/{id}/codes (officers, the
firm's partner; never a firm key)."""

from __future__ import annotations

import pytest

from matcher.search.code_labels import class_key
from tests.api.conftest import OTHER, OWN, World


@pytest.mark.parametrize("who", ["officer", "partner", "firm"])
def test_whoever_may_see_the_firm_gets_suggestions(world: World, who: str) -> None:
    response = world.client.get(f"/firms/{OWN}/suggested-codes", params={"k": 3}, headers=world.auth(who))
    assert response.status_code == 200
    found = response.json()
    assert len(found) == 3 and all(0 <= s["confidence"] <= 1 for s in found)
    assert len({class_key(s["code"]) for s in found}) == 3
    assert found == [s.model_dump() for s in world.matcher.suggest_codes(OWN, 3)]


@pytest.mark.parametrize(("who", "firm_id", "status"), [
    ("partner_b", OWN, 403), ("firm_b", OWN, 403), ("officer", "nobody", 404),
])
def test_suggestions_are_scoped(world: World, who: str, firm_id: str, status: int) -> None:
    response = world.client.get(f"/firms/{firm_id}/suggested-codes", headers=world.auth(who))
    assert response.status_code == status


@pytest.mark.parametrize("who", ["officer", "partner"])
def test_officer_or_partner_accepts_codes(world: World, who: str) -> None:
    before = world.matcher.get_firm(OWN).codes
    response = world.client.post(f"/firms/{OWN}/codes", json={"codes": ["CPV:38421100", "CPV:38421100"]},
                                 headers=world.auth(who))
    assert response.status_code == 200
    expected = before if "CPV:38421100" in before else [*before, "CPV:38421100"]
    assert response.json()["codes"] == expected == world.matcher.get_firm(OWN).codes


@pytest.mark.parametrize(("who", "firm_id", "status"), [
    ("firm", OWN, 403),  # a firm may see itself but not confirm codes
    ("partner_b", OWN, 403),  # not this partner's firm
    ("partner", OTHER, 403),
    ("officer", "nobody", 404),
])
def test_accepting_is_scoped(world: World, who: str, firm_id: str, status: int) -> None:
    before = {f: world.matcher.get_firm(f).codes for f in (OWN, OTHER)}
    response = world.client.post(f"/firms/{firm_id}/codes", json={"codes": ["CPV:38421100"]}, headers=world.auth(who))
    assert response.status_code == status
    assert {f: world.matcher.get_firm(f).codes for f in (OWN, OTHER)} == before


@pytest.mark.parametrize(("codes", "named"), [(["CPV:33999999"], "CPV:33999999"), (["water meters"], "water meters")])
def test_a_bad_code_is_422_naming_it(world: World, codes: list[str], named: str) -> None:
    before = world.matcher.get_firm(OWN).codes
    response = world.client.post(f"/firms/{OWN}/codes", json={"codes": codes}, headers=world.auth("officer"))
    assert response.status_code == 422 and named in response.json()["detail"]
    assert world.matcher.get_firm(OWN).codes == before


def test_an_empty_list_is_422(world: World) -> None:
    response = world.client.post(f"/firms/{OWN}/codes", json={"codes": []}, headers=world.auth("officer"))
    assert response.status_code == 422 and response.json()["problems"][0]["loc"] == "body.codes"

"""A firm's ``offers`` (what it sells) through the API: create, read, PATCH, and bad values as 422."""

from __future__ import annotations

from tests.api.conftest import OWN, World

FIRM = {"firm_id": "kr-xray", "name": "X-ray Co", "description": "디지털 X선 촬영 장치를 만듭니다"}


def test_offers_are_created_read_and_patched(world: World) -> None:
    officer = world.auth("officer")
    created = world.client.post("/firms", json={**FIRM, "offers": ["supplies"]}, headers=officer)
    assert created.status_code == 201, created.text
    assert created.json()["offers"] == ["supplies"]
    patched = world.client.patch("/firms/kr-xray", json={"offers": ["supplies", "services"]}, headers=officer)
    assert patched.status_code == 200, patched.text
    assert patched.json()["offers"] == ["supplies", "services"]
    assert world.client.get("/firms/kr-xray", headers=officer).json()["offers"] == ["supplies", "services"]
    assert world.matcher.get_firm("kr-xray").offers == ["supplies", "services"]
    cleared = world.client.patch("/firms/kr-xray", json={"offers": []}, headers=officer)
    assert cleared.status_code == 200 and cleared.json()["offers"] == []


def test_a_partner_may_patch_the_offers_of_its_firm(world: World) -> None:
    patched = world.client.patch(f"/firms/{OWN}", json={"offers": ["works"]}, headers=world.auth("partner"))
    assert patched.status_code == 200, patched.text
    assert world.matcher.get_firm(OWN).offers == ["works"]


def test_an_unknown_nature_is_a_422_naming_the_field(world: World) -> None:
    officer = world.auth("officer")
    bad = world.client.patch(f"/firms/{OWN}", json={"offers": ["goods"]}, headers=officer)
    assert bad.status_code == 422 and "offers" in bad.text
    bad = world.client.post("/firms", json={**FIRM, "offers": ["software"]}, headers=officer)
    assert bad.status_code == 422 and "offers" in bad.text
    assert world.matcher.get_firm(OWN).offers == []

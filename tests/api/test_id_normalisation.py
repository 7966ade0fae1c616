"""Ids that differ only by Unicode normalisation name one record. 'café' typed on a Mac (NFD: 'e' and U+0301) and
on most other systems (NFC: U+00E9) look the same and were two firms: a second POST /firms made a twin, and the
other form's GET, PATCH or DELETE was a 404 (a firm key's own firm in the other form a 403). Ids are NFC wherever
they come in: bodies and files through the core's ``Identifier``, API paths, and the store's id columns (so the
command line, the workspace and the digest job, which hand ids to the core as typed, share it)."""

from __future__ import annotations

import unicodedata

from matcher.services.access import AccessControl
from tests.api.conftest import World

NFC = unicodedata.normalize("NFC", "kr-café-water")
NFD = unicodedata.normalize("NFD", "kr-café-water")


def _firm(firm_id: str) -> dict[str, object]:
    return {"firm_id": firm_id, "name": "Café water", "description": "Water meters"}


def test_the_two_forms_name_one_firm(world: World) -> None:
    assert NFC != NFD and len(NFD) == len(NFC) + 1
    officer = world.auth("officer")
    created = world.client.post("/firms", json=_firm(NFD), headers=officer)
    assert created.status_code == 201 and created.json()["firm_id"] == NFC, created.text
    twin = world.client.post("/firms", json=_firm(NFC), headers=officer)
    assert twin.status_code == 409, twin.text
    for form in (NFC, NFD):
        read = world.client.get(f"/firms/{form}", headers=officer)
        assert read.status_code == 200 and read.json()["firm_id"] == NFC, read.text
    patched = world.client.patch(f"/firms/{NFD}", json={"name": "Café water 2"}, headers=officer)
    assert patched.status_code == 200 and patched.json()["firm_id"] == NFC, patched.text
    assert [f for f in world.matcher.get_firms([NFC, NFD])] == [NFC]


def test_a_firm_key_reads_its_firm_in_either_form(world: World) -> None:
    assert world.client.post("/firms", json=_firm(NFC), headers=world.auth("officer")).status_code == 201
    key = AccessControl(world.matcher.engine.db).create_key("firm", "cafe", NFD).token
    for form in (NFC, NFD):
        read = world.client.get(f"/firms/{form}", headers={"Authorization": f"Bearer {key}"})
        assert read.status_code == 200, read.text


def test_the_core_looks_up_either_form(world: World) -> None:
    """What the command line and the workspace call with an id as typed."""
    assert world.client.post("/firms", json=_firm(NFC), headers=world.auth("officer")).status_code == 201
    assert world.matcher.get_firm(NFD).firm_id == NFC


def test_the_two_forms_name_one_tender(world: World) -> None:
    officer = world.auth("officer")
    nfd, nfc = unicodedata.normalize("NFD", "api:café-1"), unicodedata.normalize("NFC", "api:café-1")
    stored = world.client.post("/tenders", json={"tenders": [{"tender_id": nfd, "source": "api", "title": "t"}]},
                               headers=officer)
    assert stored.status_code == 200 and stored.json()["new"] == 1, stored.text
    again = world.client.post("/tenders", json={"tenders": [{"tender_id": nfc, "source": "api", "title": "u"}]},
                              headers=officer)
    assert again.status_code == 200 and (again.json()["new"], again.json()["updated"]) == (0, 1), again.text
    read = world.client.get(f"/tenders/{nfd}", headers=officer)
    assert read.status_code == 200 and read.json()["tender_id"] == nfc and read.json()["title"] == "u", read.text
    assert world.client.delete(f"/tenders/{nfd}", headers=officer).status_code == 200
    assert world.client.get(f"/tenders/{nfc}", headers=officer).status_code == 404

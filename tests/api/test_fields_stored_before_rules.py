"""A profile stored before a rule on input existed (a name with a bidirectional control, refused since 4c4454b;
text of invisible characters; a NUL; a currency without an exchange rate; an id in decomposed form) is changed
field by field like any other: a PATCH is held to the rules for the fields it sends, never for a stored field it
leaves alone. Before, the merged profile was validated as new input, so a firm whose stored name held U+202E
answered every PATCH with a 422 naming ``name``, even one that sent only ``keywords``; its partner could change
nothing of it through the API or the workspace's profile form without renaming it first."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from matcher.schema import STORED, FirmProfile
from matcher.store import FirmRepository
from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot

PATH = f"/firms/{OWN}"
#: Each: the stored field and its value (refused on input now), a value the same rule refuses when it is sent, and
#: one it takes.
STORED_BEFORE: dict[str, tuple[str, Any, Any, Any]] = {
    "bidi-name": ("name", "Hanbit \u202eretaW", "Hanbit \u2066retaW", "Hanbit Water"),
    "invisible-name": ("name", "\u200b", "\u2060", "Hanbit Water"),
    "c1-description": ("description", "\x92", "\u200b\u00ad", "Ultrafiltration plants"),
    "nul-keyword": ("keywords", ["pump\x00s"], ["valve\x00s"], ["pumps"]),
    "bidi-keyword": ("keywords", ["pumps \u202eretaw"], ["valves \u2066sevlav"], ["pumps"]),
    "bidi-description": ("description", "Pumps \u202eretaw", "Pumps \u202bretaw", "Ultrafiltration plants"),
    "invisible-certification": ("certifications", ["\u200b"], ["\u2060"], ["ISO 9001"]),
    "rateless-currency": ("currency", "VES", "KPW", "EUR"),  # ISO 4217, without an exchange rate
}


def stored_before_rules(world: World, **fields: Any) -> FirmProfile:
    """OWN's profile with ``fields`` written through the store layer, as a store written before the rule holds it."""
    if r"\x00" in repr(fields) and world.matcher.engine.db.engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL keeps no NUL in text: only a SQLite store can hold one")
    firm = FirmProfile.model_validate({**world.matcher.get_firm(OWN).model_dump(), **fields}, context=STORED)
    with world.matcher.engine.db.begin() as conn:
        report = FirmRepository().upsert(conn, [firm])
    assert report.updated == 1
    return firm


def _patch(world: World, body: dict[str, Any], who: str = "partner") -> Any:
    return world.client.patch(PATH, json=body, headers=world.auth(who))


@pytest.mark.parametrize("case", STORED_BEFORE)
def test_a_patch_that_leaves_the_field_alone_is_made_and_keeps_it_as_stored(world: World, case: str) -> None:
    field, stored_value, _, _ = STORED_BEFORE[case]
    stored_before_rules(world, **{field: stored_value})
    other = "description" if field != "description" else "keywords"
    sent = {"description": "Ultrafiltration plants"} if other == "description" else {"keywords": ["pumps"]}
    patched = _patch(world, sent)
    assert patched.status_code == 200, patched.text
    assert patched.json()[other] == sent[other] and patched.json()[field] == stored_value, patched.text
    firm = world.matcher.get_firm(OWN)
    assert getattr(firm, other) == sent[other] and getattr(firm, field) == stored_value
    read = world.client.get(PATH, headers=world.auth("partner"))
    assert read.status_code == 200 and read.headers["etag"] == patched.headers["etag"], read.text


@pytest.mark.parametrize("case", STORED_BEFORE)
def test_sending_the_field_is_held_to_the_rule(world: World, case: str) -> None:
    """A bad value sent is a 422 naming the field, nothing stored; a good one replaces the stored value."""
    field, stored_value, refused, taken = STORED_BEFORE[case]
    stored_before_rules(world, **{field: stored_value})
    before = snapshot(world)
    response = _patch(world, {field: refused})
    assert response.status_code == 422 and field in response.json()["detail"], response.text
    assert snapshot(world) == before
    fixed = _patch(world, {field: taken})
    assert fixed.status_code == 200 and fixed.json()[field] == taken, fixed.text


def test_a_bidi_name_stored_before_the_rule_leaves_every_other_change_possible(world: World) -> None:
    """The brief's case whole: PATCH of keywords, then each change route, all under If-Match of the last answer."""
    name = "Hanbit \u202eretaW"
    stored_before_rules(world, name=name)
    etag = world.client.get(PATH, headers=world.auth("partner")).headers["etag"]
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", PATH, {"keywords": ["ultrafiltration", "water meters"]}),
        ("POST", f"{PATH}/keywords", {"keywords": ["수도 계량기"]}),
        ("POST", f"{PATH}/codes", {"codes": ["CPV:38421100"]}),
        ("POST", f"{PATH}/declined-codes", {"codes": ["CPV:79710000"]}),
    ]
    for method, path, body in steps:
        response = world.client.request(method, path, json=body,
                                        headers={**world.auth("partner"), "If-Match": etag})
        assert response.status_code == 200 and response.json()["name"] == name, (method, path, response.text)
        etag = response.headers["etag"]
    firm = world.matcher.get_firm(OWN)
    assert firm.name == name and "water meters" in firm.keywords and "수도 계량기" in firm.keywords
    assert "CPV:38421100" in firm.codes and firm.declined_codes == ["CPV:79710000"]


def test_an_id_stored_decomposed_is_changed_and_answered_as_stored(world: World) -> None:
    """An id stored in its decomposed form (NFD, before ids were composed) is found by either form (the store's
    id column is composed); a PATCH leaves the profile's id as stored, as a read answers it."""
    nfd = unicodedata.normalize("NFD", "kr-café-water")
    firm = FirmProfile.model_validate({"firm_id": nfd, "name": "Café water", "description": "Water meters"},
                                      context=STORED)
    with world.matcher.engine.db.begin() as conn:
        assert FirmRepository().insert_new(conn, firm)
    path = f"/firms/{unicodedata.normalize('NFC', nfd)}"
    read = world.client.get(path, headers=world.auth("officer"))
    patched = world.client.patch(path, json={"keywords": ["meters"]}, headers=world.auth("officer"))
    assert patched.status_code == 200 and patched.json()["keywords"] == ["meters"], patched.text
    assert patched.json()["firm_id"] == read.json()["firm_id"] == world.matcher.get_firm(nfd).firm_id

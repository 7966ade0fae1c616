"""A firm stored before a rule across its fields existed is answered as stored by every route that returns it.

The rule: a declined code may not cover one of the firm's own codes (67a794f). A profile stored before it (here
written through the store layer, as ``stored_before_rules`` does) loads as stored (``STORED``), but FastAPI
validates a route's answer again against its response model, without that context, and pydantic runs a model's
``after`` validators even on an instance it is handed: ``GET /firms/{id}``, ``GET /firms`` and every change route
answering the profile were a 500 (``ResponseValidationError``: 'declined code CPV:45252000 covers CPV:45252126'),
the change itself stored. A PATCH that sends neither ``codes`` nor ``declined_codes`` leaves the pair as stored;
one that sends either is held to the rule, and its 422 names both codes and what to change.

The field rules that a stored record may break (``STORED_BEFORE``: a name's bidirectional control or invisible
text, a C1 description, a NUL, a currency without a rate) are read the same way, by one profile and in a list.
The other rules of ``FirmProfile`` (a code both own and declined, the value range, the shapes of codes, countries
and languages, the lengths) have held since their fields existed and apply to reads too: no stored profile breaks
them."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.store import FirmRepository
from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot
from tests.api.test_fields_stored_before_rules import STORED_BEFORE, stored_before_rules

PATH = f"/firms/{OWN}"
OWN_CODE = "CPV:45252126"  # one of OWN's codes in the demo (sewage treatment works construction)
COVERING = "CPV:45252000"  # its group: declining it would decline OWN_CODE


def store_covering_decline(world: World) -> str:
    """OWN with a declined code covering one of its own codes, as stored before the rule; its stored version."""
    stored_before_rules(world, declined_codes=[COVERING])
    with world.matcher.engine.db.connect() as conn:
        stored = FirmRepository().get_stored(conn, OWN)
    assert stored is not None and stored[0].declined_codes == [COVERING] and OWN_CODE in stored[0].codes
    return FirmRepository.version_of(stored[1])


@pytest.mark.parametrize("who", ["officer", "partner", "firm"])
def test_one_profile_and_the_list_answer_the_stored_pair(world: World, who: str) -> None:
    version = store_covering_decline(world)
    read = world.client.get(PATH, headers=world.auth(who))
    assert read.status_code == 200, read.text
    assert read.json()["declined_codes"] == [COVERING] and OWN_CODE in read.json()["codes"]
    assert read.headers["etag"] == f'"{version}"'
    assert world.client.head(PATH, headers=world.auth(who)).status_code == 200
    listed = world.client.get("/firms", headers=world.auth(who))
    assert listed.status_code == 200, listed.text
    (own,) = [firm for firm in listed.json()["items"] if firm["firm_id"] == OWN]
    assert own["declined_codes"] == [COVERING] and own == read.json()


def test_rankings_of_the_firm_are_answered(world: World) -> None:
    """Recommendations for the firm and the firms for a notice read the stored profile (a match names the firm)."""
    store_covering_decline(world)
    recommended = world.client.get(f"{PATH}/recommendations", headers=world.auth("partner"))
    assert recommended.status_code == 200 and recommended.json(), recommended.text
    assert {match["firm_id"] for match in recommended.json()} == {OWN}
    tender_id = recommended.json()[0]["tender_id"]
    fitting = world.client.get(f"/tenders/{tender_id}/firms?min_fit_band=weak", headers=world.auth("officer"))
    assert fitting.status_code == 200, fitting.text
    assert OWN in {match["firm_id"] for match in fitting.json()}


#: Each change route that answers the profile, a body it takes, and the field it changes.
CHANGES: dict[str, tuple[str, str, dict[str, Any], str, Any]] = {
    "patch-keywords": ("PATCH", PATH, {"keywords": ["water meters"]}, "keywords", ["water meters"]),
    "accept-keywords": ("POST", f"{PATH}/keywords", {"keywords": ["water meters"]}, "keywords", "water meters"),
    "accept-codes": ("POST", f"{PATH}/codes", {"codes": ["CPV:38421100"]}, "codes", "CPV:38421100"),
    "decline-codes": ("POST", f"{PATH}/declined-codes", {"codes": ["CPV:79710000"]}, "declined_codes",
                      "CPV:79710000"),
}


@pytest.mark.parametrize("case", CHANGES)
def test_a_change_that_leaves_the_pair_alone_is_made_and_answered(world: World, case: str) -> None:
    method, path, body, field, value = CHANGES[case]
    store_covering_decline(world)
    response = world.client.request(method, path, json=body, headers=world.auth("partner"))
    assert response.status_code == 200, response.text
    answered = response.json()
    assert (answered[field] == value if isinstance(value, list) else value in answered[field]), answered
    assert COVERING in answered["declined_codes"] and OWN_CODE in answered["codes"]
    firm = world.matcher.get_firm(OWN)
    assert answered == world.client.get(PATH, headers=world.auth("partner")).json()
    assert COVERING in firm.declined_codes and OWN_CODE in firm.codes


@pytest.mark.parametrize("sent", [
    {"codes": [OWN_CODE, "CPV:38421100"]}, {"declined_codes": [COVERING, "CPV:79710000"]},
])
def test_a_patch_sending_codes_or_declined_codes_is_held_to_the_rule(world: World, sent: dict[str, Any]) -> None:
    """A 422 naming the declined code, the own code it covers and what to change; nothing stored. Sending either
    side without the clash is made."""
    store_covering_decline(world)
    before = snapshot(world)
    response = world.client.patch(PATH, json=sent, headers=world.auth("partner"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        f"firm '{OWN}': record: declined code {COVERING} covers {OWN_CODE}, one of the firm's codes (take "
        f"{COVERING} out of declined_codes, or {OWN_CODE} out of codes)")
    assert snapshot(world) == before
    for turn, fix in enumerate(({"declined_codes": ["CPV:79710000"]},
                                {"codes": ["CPV:38421100"], "declined_codes": [COVERING]})):
        if turn:  # the first fix took the clash away: store it again
            store_covering_decline(world)
        fixed = world.client.patch(PATH, json=fix, headers=world.auth("partner"))
        assert fixed.status_code == 200, fixed.text
        assert {name: fixed.json()[name] for name in fix} == fix


@pytest.mark.parametrize("case", [*STORED_BEFORE, "covering-decline"])
def test_every_rule_a_stored_profile_may_break_is_read_as_stored(world: World, case: str) -> None:
    """The sweep: each input rule of ``FirmProfile`` that reads skip, broken by the stored profile, through one
    profile and the list (a partner's and an officer's)."""
    field, value = ("declined_codes", [COVERING]) if case == "covering-decline" else STORED_BEFORE[case][:2]
    stored_before_rules(world, **{field: value})
    for who in ("partner", "officer"):
        read = world.client.get(PATH, headers=world.auth(who))
        assert read.status_code == 200 and read.json()[field] == value, read.text
        listed = world.client.get("/firms", headers=world.auth(who))
        assert listed.status_code == 200, listed.text
        assert [firm[field] for firm in listed.json()["items"] if firm["firm_id"] == OWN] == [value]

"""Accepting codes, declining codes and accepting keywords change the same profile as PATCH /firms/{id}, and hold
to the same versions: an optional If-Match of a version no longer stored is a 412 with nothing stored, and the
200 carries the new ETag, so the client's next PATCH with If-Match needs no read in between. Before, the three
routes merged whatever the header said and answered no ETag: a partner who accepted a code from a profile a
colleague had since renamed was answered 200, and the PATCH that followed, sent with the ETag read before, a 412."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot
from tests.api.test_etags import PATH, _etag

#: Each route, a body that changes the demo firm OWN, and what the stored profile then holds.
CHANGES: dict[str, tuple[dict[str, list[str]], str, str]] = {
    "codes": ({"codes": ["CPV:38421100"]}, "codes", "CPV:38421100"),  # water meters
    "declined-codes": ({"codes": ["CPV:79710000"]}, "declined_codes", "CPV:79710000"),  # security services
    "keywords": ({"keywords": ["수도 계량기"]}, "keywords", "수도 계량기"),
}


def _post(world: World, route: str, if_match: str | None = None, who: str = "officer") -> Any:
    headers = {**world.auth(who), **({} if if_match is None else {"If-Match": if_match})}
    return world.client.post(f"{PATH}/{route}", json=CHANGES[route][0], headers=headers)


def _holds_the_change(world: World, route: str) -> bool:
    _, field, value = CHANGES[route]
    return value in getattr(world.matcher.get_firm(OWN), field)


@pytest.mark.parametrize("route", CHANGES)
def test_the_answer_carries_the_new_etag_and_the_next_patch_can_send_it(world: World, route: str) -> None:
    before = _etag(world, "partner")
    changed = _post(world, route, who="partner")
    assert changed.status_code == 200 and _holds_the_change(world, route), changed.text
    assert changed.headers.get("etag") == _etag(world) != before, changed.headers
    patched = world.client.patch(PATH, json={"description": "Ultrafiltration plants"},
                                 headers={**world.auth("partner"), "If-Match": changed.headers["etag"]})
    assert patched.status_code == 200 and patched.json()["description"] == "Ultrafiltration plants", patched.text


@pytest.mark.parametrize("route", CHANGES)
def test_a_change_from_a_stale_version_is_a_412_and_stores_nothing(world: World, route: str) -> None:
    """The partner read the profile, a colleague renamed the firm since: the partner's change is refused as a
    PATCH's would be, naming the firm and the ETag now stored, and nothing of it is stored."""
    read = _etag(world, "partner")
    renamed = world.client.patch(PATH, json={"name": "Hanbit Water"}, headers=world.auth("officer"))
    assert renamed.status_code == 200, renamed.text
    before = snapshot(world)
    stale = _post(world, route, if_match=read, who="partner")
    assert stale.status_code == 412, stale.text
    assert stale.json()["error"] == "precondition_failed", stale.text
    assert OWN in stale.json()["detail"] and renamed.headers["etag"] in stale.json()["detail"], stale.text
    assert snapshot(world) == before and not _holds_the_change(world, route)


@pytest.mark.parametrize("route", CHANGES)
@pytest.mark.parametrize("if_match", ["{current}", "*", '"stale", {current}'])
def test_if_match_of_the_stored_version_or_any_makes_the_change(world: World, route: str, if_match: str) -> None:
    changed = _post(world, route, if_match=if_match.format(current=_etag(world)))
    assert changed.status_code == 200 and _holds_the_change(world, route), changed.text
    assert changed.headers["etag"] == _etag(world)


@pytest.mark.parametrize("route", CHANGES)
def test_a_change_that_changes_nothing_answers_the_stored_version(world: World, route: str) -> None:
    assert _post(world, route).status_code == 200
    current = _etag(world)
    again = _post(world, route, if_match=current)
    assert again.status_code == 200 and again.headers["etag"] == current == _etag(world), again.text


@pytest.mark.parametrize("route", CHANGES)
def test_a_weak_or_malformed_if_match_never_matches(world: World, route: str) -> None:
    etag = _etag(world)
    before = snapshot(world)
    for if_match, said in ((f"W/{etag}", "only weak tags"), (etag.strip('"'), "in double quotes")):
        refused = _post(world, route, if_match=if_match)
        assert refused.status_code == 412 and refused.json()["error"] == "precondition_failed", refused.text
        assert said in refused.json()["detail"], refused.text
    assert snapshot(world) == before


@pytest.mark.parametrize("route", CHANGES)
def test_the_openapi_document_states_if_match_the_412_and_the_etag(world: World, route: str) -> None:
    operation = world.client.get("/openapi.json").json()["paths"][f"/firms/{{firm_id}}/{route}"]["post"]
    assert "ETag" in operation["responses"]["200"]["headers"], operation["responses"]["200"]
    assert "412" in operation["responses"], operation["responses"]
    headers = {p["name"].lower(): p for p in operation["parameters"] if p["in"] == "header"}
    assert "if-match" in headers and not headers["if-match"].get("required", False), headers
    assert "412" in operation["description"] and "ETag" in operation["description"], operation["description"]

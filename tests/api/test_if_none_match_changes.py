"""If-None-Match on a change of a record with an ETag (a firm profile: PATCH, codes and keywords accepted, codes
declined) is a precondition (RFC 9110 section 13.1.2): '*' (the profile exists) or a listed tag equal to the stored
version, weak or strong, is a 412 naming the header, and nothing is stored; any other list lets the change through.
Before, the header was ignored on a change: a client that sent If-None-Match: * to create only where nothing was
stored overwrote the profile, answered 200."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import World
from tests.api.test_bad_input import snapshot
from tests.api.test_etags import PATH, _etag

#: Each change route of the profile, and a body that changes the demo firm OWN.
CHANGES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "patch": ("PATCH", PATH, {"description": "Water meters and valves"}),
    "codes": ("POST", f"{PATH}/codes", {"codes": ["CPV:38421100"]}),
    "declined-codes": ("POST", f"{PATH}/declined-codes", {"codes": ["CPV:79710000"]}),
    "keywords": ("POST", f"{PATH}/keywords", {"keywords": ["수도 계량기"]}),
}


def _change(world: World, route: str, if_none_match: str, **more: str) -> Any:
    method, path, body = CHANGES[route]
    headers = {**world.auth("officer"), "If-None-Match": if_none_match, **more}
    return world.client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("route", CHANGES)
@pytest.mark.parametrize("sent", ["*", "{etag}", "W/{etag}", '"other", {etag}'],
                         ids=["any", "stored", "stored-weak", "listed"])
def test_if_none_match_of_the_stored_version_is_a_412_and_stores_nothing(world: World, route: str,
                                                                       sent: str) -> None:
    etag = _etag(world)
    before = snapshot(world)
    refused = _change(world, route, sent.format(etag=etag))
    assert refused.status_code == 412, refused.text
    assert refused.json()["error"] == "precondition_failed" and "If-None-Match" in refused.json()["detail"]
    assert snapshot(world) == before and _etag(world) == etag


@pytest.mark.parametrize("route", CHANGES)
def test_if_none_match_of_another_version_lets_the_change_through(world: World, route: str) -> None:
    etag = _etag(world)
    changed = _change(world, route, '"other", W/"older"')
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == _etag(world) != etag


def test_if_none_match_that_names_no_version_is_a_412_naming_it(world: World) -> None:
    before = snapshot(world)
    refused = _change(world, "patch", _etag(world).strip('"'))
    assert refused.status_code == 412, refused.text
    assert "If-None-Match" in refused.json()["detail"] and "in double quotes" in refused.json()["detail"]
    assert snapshot(world) == before


def test_if_match_is_read_before_if_none_match(world: World) -> None:
    """RFC 9110 section 13.2.2: If-Match first; a change that passes both is made."""
    etag = _etag(world)
    stale = _change(world, "patch", '"other"', **{"If-Match": '"stale"'})
    assert stale.status_code == 412 and "If-Match" in stale.json()["detail"], stale.text
    both = _change(world, "patch", '"other"', **{"If-Match": etag})
    assert both.status_code == 200 and both.json()["description"] == "Water meters and valves", both.text

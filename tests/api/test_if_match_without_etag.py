"""If-Match on a change of a record that has no ETag (a subscription ended, a tender deleted: every change but a
firm profile's and a shortlist item's decision, ``api.etags``) names a version no record of it can be: a 412 saying so,
and nothing stored (RFC 9110 section 13.1.1: no listed tag matches a record without one). If-Match: * (any version)
lets the change through. Before, the header was ignored: a client that sent the tag of an earlier read, expecting a
412 once a colleague had decided the item, overwrote the colleague's decision, answered 200."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot


def _delete(world: World, tender_id: str, if_match: str) -> Any:
    return world.client.delete(f"/tenders/{tender_id}", headers={**world.auth("officer"), "If-Match": if_match})


@pytest.mark.parametrize("if_match", ['"v1"', 'W/"v1"', '"a", "b"', "v1"], ids=["strong", "weak", "list", "bare"])
def test_if_match_on_a_change_without_an_etag_is_a_412_naming_the_missing_etag(world: World, if_match: str) -> None:
    """A tender's deletion (an officer's); the check is every such route's (``KeyFirstRoute``)."""
    before = snapshot(world)
    refused = _delete(world, world.tenders[2], if_match)
    assert refused.status_code == 412, refused.text
    assert refused.json()["error"] == "precondition_failed", refused.text
    assert "has no ETag" in refused.json()["detail"] and "If-Match" in refused.json()["detail"], refused.text
    assert snapshot(world) == before


def test_if_match_any_version_lets_the_change_through(world: World) -> None:
    deleted = _delete(world, world.tenders[2], "*")
    assert deleted.status_code in (200, 204), deleted.text


def test_a_shortlist_decision_compares_its_own_etag(world: World) -> None:
    """A shortlist item has an ETag since (``test_shortlist_etags``): a tag that is not its version is a 412 saying
    the item changed, not that it has no ETag."""
    seeded = world.tenders[0]
    refused = world.client.patch(f"/firms/{OWN}/shortlist/{seeded}", json={"status": "approved"},
                                 headers={**world.auth("partner"), "If-Match": '"v1"'})
    assert refused.status_code == 412 and "no ETag" not in refused.json()["detail"], refused.text


def test_a_firm_profile_keeps_its_own_if_match(world: World) -> None:
    """The profile has an ETag: its If-Match is compared with it (``test_etags``), not refused as unmatchable."""
    etag = world.client.get(f"/firms/{OWN}", headers=world.auth("officer")).headers["etag"]
    changed = world.client.patch(f"/firms/{OWN}", json={"description": "Water meters"},
                                 headers={**world.auth("officer"), "If-Match": etag})
    assert changed.status_code == 200, changed.text


def test_the_openapi_document_states_the_412_of_each_change_without_an_etag(world: World) -> None:
    """A status a route can answer is documented (the contract tests hold every answer to the document)."""
    paths = world.client.get("/openapi.json").json()["paths"]
    said = paths["/tenders/{tender_id}"]["delete"]["responses"]["412"]["description"]
    assert "no ETag" in said, said
    decision = paths["/firms/{firm_id}/shortlist/{tender_id}"]["patch"]["responses"]["412"]["description"]
    assert "no ETag" not in decision, decision
    assert "412" not in paths["/firms/{firm_id}/shortlist"]["get"]["responses"]  # a read has no If-Match to refuse
    profile = paths["/firms/{firm_id}"]["patch"]["responses"]["412"]["description"]
    assert "no ETag" not in profile and "If-None-Match" in profile, profile

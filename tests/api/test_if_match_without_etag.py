"""If-Match on a change of a record that has no ETag (a shortlist item's decision, a subscription ended, a tender
deleted: every change but a firm profile's, ``api.etags``) names a version no record of it can be: a 412 saying so,
and nothing stored (RFC 9110 section 13.1.1: no listed tag matches a record without one). If-Match: * (any version)
lets the change through. Before, the header was ignored: a client that sent the tag of an earlier read, expecting a
412 once a colleague had decided the item, overwrote the colleague's decision, answered 200."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot


@pytest.fixture
def proposed(world: World) -> str:
    """A tender on OWN's shortlist, proposed."""
    tender_id = world.tenders[1]
    response = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id},
                                 headers=world.auth("partner"))
    assert response.status_code == 201, response.text
    return tender_id


def _decide(world: World, tender_id: str, if_match: str) -> Any:
    return world.client.patch(f"/firms/{OWN}/shortlist/{tender_id}", json={"status": "approved", "note": "go"},
                              headers={**world.auth("partner"), "If-Match": if_match})


@pytest.mark.parametrize("if_match", ['"v1"', 'W/"v1"', '"a", "b"', "v1"], ids=["strong", "weak", "list", "bare"])
def test_if_match_on_a_shortlist_decision_is_a_412_naming_the_missing_etag(world: World, proposed: str,
                                                                          if_match: str) -> None:
    before = snapshot(world)
    refused = _decide(world, proposed, if_match)
    assert refused.status_code == 412, refused.text
    assert refused.json()["error"] == "precondition_failed", refused.text
    assert "has no ETag" in refused.json()["detail"] and "If-Match" in refused.json()["detail"], refused.text
    assert snapshot(world) == before


def test_if_match_any_version_lets_the_decision_through(world: World, proposed: str) -> None:
    decided = _decide(world, proposed, "*")
    assert decided.status_code == 200 and decided.json()["status"] == "approved", decided.text


def test_if_match_on_another_change_without_an_etag_is_refused_too(world: World) -> None:
    """A tender's deletion (an officer's), as one more route: the check is every route's, not the shortlist's."""
    before = snapshot(world)
    refused = world.client.delete(f"/tenders/{world.tenders[2]}", headers={**world.auth("officer"),
                                                                            "If-Match": '"v1"'})
    assert refused.status_code == 412 and "has no ETag" in refused.json()["detail"], refused.text
    assert snapshot(world) == before


def test_a_firm_profile_keeps_its_own_if_match(world: World) -> None:
    """The profile has an ETag: its If-Match is compared with it (``test_etags``), not refused as unmatchable."""
    etag = world.client.get(f"/firms/{OWN}", headers=world.auth("officer")).headers["etag"]
    changed = world.client.patch(f"/firms/{OWN}", json={"description": "Water meters"},
                                 headers={**world.auth("officer"), "If-Match": etag})
    assert changed.status_code == 200, changed.text


def test_the_openapi_document_states_the_412_of_each_change_without_an_etag(world: World) -> None:
    """A status a route can answer is documented (the contract tests hold every answer to the document)."""
    paths = world.client.get("/openapi.json").json()["paths"]
    said = paths["/firms/{firm_id}/shortlist/{tender_id}"]["patch"]["responses"]["412"]["description"]
    assert "no ETag" in said, said
    assert "412" in paths["/tenders/{tender_id}"]["delete"]["responses"]
    assert "412" not in paths["/firms/{firm_id}/shortlist"]["get"]["responses"]  # a read has no If-Match to refuse
    profile = paths["/firms/{firm_id}"]["patch"]["responses"]["412"]["description"]
    assert "no ETag" not in profile and "If-None-Match" in profile, profile

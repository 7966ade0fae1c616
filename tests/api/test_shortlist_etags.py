"""A shortlist item has an ETag (a hash of its stored row): each row of `GET .../shortlist` carries it (`etag`), the
PATCH deciding the item answers the new one in its `ETag` header, and a PATCH sent with If-Match of a version no
longer stored (a colleague decided meanwhile) is a 412 naming If-Match, with nothing stored. If-None-Match on the
PATCH follows RFC 9110 13.1.2 as a firm profile's does. Before, the item had no ETag and any listed tag was a 412
("this record has no ETag to match"): two partners deciding from one read could only overwrite each other."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot
from tests.api.test_tender_reads import listed_later  # noqa: F401 (the fixture)


@pytest.fixture
def proposed(world: World) -> str:
    """A tender on OWN's shortlist, proposed."""
    tender_id = world.tenders[1]
    response = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id},
                                 headers=world.auth("partner"))
    assert response.status_code == 201, response.text
    return tender_id


def listed_etag(world: World, tender_id: str, who: str = "partner") -> str:
    response = world.client.get(f"/firms/{OWN}/shortlist", headers=world.auth(who))
    assert response.status_code == 200, response.text
    [etag] = [item["etag"] for item in response.json() if item["tender_id"] == tender_id]
    assert isinstance(etag, str) and etag.startswith('"') and etag.endswith('"') and len(etag) > 2, etag
    return etag


def decide(world: World, tender_id: str, status: str, who: str = "partner", **headers: str) -> Any:
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    return world.client.patch(f"/firms/{OWN}/shortlist/{tender_id}", json={"status": status, "note": who},
                              headers={**world.auth(who), **sent})


def test_the_etag_changes_exactly_when_the_item_does(world: World, proposed: str) -> None:
    first = listed_etag(world, proposed)
    assert listed_etag(world, proposed, "officer") == first
    decided = decide(world, proposed, "approved")
    assert decided.status_code == 200, decided.text
    assert decided.headers["etag"] == decided.json()["etag"] == listed_etag(world, proposed) != first
    assert listed_etag(world, proposed, "firm") == decided.headers["etag"]  # a firm key lists it once approved


def test_a_decision_from_a_version_no_longer_stored_is_a_412_and_stores_nothing(world: World, proposed: str) -> None:
    """Two partners read the shortlist; the first one's decision holds, the second one's (made from the version
    both read) is refused naming If-Match, and can be made again from the version now stored."""
    read = listed_etag(world, proposed)
    first = decide(world, proposed, "approved", If_Match=read)
    assert first.status_code == 200 and first.json()["status"] == "approved", first.text
    before = snapshot(world)
    second = decide(world, proposed, "rejected", "officer", If_Match=read)
    assert second.status_code == 412, second.text
    assert second.json()["error"] == "precondition_failed" and "If-Match" in second.json()["detail"], second.text
    assert proposed in second.json()["detail"] and "no ETag" not in second.json()["detail"], second.text
    assert snapshot(world) == before
    again = decide(world, proposed, "rejected", "officer", If_Match=f'"x", {first.headers["etag"]}')
    assert again.status_code == 200 and again.json()["status"] == "rejected", again.text


@pytest.mark.parametrize("if_match", ['W/"v1"', "v1"], ids=["weak", "bare"])
def test_an_if_match_naming_no_version_is_a_412(world: World, proposed: str, if_match: str) -> None:
    before = snapshot(world)
    refused = decide(world, proposed, "approved", If_Match=if_match)
    assert refused.status_code == 412 and "If-Match" in refused.json()["detail"], refused.text
    assert snapshot(world) == before


def test_without_if_match_or_with_any_version_the_decision_is_made(world: World, proposed: str) -> None:
    assert decide(world, proposed, "approved").status_code == 200
    anyway = decide(world, proposed, "rejected", If_Match="*")
    assert anyway.status_code == 200 and anyway.json()["status"] == "rejected", anyway.text


def test_if_none_match_of_the_stored_version_or_any_is_a_412(world: World, proposed: str) -> None:
    stored = listed_etag(world, proposed)
    before = snapshot(world)
    for if_none_match in ("*", stored, f'"x", W/{stored}'):
        refused = decide(world, proposed, "approved", If_None_Match=if_none_match)
        assert refused.status_code == 412 and "If-None-Match" in refused.json()["detail"], refused.text
    assert snapshot(world) == before
    made = decide(world, proposed, "approved", If_None_Match='"another"')
    assert made.status_code == 200 and made.json()["status"] == "approved", made.text


def test_an_item_not_on_the_shortlist_is_a_404_whatever_the_preconditions(world: World) -> None:
    for headers in ({"If_Match": '"v1"'}, {"If_None_Match": '"v1"'}):
        missing = decide(world, "ted:999999-2021", "approved", **headers)
        assert missing.status_code == 404, missing.text


@pytest.mark.parametrize("header", ["If_Match", "If_None_Match"])
def test_a_partners_precondition_on_an_item_published_after_now_answers_as_an_unknown_id(
    listed_later: tuple[World, str], header: str  # noqa: F811 (the fixture imported above)
) -> None:
    """The item is not on the shortlist for a partner's key: a stale tag is the 404 of an id never stored, not a
    412 naming the item's version."""
    world, later = listed_later
    before = snapshot(world)
    hidden = decide(world, later, "rejected", **{header: '"stale"'})
    unknown = decide(world, "ted:999999-2021", "rejected", **{header: '"stale"'})
    assert hidden.status_code == unknown.status_code == 404, hidden.text
    assert hidden.text == unknown.text.replace("ted:999999-2021", later)
    assert snapshot(world) == before


def test_the_openapi_document_states_the_etag_and_the_412(world: World) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    patch = paths["/firms/{firm_id}/shortlist/{tender_id}"]["patch"]
    said = patch["responses"]["412"]["description"]
    assert "no ETag" not in said and "If-Match" in said, said
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert {p["name"].lower() for p in patch["parameters"]} >= {"if-match", "if-none-match"}
    row = world.client.get("/openapi.json").json()["components"]["schemas"]["ShortlistItemOut"]
    assert "etag" in row["required"], row

"""GET /firms/{id}/suggested-keywords (whoever may see the firm) and POST /firms/{id}/keywords (officers, the
firm's partner; never a firm key): a Korean description's product phrases, and accepting them into the
profile's keywords, which ranking reads."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import OTHER, OWN, World

ENGLISH = "en-pixelwave-signage"  # the demo's one firm with an English description


def suggested(world: World, who: str = "officer", firm_id: str = OWN) -> list[str]:
    response = world.client.get(f"/firms/{firm_id}/suggested-keywords", headers=world.auth(who))
    assert response.status_code == 200, response.text
    found: list[str] = response.json()
    return found


@pytest.mark.parametrize("who", ["officer", "partner", "firm"])
def test_whoever_may_see_the_firm_gets_its_suggested_keywords(world: World, who: str) -> None:
    firm = world.matcher.get_firm(OWN)
    found = suggested(world, who)
    assert found == world.matcher.suggest_keywords(OWN)
    assert found, "the demo firm's Korean description gives phrases; otherwise this test checks nothing"
    assert all(phrase in firm.description for phrase in found)  # as the text writes them
    assert not {k.replace(" ", "").casefold() for k in firm.keywords} & {p.replace(" ", "") for p in found}


def test_a_description_without_hangul_suggests_none(world: World) -> None:
    assert suggested(world, "officer", ENGLISH) == []


@pytest.mark.parametrize(("who", "firm_id", "status"), [
    ("partner_b", OWN, 403), ("firm_b", OWN, 403), ("partner", OTHER, 403), ("officer", "nobody", 404),
])
def test_suggested_keywords_are_scoped(world: World, who: str, firm_id: str, status: int) -> None:
    response = world.client.get(f"/firms/{firm_id}/suggested-keywords", headers=world.auth(who))
    assert response.status_code == status
    assert world.firm_name(OTHER) not in response.text


@pytest.mark.parametrize("who", ["officer", "partner"])
def test_officer_or_partner_accepts_keywords_which_are_then_no_longer_suggested(world: World, who: str) -> None:
    before = world.matcher.get_firm(OWN)
    first, *rest = suggested(world)
    # the same phrase again with other spaces, and a keyword the firm has in other case: each kept once
    sent = [first, f"  {first.replace(' ', '')} ", "ULTRAFILTRATION", "막  여과"]
    response = world.client.post(f"/firms/{OWN}/keywords", json={"keywords": sent}, headers=world.auth(who))
    assert response.status_code == 200, response.text
    expected = [*before.keywords, first, "막 여과"]  # after the firm's own, in the order sent
    assert response.json()["keywords"] == expected == world.matcher.get_firm(OWN).keywords
    assert world.matcher.get_firm(OWN) == before.model_copy(update={"keywords": expected})  # nothing else changed
    assert suggested(world, who) == rest


def test_accepting_what_the_firm_has_already_changes_nothing(world: World) -> None:
    before = world.matcher.get_firm(OWN)
    response = world.client.post(f"/firms/{OWN}/keywords", json={"keywords": ["한외 여과", "Ultrafiltration"]},
                                 headers=world.auth("partner"))
    assert response.status_code == 200 and response.json()["keywords"] == before.keywords
    assert world.matcher.get_firm(OWN) == before


@pytest.mark.parametrize(("who", "firm_id", "status"), [
    ("firm", OWN, 403),  # a firm may see itself but not accept keywords, as with codes
    ("partner_b", OWN, 403),  # not this partner's firm
    ("partner", OTHER, 403),
    ("officer", "nobody", 404),
])
def test_accepting_is_scoped(world: World, who: str, firm_id: str, status: int) -> None:
    before = {f: world.matcher.get_firm(f) for f in (OWN, OTHER)}
    response = world.client.post(f"/firms/{firm_id}/keywords", json={"keywords": ["정수장"]},
                                 headers=world.auth(who))
    assert response.status_code == status
    assert world.firm_name(OTHER) not in response.text
    assert {f: world.matcher.get_firm(f) for f in (OWN, OTHER)} == before


@pytest.mark.parametrize(("body", "loc"), [
    ({"keywords": []}, "body.keywords"),  # none to accept
    ({"keywords": ["정수장", "   "]}, "body.keywords.1"),  # blank
    ({"keywords": ["\u3000"]}, "body.keywords.0"),  # an ideographic space is blank too
    ({"keywords": ["\x92"]}, "body.keywords.0"),  # a C1 control alone shows nothing
    ({"keywords": ["정수장\n하수처리장"]}, "body.keywords.0"),  # one keyword is one line
    ({"keywords": ["정수\x00장"]}, "body.keywords.0"),
    ({"keywords": ["x" * 201]}, "body.keywords.0"),  # at most 200 characters
    ({"keywords": [f"k{i}" for i in range(101)]}, "body.keywords"),  # at most the profile's 100
    ({"keywords": "정수장"}, "body.keywords"),  # a list, not one string
    ({"keywords": [1]}, "body.keywords.0"),
    ({"keywords": None}, "body.keywords"),
    ({}, "body.keywords"),
    ({"keywords": ["정수장"], "codes": ["CPV:38421100"]}, "body.codes"),  # unknown fields are refused
])
def test_a_bad_body_is_422_naming_it_and_stores_nothing(world: World, body: Any, loc: str) -> None:
    before = world.matcher.get_firm(OWN)
    response = world.client.post(f"/firms/{OWN}/keywords", json=body, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["problems"][0]["loc"] == loc and response.json()["detail"].startswith(f"{loc}: ")
    assert world.matcher.get_firm(OWN) == before


def test_past_the_profiles_100_keywords_is_422_and_stores_nothing(world: World) -> None:
    officer = world.auth("officer")
    filled = world.client.patch(f"/firms/{OWN}", json={"keywords": [f"k{i}" for i in range(98)]}, headers=officer)
    assert filled.status_code == 200
    before = world.matcher.get_firm(OWN)
    three = world.client.post(f"/firms/{OWN}/keywords", json={"keywords": ["정수장", "하수처리장", "막 여과"]},
                              headers=officer)
    assert three.status_code == 422 and "keywords" in three.json()["detail"]  # 98 + 3 > 100
    assert world.matcher.get_firm(OWN) == before
    two = world.client.post(f"/firms/{OWN}/keywords", json={"keywords": ["정수장", "하수처리장", "k0"]},
                            headers=officer)  # 98 + 2 new = 100: the limit itself
    assert two.status_code == 200 and two.json()["keywords"][-2:] == ["정수장", "하수처리장"]
    assert len(world.matcher.get_firm(OWN).keywords) == 100


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_routes_say_what_they_are_and_that_ranking_reads_accepted_keywords(world: World) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    listed = paths["/firms/{firm_id}/suggested-keywords"]["get"]
    accept = paths["/firms/{firm_id}/keywords"]["post"]
    assert "Korean description" in listed["summary"] and "not ranked on until" in words(listed["description"])
    assert "officers, the firm's partner" in accept["summary"]
    assert "they are what ranking reads" in words(accept["description"])
    body = accept["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    keywords = world.client.get("/openapi.json").json()["components"]["schemas"][body]["properties"]["keywords"]
    assert (keywords["minItems"], keywords["maxItems"], keywords["items"]["maxLength"]) == (1, 100, 200)

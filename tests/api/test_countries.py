"""Countries are ISO 3166-1 alpha-2 codes everywhere the API takes one, the OpenAPI document says so, and a
valid code that no notice carries gives an empty answer, not a 500 (issue 15, item 1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import OWN, World

SUBSCRIPTION = {"email": "ops@example.org", "frequency": "weekly", "language": "en"}


@pytest.mark.parametrize("path", [f"/firms/{OWN}/recommendations?country=ZZ", "/tenders?country=ZZ",
                                  f"/firms/{OWN}/recommendations?country=KR&country=zz"])
def test_a_code_outside_iso_3166_is_a_422_naming_it(world: World, path: str) -> None:
    response = world.client.get(path, headers=world.auth("firm"))
    assert response.status_code == 422, response.text
    assert "unknown country 'ZZ'" in response.text.replace("'zz'", "'ZZ'")
    assert "ISO 3166" in response.text


def test_antarctica_is_valid_and_simply_matches_nothing(world: World) -> None:
    # Before the fix: a 500 (a broadcasting error in lexical.term_guards over zero candidates).
    response = world.client.get(f"/firms/{OWN}/recommendations?country=AQ", headers=world.auth("firm"))
    assert response.status_code == 200, response.text
    assert response.json() == []
    listed = world.client.get("/tenders?country=aq", headers=world.auth("officer"))
    assert listed.status_code == 200 and listed.json()["total"] == 0 and listed.json()["items"] == []


def test_a_subscription_takes_only_iso_countries(world: World) -> None:
    url = f"/firms/{OWN}/subscriptions"
    refused = world.client.post(url, json={**SUBSCRIPTION, "countries": ["KR", "ZZ"]}, headers=world.auth("firm"))
    assert refused.status_code == 422 and "unknown country 'ZZ'" in refused.text
    assert world.client.get(url, headers=world.auth("firm")).json() == []  # nothing stored
    created = world.client.post(url, json={**SUBSCRIPTION, "countries": ["aq", "uk"]}, headers=world.auth("firm"))
    assert created.status_code == 201, created.text
    assert created.json()["countries"] == ["AQ", "GB"]  # normalised as profiles are (UK is ISO's GB)


def test_a_subscription_names_each_country_once(world: World) -> None:
    """["KR", "kr", "KR"] was stored and listed as three countries (a hostile sweep); a profile's target countries
    were already named once each, in the order first sent, and so are a subscription's, after normalising."""
    url = f"/firms/{OWN}/subscriptions"
    created = world.client.post(url, json={**SUBSCRIPTION, "countries": ["KR", "kr", "uk", "KR", "GB"]},
                                headers=world.auth("firm"))
    assert created.status_code == 201, created.text
    assert created.json()["countries"] == ["KR", "GB"]
    assert [s["countries"] for s in world.client.get(url, headers=world.auth("firm")).json()] == [["KR", "GB"]]


def test_the_preview_of_a_subscription_that_matches_nothing_is_an_empty_digest(world: World) -> None:
    url = f"/firms/{OWN}/subscriptions"
    assert world.client.post(url, json={**SUBSCRIPTION, "countries": ["AQ"]},
                             headers=world.auth("firm")).status_code == 201
    response = world.client.get(f"/firms/{OWN}/digest/preview", headers=world.auth("firm"))
    assert response.status_code == 200, response.text
    (preview,) = response.json()
    assert preview["items"] == []


def _country_schemas(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Where the API takes a country: (place -> the schema of one country value), refs resolved."""
    components = document["components"]["schemas"]
    paths = document["paths"]

    def param(path: str) -> dict[str, Any]:
        (found,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == "country"]
        schema: dict[str, Any] = found["schema"]
        one: dict[str, Any] = schema.get("items", schema) if "anyOf" not in schema else schema["anyOf"][0]
        return one

    return {
        "recommendations ?country": param("/firms/{firm_id}/recommendations"),
        "tenders ?country": param("/tenders"),
        "subscription countries": components["SubscriptionIn"]["properties"]["countries"]["items"],
        "firm update target_countries": components["FirmUpdate"]["properties"]["target_countries"]["items"],
        "firm update home_country": components["FirmUpdate"]["properties"]["home_country"]["anyOf"][0],
        "new firm target_countries": components["FirmCreate"]["properties"]["target_countries"]["items"],
        "tender countries": components["TenderIn"]["properties"]["countries"]["items"],
        "tender buyer_country": components["TenderIn"]["properties"]["buyer_country"]["anyOf"][0],
    }


def test_the_openapi_document_states_the_country_rule(world: World) -> None:
    document = world.client.get("/openapi.json").json()
    for place, schema in _country_schemas(document).items():
        assert "AQ" in schema["enum"] and "KR" in schema["enum"] and "ZZ" not in schema["enum"], place
        assert len(schema["enum"]) == 250, place  # the 249 ISO 3166-1 codes and XK (Kosovo)
        assert "ISO 3166-1 alpha-2" in schema["description"], place

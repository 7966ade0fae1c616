"""Rules a tester found missing on typed input: an address holding an RFC 2047 encoded word ('=?') is refused by
the one address rule (``EMAIL_PATTERN``, so the API's JSON schema states it too) while a stored row still reads,
and a profile's countries and languages have one length limit on every path (POST was unbounded)."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import ValidationError

from matcher.reference.countries import ISO_COUNTRIES
from matcher.reference.languages import ISO_LANGUAGES
from matcher.schema import (
    EMAIL_PATTERN,
    MAX_PROFILE_LANGUAGES,
    MAX_TARGET_COUNTRIES,
    FirmProfile,
    email_address,
    stored_email_address,
)
from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot

ENCODED = ["=?utf-8?q?a?=@example.org", "a=?b@example.org", "ab@ex=?ample.org"]


@pytest.mark.parametrize("address", ENCODED)
def test_an_address_holding_an_encoded_word_is_refused_by_the_one_rule(address: str) -> None:
    assert re.fullmatch(EMAIL_PATTERN, address) is None
    with pytest.raises(ValueError, match="not an email address"):
        email_address(address)


def test_a_stored_address_holding_an_encoded_word_still_reads() -> None:
    assert stored_email_address("a=?b@example.org") == "a=?b@example.org"
    for address in ("a=b?c@example.org", "a?=b@x.org", "a==b=@x.org", "=@x.org", "a=.?b@x.org"):
        assert email_address(address) == address  # '=' and '?' apart are an address


def test_the_limits_are_the_patch_limits() -> None:
    assert (MAX_TARGET_COUNTRIES, MAX_PROFILE_LANGUAGES) == (250, 50)


def test_a_profile_with_more_languages_than_the_limit_is_refused_naming_it() -> None:
    languages = sorted(code for code in ISO_LANGUAGES if len(code) == 2)[:MAX_PROFILE_LANGUAGES + 1]
    assert len(languages) == MAX_PROFILE_LANGUAGES + 1
    with pytest.raises(ValidationError, match=r"languages\n.*at most 50 items"):
        FirmProfile(firm_id="f", name="F", description="D", languages=languages)
    assert len(FirmProfile(firm_id="f", name="F", description="D", languages=languages[:-1]).languages) == 50


def test_a_profile_with_more_countries_than_the_limit_is_refused() -> None:
    countries = sorted(ISO_COUNTRIES)
    too_many = (countries * 2)[:MAX_TARGET_COUNTRIES + 1]
    with pytest.raises(ValidationError, match=r"target_countries\n.*at most 250 items"):
        FirmProfile(firm_id="f", name="F", description="D", target_countries=too_many)
    assert FirmProfile.model_json_schema()["properties"]["target_countries"]["maxItems"] == 250
    assert FirmProfile.model_json_schema()["properties"]["languages"]["maxItems"] == 50


def test_the_api_refuses_an_encoded_word_naming_the_field(world: World) -> None:
    before = snapshot(world)
    response = world.client.post(f"/firms/{OWN}/subscriptions", json={"email": "a=?b@example.org"},
                                 headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("body.email: "), response.text
    assert snapshot(world) == before
    schema = world.client.get("/openapi.json").json()
    assert json.dumps(EMAIL_PATTERN) in json.dumps(schema), "the documented pattern states the rule"


def test_creating_a_firm_with_more_languages_than_an_edit_may_is_a_422(world: World) -> None:
    languages = sorted(code for code in ISO_LANGUAGES if len(code) == 2)[:MAX_PROFILE_LANGUAGES + 1]
    before = snapshot(world)
    response = world.client.post("/firms", json={"firm_id": "new-firm", "name": "N", "description": "D",
                                                 "languages": languages}, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("body.languages: "), response.text
    assert snapshot(world) == before

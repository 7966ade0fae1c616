"""A profile's languages and a subscription's address, probed as typed input (POST/PATCH /firms, POST
.../subscriptions, ``matcher subscribe``): 'xx', 'zzz' and 'eng' were stored as languages, which are documented as
ISO 639-1; 'a@b..c', '.a@b.org', 'a@-b.org' and 'a@b.org%0a' were subscribed, addresses no mail server delivers to.
Each is now a 422 naming the field (the CLI: one line, exit 2); what was stored before still reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from matcher.cli import app
from matcher.schema import STORED, FirmProfile, email_address
from matcher.store.subscriptions import SubscriptionSpec, from_row, subscriptions
from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot
from tests.conftest import FIXTURES

NOT_ISO_639_1 = ["xx", "zzz", "eng", "qq"]
NOT_ADDRESSES = ["a@b..c", "a@.b.c", ".a@b.org", "a.@b.org", "a..b@c.org", "a@b.org.", "a@-b.org", "a@b-.org",
                 "a@b_c.org", "a@b.org%0a", "a@b.org'", "a@b.-org"]
ADDRESSES = ["a@b.org", "o'brien@example.ie", "first.last+tag@sub.example.co.kr", "a_b%c@x-y.org", "é@bücher.de",
             "kim@한국.kr", "a@b.o"]


@pytest.mark.parametrize("language", NOT_ISO_639_1)
def test_a_language_not_in_iso_639_1_is_refused_naming_it(language: str) -> None:
    with pytest.raises(ValidationError, match=f"unknown language '{language}' \\(expected ISO 639-1"):
        FirmProfile(firm_id="f", name="F", description="D", languages=["en", language])


def test_iso_639_1_languages_are_taken_and_a_stored_other_still_reads() -> None:
    assert FirmProfile(firm_id="f", name="F", description="D", languages=["KO", "en", "zu", "ab"]).languages == [
        "ko", "en", "zu", "ab"]
    stored = FirmProfile.model_validate({"firm_id": "f", "name": "F", "description": "D", "languages": ["xx"]},
                                        context=STORED)
    assert stored.languages == ["xx"]


@pytest.mark.parametrize(("method", "path", "body", "loc"), [
    ("POST", "/firms", {"firm_id": "new-firm", "name": "N", "description": "D", "languages": ["zzz"]},
     "body.languages.0"),
    ("PATCH", f"/firms/{OWN}", {"languages": ["ko", "xx"]}, "body.languages.1"),
])
def test_a_language_not_in_iso_639_1_is_a_422_naming_the_field(
    world: World, method: str, path: str, body: dict[str, object], loc: str
) -> None:
    before = snapshot(world)
    response = world.client.request(method, path, json=body, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{loc}: ") and "ISO 639-1" in response.text, response.text
    assert snapshot(world) == before


@pytest.mark.parametrize("address", NOT_ADDRESSES)
def test_an_address_no_server_delivers_to_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="not an email address"):
        email_address(address)


@pytest.mark.parametrize("address", ADDRESSES)
def test_addresses_are_taken(address: str) -> None:
    assert email_address(address) == address


@pytest.mark.parametrize("address", NOT_ADDRESSES[:4])
def test_the_api_refuses_it_naming_the_field(world: World, address: str) -> None:
    before = snapshot(world)
    response = world.client.post(f"/firms/{OWN}/subscriptions", json={"email": address},
                                 headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("body.email: "), response.text
    assert snapshot(world) == before


def test_the_cli_refuses_it_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", "firms", str(FIXTURES / "firms" / "firms.json")]).exit_code == 0
    result = runner.invoke(app, ["subscribe", "kr-cryo-01", "--email", "a@b..c"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == ["error: bad email address 'a@b..c' (expected name@example.org)"]


def test_a_stored_address_of_the_older_rule_still_reads() -> None:
    row = {"subscription_id": "0" * 32, "firm_id": "f", "email": "a@b..c", "frequency": "weekly", "min_score": 0.5,
           "max_items": 10, "language": "en", "countries": "[]", "min_value": None, "max_value": None,
           "currency": "EUR", "active": True, "created_by": "cli", "created_at": None, "updated_at": None,
           "unsubscribed_at": None}

    class Row:
        _mapping = row

    assert set(row) == {c.name for c in subscriptions.columns}
    assert from_row(Row()).email == "a@b..c"  # type: ignore[arg-type]
    assert SubscriptionSpec(firm_id="f", email="a@b..c").email == "a@b..c"

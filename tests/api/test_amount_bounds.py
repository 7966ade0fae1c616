"""A firm's value range and a subscription's had no upper bound: 1e79 and 1e308 were stored and shown (an adversarial
tester's finding). Every way in (POST and PATCH /firms, a firms file, POST .../subscriptions) now refuses an amount
over ``MAX_AMOUNT``, naming the field and the bound; a profile stored before the rule still reads, and a change of
another of its fields is made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from matcher.cli import app
from matcher.schema import MAX_AMOUNT, STORED, FirmProfile
from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot
from tests.api.test_fields_stored_before_rules import stored_before_rules

HUGE = [1e79, 1e308, MAX_AMOUNT * 1.5]
BOUND = "at most 1,000,000,000,000,000 (10^15) in any currency"
NEW_FIRM = {"firm_id": "new-firm", "name": "N", "description": "Pumps", "currency": "EUR"}


def _profile(**fields: Any) -> FirmProfile:
    return FirmProfile(firm_id="f", name="F", description="Pumps", currency="EUR", **fields)


@pytest.mark.parametrize("field", ["min_value", "max_value"])
@pytest.mark.parametrize("amount", HUGE)
def test_a_profile_refuses_an_amount_over_the_bound_naming_it(field: str, amount: float) -> None:
    with pytest.raises(ValidationError, match=r"(?s)" + field + r".*" + BOUND.replace("^", r"\^").replace("(", r"\(")
                       .replace(")", r"\)")):
        _profile(**{field: amount})


def test_the_bound_itself_is_taken() -> None:
    assert _profile(min_value=MAX_AMOUNT, max_value=MAX_AMOUNT).max_value == MAX_AMOUNT


def test_a_profile_stored_over_the_bound_still_reads() -> None:
    stored = FirmProfile.model_validate({"firm_id": "f", "name": "F", "description": "Pumps", "min_value": 1e79,
                                         "max_value": 1e308, "currency": "EUR"}, context=STORED)
    assert (stored.min_value, stored.max_value) == (1e79, 1e308)
    assert FirmProfile.from_stored(stored.model_dump_json()).max_value == 1e308


@pytest.mark.parametrize(("method", "path", "body", "loc"), [
    ("POST", "/firms", {**NEW_FIRM, "max_value": 1e308}, "body.max_value"),
    ("POST", "/firms", {**NEW_FIRM, "min_value": 1e79}, "body.min_value"),
    ("PATCH", f"/firms/{OWN}", {"max_value": 1e79, "currency": "EUR"}, "body.max_value"),
    ("PATCH", f"/firms/{OWN}", {"min_value": 1e308, "currency": "EUR"}, "body.min_value"),
    ("POST", f"/firms/{OWN}/subscriptions", {"email": "a@example.kr", "max_value": 1e308}, "body.max_value"),
    ("POST", f"/firms/{OWN}/subscriptions", {"email": "a@example.kr", "min_value": 1e79}, "body.min_value"),
], ids=lambda v: v if isinstance(v, str) and v.startswith("body") else "")
def test_an_amount_over_the_bound_is_a_422_naming_the_field_and_nothing_is_stored(
    world: World, method: str, path: str, body: dict[str, Any], loc: str
) -> None:
    before = snapshot(world)
    response = world.client.request(method, path, json=body, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{loc}: "), response.text
    assert BOUND in response.text
    assert snapshot(world) == before


def test_a_change_of_another_field_keeps_a_stored_amount_over_the_bound(world: World) -> None:
    stored_before_rules(world, min_value=1e79, max_value=1e308, currency="EUR")
    read = world.client.get(f"/firms/{OWN}", headers=world.auth("partner"))
    assert read.status_code == 200 and read.json()["max_value"] == 1e308, read.text
    patched = world.client.patch(f"/firms/{OWN}", json={"description": "Ultrafiltration plants"},
                                 headers=world.auth("partner"))
    assert patched.status_code == 200, patched.text
    assert (patched.json()["min_value"], patched.json()["max_value"]) == (1e79, 1e308)


def test_the_documented_schema_gives_the_bound(world: World) -> None:
    schemas = world.client.get("/openapi.json").json()["components"]["schemas"]
    for model in ("FirmCreate", "FirmUpdate", "SubscriptionIn"):
        for field in ("min_value", "max_value"):
            prop = schemas[model]["properties"][field]
            (number,) = [branch for branch in prop.get("anyOf", [prop]) if branch.get("type") == "number"]
            assert number["maximum"] == MAX_AMOUNT and number["minimum"] == 0, (model, field, prop)


def test_a_firms_file_with_an_amount_over_the_bound_rejects_the_row_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    firms = tmp_path / "firms.json"
    firms.write_text(json.dumps([{**NEW_FIRM, "max_value": 1e79}, {**NEW_FIRM, "firm_id": "ok", "max_value": 1e9}]))
    result = CliRunner().invoke(app, ["ingest", "firms", str(firms)])
    assert "1 new" in result.stdout and "1 rejected" in result.stdout, result.stdout
    assert f"firms.json#1: max_value: {BOUND}" in result.stderr, result.stderr


@pytest.mark.parametrize("field", ["min_value", "max_value"])
def test_a_recommendations_filter_over_the_bound_is_a_422_naming_it(world: World, field: str) -> None:
    """A filter stores nothing, but an amount no one means is the same mistake there: named, not matched against."""
    response = world.client.get(f"/firms/{OWN}/recommendations?{field}=1e308", headers=world.auth("partner"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"query.{field}: "), response.text
    assert BOUND in response.text


@pytest.mark.parametrize("option", ["--min-value", "--max-value"])
def test_a_recommend_filter_over_the_bound_is_one_line_and_exit_2(tmp_path: Path, option: str) -> None:
    result = CliRunner().invoke(app, ["recommend", "any-firm", option, "1e16", "--home", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "at most 1e+15" in result.output and "1e16" in result.output

"""Keywords differing only in case ('a' and 'A', 'Pumps' and 'pumps') were both stored by POST and PATCH /firms, the
profile form and a firms file, while the suggested-keywords routes read them as one keyword (``term_key``: case and
spaces ignored). A profile now keeps the first as written, of its keywords and of its certifications alike; one
stored before the rule still reads as stored."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.schema import STORED, FirmProfile
from tests.api.conftest import OWN, World
from tests.api.test_fields_stored_before_rules import stored_before_rules

NEW_FIRM = {"firm_id": "new-firm", "name": "N", "description": "Pumps"}
CAFE_NFC = unicodedata.normalize("NFC", "café")
CAFE_NFD = unicodedata.normalize("NFD", "café")


@pytest.mark.parametrize("field", ["keywords", "certifications"])
@pytest.mark.parametrize(("sent", "kept"), [
    (["a", "b", "A"], ["a", "b"]),
    (["Pumps", "valves", "pumps", "PUMPS", "Valves"], ["Pumps", "valves"]),
    (["ISO 9001", "iso 9001", "ISO9001", "ISO 14001"], ["ISO 9001", "ISO 14001"]),
    (["Straße", "STRASSE"], ["Straße"]),
    ([CAFE_NFD, CAFE_NFC], [CAFE_NFC]),  # one item, stored in NFC as typed text is (typed_text)
])
def test_a_profile_keeps_the_first_of_items_differing_in_case_or_spaces(
    field: str, sent: list[str], kept: list[str]
) -> None:
    assert getattr(FirmProfile(firm_id="f", name="F", description="D", **{field: sent}), field) == kept


def test_languages_and_countries_differing_in_case_are_one() -> None:
    firm = FirmProfile(firm_id="f", name="F", description="D", languages=["EN", "en", "Ko"],
                       target_countries=["kr", "KR", "de"])
    assert (firm.languages, firm.target_countries) == (["en", "ko"], ["KR", "DE"])


def test_a_profile_stored_with_both_still_reads_both() -> None:
    stored = FirmProfile.model_validate({**NEW_FIRM, "keywords": ["a", "A"]}, context=STORED)
    assert stored.keywords == ["a", "A"]


def test_post_and_patch_store_one(world: World) -> None:
    created = world.client.post("/firms", json={**NEW_FIRM, "keywords": ["Valve", "valve", "VALVE"],
                                                "certifications": ["ISO 9001", "iso 9001"]},
                                headers=world.auth("officer"))
    assert created.status_code == 201, created.text
    assert (created.json()["keywords"], created.json()["certifications"]) == (["Valve"], ["ISO 9001"])
    patched = world.client.patch(f"/firms/{OWN}", json={"keywords": ["a", "A", "b"]}, headers=world.auth("partner"))
    assert patched.status_code == 200, patched.text
    assert patched.json()["keywords"] == ["a", "b"] and world.matcher.get_firm(OWN).keywords == ["a", "b"]


def test_a_firms_file_stores_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    firms = tmp_path / "firms.json"
    firms.write_text(json.dumps([{**NEW_FIRM, "keywords": ["a", "A", "Pumps", "pumps"]}]))
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", "firms", str(firms)]).exit_code == 0
    added = runner.invoke(app, ["firms", "accept-keywords", "new-firm", "valve", "VALVE"])
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == "firm new-firm: 1 keyword(s) added (valve); keywords now: a, Pumps, valve"


def test_a_profile_stored_with_both_is_answered_and_changed_as_stored(world: World) -> None:
    stored_before_rules(world, keywords=["a", "A"])
    read = world.client.get(f"/firms/{OWN}", headers=world.auth("partner"))
    assert read.status_code == 200 and read.json()["keywords"] == ["a", "A"], read.text
    patched = world.client.patch(f"/firms/{OWN}", json={"description": "Ultrafiltration plants"},
                                 headers=world.auth("partner"))
    assert patched.status_code == 200 and patched.json()["keywords"] == ["a", "A"], patched.text

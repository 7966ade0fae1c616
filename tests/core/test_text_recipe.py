"""A notice's searched text carries the English labels of its codes, and the index follows the text recipe."""

from __future__ import annotations

from datetime import date

import pytest

from matcher import indexing
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender


def _bulgarian_meters() -> Tender:
    # The title of a real Bulgarian notice of the TED sample (water meters for a water utility).
    return Tender(tender_id="ted:bg-meters", source="ted", title="Доставка на водомери", language="bg",
                  codes=["CPV:38421100"], published=date(2021, 5, 1))


def test_text_includes_code_labels_in_english_and_the_previous_recipe_does_not() -> None:
    tender = _bulgarian_meters()
    assert tender.text().splitlines() == ["Доставка на водомери", "Water meters"]
    assert tender.text(labels=False) == "Доставка на водомери"


def test_a_notice_in_a_language_the_encoder_does_not_know_is_found_by_its_code_label(matcher: Matcher) -> None:
    other = Tender(tender_id="ted:bg-roads", source="ted", title="Ремонт на пътища", language="bg",
                   codes=["CPV:45233141"], published=date(2021, 5, 1))
    matcher.upsert_tenders([_bulgarian_meters(), other], sync=False)
    matcher.build_index()
    firm = FirmProfile(firm_id="f", name="f", description="We make ultrasonic water meters", keywords=["water meters"])
    found = matcher.recommend(firm)
    assert [m.tender_id for m in found][:1] == ["ted:bg-meters"]
    assert found[0].parts.lexical > 0  # the English label shares "water" and "meters" with the profile


def test_a_new_text_recipe_rebuilds_the_index_on_the_next_sync(matcher: Matcher,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    matcher.upsert_tenders([_bulgarian_meters()], sync=False)
    first = matcher.build_index()
    assert first.rebuilt
    assert not matcher.sync_index().rebuilt  # same recipe: nothing to do
    monkeypatch.setattr(indexing, "TEXT_RECIPE", "labels-next")
    again = matcher.sync_index()
    assert again.rebuilt and again.added == 1
    assert all(h.startswith("labels-next:") for h in matcher.index.current().hashes.values())

"""A notice's searched text carries the English labels of its codes, and the index follows the text recipe."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pytest

from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender
from matcher.search import index_sync as indexing
from matcher.search.retrieve import MatchQuery


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


def test_notices_carrying_the_firms_codes_are_candidates_whatever_the_encoder_thinks(matcher: Matcher) -> None:
    roads = Tender(tender_id="ted:bg-roads", source="ted", title="Ремонт на пътища", language="bg",
                   codes=["CPV:45233141"], published=date(2021, 5, 1))
    flow = Tender(tender_id="ted:flow", source="ted", title="Разходомери", language="bg",
                  codes=["CPV:38421000"], published=date(2021, 5, 2))  # flow meters: same class 38421
    matcher.upsert_tenders([_bulgarian_meters(), roads, flow], sync=False)
    matcher.build_index()
    firm = FirmProfile(firm_id="f", name="f", description="수도계량기를 제조합니다", codes=["CPV:38421100"])
    vector = matcher.embedder.encode_queries([firm.text()])[0]
    loaded = matcher.index.current()
    at = matcher.open_at()
    added = matcher.recommender._with_code_candidates(firm, [], MatchQuery(include_closed=True), vector, [], loaded, at)
    assert sorted(t.tender_id for t, _ in added) == ["ted:bg-meters", "ted:flow"]  # not the road works
    assert all(-1.0 <= d <= 1.0 for _, d in added)
    # an inferred code brings its class in the same way
    other = FirmProfile(firm_id="g", name="g", description="도로 공사")
    found = matcher.recommender._with_code_candidates(other, [], MatchQuery(include_closed=True), vector,
                                                      [("CPV:45233100", 1.0)], loaded, at)
    assert [t.tender_id for t, _ in found] == ["ted:bg-roads"]


def test_code_candidates_are_notices_the_index_holds_as_stored_so_serving_never_embeds_an_import(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 15 item 10: embedding stored-but-unindexed notices in the serving process starved requests while
    # an import's index job ran. They join when the index holds them, as vector search candidates do.
    matcher.upsert_tenders([_bulgarian_meters()], sync=False)
    matcher.build_index()
    flow = Tender(tender_id="ted:flow", source="ted", title="Разходомери", language="bg",
                  codes=["CPV:38421000"], published=date(2021, 5, 2))
    changed = _bulgarian_meters().model_copy(update={"title": "Доставка на водомери за ВиК"})
    matcher.upsert_tenders([flow, changed], sync=False)  # stored; the index job has not run
    firm = FirmProfile(firm_id="f", name="f", description="수도계량기를 제조합니다", codes=["CPV:38421100"])
    vector = matcher.embedder.encode_queries([firm.text()])[0]
    embedded: list[str] = []
    encode = matcher.embedder.encode_documents

    def recording(texts: Sequence[str], progress: bool = False) -> np.ndarray:
        embedded.extend(texts)
        return encode(texts, progress)

    monkeypatch.setattr(matcher.embedder, "encode_documents", recording)
    query = MatchQuery(include_closed=True)
    at = matcher.open_at()
    assert matcher.recommender._with_code_candidates(firm, [], query, vector, [], matcher.index.current(), at) == []
    assert embedded == []  # neither the new notice nor the changed one was embedded here
    matcher.sync_index()
    found = matcher.recommender._with_code_candidates(firm, [], query, vector, [], matcher.index.current(), at)
    assert sorted(t.tender_id for t, _ in found) == ["ted:bg-meters", "ted:flow"]
    assert next(t for t, _ in found if t.tender_id == "ted:bg-meters").title == "Доставка на водомери за ВиК"

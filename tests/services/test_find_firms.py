"""Finding a firm by its name or id among the many an officer or partner sees (``Matcher.list_firms(text=)``):
a partner accompanying forty firms and an officer holding thousands page through them in id order, and a name
typed as a person types it (lower case, without accents, part of a word, in Korean) must find the firm."""

from __future__ import annotations

import pytest

from matcher.errors import InvalidInput
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile

FIRMS = [
    FirmProfile(firm_id="kr-hanbit-water", name="한빛워터 (Hanbit Water Co.)", description="스마트 수도 계량기 제조"),
    FirmProfile(firm_id="kr-daeyang-pv", name="대양솔라", description="태양광 모듈 생산"),
    FirmProfile(firm_id="kr-cafe-equip", name="Société Café Équipements Korea", description="espresso machines"),
    FirmProfile(firm_id="kr-lodz-med", name="Łódź Medical Korea", description="digital X-ray units"),
    FirmProfile(firm_id="kr-water-2", name="Blue Water Engineering", description="water treatment consultancy"),
]


def found(matcher: Matcher, text: str, ids: list[str] | None = None, offset: int = 0, limit: int = 50) -> list[str]:
    total, firms = matcher.list_firms(ids, offset, limit, text=text)
    assert total >= len(firms)
    return [f.firm_id for f in firms]


def test_a_firm_is_found_by_its_name_or_id_as_a_person_types_it(matcher_on_each_store: Matcher) -> None:
    matcher = matcher_on_each_store
    matcher.upsert_firms(FIRMS)
    assert found(matcher, "한빛") == ["kr-hanbit-water"]
    assert found(matcher, "솔라") == ["kr-daeyang-pv"]
    assert found(matcher, "societe cafe") == ["kr-cafe-equip"]  # no accents, lower case, two words both held
    assert found(matcher, "ÉQUIPEMENTS") == ["kr-cafe-equip"]
    assert found(matcher, "lodz") == ["kr-lodz-med"]
    assert found(matcher, "water") == ["kr-hanbit-water", "kr-water-2"]  # in id order, name or id
    assert found(matcher, "hanbit-water") == ["kr-hanbit-water"]  # a part of its id
    assert found(matcher, "water cafe") == []  # every word must be held
    assert found(matcher, "x-ray") == []  # the description is not searched: a name or id finds a firm


def test_the_search_keeps_to_the_firms_one_may_see_and_pages(matcher_on_each_store: Matcher) -> None:
    matcher = matcher_on_each_store
    matcher.upsert_firms(FIRMS)
    assert found(matcher, "water", ids=["kr-water-2", "kr-daeyang-pv"]) == ["kr-water-2"]
    assert found(matcher, "korea", limit=1) == ["kr-cafe-equip"]
    assert found(matcher, "korea", offset=1, limit=1) == ["kr-lodz-med"]
    assert matcher.list_firms(None, 1, 1, text="korea")[0] == 2


@pytest.mark.parametrize("text", ["", "   ", "\u200b"])
def test_words_without_a_visible_letter_are_refused(matcher: Matcher, text: str) -> None:
    with pytest.raises(InvalidInput, match="firm search"):
        matcher.list_firms(None, 0, 10, text=text)

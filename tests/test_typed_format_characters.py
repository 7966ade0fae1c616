"""Text a person types (a firm's name, description, keywords, certifications): a format character that draws nothing
and no script needs (a zero-width space, a byte order mark, a joiner between two Latin letters) is dropped as it
comes in, and an item is compared without it, so 'pu\\u200bmps' and 'pumps' are one keyword; the joiners that
Persian, Indic scripts and emoji need stay. Text made only of marks or of the braille blank says nothing."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from matcher.schema import FirmProfile, item_key

PERSIAN = "آب\u200cرسانی"  # water supply: the ZWNJ is part of the word
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji made of three with ZWJs


def firm(**fields: object) -> FirmProfile:
    return FirmProfile.model_validate({"firm_id": "f", "name": "F", "description": "D", **fields})


@pytest.mark.parametrize(("typed", "kept"), [("Pu\u200bmps", "Pumps"), ("\ufeffAcme", "Acme"),
                                             ("Acme\u2060 Water\ufeff", "Acme Water"), (PERSIAN, PERSIAN)])
def test_a_name_loses_the_format_characters_that_mean_nothing(typed: str, kept: str) -> None:
    assert firm(name=typed).name == kept


def test_keywords_the_same_but_for_a_format_character_are_one() -> None:
    assert item_key("pu\u200bmps") == item_key("pu\u200dmps") == item_key("\ufeffpumps") == item_key("Pumps")
    assert item_key(PERSIAN) != item_key(PERSIAN.replace("\u200c", ""))
    assert firm(keywords=["pumps", "pu\u200dmps", "PU\u200bMPS", FAMILY]).keywords == ["pumps", FAMILY]
    assert firm(keywords=["pu\u200dmps"]).keywords == ["pumps"]


@pytest.mark.parametrize(("field", "value"), [("keywords", ["\u2800"]), ("description", "\u0301\u0301"),
                                              ("name", "\u2800\u0301"), ("certifications", ["\u20dd"])])
def test_text_without_a_letter_number_or_symbol_is_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match="must contain a visible character"):
        firm(**{field: value})


def test_a_symbol_or_a_letter_with_marks_is_text() -> None:
    assert firm(name="e\u0301", description="\u20ac", keywords=["\u2603"]).description == "\u20ac"

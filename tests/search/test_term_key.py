"""``term_key`` is ``item_key``: one rule for "the same keyword", so a keyword typed with a zero-width space or in
decomposed form finds the label term it names, as it is one keyword with it."""

from __future__ import annotations

import unicodedata

import pytest

from matcher.schema import item_key
from matcher.search.code_labels import term_key


@pytest.mark.parametrize("text", ["비상 발전기", "Pu\u200bmps", "\ufeffwater meters", "آب\u200cرسانی", "STRASSE",
                                  unicodedata.normalize("NFD", "밸브")])
def test_a_term_is_compared_as_a_keyword_is(text: str) -> None:
    assert term_key(text) == item_key(text)


def test_a_hidden_character_or_a_decomposed_form_is_the_same_term() -> None:
    assert term_key("비상\u200b발전기") == term_key(unicodedata.normalize("NFD", "비상 발전기")) == "비상발전기"

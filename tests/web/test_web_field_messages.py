"""The workspace's words for an amount over the bound and for a language: they name the bound and ISO 639-1."""

from __future__ import annotations

from api.web.messages import MESSAGES


def test_the_amount_bound_and_iso_639_1_are_named() -> None:
    for words in MESSAGES.values():
        _named(words)


def _named(words: dict[str, str]) -> None:
    assert "{value}" in words["expect_amount_at_most"]
    assert "ISO 639-1" in words["expect_languages"] and "ISO 639-1" in words["expect_language_code"]
    assert "three" not in words["expect_languages"] and "세 글자" not in words["expect_languages"]

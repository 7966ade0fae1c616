from __future__ import annotations

import pytest

from matcher.normalize.codes import code_overlap, codebook, compare
from matcher.reference.codebook import synonyms
from matcher.search.code_labels import label_terms, term_key


def test_codebook_has_real_labels_for_both_schemes() -> None:
    book = codebook()
    assert book.label("CPV:71320000") == "Engineering design services"
    assert book.label("UNSPSC:43211500") == "Computers"
    assert "CPV:12345678" not in book


def test_every_cpv_code_has_a_korean_label_and_unspsc_none() -> None:
    book = codebook()
    cpv = [code for code in book.labels if code.startswith("CPV:")]
    korean = book.translations["ko"]
    assert set(korean) == set(cpv) and len(cpv) == 9458
    assert all(any("\uac00" <= ch <= "\ud7af" for ch in label) for label in korean.values())
    assert book.label_in("CPV:34114121", "ko") == "구급차, 앰뷸런스"
    assert book.label_in("CPV:34114121", "en") == "Ambulances"
    # The guarding code says guarding in Korean too: 보안 alone would also mean cybersecurity.
    assert "보안" not in (book.label_in("CPV:79710000", "ko") or "")
    assert book.label_in("UNSPSC:43211500", "ko") is None and book.label_in("CPV:1", "fr") is None


def test_korean_synonyms_name_codes_in_words_their_labels_do_not_use() -> None:
    book = codebook()
    assert book.label_in("CPV:33182100", "ko") == "제세동기"
    assert "자동심장충격기" in book.synonyms_in("CPV:33182100", "ko")  # what an AED maker writes
    assert book.synonyms_in("CPV:33182100", "fr") == () and book.synonyms_in("CPV:1", "ko") == ()
    korean = book.translations["ko"]
    shipped = synonyms("ko")
    assert set(shipped) <= set(korean) and sum(map(len, shipped.values())) == 5328
    # No synonym is given to two codes, and none is a term of any label (spaces ignored): a label's own term
    # names its code.
    keys = [term_key(name) for names in shipped.values() for name in names]
    assert len(keys) == len(set(keys))
    assert not set(keys) & {term_key(term) for label in korean.values() for term in label_terms(label)}
    assert all(any("\uac00" <= ch <= "\ud7af" for ch in name) for names in shipped.values() for name in names)


#: The EU's official languages besides English: the CPV list ships a label in each (scripts/make_cpv_translations.py).
EU_LANGUAGES = ("bg", "cs", "da", "de", "el", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl",
                "pl", "pt", "ro", "sk", "sl", "sv")


def test_the_cpv_list_reads_in_every_official_eu_language() -> None:
    book = codebook()
    assert set(book.translations) == {"ko", *EU_LANGUAGES}
    cpv = {code for code in book.labels if code.startswith("CPV:")}
    for language in EU_LANGUAGES:
        labels = book.translations[language]
        # all but 60173000, 60184000 and 77620000 (not in the official list) and 99999999
        assert set(labels) <= cpv and len(labels) == 9454, language
        assert not any("\\" in label or "''" in label or not label.strip() for label in labels.values()), language
    assert [book.label_in("CPV:38421100", lang) for lang in ("da", "bg", "fi", "de", "fr")] == [
        "Vandmålere", "Водомери", "Vesimittarit", "Wasserzähler", "Compteurs à eau"]
    # the source's slips, mended: a label split at ": ", an apostrophe written twice, a Czech non-breaking space
    assert book.label_in("CPV:72000000", "da") == "It-tjenester: rådgivning, programmeludvikling, internet og support"
    assert book.label_in("CPV:72000000", "fr") == (
        "Services de technologies de l'information, conseil, développement de logiciels, internet et appui")
    assert book.label_in("CPV:72000000", "cs") == (
        "Informační technologie: poradenství, vývoj programového vybavení, internet a podpora")
    assert book.label_in("CPV:37452810", "pl") == 'Piłki do gry "piłka na uwięzi"'


@pytest.mark.parametrize(
    ("firm", "tender", "level", "similarity"),
    [
        ("CPV:45210000", "CPV:45210000", "exact", 1.0),
        ("CPV:45000000", "CPV:45210000", "within", 0.9),  # firm covers the whole division
        ("CPV:45211000", "CPV:45211300", "within", 0.9),
        ("CPV:45211100", "CPV:45211300", "category", 0.85),
        ("CPV:45211000", "CPV:45212000", "class", 0.7),
        ("CPV:45210000", "CPV:45220000", "group", 0.5),
        ("CPV:45210000", "CPV:45310000", "division", 0.3),
        ("UNSPSC:43211500", "UNSPSC:43211501", "within", 0.9),
        ("UNSPSC:43211501", "UNSPSC:43211502", "class", 0.7),  # two commodities of one class
        ("UNSPSC:43211500", "UNSPSC:43211600", "family", 0.5),
        ("UNSPSC:43211500", "UNSPSC:43212100", "family", 0.5),
        ("UNSPSC:43211500", "UNSPSC:43221500", "segment", 0.3),
    ],
)
def test_hierarchy_levels(firm: str, tender: str, level: str, similarity: float) -> None:
    match = compare(firm, tender)
    assert match is not None
    assert (match.level, match.similarity) == (level, similarity)


def test_same_class_beats_same_group_beats_same_division() -> None:
    firm = "CPV:33141000"
    scores = [compare(firm, t).similarity for t in ("CPV:33141100", "CPV:33142000", "CPV:33150000", "CPV:33600000")]  # type: ignore[union-attr]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == 4


def test_unrelated_and_cross_scheme_codes_do_not_match() -> None:
    assert compare("CPV:33100000", "CPV:45210000") is None
    assert compare("CPV:43211500", "UNSPSC:43211500") is None


def test_overlap_reports_best_match_per_tender_code_with_label() -> None:
    score, matches = code_overlap(["CPV:33140000", "CPV:45000000"], ["CPV:33141000", "CPV:90000000"])
    assert score == 0.9
    assert [(m.tender_code, m.firm_code, m.level) for m in matches] == [("CPV:33141000", "CPV:33140000", "within")]
    assert matches[0].label == "Disposable non-chemical medical consumables and haematological consumables"
    assert code_overlap([], ["CPV:33141000"]) == (0.0, [])

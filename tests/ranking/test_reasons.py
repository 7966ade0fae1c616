"""Every reason kind is worded in every language, with its parameters filled in."""

from __future__ import annotations

import re

import pytest

from matcher.ranking.reasons import (
    CONCERN_PREFIX,
    COUNTRY_PARAMS,
    KINDS,
    LANGUAGES,
    TEMPLATES,
    WORDS,
    ReasonLanguage,
    _variant,
    country_name,
    render,
    summary,
)
from matcher.schema import Explanation, Reason

# One reason per template key (kinds and their variants), with parameters a real match would carry.
SAMPLES: list[Reason] = [
    Reason(kind="similar_text", params={"strength": "good", "similarity": 0.52}),
    Reason(kind="shared_terms", params={"terms": ["laboratories", "centrifuges"]}),
    Reason(kind="keyword_match", params={"keyword": "water meter", "found": "water meters", "via": "text"}),
    Reason(kind="keyword_match", params={"keyword": "water meters", "found": "Water meters", "via": "label"}),
    Reason(kind="code_match", params={"level": "class", "label": "X-ray devices", "code": "CPV 33111000",
                                      "firm_code": "CPV:33111100", "origin": "inferred"}),
    Reason(kind="code_match", params={"level": "exact", "label": "", "code": "UNSPSC 99999999",
                                      "firm_code": "UNSPSC:99999999", "origin": "confirmed"}),
    Reason(kind="country_target", params={"countries": ["KE", "TZ"]}),
    Reason(kind="value_in_range", params={"value": 300000.0, "currency": "EUR"}),
    Reason(kind="history", params={"detail": "won 4 of 12 past contracts from this buyer"}),
    Reason(kind="approved_by_partner"),
    Reason(kind="on_shortlist"),
    Reason(kind="like_approved"),
    Reason(kind="contract_nature_fit", params={"nature": "supplies", "offers": ["supplies"]}),
    Reason(kind="value_above_range", params={"value": 2_500_000.0, "currency": "EUR", "limit": 500_000.0,
                                             "limit_currency": "USD"}),
    Reason(kind="value_below_range", params={"value": 8_000.0, "currency": "PLN", "limit": 50_000.0,
                                             "limit_currency": "EUR"}),
    Reason(kind="closing_soon", params={"days": 3, "deadline": "2021-06-04 12:00 UTC"}),
    Reason(kind="closing_soon", params={"days": 1, "deadline": "2021-06-02 12:00 UTC"}),
    Reason(kind="closing_soon", params={"days": 0, "deadline": "2021-06-01 18:00 UTC"}),
    Reason(kind="language_not_listed", params={"language": "bg", "languages": ["en", "ko"]}),
    Reason(kind="country_not_target", params={"countries": ["FR"], "targets": ["KE", "VN"]}),
    Reason(kind="contract_nature_mismatch", params={"nature": "services", "offers": ["supplies", "works"]}),
    Reason(kind="missing_distinctive_terms", params={"terms": ["cryostat"]}),
    Reason(kind="design_contest", params={"offers": ["works"]}),
    Reason(kind="code_named", params={"found": "Einbau von Türen", "language": "de", "label": "Installation of doors",
                                      "code": "CPV 45421131", "origin": "inferred"}),
    Reason(kind="code_named", params={"found": "Vandmålere", "language": "da", "label": "Water meters",
                                      "code": "CPV 38421100", "origin": "keyword", "keyword": "수도 계량기"}),
    Reason(kind="code_match", params={"level": "exact", "label": "X-ray devices", "code": "CPV 33111000",
                                      "firm_code": "CPV:33111000", "origin": "confirmed"}),
    Reason(kind="code_match", params={"level": "class", "label": "Medical clothing", "code": "CPV 33199000",
                                      "firm_code": "CPV:33192120", "origin": "confirmed"}),
    Reason(kind="code_match", params={"level": "category", "label": "Poly aluminium chloride",
                                      "code": "CPV 24312123", "firm_code": "CPV:24312220", "origin": "keyword",
                                      "keyword": "차아염소산나트륨"}),
    Reason(kind="code_match", params={"level": "exact", "label": "Ambulances", "code": "CPV 34114121",
                                      "firm_code": "CPV:34114121", "origin": "keyword", "keyword": "구급차"}),
    Reason(kind="keyword_match", params={"keyword": "수질 분석기", "found": "분석기", "via": "korean_label",
                                         "label": "Analysers", "label_ko": "분석기", "code": "CPV 38434000"}),
]


def test_samples_cover_every_kind_and_every_template() -> None:
    assert {r.kind for r in SAMPLES} == set(KINDS)
    assert {_variant(r) for r in SAMPLES} == set(TEMPLATES["en"])
    for language in LANGUAGES:
        assert set(TEMPLATES[language]) == set(TEMPLATES["en"]), f"templates missing in {language}"
        for name, words in WORDS["en"].items():
            assert set(WORDS[language][name]) == set(words), f"words for {name} missing in {language}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason", SAMPLES, ids=lambda r: f"{r.kind}:{_variant(r)}")
def test_every_reason_renders_with_its_parameters(reason: Reason, language: ReasonLanguage) -> None:
    text = render(reason, language)
    assert text and not re.search(r"[{}]", text)
    # Free-text and number parameters appear as given (numbers with thousands separators).
    for name, value in reason.params.items():
        if name in WORDS[language] or name in ("firm_code", "similarity") \
                or value in ("", "text", "label", "korean_label"):
            continue
        if isinstance(value, float):
            assert f"{value:,.0f}" in text, (name, text)
        elif isinstance(value, list) and name in COUNTRY_PARAMS:  # ISO codes, shown as names
            assert all(country_name(v, language) in text and v not in text.split() for v in value), (name, text)
        elif isinstance(value, list):
            assert all(v in text for v in value), (name, text)
        elif name != "days" or (isinstance(value, int) and value > 1):
            assert str(value) in text, (name, text)
    if language == "ko":
        assert re.search(r"[\uac00-\ud7a3]", text), f"no Korean in {text!r}"


def test_countries_are_named_in_the_readers_language() -> None:
    concern = Reason(kind="country_not_target", params={"countries": ["KE", "XK"], "targets": ["GB", "KR"]})
    assert render(concern) == "not a target country: Kenya, Kosovo (targets: United Kingdom, South Korea)"
    assert render(concern, "ko") == "목표 국가가 아님: 케냐, 코소보 (목표 국가: 영국, 대한민국)"


def test_words_of_coded_parameters_are_translated() -> None:
    code = SAMPLES[4]
    assert render(code) == ("same product class: X-ray devices (CPV 33111000); the code suggested from the firm's "
                            "description is X-ray table (CPV 33111100)")
    assert render(code, "ko") == (
        "같은 소분류: 엑스선 장치 / X-ray devices (CPV 33111000); 회사 소개에서 추정한 코드는 "
        "엑스선 촬영 테이블 / X-ray table (CPV 33111100)")
    assert render(SAMPLES[5]) == "same product: UNSPSC 99999999"
    assert render(SAMPLES[12]) == "a supply contract, and the firm sells goods"
    assert render(SAMPLES[20]) == "a services contract; the firm sells goods and builds (works)"
    assert render(SAMPLES[15]) == "closes in 3 days (2021-06-04 12:00 UTC)"
    assert render(SAMPLES[17], "ko") == "24시간 이내 마감 (2021-06-01 18:00 UTC)"
    assert render(SAMPLES[0]) == "the notice's text is close to the profile's description"


def test_a_korean_reader_sees_the_codes_korean_label_first() -> None:
    assert render(SAMPLES[4], "ko").startswith("같은 소분류: 엑스선 장치 / X-ray devices (CPV 33111000)")
    assert render(SAMPLES[4], "en").startswith("same product class: X-ray devices (CPV 33111000)")
    # No Korean label ships for UNSPSC: the English label alone (here none at all).
    assert render(SAMPLES[5], "ko") == "같은 품목: UNSPSC 99999999"
    assert render(SAMPLES[-2]) == (
        "same product: Ambulances (CPV 34114121), the code of the firm's keyword \u201c구급차\u201d")
    assert render(SAMPLES[-1]) == (
        "the firm's keyword \u201c수질 분석기\u201d shares \u201c분석기\u201d with the notice's category "
        "\u201cAnalysers\u201d (CPV 38434000, in Korean \u201c분석기\u201d)")
    assert render(SAMPLES[-1], "ko") == (
        "회사 키워드 \u2018수질 분석기\u2019의 \u2018분석기\u2019: "
        "공고 분류 \u2018분석기\u2019(Analysers, CPV 38434000)에도 있음")


def test_a_code_match_short_of_exact_names_the_firms_own_code_too() -> None:
    """Trial (issue 11): a bed maker read "same product class: Medical clothing (CPV 33199000), the code of the
    firm's keyword “병원 침대”" and a hypochlorite maker "Poly aluminium chloride ..., the code of the firm's
    keyword “차아염소산나트륨”": the notice's code was worded as the firm's. Only an exact match is the firm's code."""
    exact, near, near_keyword = SAMPLES[-5:-2]
    assert render(exact) == "same product: X-ray devices (CPV 33111000)"
    assert render(near) == (
        "same product class: Medical clothing (CPV 33199000); the firm's code is Hospital beds (CPV 33192120)")
    assert render(near_keyword) == (
        "same product category: Poly aluminium chloride (CPV 24312123); the code of the firm's keyword "
        "\u201c차아염소산나트륨\u201d is Sodium hypochlorite (CPV 24312220)")
    assert render(near_keyword, "ko").endswith(
        "회사 키워드 \u2018차아염소산나트륨\u2019의 코드는 차아염소산나트륨 / Sodium hypochlorite (CPV 24312220)")
    # A firm code the shipped lists do not know keeps the short wording (there is no label to name).
    unknown = near.model_copy(update={"params": {**near.params, "firm_code": "CPV:12345678"}})
    assert render(unknown) == "same product class: Medical clothing (CPV 33199000)"


def test_korean_templates_put_no_particle_after_a_placeholder() -> None:
    """Trial: "회사 키워드 ‘지형 측량’와 ..." (과 after a final consonant), then "‘Water meters’와(과)": a particle's
    form depends on the word filled in, so the Korean wording goes around it."""
    after_placeholder = re.compile(r"\}\u2019?(?:을|를|이|가|은|는|와|과|으로|로)")
    assert [key for key, text in TEMPLATES["ko"].items() if after_placeholder.search(text)] == []
    surveying = Reason(kind="keyword_match", params={
        "keyword": "지형 측량", "found": "측량", "via": "korean_label", "label": "Surveying services",
        "label_ko": "측량 서비스", "code": "CPV 71355000"})
    assert render(surveying, "ko") == (
        "회사 키워드 ‘지형 측량’의 ‘측량’: 공고 분류 ‘측량 서비스’(Surveying services, CPV 71355000)에도 있음")
    assert render(SAMPLES[3], "ko").endswith("공고 분류 이름과 일치 (‘Water meters’)")


def test_korean_offers_read_as_one_sentence() -> None:
    """Two things a firm offers were "회사는 물품을 공급함, 용역을 제공함": two notes, not one sentence."""
    fit = Reason(kind="contract_nature_fit", params={"nature": "supplies", "offers": ["supplies", "services"]})
    assert render(fit, "ko") == "물품 구매 계약이며, 회사는 물품을 공급하고 용역을 제공함"
    mismatch = Reason(kind="contract_nature_mismatch", params={"nature": "works", "offers": ["supplies"]})
    assert render(mismatch, "ko") == "공사 계약이나, 회사는 물품을 공급함"


def test_summary_lists_reasons_then_prefixed_concerns() -> None:
    lines = summary([SAMPLES[9]], [SAMPLES[13]])
    assert lines == [
        "approved for this firm by its partner",
        CONCERN_PREFIX + "value 2,500,000 EUR is above the firm's maximum (500,000 USD)",
    ]


def test_unknown_language_falls_back_to_english_and_old_explanations_to_their_summary() -> None:
    assert render(SAMPLES[9], "de") == render(SAMPLES[9], "en")
    from matcher.ranking.reasons import explanation_lines

    old = Explanation(summary=["text is semantically similar to the profile (0.46)"])
    assert explanation_lines(old, "ko") == (["text is semantically similar to the profile (0.46)"], [])

"""Where a notice names one of the firm's codes in its own language (matcher.ranking.own_language): the firm's
codes' labels in the notice's language, looked up in the notice's own words, and the reason that says so."""

from __future__ import annotations

from datetime import timedelta

from matcher.ingest.ted import parse_ted_document
from matcher.ranking.explain import explain
from matcher.ranking.own_language import beginnings, distinctive, named, named_codes, needed
from matcher.ranking.reasons import render
from matcher.ranking.signals import NamedCode, Signals, describe, score_candidates
from matcher.schema import FirmProfile, Reason, Tender
from matcher.search.lexical import LexicalModel
from tests.conftest import FIXTURES, NOW

#: A German school new-build (TED 282113-2016, copied unchanged from the sample), coded 45214200 only.
SCHOOL = FIXTURES / "ted_cases" / "school_new_build_de_282113-2016.xml"


def school() -> Tender:
    notice = parse_ted_document(SCHOOL.read_bytes(), SCHOOL.name)
    assert isinstance(notice, Tender) and notice.language == "de" and notice.codes == ["CPV:45214200"]
    return notice


def danish(description: str, codes: list[str] | None = None, language: str | None = "da") -> Tender:
    return Tender(tender_id="test:dk", title="Udbud", description=description, source="test", language=language,
                  deadline=NOW + timedelta(days=20), codes=codes or ["CPV:38000000"])


def test_a_labels_word_is_found_by_its_beginning_less_an_ending() -> None:
    assert needed("vandmålere") == "vandmål" and needed("водомери") == "водоме" and needed("dele") == "dele"
    found = beginnings("Levering af vandmålerne og водомерите; kontrakt 2021")
    assert named("Vandmålere", found) and named("Водомери", found)
    assert not named("Varmemålere", found)  # heat meters: another word
    # six letters alone would find "Contraceptivos" in "contrato"; the whole word less three letters does not
    assert not named("Contraceptivos", beginnings("Celebração do contrato de serviços"))
    assert not named("", found) and not named("og af", found)  # nothing to find: not named


def test_only_a_label_with_a_rare_word_and_not_one_short_word_is_worth_naming() -> None:
    assert distinctive("Vandmålere", "da") and distinctive("Einbau von Türen", "de")
    assert not distinctive("Tjenester", "da")  # services: in many labels
    assert not distinctive("Bureaux", "fr")  # Desks in the list, offices in a notice
    assert not distinctive("Stahl", "de")


def test_a_real_german_notice_names_the_firms_codes_it_is_not_coded_with() -> None:
    notice = school()
    codes = ["CPV:45421131", "CPV:45214200", "CPV:44110000", "CPV:38421100"]
    # Installation of doors and Construction materials are in its words; its own code is left to code reasons;
    # Water meters ("Wasserzähler") is not in it
    assert named_codes(codes, notice) == [("CPV:45421131", "Einbau von Türen"), ("CPV:44110000", "Baustoffe")]
    assert named_codes([], notice) == []
    # a notice in English, or of no stated language, is compared with the English labels elsewhere
    assert named_codes(["CPV:38421100"], danish("Supply of water meters", language="en")) == []
    assert named_codes(["CPV:38421100"], danish("Levering af vandmålere", language=None)) == []
    assert named_codes(["CPV:38421100"], danish("Levering af vandmålere")) == [("CPV:38421100", "Vandmålere")]


def test_the_reason_says_what_the_notices_words_name_and_where_the_code_came_from() -> None:
    firm = FirmProfile(firm_id="k", name="K", description="수도 계량기를 만듭니다", keywords=["수도 계량기"])
    notice = danish("Levering af vandmålere til fjernaflæsning")
    lexical = LexicalModel().fit([notice.text(), "Levering af varmemålere"])
    scored = score_candidates(firm, [notice], [0.5], lexical, inferred=[("CPV:38421100", 0.2)],
                              keywords={"CPV:38421100": "수도 계량기"})
    signals = describe(scored, 0, lexical)
    assert signals.named_codes == [NamedCode("CPV:38421100", "Vandmålere", inferred=True, keyword="수도 계량기")]
    reasons = [r for r in explain(signals, firm, notice, NOW).reasons if r.kind == "code_named"]
    assert reasons == [Reason(kind="code_named", params={
        "found": "Vandmålere", "language": "da", "label": "Water meters", "code": "CPV 38421100",
        "origin": "keyword", "keyword": "수도 계량기"})]
    assert render(reasons[0]) == ("the notice's text in Danish names \u201cVandmålere\u201d: Water meters "
                                  "(CPV 38421100), the code of the firm's keyword \u201c수도 계량기\u201d")
    assert render(reasons[0], "ko") == ("공고 본문(덴마크어)에 나온 \u2018Vandmålere\u2019: 수도 계량기 / Water meters "
                                        "(CPV 38421100), 회사 키워드 \u2018수도 계량기\u2019의 코드")


def test_a_confirmed_code_named_by_a_real_notice_is_a_reason_and_one_is_enough() -> None:
    firm = FirmProfile(firm_id="b", name="B", description="We install doors and partitions",
                       codes=["CPV:45421131", "CPV:45421141"])
    notice = school()
    lexical = LexicalModel().fit([notice.text(), "Supply of doors"])
    signals = describe(score_candidates(firm, [notice], [0.5], lexical), 0, lexical)
    assert [(n.code, n.inferred, n.keyword) for n in signals.named_codes] == [  # the longer label first
        ("CPV:45421141", False, None), ("CPV:45421131", False, None)]
    named_reasons = [r for r in explain(signals, firm, notice, NOW).reasons if r.kind == "code_named"]
    assert [render(r) for r in named_reasons] == [
        "the notice's text in German names \u201cEinbau von Trennwänden\u201d: Installation of partitioning "
        "(CPV 45421141)"]
    assert "code_named" not in {r.kind for r in explain(Signals(), firm, notice, NOW).reasons}  # none named

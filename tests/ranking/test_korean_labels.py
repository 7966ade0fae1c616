"""A Korean profile read against the Korean labels of a notice's codes (matcher.ranking.korean_labels):
character bigrams, the query a firm gives, and BM25 with IDF over the shipped Korean CPV labels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matcher.ranking.korean_labels import (
    bigrams,
    bm25,
    korean_label_match,
    label_idf,
    notice_bigrams,
    query_bigrams,
    shared_part,
)
from matcher.schema import FirmProfile, Tender
from tests.conftest import NOW


def tender(tid: str, codes: list[str]) -> Tender:
    return Tender(tender_id=f"test:{tid}", title="Supply", source="test", deadline=NOW + timedelta(days=20),
                  codes=codes)


def firm(description: str, keywords: list[str] | None = None) -> FirmProfile:
    return FirmProfile(firm_id="f", name="F", description=description, keywords=keywords or [])


def test_bigrams_stay_inside_a_run_of_hangul() -> None:
    assert bigrams("수질 분석기") == ["수질", "분석", "석기"]
    assert bigrams("DR 시스템, 2종") == ["시스", "스템"]  # Latin letters, digits and single syllables give none
    assert bigrams("water meters") == []


def test_a_firm_is_read_by_its_korean_keywords_spaces_ignored_else_by_its_whole_text() -> None:
    assert query_bigrams(firm("분석 장비를 만듭니다", ["수질 분석기", "lab"])) == ("수질", "질분", "분석", "석기")
    assert query_bigrams(firm("분석기를 만듭니다")) == ("분석", "석기", "기를", "만듭", "듭니", "니다")
    assert query_bigrams(firm("We make analysers", ["analyser"])) == ()


def test_a_notice_reads_in_korean_through_its_codes() -> None:
    # 38434000 Analysers: "분석기"; 38421100 Water meters: "수도 계량기"; a UNSPSC code has no Korean label
    assert notice_bigrams(tender("a", ["CPV:38434000", "CPV:38421100"])) == {
        "분석": 1, "석기": 1, "수도": 1, "계량": 1, "량기": 1}
    assert notice_bigrams(tender("b", ["UNSPSC:41113000"])) == {}


def test_the_notice_whose_codes_name_the_firms_product_scores_highest() -> None:
    analysers = tender("analysers", ["CPV:38434000"])
    meters = tender("meters", ["CPV:38421100"])
    none = tender("none", [])
    water_quality = query_bigrams(firm("수질 분석기를 제조합니다", ["수질 분석기"]))
    scores = korean_label_match(water_quality, [analysers, meters, none])
    assert scores[0] > 0.0 and scores[1] == 0.0 and scores[2] == 0.0
    water_meter = korean_label_match(query_bigrams(firm("계량기", ["수도 계량기"])), [analysers, meters])
    assert water_meter[1] > water_meter[0] == 0.0
    assert korean_label_match((), [analysers, meters]).tolist() == [0.0, 0.0]  # an English firm


def test_a_rare_bigram_weighs_more_than_a_common_one_and_a_longer_notice_less() -> None:
    idf = label_idf()
    assert idf["계량"] > idf["장비"] > 0.0  # metering in a few labels, equipment in many
    short = notice_bigrams(tender("short", ["CPV:38421100"]))
    long = notice_bigrams(tender("long", ["CPV:38421100", "CPV:38434000", "CPV:33111000", "CPV:45232150"]))
    assert bm25(("계량",), short, idf) > bm25(("계량",), long, idf) > 0.0
    assert bm25(("계량", "계량"), short, idf) == pytest.approx(bm25(("계량",), short, idf))  # each once


def test_a_reason_names_a_shared_word_not_a_generic_one_or_a_fragment() -> None:
    assert shared_part("수질 분석기", "분석기") == "분석기"  # the label's whole term
    assert shared_part("전자칠판", "칠판") == "칠판"
    assert shared_part("업소용 세탁기", "세탁 및 드라이클리닝 서비스") == "세탁"  # a word of the label
    assert shared_part("의료 장비", "사무 장비") is None  # equipment: too common to mean anything
    assert shared_part("수소충전소", "발전소 운영") is None  # 전소, a piece of two different words
    assert shared_part("업소용 세탁기", "청소용 먼지 흡착제") is None  # 소용, likewise

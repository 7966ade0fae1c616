"""A Korean description's product phrases (``matcher.normalize.korean_phrases``), on the judged profiles' own
descriptions (evaluation/judged.json, judged_fresh2.json) and on the cases the rule names."""

from __future__ import annotations

import json

import pytest

from matcher.normalize.korean_phrases import GENERIC, LIMIT, description_phrases
from tests.conftest import FIXTURES

ROOT = FIXTURES.parents[1]


def judged_description(file: str, firm_id: str) -> str:
    profiles = json.loads((ROOT / "evaluation" / file).read_text(encoding="utf-8"))["profiles"]
    return str(next(p["profile"]["description"] for p in profiles if p["profile"]["firm_id"] == firm_id))


@pytest.mark.parametrize(("file", "firm_id", "phrases"), [
    # the X-ray maker: its two product lines first, as written ("X선 촬영장치", not Kiwi's "X 선 촬영 장치")
    ("judged.json", "dev-ko-xray", ("디지털 X선 촬영장치", "이동형 X선 장비", "의료기기", "평판 검출기")),
    # a noun suffix stays on its noun (배전용, 격자형); the generic 설계·제작 and 업체 are no phrase
    ("judged_fresh2.json", "fresh2-ko-steeltower",
     ("송전선로용 철탑", "배전용 강관주", "철구조물", "격자형 송전철탑 부재")),
    # buyers are no phrase (병원, 호텔: "병원·호텔 세탁 공장" keeps only what is laundered)
    ("judged_fresh2.json", "fresh2-ko-laundry", ("세탁", "코인세탁소", "업소용 세탁기", "건조기")),
])
def test_a_judged_description_gives_its_product_lines(file: str, firm_id: str, phrases: tuple[str, ...]) -> None:
    assert description_phrases(judged_description(file, firm_id)) == phrases


def test_nouns_joined_by_a_middle_dot_or_and_stay_one_phrase() -> None:
    assert description_phrases("학생용 책상·의자와 사무용 가구를 만듭니다.") == ("학생용 책상·의자", "사무용 가구")
    assert description_phrases("튜브 및 플랩을 생산합니다.") == ("튜브 및 플랩",)


def test_generic_words_alone_are_no_phrase() -> None:
    """The firm, its activity, its buyers: a description that names nothing it sells suggests nothing."""
    assert description_phrases("당사는 공공기관에 납품하는 전문 업체입니다.") == ()
    assert description_phrases("설계·제작 전문 기업입니다.") == ()
    assert {"당사", "제조", "시공", "병원", "공항"} <= GENERIC


def test_generic_words_leave_a_phrase_but_a_products_last_word_stays() -> None:
    # 당사 and 제조 come off; 장비 ends a product's name and stays
    assert description_phrases("당사 엑스선 장비 제조") == ("엑스선 장비",)


def test_a_text_without_hangul_gives_none() -> None:
    assert description_phrases("Pumps and valves for water utilities.") == ()
    assert description_phrases("") == ()


def test_at_most_the_limit_in_the_texts_order_each_once() -> None:
    text = ("수도 계량기와 전자식 유량계, 원격 검침 단말기와 수질 분석기를 생산하며 수도 계량기 교체 공사도 "
            "합니다. 누수 감지 센서도 공급합니다.")
    found = description_phrases(text)
    assert found == ("수도 계량기", "전자식 유량계", "원격 검침 단말기", "수질 분석기")
    assert len(found) == LIMIT
    assert description_phrases(text, limit=6)[4:] == ("수도 계량기 교체 공사", "누수 감지 센서")
    # a phrase written again, with or without its space, is suggested once, as first written
    assert description_phrases("볼펜을 만듭니다. 볼 펜을 수출합니다. 형광펜도 만듭니다.") == ("볼펜", "형광펜")

"""What a notice buys and what a firm sells: code natures, firm natures and their fit (hand-computed)."""

from __future__ import annotations

import csv
import json

import pytest

from matcher.normalize.nature import (
    MISMATCH,
    NEUTRAL,
    firm_natures,
    nature_fit,
    nature_of_code,
    nature_of_codes,
    parse_nature,
)
from matcher.schema import FirmProfile
from tests.conftest import shared_path


def firm(**fields: object) -> FirmProfile:
    return FirmProfile.model_validate({"firm_id": "f", "name": "F", "description": "we make things", **fields})


@pytest.mark.parametrize(
    ("code", "nature"),
    [
        ("CPV:03111000", "supplies"),  # first products division
        ("CPV:33111000", "supplies"),  # X-ray devices
        ("CPV:44000000", "supplies"),  # last products division
        ("CPV:48000000", "supplies"),  # software packages are sold as products
        ("CPV:45261000", "works"),  # roofing works
        ("CPV:50421000", "services"),  # repair of medical equipment
        ("CPV:71200000", "services"),  # architectural services: the design, not the building
        ("CPV:98000000", "services"),
        ("UNSPSC:42201700", "supplies"),  # medical ultrasound equipment
        ("UNSPSC:95120000", "supplies"),  # permanent buildings (UNGM group D)
        ("UNSPSC:57020000", "services"),  # services related to humanitarian relief (family of goods segment 57)
        ("UNSPSC:57010000", "supplies"),  # survival supplies
        ("UNSPSC:64110000", "services"),  # securities (UNGM group J)
        ("UNSPSC:72141000", "works"),  # highway and road construction
        ("UNSPSC:72152600", "works"),  # roofing and siding
        ("UNSPSC:72101500", "services"),  # building maintenance and repair
        ("UNSPSC:81111500", "services"),  # software engineering
        ("UNSPSC:43", "supplies"),  # a bare segment
    ],
)
def test_the_nature_of_a_code(code: str, nature: str) -> None:
    assert nature_of_code(code) == nature


@pytest.mark.parametrize("code", ["CPV:01000000", "CPV:99000000", "GSIN:N6530SB", "NAICS:236220", "OTHER:007"])
def test_codes_outside_the_known_divisions_and_schemes_say_nothing(code: str) -> None:
    assert nature_of_code(code) is None


def test_shares_among_the_codes_that_say_something() -> None:
    # 2 supplies, 1 services, 1 works of 4 known codes; the GSIN code does not count.
    shares = nature_of_codes(["CPV:33111000", "CPV:33112000", "CPV:50421000", "CPV:45215100", "GSIN:N6530"])
    assert shares == pytest.approx({"supplies": 0.5, "services": 0.25, "works": 0.25})
    assert nature_of_codes(["GSIN:N6530", "OTHER:1"]) == {}
    assert nature_of_codes([]) == {}


def test_stated_offers_win_over_codes() -> None:
    maker = firm(offers=["supplies", "services"], codes=["CPV:45000000"])
    assert firm_natures(maker) == {"supplies": 0.5, "services": 0.5, "works": 0.0}


def test_confirmed_codes_count_one_and_inferred_codes_their_confidence() -> None:
    # supplies 1 (confirmed) + 0.5 (inferred) = 1.5; services 0.5 (inferred); works 0; total 2.
    shares = firm_natures(firm(codes=["CPV:33111000"]), [("CPV:33112000", 0.5), ("CPV:85100000", 0.5)])
    assert shares == pytest.approx({"supplies": 0.75, "services": 0.25, "works": 0.0})
    assert firm_natures(firm()) == {}
    assert firm_natures(firm(), [("CPV:85100000", 0.0)]) == {}  # no weight, no knowledge


def test_fit_is_one_for_an_offered_nature_and_low_for_one_never_offered() -> None:
    both = {"supplies": 0.5, "services": 0.5, "works": 0.0}
    assert nature_fit(both, "supplies") == pytest.approx(1.0)
    assert nature_fit(both, "services") == pytest.approx(1.0)
    assert nature_fit(both, "works") == pytest.approx(MISMATCH)


def test_fit_follows_the_weight_against_the_firm_main_nature() -> None:
    mostly_goods = {"supplies": 0.75, "services": 0.25, "works": 0.0}
    # 0.1 + 0.9 * 0.25 / 0.75 = 0.4
    assert nature_fit(mostly_goods, "services") == pytest.approx(0.4)


def test_unknown_either_side_is_neutral() -> None:
    assert nature_fit({}, "works") == NEUTRAL
    assert nature_fit({"supplies": 1.0, "services": 0.0, "works": 0.0}, None) == NEUTRAL
    assert nature_fit({"supplies": 1.0, "services": 0.0, "works": 0.0}, None, ["GSIN:N6530"]) == NEUTRAL


def test_a_notice_without_a_stated_nature_is_judged_by_its_codes() -> None:
    goods = {"supplies": 1.0, "services": 0.0, "works": 0.0}
    # half supplies (fit 1), half services (fit 0.1): 0.5 * 1 + 0.5 * 0.1 = 0.55
    assert nature_fit(goods, None, ["CPV:33111000", "CPV:50421000"]) == pytest.approx(0.55)
    # a stated nature wins over the codes
    assert nature_fit(goods, "works", ["CPV:33111000"]) == pytest.approx(MISMATCH)


def test_the_issue_cases_fit_low() -> None:
    """A builder and an architects' design contest; a rolling-stock maker and a train-cleaning contract."""
    builder = firm_natures(firm(codes=["CPV:45210000", "CPV:45223000"]))
    assert nature_fit(builder, "services", ["CPV:71200000"]) == pytest.approx(MISMATCH)
    rolling_stock = firm_natures(firm(codes=["CPV:34620000"]))
    assert nature_fit(rolling_stock, "services", ["CPV:90917000"]) == pytest.approx(MISMATCH)
    assert nature_fit(rolling_stock, "supplies", ["CPV:34620000"]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("word", "nature"),
    [("Goods", "supplies"), ("SUPPLIES", "supplies"), ("works", "works"), ("Civil Works", "works"),
     ("services", "services"), ("consultingServices", "services"), ("Non-consulting Services", "services"),
     ("combined", None), ("", None), (None, None), (3, None)],
)
def test_words_sources_use_for_a_nature(word: object, nature: str | None) -> None:
    assert parse_nature(word) == nature


@pytest.mark.shared
def test_every_cpv_division_of_the_cpv_2008_list_has_the_documented_nature() -> None:
    labels = json.loads(shared_path("codelists", "cpv2008_en.json").read_text(encoding="utf-8"))
    divisions = sorted(code[:2] for code in labels if code[2:8] == "000000")
    assert len(divisions) == 45
    assert nature_of_code("CPV:99999999") is None  # "Not reflected in other sections"
    for division in divisions:
        expected = "works" if division == "45" else "supplies" if int(division) <= 48 else "services"
        assert nature_of_code(f"CPV:{division}000000") == expected, division


@pytest.mark.shared
def test_every_unspsc_segment_follows_its_ungm_group() -> None:
    """UNGM groups A-I are goods, J services; segment 72 (construction) is the documented exception."""
    with shared_path("codelists", "unspsc_ungm_en.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    group_of_key = {r["Key"]: r["Code"] for r in rows if not r["Parent key"]}
    segments = {r["Code"][:2]: group_of_key[r["Parent key"]] for r in rows if r["Parent key"] in group_of_key}
    assert len(segments) == 58
    for segment, group in segments.items():
        expected = "services" if group == "J" else "supplies"
        if segment == "72":
            expected = "works"
        assert nature_of_code(f"UNSPSC:{segment}000000") == expected, segment


def test_a_profiles_own_words_say_what_it_sells_in_korean_and_english() -> None:
    from matcher.normalize.nature import CUE_WEIGHT, text_natures

    assert text_natures("구급차와 특수목적 차량을 제작하는 특장차 전문 기업입니다.") == {"supplies": 1.0}
    assert text_natures("도로 포장 공사를 시공하는 종합건설사입니다") == {"works": 4.0}  # 공사, 시공, 건설사, 종합건설
    assert text_natures("정보보안 컨설팅 전문기업") == {"services": 1.0}
    assert text_natures("We design and manufacture switchgear") == {"supplies": 1.0}
    assert text_natures("Our products are reliable") == {}  # "produce" must start a word; "products" is not it
    # A trader names itself a supplier or distributor (evaluation/judged.json dev-en-rail: "Supplier of railway
    # rolling stock components ... We supply Korean rolling stock builders"); a notice's "suppliers" are others.
    assert text_natures("Supplier of railway rolling stock components. We supply operators.") == {"supplies": 2.0}
    assert text_natures("Manufacturer and distributor of vehicle spare parts") == {"supplies": 2.0}
    # an ambulance maker whose inferred code is ambulance *services*: its own word 제작 outweighs the code
    firm = FirmProfile(firm_id="a", name="a", description="구급차를 제작합니다")
    natures = firm_natures(firm, [("CPV:85143000", 1.0)])
    assert natures["supplies"] == pytest.approx(CUE_WEIGHT / (CUE_WEIGHT + 1))
    assert natures["services"] == pytest.approx(1 / (CUE_WEIGHT + 1))
    # cues are remembered per text: what a caller does with the answer does not change the next one
    text_natures("정보보안 컨설팅 전문기업")["services"] = 9.0
    assert text_natures("정보보안 컨설팅 전문기업") == {"services": 1.0}



@pytest.mark.parametrize(("text", "expected"), [
    # Words that contain a cue and say something else (read from the judged sets' profiles, evaluation/*.json):
    # what a caterer cooks in or an events agency stages is not goods it sells...
    ("Contract caterer serving school lunches from our own cook-chill production kitchens.", {}),
    ("Event management agency: venue and logistics, registration, hospitality and on-site production.", {}),
    # ... though "contractor" stays works, whatever the trade (see ``matcher.normalize.nature._CUES``)
    ("General contractor for bridges and civil structures.", {"works": 1.0}),
    ("Arboricultural contractor providing tree pruning and felling.", {"works": 1.0}),
    # education as the customer (laptops "for education", an education ministry, an aid agency's education
    # project) is not training the firm gives...
    ("교육용 노트북과 관공서용 데스크톱을 주로 공급하며 교육부 디지털 교실 사업에 납품했습니다.", {}),
    ("KOICA 교육 사업을 통해 에티오피아와 라오스 학교에 공급했습니다.", {}),
    # ... a training provider's courses are
    ("직업훈련 교육과정을 설계하고 교육 프로그램을 운영합니다.", {"services": 3.0}),
    # construction supervision (시공감리) is an engineering service, not construction
    ("관망 설계와 타당성 조사, 시공감리를 수행합니다.", {"services": 3.0}),  # 설계와, 타당성, 감리
    # a construction site (공사장) is where a sign maker's products are used
    ("공사장용 임시 표지판과 라바콘을 생산합니다.", {"supplies": 1.0}),
    # map making (지도 제작) is a surveyor's service: a user trial's land surveyor read as selling goods
    ("드론과 GNSS 장비로 지형 측량과 지적 측량을 수행하는 측량 전문 회사입니다. "
     "수치지도 제작과 GIS 구축 용역을 합니다.", {"services": 2.0}),  # 측량, 용역
    ("지도제작 전문 회사입니다.", {}),
    # ... while a maker of surveying instruments still makes goods
    ("측량기기를 제조합니다. 측량 장비도 공급합니다.", {"supplies": 1.0}),
], ids=["caterer", "events", "general-contractor", "arborist", "laptops-for-education", "education-project",
        "training-provider", "construction-supervision", "construction-site-signs", "land-surveyor", "map-maker",
        "instrument-maker"])
def test_words_that_contain_a_cue_but_say_something_else(text: str, expected: dict[str, float]) -> None:
    from matcher.normalize.nature import text_natures

    assert text_natures(text) == expected


def test_a_caterer_with_production_kitchens_fits_a_catering_services_notice() -> None:
    # evaluation/judged_fresh2.json fresh2-en-schoolcatering: "production kitchens" read as goods put "a services
    # contract; the firm sells goods" among the concerns of its best notices (school lunches, TED services).
    firm = FirmProfile(firm_id="c", name="c", description=(
        "Contract caterer preparing, delivering and serving school lunches for primary and secondary schools from "
        "our own cook-chill production kitchens."))
    natures = firm_natures(firm, [("CPV:55524000", 1.0)])  # school catering services, as suggested
    assert natures == {"supplies": 0.0, "services": 1.0, "works": 0.0}
    assert nature_fit(natures, "services") == 1.0

"""Firm profiles from CSV, JSON and JSONL, Korean text included."""

from __future__ import annotations

from pathlib import Path

from matcher.ingest.base import Rejected
from matcher.ingest.firms import read_firms
from matcher.schema import FirmProfile

FIRMS = Path(__file__).resolve().parents[1] / "fixtures" / "firms"
KOREAN = "희석 냉동기와 연구용 크라이오스탯을 설계하고 제조합니다. 유럽 연구소 납품 경험이 있습니다."
CRYO = FirmProfile(
    firm_id="kr-cryo-01",
    name="한빛극저온",
    description=KOREAN,
    keywords=["희석 냉동기", "크라이오스탯", "dilution refrigerator"],
    codes=["CPV:38000000", "UNSPSC:41101500"],
    home_country="KR",
    target_countries=["DE", "FR", "GB"],
    languages=["ko", "en"],
    min_value=100000.0,
    max_value=2000000.0,
    currency="EUR",
    certifications=["ISO 9001"],
)


def test_the_same_profile_from_csv_json_and_jsonl() -> None:
    for name in ("firms.csv", "firms.json", "firms.jsonl"):
        first = next(iter(read_firms(FIRMS / name)))
        assert first == CRYO, name
        assert isinstance(first, FirmProfile)
        assert first.description == KOREAN


def test_csv_optional_columns_may_be_empty_and_required_ones_may_not() -> None:
    _, water, missing = list(read_firms(FIRMS / "firms.csv"))
    assert water == FirmProfile(
        firm_id="kr-water-02",
        name="청수환경",
        description="상하수도 정수 설비와 오염 방지 시설을 시공합니다.",
        keywords=["정수 설비", "water treatment"],
        codes=["CPV:45252100"],
        home_country="KR",
        target_countries=["VN", "ID"],
        languages=["ko"],
    )
    assert missing == Rejected("firms.csv:4", "description: Field required")


def test_unknown_key_rejects_that_record_naming_the_key() -> None:
    _, second = list(read_firms(FIRMS / "firms.json"))
    assert isinstance(second, Rejected)
    assert second.record == "firms.json#2"
    assert second.reason.startswith("unknown field 'website' (expected: firm_id, name, description")


def test_jsonl_bad_line_is_rejected() -> None:
    _, second = list(read_firms(FIRMS / "firms.jsonl"))
    assert second == Rejected("firms.jsonl:2", "not valid JSON at column 145 (Expecting ',' delimiter)")


def test_korean_profiles_round_trip_through_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text(CRYO.model_dump_json() + "\n", encoding="utf-8")
    assert list(read_firms(path)) == [CRYO]


def test_value_range_without_currency_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('firm_id,name,description,min_value\nf1,Acme,Pumps,"1 000"\n', encoding="utf-8")
    assert list(read_firms(path)) == [
        Rejected("f.csv:2", "record: min_value/max_value need a currency (ISO 4217, e.g. 'EUR')")
    ]


def test_accepted_codes_are_a_list_column_kept_among_the_codes(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        "firm_id,name,description,codes,accepted_codes\n"
        "f1,Seoul Meters,Water meters,CPV:38421100;CPV:38421110,CPV:38421110\n"
        "f2,Seoul Meters,Water meters,CPV:38421100,CPV:38421110\n", encoding="utf-8")
    first, second = list(read_firms(path))
    assert isinstance(first, FirmProfile) and first.accepted_codes == ["CPV:38421110"]
    assert first.own_codes() == ["CPV:38421100"]
    # an accepted code is one of the firm's codes: one that is not is accepted no longer
    assert isinstance(second, FirmProfile) and second.accepted_codes == [] and second.own_codes() == ["CPV:38421100"]


def test_declined_codes_are_a_list_column_and_may_not_repeat_a_code(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        "firm_id,name,description,codes,declined_codes\n"
        "f1,Seoul Cyber,Penetration testing,CPV:72000000,cpv:79710000-4;CPV:79417000\n"
        "f2,Seoul Cyber,Penetration testing,CPV:79710000,CPV:79710000\n", encoding="utf-8")
    first, second = list(read_firms(path))
    assert isinstance(first, FirmProfile) and first.declined_codes == ["CPV:79710000", "CPV:79417000"]
    assert second == Rejected("f.csv:3", "record: CPV:79710000 is both one of the firm's codes and a declined code")

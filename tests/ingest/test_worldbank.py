"""World Bank procurement notices -> Tender: every field, HTML to text, countries, rejections, saved answers."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from matcher.errors import UnreadableFile
from matcher.ingest.base import Rejected
from matcher.ingest.detect import read_tenders
from matcher.ingest.worldbank import (
    MAX_DESCRIPTION,
    deadline,
    html_text,
    map_notice,
    nature,
    notice_type,
    read_worldbank,
)
from matcher.ingest.worldbank_names import country_of, language_code
from matcher.normalize.openness import OpenRule
from matcher.schema import Tender

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds" / "worldbank"


def page(n: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAGES / f"page-{n}.json").read_text())
    return data


def notice(notice_id: str) -> dict[str, Any]:
    """A fresh copy of one fixture notice (tests change their copy)."""
    for n in (1, 2, 3):
        found = page(n)["procnotices"]
        for raw in found.values() if isinstance(found, dict) else found:
            if raw["id"] == notice_id:
                return copy.deepcopy(raw)
    raise KeyError(notice_id)


def mapped(raw: object) -> Tender:
    result = map_notice(raw, "test")
    assert isinstance(result, Tender), result
    return result


def reason(raw: object) -> str:
    result = map_notice(raw, "page-9 notice X")
    assert isinstance(result, Rejected), result
    assert result.record == "page-9 notice X"
    return result.reason


def test_an_expression_of_interest_maps_every_field() -> None:
    kenya = mapped(notice("OP00467118"))
    assert kenya == Tender(
        tender_id="wb:OP00467118",
        source="worldbank",
        notice_type="open_call",
        title="Consulting Services for the Preparation of Municipal Investment Opportunity Packages and Investment "
              "Readiness Support for Kisumu, Eldoret, Meru, Ruiru and Kakuma Municipalities in Kenya",
        # notice_text's two <p> as two lines, then the project, which the text does not name
        description="MINISTRY OF LANDS, PUBLIC WORKS, HOUSING AND URBAN DEVELOPMENT\n"
                    "REQUEST FOR EXPRESSION OF INTEREST\n"
                    "Project: Second Kenya Urban Support Program (P177048)",
        language="en",
        buyer="Ministry of Transport and Infrastructure",
        buyer_country="KE",
        countries=["KE"],
        published=date(2026, 9, 5),
        # the day of submission_deadline_date with submission_deadline_time read as UTC (module docstring)
        deadline=datetime(2026, 10, 6, 10, 0, tzinfo=UTC),
        url="https://projects.worldbank.org/en/projects-operations/procurement-detail/OP00467118",
        contract_nature="services",
    )


def test_works_award_and_goods_notices() -> None:
    india, peru = mapped(notice("OP00467020")), mapped(notice("OP00466911"))
    assert (india.notice_type, india.contract_nature, india.countries, india.buyer_country) == (
        "open_call", "works", ["IN"], "IN")
    assert india.deadline == datetime(2026, 10, 15, 14, 0, tzinfo=UTC)
    assert india.description == "Project: Rajasthan State Highway Modernization Project (P170962)"  # no text
    assert (peru.notice_type, peru.deadline, peru.countries, peru.buyer) == (
        "award", None, ["PE"], "Ministerio de Vivienda, Construccion y Saneamiento")
    gloves = mapped(notice("OP00465854"))
    assert (gloves.notice_type, gloves.contract_nature, gloves.language, gloves.published) == (
        "open_call", "supplies", None, date(2026, 8, 31))
    # a day without a time: open through that day
    assert gloves.deadline == datetime(2026, 10, 1, 23, 59, tzinfo=UTC)


def test_a_regional_project_names_no_country_and_scripts_are_dropped() -> None:
    regional = mapped(notice("OP00458234"))
    assert regional.countries == [] and regional.buyer is None
    assert regional.description == "Body\nProject: Digital Transformation for Africa (P176932)"
    assert regional.deadline == datetime(2026, 8, 12, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "status", "expected"), [
    ("Invitation for Bids", "Published", "open_call"),
    ("Request for Bids", "", "open_call"),
    ("Request for Expression of Interest", "Published", "open_call"),
    ("Invitation for Prequalification", "", "open_call"),
    ("General Procurement Notice", "Published", "prior_information"),
    ("Contract Award", "Published", "award"),
    ("  contract   AWARD ", "", "award"),
    ("Invitation for Bids", "Cancelled", "other"),
    ("Request for Expression of Interest", "Canceled", "other"),
    ("Something new", "Published", "other"),
    ("", "", "other"),
])
def test_notice_types(kind: str, status: str, expected: str) -> None:
    assert notice_type(kind, status) == expected


def test_a_cancelled_call_is_not_open_while_the_same_call_published_is() -> None:
    rule = OpenRule(60, 180)
    now = datetime(2026, 9, 20, tzinfo=UTC)
    published = notice("OP00467118")
    cancelled = {**published, "notice_status": "Cancelled"}
    assert rule.is_open(mapped(published), now)
    assert not rule.is_open(mapped(cancelled), now)


@pytest.mark.parametrize(("group", "expected"), [
    ("GO", "supplies"), ("CW", "works"), ("WK", "works"), ("CS", "services"), ("NC", "services"),
    ("Goods", "supplies"), ("Works", "works"), ("Consultant Services", "services"),
    ("Non-consulting Services", "services"), ("Civil Works", "works"), ("", None), ("Mixed", None),
])
def test_procurement_groups(group: str, expected: str | None) -> None:
    assert nature(group) == expected


def test_procurement_group_description_when_the_code_is_absent() -> None:
    raw = notice("OP00467020")
    del raw["procurement_group"]
    raw["procurement_group_desc"] = "Goods"
    assert mapped(raw).contract_nature == "supplies"


@pytest.mark.parametrize(("name", "code"), [
    ("Kenya", "KE"), ("Congo, Democratic Republic of", "CD"), ("Congo, Republic of", "CG"),
    ("Viet Nam", "VN"), ("Vietnam", "VN"), ("West Bank and Gaza", "PS"), ("Gambia, The", "GM"),
    ("Cote d'Ivoire", "CI"), ("Côte d’Ivoire", "CI"), ("Myanmar", "MM"), ("Bosnia and Herzegovina", "BA"),
    ("Sao Tome and Principe", "ST"), ("Turkiye", "TR"), ("Kosovo", "XK"), ("Lao People's Democratic Republic", "LA"),
    ("Micronesia, Federated States of", "FM"), ("Egypt, Arab Republic of", "EG"), ("Yemen, Republic of", "YE"),
    ("Kyrgyz Republic", "KG"), ("  kenya ", "KE"),
    ("Western and Central Africa", None), ("Eastern and Southern Africa", None), ("World", None), ("Africa", None),
    ("Congo", None), ("Atlantis", None), ("", None),
])
def test_country_names_as_the_bank_writes_them(name: str, code: str | None) -> None:
    assert country_of(name) == code


def test_country_code_when_the_name_is_unknown_and_multi_country_lists() -> None:
    raw = notice("OP00467020")
    raw["project_ctry_name"], raw["project_ctry_code"] = "Republic of India (typo'd)", "IN"
    assert mapped(raw).countries == ["IN"]
    raw["project_ctry_code"] = "3A"  # a Bank region code, not a country: the unknown name is named
    assert reason(raw).startswith("project_ctry_name: unknown country \"Republic of India (typo'd)\"")
    raw["project_ctry_name"] = "Western and Central Africa"
    assert mapped(raw).countries == []
    raw["project_ctry_name"] = ["Kenya", "Uganda", "Kenya", "Eastern and Southern Africa"]
    assert mapped(raw).countries == ["KE", "UG"]


@pytest.mark.parametrize(("name", "code"), [
    ("English", "en"), ("French", "fr"), ("Spanish", "es"), ("Portuguese", "pt"), ("Arabic", "ar"),
    ("Russian", "ru"), ("english", "en"), ("Klingon", None), ("", None),
])
def test_languages(name: str, code: str | None) -> None:
    assert language_code(name) == code


def test_html_to_text() -> None:
    # The header of a contract award's notice_text as a public client quotes it (structure observed live).
    award = ("<div class='row col-sm-12'><h4>Contract Award</h4><p><b>Project:</b>P178566-Food Systems Resilience "
             "Program<br/><b>Loan/Credit/TF Info:</b>IDA-71560<br/><b>Procurement Method:</b>RFQ-Request for "
             "Quotations<br/><b>Notice Version No:</b>0</p><br/></div><div class='row'><div class='col-sm-4'>"
             "<b>Duration of Contract</b><br/><br/>60 Day(s)<br/></div></div>")
    assert html_text(award) == ("Contract Award\nProject:P178566-Food Systems Resilience Program\n"
                                "Loan/Credit/TF Info:IDA-71560\nProcurement Method:RFQ-Request for Quotations\n"
                                "Notice Version No:0\nDuration of Contract\n60 Day(s)")
    assert html_text("<p>A &amp; B&nbsp;&lt;C&gt;</p><!-- hidden --><style>p{}</style>") == "A & B <C>"
    assert html_text("<table><tr><td>Name</td><td>Country</td></tr><tr><td>Acme</td><td>Mali</td></tr></table>") == (
        "Name Country\nAcme Mali")
    assert html_text("<script>alert(1)</script><p onclick='x()'>kept</p><iframe src='x'>gone</iframe>") == "kept"
    assert html_text("plain text, no markup") == "plain text, no markup"
    assert html_text('<?xml version="1.0" encoding="utf-8"?><p>declared</p>') == "declared"
    assert html_text("<p>unclosed <b>tags") == "unclosed tags"
    assert html_text("") == html_text("   ") == html_text("\x00\x01") == ""
    assert html_text("<p>nul\x00byte</p>") == "nul byte"


def test_description_is_bounded() -> None:
    raw = notice("OP00467020")
    raw["notice_text"] = "<p>" + "pump " * 40_000 + "</p>"  # 200,000 characters of text
    text = mapped(raw).description
    assert len(text) <= MAX_DESCRIPTION and text.startswith("pump pump") and not text.endswith(" ")
    assert "Project:" not in text  # the project line does not fit after a full description


@pytest.mark.parametrize(("day", "clock", "expected"), [
    ("2026-10-06T00:00:00Z", "10:00", datetime(2026, 10, 6, 10, 0, tzinfo=UTC)),
    ("2026-10-06T00:00:00Z", "", datetime(2026, 10, 6, 23, 59, tzinfo=UTC)),
    ("2026-10-06T15:30:00Z", "", datetime(2026, 10, 6, 15, 30, tzinfo=UTC)),
    ("06-Oct-2026", "2:30 PM", datetime(2026, 10, 6, 14, 30, tzinfo=UTC)),
    ("2026-10-06", "12:15 am", datetime(2026, 10, 6, 0, 15, tzinfo=UTC)),
    ("2026-10-06", "24:00", datetime(2026, 10, 6, 23, 59, tzinfo=UTC)),
    ("2026-10-06", "99:99", datetime(2026, 10, 6, 23, 59, tzinfo=UTC)),  # an impossible time: the day
    ("", "10:00", None),
    ("not a date", "", None),
])
def test_deadlines(day: str, clock: str, expected: datetime | None) -> None:
    assert deadline(day, clock) == expected


def test_publication_date_falls_back_to_submission_date() -> None:
    raw = notice("OP00467118")
    del raw["noticedate"]
    assert mapped(raw).published == date(2026, 9, 5)


def test_title_falls_back_to_the_project_name_and_ids_are_made_safe() -> None:
    raw = notice("OP00467020")
    raw["bid_description"] = "  "
    raw["id"] = "OP/0046 7020"
    tender = mapped(raw)
    assert tender.title == "Rajasthan State Highway Modernization Project"
    assert tender.tender_id == "wb:OP%2F0046%207020"
    assert tender.url == "https://projects.worldbank.org/en/projects-operations/procurement-detail/OP%2F0046%207020"


@pytest.mark.parametrize(("change", "expected"), [
    ({"id": None}, "no id"),
    ({"id": "  "}, "no id"),
    ({"id": ["OP1"]}, "id: expected text, got list"),
    ({"bid_description": None, "project_name": None}, "no title (bid_description or project_name)"),
    ({"bid_description": {"en": "x"}}, "bid_description: expected text, got dict"),
    ({"noticedate": None, "submission_date": None}, "no publication date (noticedate or submission_date)"),
    ({"noticedate": "someday", "submission_date": ""},
     "no publication date (noticedate or submission_date): cannot read noticedate 'someday'"),
    ({"noticedate": "31-Aug-0000", "submission_date": "0000-08-31"}, "no publication date (noticedate or "
     "submission_date): cannot read noticedate '31-Aug-0000', submission_date '0000-08-31'"),
    ({"noticedate": ["05-Sep-2026"]}, "noticedate: expected text, got list"),
    ({"notice_status": True}, "notice_status: expected text, got bool"),
    ({"project_ctry_name": [1, 2]}, "project_ctry_name: expected text, got list"),
    ({"bid_description": "Test", "project_name": None, "notice_text": "<p>test notice, please ignore</p>"},
     "test notice"),
])
def test_malformed_notices_are_rejected_with_their_reason(change: dict[str, Any], expected: str) -> None:
    raw = notice("OP00467118")
    raw.update(change)
    assert reason(raw) == expected


def test_non_objects_and_schema_refusals_are_rejected_not_raised() -> None:
    assert reason(["not", "a", "notice"]) == "expected a JSON object, got list"
    assert reason(None) == "expected a JSON object, got NoneType"
    raw = notice("OP00467118")
    raw["contact_organization"] = "x" * 600  # longer than the schema allows: cut, not refused
    assert mapped(raw).buyer == "x" * 500


def test_a_keyed_notice_without_an_id_takes_its_key() -> None:
    raw = notice("OP00465854")
    del raw["id"]
    result = map_notice(raw, "page-2", key="OP00465854")
    assert isinstance(result, Tender) and result.tender_id == "wb:OP00465854"


def test_saved_answers_in_both_shapes(tmp_path: Path) -> None:
    listed = list(read_worldbank(PAGES / "page-1.json"))
    assert [t.tender_id for t in listed if isinstance(t, Tender)] == ["wb:OP00467118", "wb:OP00467020", "wb:OP00466911"]
    keyed = list(read_worldbank(PAGES / "page-2.json"))
    assert [t.tender_id if isinstance(t, Tender) else t for t in keyed] == [
        "wb:OP00465854",
        Rejected("page-2.json notice OP00459233", "no title (bid_description or project_name)"),
        "wb:OP00458234",
    ]
    # through the reader every tender file goes through (matcher ingest tenders), gzipped too
    packed = tmp_path / "answer.json.gz"
    packed.write_bytes(gzip.compress((PAGES / "page-2.json").read_bytes()))
    assert [t.tender_id if isinstance(t, Tender) else t.record for t in read_tenders(packed)] == [
        "wb:OP00465854", "answer.json.gz notice OP00459233", "wb:OP00458234"]
    assert list(read_tenders(PAGES / "page-3.json")) == list(read_worldbank(PAGES / "page-3.json"))


def test_unreadable_answers(tmp_path: Path) -> None:
    cases = {
        "truncated.json": ((PAGES / "page-1.json").read_text()[:500], "not valid JSON at line"),
        "other.json": ('{"procnotices": "none"}', "'procnotices' is a str, expected a list or an object"),
        "missing.json": ('{"total": "3", "rows": 3}', "no 'procnotices' in the answer"),
        "array.json": ("[1, 2]", "expected a JSON object with 'procnotices', got list"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(UnreadableFile, match=message.replace("(", r"\(").replace(")", r"\)")):
            list(read_worldbank(path))
    empty = tmp_path / "empty.json"
    empty.write_text('{"rows": 10, "os": "0", "total": "0"}')
    assert list(read_worldbank(empty)) == []

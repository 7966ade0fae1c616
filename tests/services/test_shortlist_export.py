"""Shortlist exports: each file parses with the library its readers use, holds the rows, and shows hostile
text as text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar
from openpyxl import load_workbook

from matcher.ranking.reasons import ReasonLanguage
from matcher.services.shortlist_export import COLUMNS, HEADERS, to_csv, to_ics, to_xlsx
from matcher.services.shortlists import ShortlistEntry
from tests.conftest import NOW

DEADLINE = datetime(2021, 6, 14, 12, 0, tzinfo=UTC)


def entry(tender_id: str, **fields: object) -> ShortlistEntry:
    stored: dict[str, object] = {
        "firm_id": "kr-hanbit", "tender_id": tender_id, "status": "approved", "note": "", "score": 0.5,
        "proposed_by": "partner-a", "proposed_at": NOW, "decided_by": "partner-a",
        "decided_at": NOW + timedelta(hours=2), "title": f"Title of {tender_id}", "buyer": "City of Nairobi",
        "buyer_country": "KE", "deadline": DEADLINE, "url": f"https://example.org/{tender_id}",
    }
    stored.update(fields)
    return ShortlistEntry(**stored)  # type: ignore[arg-type]


KOREAN = entry("ted:1-2021", title="정수 처리 설비 공급", buyer="서울특별시", buyer_country="KR", note="좋은 기회")
HOSTILE = [
    entry("ted:2-2021", title='=HYPERLINK("https://evil.example","click")', buyer="+cmd|' /C calc'!A0",
          note="-2+3"),
    entry("ted:3-2021", title="@SUM(A1:A9)", buyer="\t=1+1", note="=1+1"),
]
PROPOSED = entry("ted:4-2021", status="proposed", decided_by=None, decided_at=None,
                 deadline=datetime(2021, 6, 20, 9, 30, tzinfo=UTC), note="line one\nline two")
DELETED = entry("ted:5-2021", title=None, buyer=None, buyer_country=None, deadline=None, url=None)
ENTRIES = [KOREAN, *HOSTILE, PROPOSED, DELETED]


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8, Korean included
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_holds_every_row_with_its_fields() -> None:
    rows = csv_rows(to_csv(ENTRIES, "en"))
    assert list(rows[0]) == [HEADERS["en"][c] for c in COLUMNS]
    assert [r["Tender ID"] for r in rows] == [e.tender_id for e in ENTRIES]
    korean = rows[0]
    assert (korean["Title"], korean["Buyer"], korean["Country"], korean["Note"]) == (
        "정수 처리 설비 공급", "서울특별시", "KR", "좋은 기회")
    assert (korean["Deadline (UTC)"], korean["Status"], korean["Decided by"], korean["Decided at (UTC)"]) == (
        "2021-06-14 12:00", "approved", "partner-a", "2021-06-01 02:00")
    assert rows[3]["Note"] == "line one\nline two" and rows[3]["Decided by"] == ""
    # a deleted tender: its id and status, the tender's fields empty
    assert [rows[4][h] for h in ("Tender ID", "Title", "Buyer", "Deadline (UTC)", "Status", "Link")] == [
        "ted:5-2021", "", "", "", "approved", ""]


def test_csv_neutralises_formulas() -> None:
    rows = csv_rows(to_csv(HOSTILE, "en"))
    assert [(r["Title"], r["Buyer"], r["Note"]) for r in rows] == [
        ("'=HYPERLINK(\"https://evil.example\",\"click\")", "'+cmd|' /C calc'!A0", "'-2+3"),
        ("'@SUM(A1:A9)", "'\t=1+1", "'=1+1"),
    ]


#: A pipe first is the DDE form some spreadsheets run ("|cmd ..."); a percent first is escaped with it (see
#: matcher.services.shortlist_export.FORMULA_STARTS). Inside a cell both are text as ever.
PIPE_AND_PERCENT = entry("ted:6-2021", title="|cmd '/C calc'!A0", buyer="%0A=1+1", note="50% | 2 lots",
                         decided_by="|partner")


def test_csv_escapes_a_pipe_or_percent_first_like_a_formula() -> None:
    row = csv_rows(to_csv([PIPE_AND_PERCENT], "en"))[0]
    assert (row["Title"], row["Buyer"], row["Note"], row["Decided by"]) == (
        "'|cmd '/C calc'!A0", "'%0A=1+1", "50% | 2 lots", "'|partner")


def test_xlsx_keeps_a_pipe_or_percent_first_as_plain_text() -> None:
    """A text cell runs nothing: the workbook holds the text as written, no apostrophe."""
    sheet = load_workbook(io.BytesIO(to_xlsx([PIPE_AND_PERCENT], "en"))).active
    assert sheet is not None
    assert [(c.value, c.data_type) for c in (sheet["B2"], sheet["C2"], sheet["G2"])] == [
        ("|cmd '/C calc'!A0", "s"), ("%0A=1+1", "s"), ("|partner", "s")]


def test_csv_in_korean() -> None:
    rows = csv_rows(to_csv([KOREAN, PROPOSED], "ko"))
    assert list(rows[0]) == [HEADERS["ko"][c] for c in COLUMNS] and "공고명" in rows[0]
    assert [r["상태"] for r in rows] == ["승인", "검토 중"]


def test_xlsx_holds_every_row_as_text_and_dates() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(ENTRIES, "ko"))).active
    assert sheet is not None and sheet.title == "관심 목록"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADERS["ko"][c] for c in COLUMNS)
    assert [r[0] for r in rows[1:]] == [e.tender_id for e in ENTRIES]
    assert rows[1][1:5] == ("정수 처리 설비 공급", "서울특별시", "KR", datetime(2021, 6, 14, 12, 0))
    assert rows[4][8] == "line one\nline two" and rows[4][5] == "검토 중"
    assert rows[5][1:5] == (None, None, None, None)


def test_xlsx_stores_formula_text_as_text() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(HOSTILE, "en"))).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert sheet["B2"].value == '=HYPERLINK("https://evil.example","click")' and sheet["B2"].data_type == "s"
    assert sheet["I3"].value == "=1+1"


def test_xlsx_drops_control_characters_instead_of_failing() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx([entry("t:1", title="Pumps\x00\x1b and\tvalves")]))).active
    assert sheet is not None and sheet["B2"].value == "Pumps and\tvalves"


def test_xlsx_drops_the_noncharacters_xml_refuses_instead_of_failing() -> None:
    """U+FFFE and U+FFFF are no characters XML 1.0 (the workbook's format) may hold; a feed's title or a typed note
    holding one made the export raise (lxml: 'All strings must be XML compatible'), a 500 for every reader of the
    shortlist. The CSV keeps them: UTF-8 holds them and a spreadsheet shows them."""
    noted = entry("t:1", title="Pumps\uffff and\ufffe valves", buyer="City\ufffe", note="call\uffff")
    sheet = load_workbook(io.BytesIO(to_xlsx([noted]))).active
    assert sheet is not None
    assert (sheet["B2"].value, sheet["C2"].value, sheet["I2"].value) == ("Pumps and valves", "City", "call")
    row = csv_rows(to_csv([noted]))[0]
    assert (row["Title"], row["Note"]) == ("Pumps\uffff and\ufffe valves", "call\uffff")


def test_ics_has_one_event_per_deadline() -> None:
    calendar = Calendar.from_ical(to_ics(ENTRIES, "Hanbit Water"))
    assert str(calendar["X-WR-CALNAME"]) == "Hanbit Water: deadlines"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    # the deleted tender has no deadline: left out
    assert set(events) == {f"kr-hanbit/{e.tender_id}@tender-matcher" for e in ENTRIES if e.deadline}
    korean = events["kr-hanbit/ted:1-2021@tender-matcher"]
    assert korean.decoded("DTSTART") == DEADLINE and korean.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(korean["SUMMARY"]) == "정수 처리 설비 공급" and str(korean["URL"]) == "https://example.org/ted:1-2021"
    assert str(korean["DESCRIPTION"]).split("\n") == [
        "Tender: ted:1-2021", "Buyer: 서울특별시", "Status: approved", "Note: 좋은 기회"]
    proposed = events["kr-hanbit/ted:4-2021@tender-matcher"]
    assert proposed.decoded("DTSTART") == datetime(2021, 6, 20, 9, 30, tzinfo=UTC)
    assert proposed.decoded("DTSTAMP") == NOW  # not decided yet: stamped when proposed


def test_ics_names_the_calendar_on_one_line_with_its_text_escaped() -> None:
    """A firm's name may hold a line break (the API takes it); X-WR-CALNAME is a property icalendar does not know,
    so it wrote the name unescaped and refused a line break in it (AssertionError: 'Content line can not contain
    unescaped new line characters'), a 500 for the firm's calendar. A calendar's name is one line: its breaks
    read as spaces, its commas and semicolons escaped as TEXT (RFC 5545's type of an X- property)."""
    data = to_ics([KOREAN], "Hanbit\r\nWater,\tInc;\x1b\nKR")
    assert b"X-WR-CALNAME:Hanbit Water\\, Inc\\; KR: deadlines\r\n" in data
    assert len(Calendar.from_ical(data).walk("VEVENT")) == 1


def test_ics_links_an_address_holding_a_line_break_or_a_space_as_a_uri() -> None:
    """A notice's address is stored as its feed sent it (http(s), nothing else checked): one with a line break made
    icalendar refuse the URL property (ValueError: 'A URI value may not contain CR or LF characters'), a 500 for
    the whole calendar. A tab or line break is dropped, as a browser's URL parser drops it from the page's link;
    what else a URI may not hold (a space, a control, non-ASCII) is percent-encoded, '%' and delimiters kept."""
    odd = entry("t:1", url="https://example.org/a\r\nb\tc d/\u00e9?q=1&r=%20#x")
    (event,) = Calendar.from_ical(to_ics([odd], "Hanbit Water")).walk("VEVENT")
    assert str(event["URL"]) == "https://example.org/abc%20d/%C3%A9?q=1&r=%20#x"
    assert str(event["SUMMARY"]) == "Title of t:1"


def test_ics_is_the_same_file_for_the_same_shortlist() -> None:
    """Stable UIDs and stamps: a calendar subscribed to the export updates events instead of doubling them."""
    assert to_ics(ENTRIES, "Hanbit Water") == to_ics(ENTRIES, "Hanbit Water")


def test_ics_in_korean() -> None:
    calendar = Calendar.from_ical(to_ics([KOREAN], "한빛워터", "ko"))
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["X-WR-CALNAME"]) == "한빛워터: 입찰 마감"
    assert str(event["DESCRIPTION"]).split("\n")[1:3] == ["발주기관: 서울특별시", "상태: 승인"]


def test_an_empty_shortlist_is_a_header_row() -> None:
    assert csv_rows(to_csv([], "en")) == []
    sheet = load_workbook(io.BytesIO(to_xlsx([], "en"))).active
    assert sheet is not None and sheet.max_row == 1 and sheet["A1"].value == "Tender ID"
    assert Calendar.from_ical(to_ics([], "Hanbit Water")).walk("VEVENT") == []


# ----------------------------------------------------------------------------- an officer's files
#: Published the day after the clock's (NOW: 2021-06-01): only an officer's list holds such an entry.
LATER = entry("ted:6-2021", published=date(2021, 6, 2), published_after_now=True)
MARKED = [KOREAN, LATER, DELETED]
MARK = "published_after_now"


def test_an_officers_tables_say_which_notices_are_published_after_today() -> None:
    """A last column, yes or no; empty for a deleted tender, as its other fields are."""
    words: list[tuple[ReasonLanguage, str, str]] = [("en", "yes", "no"), ("ko", "예", "아니요")]
    for lang, yes, no in words:
        header = HEADERS[lang][MARK]
        rows = csv_rows(to_csv(MARKED, lang, mark_published_later=True))
        assert list(rows[0]) == [HEADERS[lang][c] for c in (*COLUMNS, MARK)]
        assert [(r[HEADERS[lang]["tender_id"]], r[header]) for r in rows] == [
            ("ted:1-2021", no), ("ted:6-2021", yes), ("ted:5-2021", "")]
        sheet = load_workbook(io.BytesIO(to_xlsx(MARKED, lang, mark_published_later=True))).active
        assert sheet is not None
        assert [(r[0], r[-1]) for r in sheet.iter_rows(values_only=True)] == [
            (HEADERS[lang]["tender_id"], header), ("ted:1-2021", no), ("ted:6-2021", yes), ("ted:5-2021", None)]
    assert (HEADERS["en"][MARK], HEADERS["ko"][MARK]) == ("Published after today", "오늘 이후 게시")


def test_the_others_tables_keep_their_columns() -> None:
    """A firm's or partner's file never holds such a notice (``actions.visible_shortlist``): no column for it."""
    assert list(csv_rows(to_csv(MARKED, "en"))[0]) == [HEADERS["en"][c] for c in COLUMNS]
    sheet = load_workbook(io.BytesIO(to_xlsx(MARKED, "en"))).active
    assert sheet is not None and next(sheet.iter_rows(values_only=True)) == tuple(HEADERS["en"][c] for c in COLUMNS)


def test_an_officers_calendar_says_when_a_later_notice_is_published() -> None:
    for lang, line in (("en", "Published after today: 2021-06-02"), ("ko", "오늘 이후 게시: 2021-06-02")):
        events = {str(e["UID"]): str(e["DESCRIPTION"]).split("\n")
                  for e in Calendar.from_ical(to_ics(MARKED, "Hanbit Water", lang)).walk("VEVENT")}
        later, korean = events["kr-hanbit/ted:6-2021@tender-matcher"], events["kr-hanbit/ted:1-2021@tender-matcher"]
        assert later[3:] == [line] and len(korean) == 4 and line.split(":")[0] not in "\n".join(korean)

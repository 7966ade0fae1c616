"""Shortlist items carry their tender's fields, and the shortlist downloads as CSV, Excel and a calendar,
with the shortlist route's access rules (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from icalendar import Calendar
from openpyxl import load_workbook

from tests.api.conftest import OTHER, OWN, World

HOSTILE = '=HYPERLINK("https://evil.example","open")'


def shortlist(world: World, who: str, firm_id: str = OWN) -> list[dict[str, Any]]:
    response = world.client.get(f"/firms/{firm_id}/shortlist", headers=world.auth(who))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def export(world: World, who: str, suffix: str, query: str = "", **headers: str) -> bytes:
    url = f"/firms/{OWN}/shortlist/export.{suffix}{query}"
    response = world.client.get(url, headers={**world.auth(who), **headers})
    assert response.status_code == 200, response.text
    return response.content


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def decided(world: World) -> World:
    """OWN's shortlist: the seeded item approved with a note, a second item proposed, a third rejected."""
    partner = world.auth("partner")
    for tender_id in world.tenders[1:3]:
        assert world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id},
                                 headers=partner).status_code == 201
    world.client.patch(f"/firms/{OWN}/shortlist/{world.tenders[0]}", json={"status": "approved", "note": "bid"},
                       headers=partner)
    world.client.patch(f"/firms/{OWN}/shortlist/{world.tenders[2]}", json={"status": "rejected"}, headers=partner)
    return world


def test_shortlist_items_carry_the_tender_fields(decided: World) -> None:
    items = shortlist(decided, "partner")
    assert [i["tender_id"] for i in items] == decided.tenders
    for item in items:
        tender = decided.matcher.get_tender(item["tender_id"])
        expected = tender.model_dump(mode="json", include={"title", "buyer", "buyer_country", "deadline", "url"})
        assert {k: item[k] for k in expected} == expected
    assert (items[0]["status"], items[0]["note"], items[0]["decided_by"]) == ("approved", "bid", "partner-a")
    assert items[0]["decided_at"] is not None and items[0]["title"]
    schema = decided.client.get("/openapi.json").json()["components"]["schemas"]["ShortlistItemOut"]
    assert {"title", "buyer", "buyer_country", "deadline", "url"} <= set(schema["required"])


def test_a_deleted_tender_keeps_its_item_with_empty_fields(decided: World) -> None:
    gone = decided.tenders[1]
    assert decided.client.delete(f"/tenders/{gone}", headers=decided.auth("officer")).status_code == 200
    item = next(i for i in shortlist(decided, "partner") if i["tender_id"] == gone)
    assert (item["status"], item["title"], item["buyer"], item["deadline"], item["url"]) == (
        "proposed", None, None, None, None)
    rows = csv_rows(export(decided, "partner", "csv"))
    assert next(r for r in rows if r["Tender ID"] == gone)["Title"] == ""


def test_exports_hold_the_rows_the_shortlist_shows(decided: World) -> None:
    items = shortlist(decided, "partner")

    rows = csv_rows(export(decided, "partner", "csv"))
    assert [(r["Tender ID"], r["Title"], r["Status"], r["Note"]) for r in rows] == [
        (i["tender_id"], i["title"], i["status"], i["note"]) for i in items]

    sheet = load_workbook(io.BytesIO(export(decided, "partner", "xlsx"))).active
    assert sheet is not None
    cells = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(c[0], c[1], c[5]) for c in cells] == [(i["tender_id"], i["title"], i["status"]) for i in items]

    events = Calendar.from_ical(export(decided, "partner", "ics")).walk("VEVENT")
    with_deadline = [i for i in items if i["deadline"]]
    assert with_deadline, "the demo's open tenders have deadlines"
    assert sorted(str(e["UID"]) for e in events) == sorted(f"{OWN}/{i['tender_id']}@tender-matcher"
                                                          for i in with_deadline)
    assert {str(e["SUMMARY"]) for e in events} == {i["title"] for i in with_deadline}


def test_export_responses_name_their_type_and_file(decided: World) -> None:
    day = decided.matcher.settings.now().strftime("%Y-%m-%d")
    for suffix, media_type in (("csv", "text/csv; charset=utf-8"),
                               ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                               ("ics", "text/calendar; charset=utf-8")):
        response = decided.client.get(f"/firms/{OWN}/shortlist/export.{suffix}", headers=decided.auth("partner"))
        assert response.headers["content-type"] == media_type
        assert response.headers["content-disposition"] == (
            f'attachment; filename="shortlist-{OWN}-{day}.{suffix}"')


def test_a_firm_exports_only_approved_items(decided: World) -> None:
    approved = [decided.tenders[0]]
    assert [i["tender_id"] for i in shortlist(decided, "firm")] == approved
    assert [r["Tender ID"] for r in csv_rows(export(decided, "firm", "csv"))] == approved
    sheet = load_workbook(io.BytesIO(export(decided, "firm", "xlsx"))).active
    assert sheet is not None and [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == approved
    events = Calendar.from_ical(export(decided, "firm", "ics")).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{OWN}/{approved[0]}@tender-matcher"]
    # a firm key's status filter narrows what it may see, as its list's does: no proposed item is exported
    assert [r["Tender ID"] for r in csv_rows(export(decided, "firm", "csv", "?status=approved"))] == approved
    assert csv_rows(export(decided, "firm", "csv", "?status=proposed")) == []


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "ics"])
def test_another_firms_shortlist_is_forbidden(decided: World, suffix: str) -> None:
    for who in ("firm", "partner"):
        response = decided.client.get(f"/firms/{OTHER}/shortlist/export.{suffix}", headers=decided.auth(who))
        assert response.status_code == 403, (who, response.text)
        assert response.headers["content-type"] == "application/json"
        assert decided.tenders[0] not in response.text and decided.firm_name(OTHER) not in response.text
    officer = decided.client.get(f"/firms/{OTHER}/shortlist/export.{suffix}", headers=decided.auth("officer"))
    assert officer.status_code == 200


def test_korean_exports_by_parameter_and_by_header(decided: World) -> None:
    by_lang = csv_rows(export(decided, "partner", "csv", "?lang=ko"))
    by_header = csv_rows(export(decided, "partner", "csv", **{"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}))
    assert by_lang == by_header
    assert [r["상태"] for r in by_lang] == ["승인", "검토 중", "거절"] and "공고명" in by_lang[0]
    sheet = load_workbook(io.BytesIO(export(decided, "partner", "xlsx", **{"Accept-Language": "ko"}))).active
    assert sheet is not None and sheet["B1"].value == "공고명"
    calendar = Calendar.from_ical(export(decided, "partner", "ics", **{"Accept-Language": "ko"}))
    assert str(calendar["X-WR-CALNAME"]).endswith(": 입찰 마감")
    assert "Title" in csv_rows(export(decided, "partner", "csv", **{"Accept-Language": "ko;q=0.5, en"}))[0]
    # the parameter wins over the header
    assert "Title" in csv_rows(export(decided, "partner", "csv", "?lang=en", **{"Accept-Language": "ko"}))[0]


def test_a_formula_in_a_notice_title_stays_text(world: World) -> None:
    tender = {"tender_id": "test:formula", "source": "test", "title": HOSTILE, "buyer": "@buyer",
              "deadline": "2031-01-01T10:00:00Z"}
    assert world.client.post("/tenders", json={"tenders": [tender]}, headers=world.auth("officer")).status_code == 200
    world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": "test:formula", "note": "-1"},
                      headers=world.auth("partner"))
    row = next(r for r in csv_rows(export(world, "partner", "csv")) if r["Tender ID"] == "test:formula")
    assert (row["Title"], row["Buyer"], row["Note"]) == ("'" + HOSTILE, "'@buyer", "'-1")
    sheet = load_workbook(io.BytesIO(export(world, "partner", "xlsx"))).active
    assert sheet is not None
    cell = next(r[1] for r in sheet.iter_rows(min_row=2) if r[0].value == "test:formula")
    assert (cell.value, cell.data_type) == (HOSTILE, "s")


def test_a_noncharacter_in_a_note_or_a_title_leaves_the_workbook_downloadable(world: World) -> None:
    """A note typed with U+FFFF (the API takes it: text, no NUL, no bidi control) and a feed's title with U+FFFE
    made every download of the workbook a 500: XML, the workbook's format, holds neither."""
    tender = {"tender_id": "test:nonchar", "source": "test", "title": "Pumps\ufffe and valves",
              "deadline": "2031-01-01T10:00:00Z"}
    assert world.client.post("/tenders", json={"tenders": [tender]}, headers=world.auth("officer")).status_code == 200
    assert world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": "test:nonchar", "note": "call\uffff"},
                             headers=world.auth("partner")).status_code == 201
    sheet = load_workbook(io.BytesIO(export(world, "partner", "xlsx"))).active
    assert sheet is not None
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "test:nonchar")
    assert (row[1], row[8]) == ("Pumps and valves", "call")
    assert shortlist(world, "partner")[-1]["note"] == "call\uffff"  # stored as typed; only the workbook drops it


def test_a_firm_name_on_two_lines_leaves_the_calendar_downloadable(decided: World) -> None:
    """The API stores a firm's name with a line break; the calendar, named after it, was a 500."""
    assert decided.client.patch(f"/firms/{OWN}", json={"name": "Hanbit\nWater"},
                                headers=decided.auth("officer")).status_code == 200
    calendar = Calendar.from_ical(export(decided, "partner", "ics"))
    assert str(calendar["X-WR-CALNAME"]) == "Hanbit Water: deadlines"
    assert len(calendar.walk("VEVENT")) == len([i for i in shortlist(decided, "partner") if i["deadline"]])


def test_a_notice_address_holding_a_line_break_leaves_the_calendar_downloadable(world: World) -> None:
    """A feed's notice address with a line break is stored (only http(s) is checked); the calendar was a 500."""
    tender = {"tender_id": "test:address", "source": "test", "title": "Pumps", "url": "https://example.org/a\nb",
              "deadline": "2031-01-01T10:00:00Z"}
    assert world.client.post("/tenders", json={"tenders": [tender]}, headers=world.auth("officer")).status_code == 200
    assert world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": "test:address"},
                             headers=world.auth("partner")).status_code == 201
    events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(export(world, "partner", "ics")).walk("VEVENT")}
    assert str(events["Pumps"]["URL"]) == "https://example.org/ab"

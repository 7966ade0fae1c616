"""The shortlist page and its downloads under the session: who sees what, what each item shows, the files
(they parse and hold the page's rows), the status filter, untrusted text and Korean."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io

import lxml.html
import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from openpyxl import load_workbook

from api.web.i18n import Formatter
from matcher.schema import Tender
from tests.api.conftest import (  # noqa: F401
    OTHER,
    OWN,
    World,
    api_settings,
    database_url,
    demo_template,
    world,
)
from tests.web.pages_world import Visitor, page_text, visitor  # noqa: F401

PAGE = f"/web/firms/{OWN}/shortlist"


@pytest.fixture
def decided(world: World) -> World:
    """OWN's shortlist: the seeded item approved with a note, a second proposed, a third rejected."""
    matcher, (first, second, third) = world.matcher, world.tenders
    matcher.propose(OWN, second, "partner-a")
    matcher.propose(OWN, third, "partner-a")
    matcher.decide(OWN, first, "approved", "partner-a", "call the buyer")
    matcher.decide(OWN, third, "rejected", "partner-a")
    return world


ROWS = "//table[contains(@class, 'shortlist')]/tbody/tr"


def rows(html: str) -> list[list[str]]:
    """The text of each cell of the shortlist table, row by row."""
    found = lxml.html.fromstring(html).xpath(ROWS)
    return [[" ".join(c.text_content().split()) for c in row.xpath("./th|./td")] for row in found]


def row_ids(html: str) -> list[str]:
    return [str(i) for i in lxml.html.fromstring(html).xpath(f"{ROWS}/@data-tender")]


def download(client: TestClient, suffix: str, query: str = "", **headers: str) -> bytes:
    response = client.get(f"{PAGE}/export.{suffix}{query}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith(f'attachment; filename="shortlist-{OWN}-')
    assert response.headers["cache-control"] == "no-store"
    return response.content


# ----------------------------------------------------------------------------- who sees what
def test_each_item_shows_its_tender_status_decision_and_note(decided: World, visitor: Visitor) -> None:
    html = visitor("partner").get(PAGE).text
    entries = decided.matcher.shortlist(OWN)
    assert row_ids(html) == [e.tender_id for e in entries] == decided.tenders
    fmt = Formatter("en", decided.matcher.settings.now())
    for cells, entry in zip(rows(html), entries, strict=True):
        title, buyer, country, deadline, status, who, note = cells
        assert title == entry.title and buyer == (entry.buyer or "not stated")
        assert country == (fmt.country(entry.buyer_country) if entry.buyer_country else "not stated")
        assert entry.deadline is not None
        assert deadline == f"{fmt.moment(entry.deadline)} ({fmt.days_left(entry.deadline)})"
        assert status == entry.status and note == entry.note
        if entry.decided_at is not None:
            assert who == f"partner-a, {fmt.date(entry.decided_at)}"
        else:
            assert who == f"proposed by partner-a, {fmt.date(entry.proposed_at)}"
    assert rows(html)[0][-1] == "call the buyer"
    links = lxml.html.fromstring(html).xpath(f"{ROWS}/th/a/@href")
    assert links == [f"/web/tenders/{t.replace(':', '%3A')}" for t in decided.tenders]


def test_a_firm_sees_only_what_its_partner_approved(decided: World, visitor: Visitor) -> None:
    firm = visitor("firm")
    html = firm.get(PAGE).text
    assert row_ids(html) == [decided.tenders[0]]
    assert 'name="status"' not in html  # nothing to filter: approved items only
    # Another status narrows what it may see, as the API's filter does: none of its items, on the page and in
    # the files; never a proposed or rejected one.
    assert row_ids(firm.get(PAGE, params={"status": "approved"}).text) == [decided.tenders[0]]
    assert row_ids(firm.get(PAGE, params={"status": "rejected"}).text) == []
    data = download(firm, "csv", "?status=proposed")
    assert [r["Tender ID"] for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))] == []


def test_a_firm_asking_for_a_status_no_list_offers_is_refused_naming_it(decided: World, visitor: Visitor) -> None:
    """A firm's page has no status field to name it at: '?status=bogus' listed its items without a word, as if none
    had been chosen. A 400 naming the parameter, the value and the values it takes; none chosen lists them."""
    firm = visitor("firm")
    refused = firm.get(PAGE, params={"status": "bogus"})
    assert refused.status_code == 400 and refused.headers["content-type"].startswith("text/html"), refused.text
    said = page_text(refused.text)
    assert "status=bogus" in said and "proposed, approved, rejected" in said, said
    assert decided.tenders[0] not in refused.text
    assert row_ids(firm.get(PAGE, params={"status": ""}).text) == [decided.tenders[0]]


def test_another_firms_shortlist_is_403_with_nothing_of_it(decided: World, visitor: Visitor) -> None:
    matcher = decided.matcher
    matcher.propose(OTHER, decided.tenders[1], "partner-b", "secret note for the other firm")
    hidden_titles = [e.title for e in matcher.shortlist(OTHER) if e.title]
    for who in ("partner", "firm"):
        client = visitor(who)
        for path in (f"/web/firms/{OTHER}/shortlist", *(f"/web/firms/{OTHER}/shortlist/export.{s}"
                                                        for s in ("csv", "xlsx", "ics"))):
            refused = client.get(path)
            assert refused.status_code == 403, path
            assert refused.headers["content-type"].startswith("text/html")
            for secret in (OTHER, matcher.get_firm(OTHER).name, "secret note", *hidden_titles):
                assert secret not in refused.text
    # Without a session: the sign-in page, never the file.
    anonymous = TestClient(decided.client.app).get(f"{PAGE}/export.csv", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/web/sign-in?next=")
    # A bearer key is not a session: the workspace's downloads answer only to the session cookie.
    keyed = TestClient(decided.client.app).get(f"{PAGE}/export.csv", headers=decided.auth("officer"),
                                               follow_redirects=False)
    assert keyed.status_code == 303
    assert visitor("officer").get("/web/firms/kr-no-such-firm/shortlist").status_code == 404


# ----------------------------------------------------------------------------- filter and files
def test_the_status_filter_and_the_files_follow_it(decided: World, visitor: Visitor) -> None:
    client = visitor("partner")
    approved = client.get(PAGE, params={"status": "approved"}).text
    assert row_ids(approved) == [decided.tenders[0]]
    hrefs = lxml.html.fromstring(approved).xpath("//a[contains(@href, '/export.')]/@href")
    assert hrefs == [f"{PAGE}/export.{s}?status=approved" for s in ("csv", "xlsx", "ics")]
    assert row_ids(client.get(PAGE, params={"status": "rejected"}).text) == [decided.tenders[2]]
    assert row_ids(client.get(PAGE, params={"status": "bogus"}).text) == decided.tenders  # unknown: all
    empty = client.get(f"/web/firms/{OWN}/shortlist", params={"status": "rejected"})
    assert empty.status_code == 200
    decided.matcher.decide(OWN, decided.tenders[2], "approved", "partner-a")
    assert "No item has this status." in page_text(client.get(PAGE, params={"status": "rejected"}).text)


def test_a_file_asked_for_a_status_no_list_offers_is_refused_naming_it(decided: World, visitor: Visitor) -> None:
    """'export.csv?status=bogus' served every status without a word, as if none had been chosen."""
    client = visitor("partner")
    for kind in ("csv", "xlsx", "ics"):
        refused = client.get(f"{PAGE}/export.{kind}", params={"status": "bogus"})
        assert refused.status_code == 400 and refused.headers["content-type"].startswith("text/html"), kind
        assert "bogus is not a shortlist status: choose one from the list." in page_text(refused.text)
    assert client.get(f"{PAGE}/export.csv", params={"status": ""}).status_code == 200  # none chosen: every status


def test_the_files_parse_and_hold_the_rows_of_the_page(decided: World, visitor: Visitor) -> None:
    client = visitor("partner")
    shown = rows(client.get(PAGE).text)
    entries = decided.matcher.shortlist(OWN)

    table = list(csv.DictReader(io.StringIO(download(client, "csv").decode("utf-8-sig"))))
    assert [(r["Tender ID"], r["Title"], r["Status"], r["Note"]) for r in table] == [
        (e.tender_id, e.title, e.status, e.note) for e in entries]
    assert [r["Title"] for r in table] == [cells[0] for cells in shown]

    sheet = load_workbook(io.BytesIO(download(client, "xlsx"))).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("Tender ID", "Title", "Buyer")
    assert [(r[0], r[1], r[5]) for r in values[1:]] == [(e.tender_id, e.title, e.status) for e in entries]

    calendar = Calendar.from_ical(download(client, "ics"))
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"{OWN}/{e.tender_id}@tender-matcher" for e in entries if e.deadline is not None}
    for entry in entries:
        assert entry.deadline is not None
        event = events[f"{OWN}/{entry.tender_id}@tender-matcher"]
        assert str(event["summary"]) == entry.title and event.decoded("dtstart") == entry.deadline
    # Only approved ones, as the filter says.
    approved = list(csv.DictReader(io.StringIO(download(client, "csv", "?status=approved").decode("utf-8-sig"))))
    assert [r["Tender ID"] for r in approved] == [decided.tenders[0]]


def test_files_and_page_in_korean(decided: World, visitor: Visitor) -> None:
    client = visitor("partner")
    korean = {"Accept-Language": "ko-KR,ko;q=0.9"}
    html = client.get(PAGE, headers=korean).text
    assert lxml.html.fromstring(html).get("lang") == "ko"
    text = page_text(html)
    assert f"{decided.firm_name(OWN)} 관심 목록" in text and "승인" in text and "검토 중" in text
    fmt = Formatter("ko", decided.matcher.settings.now())
    first = decided.matcher.shortlist(OWN)[0]
    assert first.buyer_country and fmt.country(first.buyer_country) in text
    assert first.deadline and fmt.moment(first.deadline) in text
    assert "Tender" not in text and "Shortlist of" not in text
    table = list(csv.DictReader(io.StringIO(download(client, "csv", **korean).decode("utf-8-sig"))))
    assert table[0]["공고 번호"] == first.tender_id and table[0]["상태"] == "승인"


# ----------------------------------------------------------------------------- untrusted text
def test_a_script_title_and_note_are_text(decided: World, visitor: Visitor) -> None:
    matcher = decided.matcher
    hostile = Tender.model_validate({
        **matcher.get_tender(decided.tenders[1]).model_dump(), "tender_id": "ted:900003-2021",
        "title": "<script>alert(1)</script>", "buyer": '<img src=x onerror="alert(2)">',
    })
    matcher.upsert_tenders([hostile], sync=False)
    matcher.propose(OWN, hostile.tender_id, "partner-a", "<b>bold</b> & <script>alert(3)</script>")
    html = visitor("partner").get(PAGE).text
    for raw in ("<script>alert(1)</script>", "<img src=x", "<script>alert(3)</script>", "<b>bold</b>"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    cells = rows(html)[-1]
    assert cells[0] == "<script>alert(1)</script>" and cells[-1] == "<b>bold</b> & <script>alert(3)</script>"


def test_a_deleted_tender_keeps_its_row(decided: World, visitor: Visitor) -> None:
    gone = decided.tenders[1]
    decided.matcher.delete_tenders([gone], sync=False)
    cells = rows(visitor("partner").get(PAGE).text)[1]
    assert cells[0] == f"{gone} (no longer stored)" and cells[4] == "proposed"

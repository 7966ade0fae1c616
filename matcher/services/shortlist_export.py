"""A firm's shortlist as files people open elsewhere: CSV and Excel for a spreadsheet, .ics for a calendar.

Pure functions from ``ShortlistEntry`` lists to bytes; the API serves them (``/firms/{id}/shortlist/export.*``).
Titles, buyers and notes are untrusted text (notices come from thousands of buyers, notes from people): a
spreadsheet must show them as text, never run them. CSV cells that a spreadsheet would read as a formula
are prefixed with an apostrophe (OWASP's advice for CSV injection); Excel cells are written as text cells,
so nothing needs changing there. Times are UTC, named so in the headers.

Only an officer's list holds an item whose notice is published after today (``Shortlists.items``; firms and
partners do not know of such notices): an officer's CSV and workbook end in a column saying which
(``mark_published_later``), and the calendar's event of such an item says when it is published.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from icalendar import Calendar, Event, vText
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from matcher.ranking.reasons import ReasonLanguage
from matcher.services.shortlists import ShortlistEntry
from matcher.store.shortlists import Status

#: The columns of the CSV and Excel exports, in order.
COLUMNS: tuple[str, ...] = (
    "tender_id", "title", "buyer", "buyer_country", "deadline", "status", "decided_by", "decided_at", "note", "url",
)
#: The column an officer's CSV and Excel files end in: whether the notice is published after today.
PUBLISHED_LATER = "published_after_now"
HEADERS: dict[ReasonLanguage, dict[str, str]] = {
    "en": {
        "tender_id": "Tender ID", "title": "Title", "buyer": "Buyer", "buyer_country": "Country",
        "deadline": "Deadline (UTC)", "status": "Status", "decided_by": "Decided by",
        "decided_at": "Decided at (UTC)", "note": "Note", "url": "Link", PUBLISHED_LATER: "Published after today",
    },
    "ko": {
        "tender_id": "공고 번호", "title": "공고명", "buyer": "발주기관", "buyer_country": "국가",
        "deadline": "마감 (UTC)", "status": "상태", "decided_by": "결정한 사람", "decided_at": "결정 일시 (UTC)",
        "note": "메모", "url": "공고 링크", PUBLISHED_LATER: "오늘 이후 게시",
    },
}
STATUS_WORDS: dict[ReasonLanguage, dict[Status, str]] = {
    "en": {"proposed": "proposed", "approved": "approved", "rejected": "rejected"},
    "ko": {"proposed": "검토 중", "approved": "승인", "rejected": "거절"},
}
YES_NO: dict[ReasonLanguage, dict[bool, str]] = {"en": {True: "yes", False: "no"}, "ko": {True: "예", False: "아니요"}}
SHEET_TITLE: dict[ReasonLanguage, str] = {"en": "Shortlist", "ko": "관심 목록"}
#: Width of each column in the workbook, in characters.
WIDTHS: dict[str, int] = {
    "tender_id": 24, "title": 60, "buyer": 36, "buyer_country": 8, "deadline": 17, "status": 10, "decided_by": 16,
    "decided_at": 17, "note": 40, "url": 40, PUBLISHED_LATER: 12,
}
#: Labels of the calendar event's description lines.
EVENT_LABELS: dict[ReasonLanguage, dict[str, str]] = {
    "en": {"buyer": "Buyer", "status": "Status", "note": "Note", "tender": "Tender", "calendar": "deadlines",
           PUBLISHED_LATER: HEADERS["en"][PUBLISHED_LATER]},
    "ko": {"buyer": "발주기관", "status": "상태", "note": "메모", "tender": "공고 번호", "calendar": "입찰 마감",
           PUBLISHED_LATER: HEADERS["ko"][PUBLISHED_LATER]},
}
#: First characters that make a spreadsheet read a CSV cell as a formula: OWASP's = + - @, tab and CR (some
#: strip them first), and "|" and "%", which OWASP names for some spreadsheet programs ("|cmd ..." is the DDE
#: form). Escaping "%" too costs a visible apostrophe on a cell that rarely starts with it (a notice title, a
#: note), where missing one runs code in an officer's spreadsheet; defusedcsv escapes the same set.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "|", "%")
#: Control characters neither an Excel file nor an iCalendar text value may hold (tab and line breaks may), and the
#: noncharacters U+FFFE and U+FFFF, which XML 1.0 (the workbook's format) refuses: lxml raised on a feed's title or
#: a note holding one, failing the whole download.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
#: What a browser's URL parser drops from an address (WHATWG URL: ASCII tab and newline), and what a URI keeps
#: as it is besides letters, digits and "_.-~": RFC 3986's delimiters and the "%" of what is encoded already.
URL_BREAKS = re.compile(r"[\t\n\r]")
URI_SAFE = ":/?#[]@!$&'()*+,;=%"
CALENDAR_PRODUCT = "-//tender-matcher//shortlist//EN"
UID_DOMAIN = "tender-matcher"
TIME_FORMAT = "%Y-%m-%d %H:%M"

Cell = str | datetime | None


def _language(language: str) -> ReasonLanguage:
    return "ko" if language == "ko" else "en"


def _utc(moment: datetime | None) -> datetime | None:
    """Naive UTC: Excel has no time zones, and the headers say UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment is not None else None


def _columns(mark_published_later: bool) -> tuple[str, ...]:
    return (*COLUMNS, PUBLISHED_LATER) if mark_published_later else COLUMNS


def _rows(entries: Sequence[ShortlistEntry], language: ReasonLanguage, mark_published_later: bool) -> list[list[Cell]]:
    """One row per entry in ``_columns`` order; a deleted tender keeps its id, its other fields empty."""
    statuses = STATUS_WORDS[language]
    rows: list[list[Cell]] = []
    for e in entries:
        row: list[Cell] = [e.tender_id, e.title, e.buyer, e.buyer_country, _utc(e.deadline), statuses[e.status],
                           e.decided_by, _utc(e.decided_at), e.note, e.url]
        if mark_published_later:
            row.append(YES_NO[language][e.published_after_now] if e.tender_known else None)
        rows.append(row)
    return rows


def neutralise(text: str) -> str:
    """A CSV cell a spreadsheet shows as the text it is (``=HYPERLINK(...)`` would otherwise run): the one
    escaping of every cell the product writes to CSV."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    return neutralise(value)


def to_csv(entries: Sequence[ShortlistEntry], language: str = "en", mark_published_later: bool = False) -> bytes:
    """The shortlist as CSV, UTF-8 with a byte-order mark so that Excel reads Korean text as Korean; with
    ``mark_published_later`` (an officer's file) a last column says which notice is published after today."""
    lang = _language(language)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([HEADERS[lang][c] for c in _columns(mark_published_later)])
    writer.writerows([_csv_cell(v) for v in row] for row in _rows(entries, lang, mark_published_later))
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(entries: Sequence[ShortlistEntry], language: str = "en", mark_published_later: bool = False) -> bytes:
    """The shortlist as an Excel workbook: one sheet, a bold frozen header row, dates as dates; the columns of
    ``to_csv``."""
    lang = _language(language)
    columns = _columns(mark_published_later)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = SHEET_TITLE[lang]
    sheet.append([HEADERS[lang][c] for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(_rows(entries, lang, mark_published_later), start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, datetime):
                cell.value = value
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif value:
                # Control characters are not allowed in the file format; a string starting with "=" would
                # be stored as a formula unless the cell is typed as text after the value is set.
                cell.value = CONTROL.sub("", value)
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for number, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = WIDTHS[name]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def calendar_uri(url: str) -> str:
    """A notice's address as the URI an iCalendar URL holds: stored as its feed sent it (only http(s) is checked),
    it may hold a line break, which icalendar refuses (failing the whole file), a space or non-ASCII. Tabs and line
    breaks are dropped, as a browser's URL parser drops them from the page's link; the rest a URI may not hold is
    percent-encoded, '%' and RFC 3986's delimiters kept."""
    return quote(URL_BREAKS.sub("", url), safe=URI_SAFE)


def event_uid(entry: ShortlistEntry) -> str:
    """Stable per firm and tender, so a re-imported calendar updates its events instead of doubling them
    (ids cannot contain '/', so the pair reads back unambiguously)."""
    return f"{entry.firm_id}/{entry.tender_id}@{UID_DOMAIN}"


def _event(entry: ShortlistEntry, deadline: datetime, lang: ReasonLanguage) -> Event:
    labels = EVENT_LABELS[lang]
    lines = [f"{labels['tender']}: {entry.tender_id}"]
    if entry.buyer:
        lines.append(f"{labels['buyer']}: {entry.buyer}")
    lines.append(f"{labels['status']}: {STATUS_WORDS[lang][entry.status]}")
    if entry.published_after_now:
        lines.append(f"{labels[PUBLISHED_LATER]}: {entry.published}")
    if entry.note:
        lines.append(f"{labels['note']}: {entry.note}")
    event = Event()
    event.add("uid", event_uid(entry))
    # The item's last change, not the export time: the same shortlist exports to the same calendar.
    event.add("dtstamp", (entry.decided_at or entry.proposed_at).astimezone(UTC))
    event.add("dtstart", deadline.astimezone(UTC))
    event.add("summary", CONTROL.sub("", entry.title or entry.tender_id))
    if entry.url:
        event.add("url", calendar_uri(entry.url))
    event.add("description", CONTROL.sub("", "\n".join(lines)))
    return event


def to_ics(entries: Sequence[ShortlistEntry], firm_name: str, language: str = "en") -> bytes:
    """The deadlines of the shortlist as an iCalendar file: one event per item with a deadline, at the
    deadline (UTC); items without one (or whose tender was deleted) are left out. The event of a notice published
    after today (only in an officer's list) says when it is published."""
    lang = _language(language)
    calendar = Calendar()
    calendar.add("prodid", CALENDAR_PRODUCT)
    calendar.add("version", "2.0")
    # icalendar does not know X-WR-CALNAME and writes it as given: a line break in a firm's name (the API takes
    # one) failed the file. A calendar's name is one line, typed as TEXT (RFC 5545's type of an X- property).
    name = " ".join(CONTROL.sub("", firm_name).split())
    calendar.add("x-wr-calname", vText(f"{name}: {EVENT_LABELS[lang]['calendar']}"))
    for entry in entries:
        if entry.deadline is not None:
            calendar.add_component(_event(entry, entry.deadline, lang))
    ical: bytes = calendar.to_ical()
    return ical

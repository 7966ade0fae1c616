"""The shortlist's downloads as a browser saves them, read back with the libraries a person's tools use."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from icalendar import Calendar
from openpyxl import load_workbook

from matcher.services.shortlist_export import COLUMNS, HEADERS
from tests.web.conftest import Browsing


@dataclass(frozen=True)
class Downloaded:
    name: str
    path: Path


def download(browsing: Browsing, link_text: str, into: Path) -> Downloaded:
    """Clicks the download link named ``link_text``, waits for the browser's download and keeps it in ``into``
    under the name the server suggested (openpyxl goes by the file's extension)."""
    with browsing.page.expect_download() as info:
        browsing.page.get_by_role("link", name=link_text).click()
    saved = info.value
    assert saved.failure() is None, saved.failure()
    path = into / saved.suggested_filename
    saved.save_as(path)
    return Downloaded(saved.suggested_filename, path)


def _keyed(header: list[str], rows: list[list[object]], lang: str) -> list[dict[str, object]]:
    """Rows keyed by column id, once the header is the one of ``lang`` in COLUMNS order."""
    assert header == [HEADERS["ko" if lang == "ko" else "en"][c] for c in COLUMNS], header
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def csv_rows(file: Downloaded, lang: str) -> list[dict[str, object]]:
    text = file.path.read_bytes().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    return _keyed(header, [list(r) for r in rows], lang)


def xlsx_rows(file: Downloaded, lang: str) -> list[dict[str, object]]:
    sheet = load_workbook(file.path, read_only=True).active
    assert sheet is not None
    header, *rows = [list[object](r) for r in sheet.iter_rows(values_only=True)]
    return _keyed([str(h) for h in header], rows, lang)


def ics_events(file: Downloaded) -> dict[str, datetime]:
    """Each event's UID and start (the deadline)."""
    calendar = Calendar.from_ical(file.path.read_bytes())
    return {str(e["UID"]): e.decoded("DTSTART") for e in calendar.walk("VEVENT")}

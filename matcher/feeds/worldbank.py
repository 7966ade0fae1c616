"""The World Bank connector: the procurement notices API, newest first, page by page down to a watermark.

**Requests.** ``GET <url>?format=json&rows=<page size>&os=<offset>&srt=noticedate&order=desc`` plus the
feed's filters (default URL ``https://search.worldbank.org/api/v2/procnotices``; page size 100 unless the
feed sets one). Parameters as public clients of the API use them (``rows``/``os`` paging, ``srt`` and
``order``, filters such as ``project_ctry_name``, ``notice_type``, ``procurement_group_desc``, ``qterm``,
``fl``). No date filter is known to work (a public client that tested ``strdate``/``enddate`` found them
ignored), so the connector reads newest first and stops at the first notice published before its start day.
A page holding the same notices as an earlier page of the run fails the run there (``PagingGuard.answered``: a source
that ignores ``os`` would otherwise be read 10,000 times, the guard's bound).

**The feed's query** is extra API filters in URL query syntax, e.g.
``procurement_group_desc=Goods&project_ctry_code=VN`` or ``qterm=solar%20pumps``: name=value pairs joined by
``&``, values percent-encoded as in a URL. Names are letters, digits, ``_`` and ``.``; each at most once;
``format``, ``rows``, ``os``, ``srt`` and ``order`` belong to the connector and are refused
(``parse_query``, InvalidInput naming the problem).

**Cursor** (plain JSON, written with each stored page)::

    {"watermark": "2026-09-05", "revisited": "2026-09-08"}     after a complete run
    {"watermark": ..., "revisited": ..., "window": {            during a run: the window being read, its
      "start": "2026-09-04", "offset": 200,                     next offset, its newest notice day so far,
      "top": "2026-09-06", "revisit": null}}                    and whether it is the day's look-back

A run reads one window, "notices published on or after ``start``", newest first:

- ``since`` when given (it overrides the cursor);
- else the unfinished window of a run that was stopped, from its offset: the page after the last stored one.
  New notices published meanwhile push the list down, so resuming at a stored offset re-reads a little and
  never skips (re-reading is harmless: upserts are idempotent);
- else, on a feed's first run and on the first run of each day, the last ``LOOKBACK_DAYS`` days (so notices
  amended or cancelled in place are read again within a day);
- else from one day before the watermark (a day of overlap catches notices dated late).

The watermark is the newest notice day a complete window read (never later than today, so a notice misdated
in the future cannot hold the feed back); notices published while a window is read are above it and are
read by the next run.

**Corrigenda and cancellations.** The Bank amends a notice in place under the same id: the next run whose
window covers its publication day (at the latest the next day's look-back) replaces the stored notice (a new
deadline, a cancelled status). A cancelled notice is stored as notice
type "other" (``matcher.ingest.worldbank``), which no face counts as open.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx

from matcher.config import Settings
from matcher.errors import InvalidInput
from matcher.feeds.base import Cursor, Page, PagingGuard
from matcher.feeds.http import FeedError, PoliteClient
from matcher.ingest.base import Rejected, first_of_each
from matcher.ingest.worldbank import (
    NotAResponse,
    keyed_twice,
    map_keyed,
    notice_day,
    record_name,
    response_notices,
)
from matcher.normalize.openness import today
from matcher.schema import Tender
from matcher.store.feeds import FeedSpec

DEFAULT_URL = "https://search.worldbank.org/api/v2/procnotices"
DEFAULT_PAGE_SIZE = 100
#: A new feed without ``--since`` reads this many days back, and the first run of each day reads them again:
#: the Bank amends and cancels a notice in place under its id, nothing says it re-dates it, and a call
#: published in the last two months may still be open (the project's no-deadline window for calls is 60
#: days too). At about 150 notices a day that is ~9,000 notices, 90 pages of 100, once a day.
LOOKBACK_DAYS = 60
OVERLAP = timedelta(days=1)
RESERVED = frozenset({"format", "rows", "os", "srt", "order"})
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,59}")


def parse_query(query: str | None) -> dict[str, str]:
    """The feed's extra filters ('procurement_group_desc=Goods&project_ctry_code=VN'), or InvalidInput."""
    if not query or not query.strip():
        return {}
    try:
        pairs = parse_qsl(query.strip().lstrip("?"), keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise InvalidInput(
            f"worldbank query {query[:200]!r}: expected name=value pairs joined by '&' ({exc})"
        ) from None
    filters: dict[str, str] = {}
    for name, value in pairs:
        if not _NAME.fullmatch(name):
            raise InvalidInput(f"worldbank query: bad parameter name {name[:60]!r} (letters, digits, '_', '.')")
        if name.lower() in RESERVED:
            raise InvalidInput(f"worldbank query: {name!r} is set by the connector ({', '.join(sorted(RESERVED))})")
        if name in filters:
            raise InvalidInput(f"worldbank query: {name!r} is given twice")
        if not value.strip():
            raise InvalidInput(f"worldbank query: {name!r} has no value")
        filters[name] = value
    return filters


@dataclass(frozen=True)
class Window:
    """What one run reads: notices published on or after ``start``, from ``offset`` in the newest-first list,
    with the marks of the runs before it (kept until this window is read to its end)."""

    start: date
    offset: int = 0
    top: date | None = None  # the newest notice day read in this window
    revisit: date | None = None  # the day this window re-reads the last LOOKBACK_DAYS for (None: it does not)
    watermark: date | None = None  # the previous complete window's newest notice day
    revisited: date | None = None  # the day of the last complete look-back

    def cursor(self) -> Cursor:
        """The cursor while the window is being read."""
        window = {"start": self.start.isoformat(), "offset": self.offset, "top": _iso(self.top),
                  "revisit": _iso(self.revisit)}
        return {**self._marks(self.watermark, self.revisited), "window": window}

    def done(self) -> Cursor:
        """The cursor once the window is read: its newest notice day becomes the watermark."""
        days = [d for d in (self.top, self.watermark) if d is not None]
        # Nothing read and no earlier mark: the next run starts where this one did.
        watermark = max(days) if days else self.start + OVERLAP
        revisits = [d for d in (self.revisit, self.revisited) if d is not None]
        return self._marks(watermark, max(revisits) if revisits else None)

    @staticmethod
    def _marks(watermark: date | None, revisited: date | None) -> Cursor:
        marks = {"watermark": _iso(watermark), "revisited": _iso(revisited)}
        return {name: day for name, day in marks.items() if day}


class WorldBankConnector:
    def __init__(self, spec: FeedSpec, client: PoliteClient, settings: Settings) -> None:
        self.spec = spec
        self.client = client
        self.settings = settings
        self.url = spec.url or DEFAULT_URL
        self.rows = spec.page_size or DEFAULT_PAGE_SIZE
        self.filters = parse_query(spec.query)

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        """Pages of the window the cursor or ``since`` says, newest first, each with the cursor after it."""
        window = self._window(cursor, since)
        guard = PagingGuard()
        while True:
            params: dict[str, str | int] = {**self.filters, "format": "json", "rows": self.rows,
                                            "os": window.offset, "srt": "noticedate", "order": "desc"}
            where = str(httpx.URL(self.url).copy_merge_params(params))
            guard.visit(where)
            try:  # a key named twice is marked, as in a saved answer (``read_worldbank``)
                answer = self.client.get_json(self.url, params, marks_repeats=True)
                notices, total = response_notices(answer)
            except NotAResponse as exc:
                raise FeedError(f"{where}: not a procurement notices answer ({exc})") from exc
            # New notices push the list down between two requests, but not by a whole page.
            guard.answered(where, notices)
            page, window, ended = self._read(notices, total, window, where, keyed_twice(answer))
            yield page
            if ended:
                return

    def _read(
        self, notices: list[tuple[str | None, object]], total: int | None, window: Window, where: str,
        twice: set[str],
    ) -> tuple[Page, Window, bool]:
        """One answer as a page, the window after it, and whether the window is done."""
        read: list[tuple[str, Tender | Rejected]] = []
        older = False
        top = window.top
        latest = today(self.settings.now())
        for position, (key, raw) in enumerate(notices, start=window.offset + 1):
            day = notice_day(raw)
            if day is not None and day < window.start:
                older = True  # newest first: everything after this is older too
                continue
            if day is not None:
                seen = min(day, latest)
                top = seen if top is None else max(top, seen)
            record = record_name(where, position, key, raw)
            read.append((record, map_keyed(raw, record, key, twice)))
        # One notice twice on a page: the first is kept and the other named, as in a file (``read_worldbank``).
        kept = list(first_of_each(read, "tender_id"))
        tenders = [item for item in kept if isinstance(item, Tender)]
        rejected = [item for item in kept if isinstance(item, Rejected)]
        after = replace(window, offset=window.offset + len(notices), top=top)
        ended = (older or len(notices) < self.rows or not notices
                 or (total is not None and after.offset >= total))
        return Page(where, tenders, rejected, after.done() if ended else after.cursor()), after, ended

    def _window(self, cursor: Mapping[str, Any], since: date | None) -> Window:
        """Where this run starts: ``since``; else the unfinished window of a run that was stopped; else, once a
        day and on the first run, the last ``LOOKBACK_DAYS`` days; else the day before the watermark."""
        day = today(self.settings.now())
        watermark, revisited = _day(cursor.get("watermark"), day), _day(cursor.get("revisited"), day)
        back = day - timedelta(days=LOOKBACK_DAYS)
        if since is not None:
            return Window(since, revisit=day if since <= back else None, watermark=watermark, revisited=revisited)
        pending = cursor.get("window")
        if isinstance(pending, Mapping):
            start, offset = _day(pending.get("start"), day), pending.get("offset")
            if start is not None and isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0:
                return Window(start, offset, _day(pending.get("top"), day), _day(pending.get("revisit"), day),
                              watermark, revisited)
        if watermark is None or revisited is None or revisited < day:
            start = min(back, watermark - OVERLAP) if watermark else back
            return Window(start, revisit=day, watermark=watermark, revisited=revisited)
        return Window(watermark - OVERLAP, watermark=watermark, revisited=revisited)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(value: object, latest: date) -> date | None:
    """A day the cursor stored ('2026-09-05'), or None for anything else (a cursor edited by hand) and for a day
    after ``latest`` (today): written while the clock ran ahead, it would have every notice read as older than
    the window, the feed reading nothing until the calendar caught up."""
    if not isinstance(value, str):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if day <= latest else None

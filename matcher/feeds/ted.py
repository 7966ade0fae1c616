"""The TED connector: new notices of Tenders Electronic Daily, from the Search API or from the daily packages.

The feed's URL chooses the source:

* **Search API** (``url`` unset: ``https://api.ted.europa.eu/v3/notices/search``, anonymous). One expert query
  per publication day, ``(<feed query>) AND publication-date>=YYYYMMDD AND publication-date<=YYYYMMDD``
  (the feed's query is optional, e.g. ``classification-cpv IN (33100000) AND place-of-performance IN (DEU)``),
  scope ALL (awards, corrigenda and cancellations too), read in ITERATION mode, ``page_size`` notices a page
  (default 100, at most TED's 250). For each notice of a page its XML is fetched (``links.xml``, else
  ``https://ted.europa.eu/en/notice/{publication-number}/xml``) and parsed by ``matcher.ingest.ted``
  (TED-XML or eForms); every notice goes through as parsed, award and change notices included. A notice
  whose XML is refused (404, 410, ...; or by the client: too large, a redirect to another origin, ...) or
  unreadable is a Rejected with its reason; a source that keeps failing (5xx, timeouts, after the client's
  retries) fails the run, so an outage never marks a day read.
* **Daily packages** (``url`` ending in ``/packages/daily``, e.g. ``https://ted.europa.eu/packages/daily``):
  see ``matcher.feeds.ted_packages``. A package holds every notice of an OJ S issue, so a feed query, which
  could not filter it, is refused.

Search cursor: ``{"mode": "search", "day": "2021-05-31", "done": {"2021-05-31": [publication numbers], ...}}``.
``day`` is the watermark: every run re-reads the days from it to today, so notices indexed late in a day
are not missed. It stays at yesterday at the latest (each run re-reads yesterday and today) and never goes
back; one past yesterday (written while the clock ran ahead) is ignored, as on a first run. ``done`` holds
the publication numbers whose XML was fetched on the days from the watermark on: a re-read asks only the
Search API's pages for them (a TED notice never changes once published; a correction is a new notice with
its own number), which is also how a run resumes inside a day without the iteration token (those expire). A
notice whose XML could not be fetched is not in ``done`` and is tried again while its day is re-read.
``since`` re-reads everything from that day, XML too (e.g. after the readers improved).
The first run starts yesterday.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from matcher.config import Settings
from matcher.errors import InvalidInput, UnreadableFile
from matcher.feeds.base import Page, PagingGuard
from matcher.feeds.http import FeedError, PoliteClient
from matcher.feeds.ted_packages import DailyPackages, Issue, is_packages_url
from matcher.ingest.base import Rejected
from matcher.ingest.ted import parse_ted_document
from matcher.schema import Tender
from matcher.store.feeds import FeedSpec

log = logging.getLogger(__name__)

SEARCH_URL = "https://api.ted.europa.eu/v3/notices/search"
NOTICE_XML = "https://ted.europa.eu/en/notice/{number}/xml"
MODE = "search"
#: TED's Search API refuses a larger limit.
MAX_PAGE_SIZE = 250
#: A page's notices are fetched one XML at a time at the client's pace: a page must be stored well within
#: the feed's lease (matcher.feeds.runner.LEASE_TTL, renewed after every page).
DEFAULT_PAGE_SIZE = 100
#: publication-date and notice-type are not used to read a notice; they name it in rejections and logs.
FIELDS = ["publication-number", "publication-date", "notice-type", "links"]
_SORT = re.compile(r"\bSORT\s+BY\b", re.IGNORECASE)
_OJS_NUMBER = re.compile(r"(\d{1,3})/(\d{4})")


@dataclass
class _SearchState:
    """The search cursor, as a run moves it."""

    day: date
    done: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, cursor: Mapping[str, Any]) -> _SearchState | None:
        if cursor.get("mode") != MODE:
            return None
        try:
            day = date.fromisoformat(str(cursor["day"]))
        except (KeyError, ValueError):
            log.warning("ignoring an unreadable TED cursor: %r", dict(cursor))
            return None
        done = cursor.get("done")
        if not isinstance(done, Mapping):
            return cls(day)
        return cls(day, {str(k): [str(n) for n in v] for k, v in done.items() if isinstance(v, list)})

    def to_json(self) -> dict[str, Any]:
        return {"mode": MODE, "day": self.day.isoformat(), "done": {k: list(v) for k, v in self.done.items()}}

    def advance(self, day: date) -> None:
        """Move the watermark to ``day`` (if later) and forget what was fetched before it."""
        if day > self.day:
            self.day = day
            self.done = {k: v for k, v in self.done.items() if k >= day.isoformat()}


class TedConnector:
    """Pages of TED notices after a cursor (see the module docstring for both sources and their cursors)."""

    def __init__(self, spec: FeedSpec, client: PoliteClient, settings: Settings) -> None:
        self.spec = spec
        self.client = client
        self.settings = settings
        self.packages = is_packages_url(spec.url)
        if self.packages and spec.query:
            raise InvalidInput(
                f"feed {spec.name!r}: a daily package holds every notice of its issue and cannot be filtered by "
                "a query; remove the query, or use the Search API (no --url) to filter"
            )
        if spec.query and _SORT.search(spec.query):
            raise InvalidInput(f"feed {spec.name!r}: the TED query must be a filter without SORT BY")
        if spec.page_size is not None and spec.page_size > MAX_PAGE_SIZE:
            raise InvalidInput(
                f"feed {spec.name!r}: page size {spec.page_size}: TED's Search API returns at most "
                f"{MAX_PAGE_SIZE} notices a page"
            )
        self.page_size = spec.page_size or DEFAULT_PAGE_SIZE
        #: Where the Search API is asked: the feed's URL, else TED's public endpoint (the daily packages ask it
        #: for their first issue; a replay of TED sets it to itself).
        self.search_url = spec.url if spec.url and not self.packages else SEARCH_URL

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        if self.packages:
            assert self.spec.url is not None
            daily = DailyPackages(self.spec.url, self.client, self.settings, self.first_issue)
            return daily.pages(cursor, since)
        return self._search_pages(cursor, since)

    # ------------------------------------------------------------------------- Search API

    def _search_pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        today = self.settings.now().date()
        yesterday = today - timedelta(days=1)
        state = None if since is not None else _SearchState.read(cursor)
        if state is not None and state.day > yesterday:
            # The watermark never passes yesterday: the clock ran ahead, or the row was edited. Kept, every run
            # would read no day at all until the calendar caught up.
            log.warning("ignoring a TED cursor ahead of the calendar: %r", state.day.isoformat())
            state = None
        if state is None:
            state = _SearchState(since or yesterday)
        guard = PagingGuard()
        day = state.day
        while day <= today:
            key = day.isoformat()
            known = set(state.done.get(key, ()))
            for where, notices in self._day_pages(day, guard):
                tenders, rejected, fetched = self._read_notices(where, notices, known)
                state.done[key] = state.done.get(key, []) + fetched
                log.info("%s: %d notices, %d fetched, %d rejected", where, len(notices), len(fetched),
                         len(rejected))
                yield Page(where, tenders, rejected, state.to_json())
            state.advance(min(day, yesterday))
            day += timedelta(days=1)

    def _day_pages(self, day: date, guard: PagingGuard) -> Iterator[tuple[str, list[Any]]]:
        """The Search API's pages of one publication day, as (where, notices)."""
        window = f"publication-date>={day:%Y%m%d} AND publication-date<={day:%Y%m%d}"
        query = f"({self.spec.query}) AND {window}" if self.spec.query else window
        token: str | None = None
        received = 0
        for number in range(1, guard.max_pages + 1):
            if token is not None:
                guard.visit(f"{self.search_url} iterationNextToken={token}")
            where = f"{self.search_url} publication-date {day.isoformat()} page {number}"
            body = self.search({"query": query, "fields": FIELDS, "limit": self.page_size, "scope": "ALL",
                                "paginationMode": "ITERATION", "checkQuerySyntax": False,
                                **({"iterationNextToken": token} if token else {})})
            notices = body.get("notices")
            if not isinstance(notices, list):
                raise FeedError(f"{where}: the answer has no list of notices (keys: {sorted(body)[:10]})")
            if len(notices) > self.page_size:  # each costs an XML request at the host's pace: hours, unasked
                raise FeedError(f"{where}: {len(notices)} notices, more than the {self.page_size} asked for; stopping")
            guard.answered(where, notices)
            received += len(notices)
            yield where, notices
            total, following = body.get("totalNoticeCount"), body.get("iterationNextToken")
            # The live API hands out a token after the last notice too, so the count ends a day as well.
            if not notices or not isinstance(following, str) or not following or (
                isinstance(total, int) and received >= total
            ):
                return
            token = following
        raise FeedError(f"{self.search_url}: more than {guard.max_pages} pages for {day}; stopping")

    def search(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """One answer of the Search API. A body that is not JSON (cut short by a proxy or a dropped connection)
        is asked for once more before it fails the run."""
        for attempt in (1, 2):
            fetched = self.client.post_json(self.search_url, payload)
            try:
                body = fetched.json()
            except FeedError:
                if attempt == 2:
                    raise
                log.warning("malformed JSON from %s; asking once more", self.search_url)
                continue
            if not isinstance(body, dict):
                raise FeedError(f"{self.search_url}: expected a JSON object, got {type(body).__name__}")
            return body
        raise AssertionError("unreachable")

    def _read_notices(
        self, where: str, notices: list[Any], known: set[str],
    ) -> tuple[list[Tender], list[Rejected], list[str]]:
        """The page's notices not read before: (tenders, rejected, publication numbers whose XML came)."""
        tenders: list[Tender] = []
        rejected: list[Rejected] = []
        fetched: list[str] = []
        for position, notice in enumerate(notices, start=1):
            number = _first_text(notice.get("publication-number")) if isinstance(notice, dict) else None
            if number is None:
                rejected.append(Rejected(f"{where}, notice {position}", "no publication-number"))
                continue
            if number in known:
                continue
            known.add(number)
            url = _xml_link(notice) or NOTICE_XML.format(number=number)
            kind = _first_text(notice.get("notice-type"))
            name = f"{number} ({kind + ', ' if kind else ''}{url})"
            refusal = self._elsewhere(url)
            body, refusal = (b"", refusal) if refusal is not None else self._xml(url)
            if refusal is not None:  # not marked done: asked for again while its day is re-read
                rejected.append(Rejected(name, refusal))
                continue
            fetched.append(number)
            item = _parse(body, name)
            if isinstance(item, Tender):
                tenders.append(item)
            else:
                rejected.append(item)
        return tenders, rejected, fetched

    def _elsewhere(self, url: str) -> str | None:
        """Why a notice's XML link is not followed: the Search API's answer names it, and a spoofed or compromised
        answer must not steer the feed's requests to any host (OCDS next links and redirects are held likewise).
        TED's links are on ted.europa.eu, its API on api.ted.europa.eu (a replay of TED: its own host)."""
        hosts = list(dict.fromkeys(urlsplit(known).netloc.lower() for known in (self.search_url, NOTICE_XML)))
        if urlsplit(url).netloc.lower() in hosts:
            return None
        return f"the notice's XML link is on another host than TED's (expected {' or '.join(hosts)}); refused"

    def _xml(self, url: str) -> tuple[bytes, str | None]:
        """A notice's XML, or why TED (404, 410, ...) or the client (too large, a redirect elsewhere, ...)
        refused it: either would answer the same again, so the notice is rejected and the run goes on."""
        try:
            fetched = self.client.get(url, accept="application/xml")
        except FeedError as exc:
            if exc.refused:
                return b"", f"the notice's XML is refused: {str(exc).removeprefix(f'{url}: ')}"
            if exc.status is None:  # down or failing after the retries: the run stops, the page is not stored
                raise
            return b"", f"the notice's XML is not available: HTTP {exc.status}"
        if fetched.status != 200 or not fetched.body:
            # TED's CDN has answered 202 with an empty body (a bot challenge): not a verdict on the notice.
            raise FeedError(f"{url}: HTTP {fetched.status} with {len(fetched.body)} bytes instead of the notice")
        return fetched.body, None

    # ------------------------------------------------------------------------- daily packages' first issue

    def first_issue(self, day: date) -> Issue | None:
        """The OJ S issue published on ``day``, or on the first publication day after it (none yet: None)."""
        today = self.settings.now().date()
        while day <= today:
            stamp = f"{day:%Y%m%d}"
            body = self.search({"query": f"publication-date>={stamp} AND publication-date<={stamp}",
                                "fields": ["publication-number", "ojs-number"], "limit": 1, "page": 1,
                                "scope": "ALL", "paginationMode": "PAGE_NUMBER", "checkQuerySyntax": False})
            notices = body.get("notices")
            for notice in notices if isinstance(notices, list) else []:
                ojs = _first_text(notice.get("ojs-number")) if isinstance(notice, dict) else None
                match = _OJS_NUMBER.fullmatch(ojs or "")
                if match:
                    return Issue(int(match[2]), int(match[1]))
                raise FeedError(f"{self.search_url}: ojs-number {ojs!r} on {day} is not 'number/year'")
            day += timedelta(days=1)
        return None


def _parse(body: bytes, name: str) -> Tender | Rejected:
    """One notice; XML that is not well-formed is a Rejected like any other unusable notice."""
    try:
        return parse_ted_document(body, name)
    except UnreadableFile as exc:
        return Rejected(name, str(exc).removeprefix(f"{name}: "))


def _first_text(value: object) -> str | None:
    """A Search API value as one string: fields come as a string or a list of them."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _xml_link(notice: Mapping[str, Any]) -> str | None:
    """The notice's XML link: ``links.xml`` has one per language, "MUL" for the multilingual original."""
    links = notice.get("links")
    xml = links.get("xml") if isinstance(links, Mapping) else None
    if not isinstance(xml, Mapping):
        return None
    urls = [xml.get("MUL"), *xml.values()]
    return next((u for u in urls if isinstance(u, str) and u.startswith(("http://", "https://"))), None)

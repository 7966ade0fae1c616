"""TED's daily OJ S packages: one tar.gz per issue of the Official Journal's S series, read with the TED reader.

A package is ``{url}/{yyyy}{nnnnn}`` (``https://ted.europa.eu/packages/daily/202400187`` is issue 187 of 2024,
an issue ordinal, not a day of the year), and holds every notice of that issue as TED-XML or, since eForms,
eForms XML. Issues are numbered from 1 each year, one per publication day; an issue that is not out yet is a
404, which ends the run (the next run asks again). In January a 404 after last year's final issue moves on
to issue 1 of the new year.

Cursor: ``{"mode": "packages", "issue": "202400187", "validators": {...}}``, the last package stored and the
ETag / Last-Modified it came with. When the source gave validators, each run first asks for that package again
conditionally (a republished package is read again; a 304 parses nothing); without them it goes straight to
the next issue rather than download a stored package again. The first run (no cursor) or ``since`` starts at
the issue published on that day, found through the Search API (``first_issue``); so does a cursor whose issue
the calendar has not reached (a later year, or a number past the day of the year: the clock ran ahead).
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from matcher.config import Settings
from matcher.errors import UnreadableFile
from matcher.feeds.base import Page, PagingGuard
from matcher.feeds.http import FeedError, PoliteClient, Validators
from matcher.ingest.base import Rejected
from matcher.ingest.ted import read_ted
from matcher.schema import Tender

log = logging.getLogger(__name__)

MODE = "packages"
_ISSUE = re.compile(r"(\d{4})(\d{5})")
#: Package URLs look like this; a feed whose URL ends so reads packages instead of the Search API.
_PACKAGES_PATH = "/packages/daily"
#: One issue per publication day (about 250 a year): a source that answers a higher number answers anything.
MAX_ISSUES = 366


def is_packages_url(url: str | None) -> bool:
    """Whether a feed URL names the daily packages (``https://ted.europa.eu/packages/daily``)."""
    return url is not None and url.split("?", 1)[0].rstrip("/").endswith(_PACKAGES_PATH)


@dataclass(frozen=True, order=True)
class Issue:
    """An issue of the OJ S: its year and its number within the year."""

    year: int
    number: int

    @property
    def id(self) -> str:
        """The package name: ``202400187``."""
        return f"{self.year}{self.number:05d}"

    @classmethod
    def parse(cls, text: object) -> Issue | None:
        match = _ISSUE.fullmatch(text) if isinstance(text, str) else None
        return cls(int(match[1]), int(match[2])) if match and int(match[2]) > 0 else None

    def next(self) -> Issue:
        return Issue(self.year, self.number + 1)


class _NotPublished(Exception):
    """The package of an issue is not there (404): not out yet, or past the last issue of its year."""


class DailyPackages:
    """The packages after the cursor's, as pages of one package each."""

    def __init__(
        self, url: str, client: PoliteClient, settings: Settings, first_issue: Callable[[date], Issue | None],
    ) -> None:
        self.url = url.rstrip("/")
        self.client = client
        self.settings = settings
        self.first_issue = first_issue

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        """The packages after the cursor's. Each issue is a new address, so a source answering any number (a
        catch-all) would be read without end: a package repeating the notices of one before it stops the run
        (``PagingGuard``), and so does an issue number no year reaches (``MAX_ISSUES``)."""
        guard = PagingGuard()
        for page in self._packages(cursor, since):
            guard.answered(page.where, [tender.tender_id for tender in page.tenders])
            yield page

    def _packages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        today = self.settings.now().date()
        last = Issue.parse(cursor.get("issue")) if since is None and cursor.get("mode") == MODE else None
        if last is not None and last > Issue(today.year, today.timetuple().tm_yday):
            # Not out yet, however long the run waits (an issue a publication day: never more than the year's
            # days so far): the clock ran ahead, or the row was edited. Kept, every run would end at its 404.
            log.warning("%s: ignoring the cursor's issue %s, ahead of the calendar", self.url, last.id)
            last = None
        if last is None:
            start = self.first_issue(since or today - timedelta(days=1))
            if start is None:
                log.info("no OJ S issue published since %s yet; nothing to fetch", since or today)
                return
            issue = start
        else:
            validators = Validators.from_json(cursor.get("validators"))
            if validators.etag or validators.last_modified:
                try:
                    changed = self._fetch(last, validators)
                except _NotPublished:
                    changed = None  # withdrawn since: nothing to read again, the next issues still come
                if changed is not None:
                    yield changed
            issue = last.next()
        while True:
            if issue.number > MAX_ISSUES:
                raise FeedError(f"{self.url}/{issue.id}: an OJ S year has at most {MAX_ISSUES} issues (one per "
                                "publication day); stopping")
            try:
                page = self._fetch(issue, None)
            except _NotPublished:
                if issue.number > 1 and issue.year < today.year:
                    issue = Issue(issue.year + 1, 1)  # past last year's final issue
                    continue
                return
            if page is not None:
                yield page
            issue = issue.next()

    def _fetch(self, issue: Issue, validators: Validators | None) -> Page | None:
        """The package's page, or None when it is unchanged (304). Raises _NotPublished on a 404."""
        url = f"{self.url}/{issue.id}"
        try:
            fetched = self.client.get(url, accept="application/gzip, application/octet-stream, */*",
                                      validators=validators)
        except FeedError as exc:
            if exc.status == 404:
                raise _NotPublished(url) from exc
            raise
        if fetched.not_modified:
            log.info("%s unchanged since it was stored", url)
            return None
        if fetched.status != 200 or not fetched.body:
            # TED's CDN has answered 202 with an empty body (a bot challenge) instead of a package.
            raise FeedError(f"{url}: HTTP {fetched.status} with {len(fetched.body)} bytes instead of the package")
        tenders, rejected = _read_package(url, issue, fetched.body)
        cursor: dict[str, Any] = {"mode": MODE, "issue": issue.id}
        if kept := fetched.validators.to_json():
            cursor["validators"] = kept
        return Page(url, tenders, rejected, cursor)


def _read_package(url: str, issue: Issue, body: bytes) -> tuple[list[Tender], list[Rejected]]:
    """Every notice of a package; a member that is not a usable notice is a Rejected named by URL and member.
    A package that cannot be read at all (not a tar.gz, over the decompression limits) fails the run."""
    tenders: list[Tender] = []
    rejected: list[Rejected] = []
    # The archive readers work on files (and apply the decompression limits there), so the package is one.
    with tempfile.TemporaryDirectory(prefix="ted-package-") as folder:
        path = Path(folder) / f"{issue.id}.tar.gz"
        path.write_bytes(body)
        try:
            for item in read_ted(path):
                if isinstance(item, Tender):
                    tenders.append(item)
                else:
                    rejected.append(Rejected(item.record.replace(str(path), url, 1), item.reason))
        except UnreadableFile as exc:
            raise FeedError(str(exc).replace(str(path), url)) from exc
    log.info("%s: %d notices, %d rejected", url, len(tenders), len(rejected))
    return tenders, rejected

"""Live feeds' configuration and bookkeeping: validated specs, and each fetched page stored with its cursor.

The connectors and the runner that fetch pages live above the facade (``matcher.feeds``); this service is
what they call to keep the store right: ``commit_page`` writes a page's notices and moves the feed's cursor
past it in one transaction, which is what makes a run resumable after a crash at any point.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from urllib.parse import quote, urlsplit

from matcher.characters import BIDI_CONTROL
from matcher.errors import InvalidInput
from matcher.ingest.base import Rejected
from matcher.schema import FEED_KINDS, IngestReport, Tender, bidi_problem, quoted
from matcher.services.catalog import Catalog
from matcher.services.feed_address import check_feed_url
from matcher.services.feed_credentials import without_credentials
from matcher.store import slots
from matcher.store.feeds import Feed, FeedRepository, FeedSpec
from matcher.store.locks import Lease

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s")
MAX_QUERY = 2000
MAX_URL = 2000
MAX_PAGE_SIZE = 1000


def checked_since(since: date | None, today: date) -> date | None:
    """A run's starting day; one after ``today`` fetches nothing and is surely a slip: InvalidInput."""
    if since is not None and since > today:
        raise InvalidInput(f"since {since.isoformat()} is after today ({today.isoformat()})")
    return since


def validated_spec(
    name: str, kind: str, url: str | None = None, query: str | None = None, page_size: int | None = None,
) -> FeedSpec:
    """A feed spec, or InvalidInput naming the field that is wrong. The URL and the query are shown to officers:
    neither may hold a bidirectional control (``matcher.schema.typed_text``'s rule); a URL may hold one
    percent-encoded, as it is then shown."""
    if not _NAME.fullmatch(name or ""):
        raise InvalidInput(
            f"feed name {quoted(name)}: use 1-60 lower-case letters, digits, '-' or '_', starting with a letter or "
            "digit"
        )
    if kind not in FEED_KINDS:
        raise InvalidInput(f"feed kind {kind!r}: expected one of {', '.join(FEED_KINDS)}")
    if url is not None:
        url = url.strip()
        if not is_http_url(url):
            raise InvalidInput(f"feed url {shown_url(url)[:200]!r}: expected an http:// or https:// URL with a host "
                               "(spaces written as %20)")
        if problem := bidi_problem(url):
            raise InvalidInput(f"feed url {problem}; percent-encoded it is taken: {shown_url(url)[:200]!r}")
    elif kind == "ocds":
        raise InvalidInput("an ocds feed needs --url: the publisher's release or record package endpoint")
    if query is not None:
        query = query.strip() or None
    if query is not None and (len(query) > MAX_QUERY or _CONTROL.search(query)):
        raise InvalidInput(f"feed query: at most {MAX_QUERY} characters, without control characters")
    if query is not None and (problem := bidi_problem(query)):
        raise InvalidInput(f"feed query {problem}")
    if page_size is not None and not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"feed page size {page_size}: expected 1 to {MAX_PAGE_SIZE}")
    return FeedSpec(name, kind, url, query, page_size)


def shown_url(url: str) -> str:
    """``url`` with each bidirectional embedding, override or isolate percent-encoded (U+202E as %E2%80%AE), as an
    HTTP client sends it: how a feed's URL stored before ``validated_spec`` refused them is shown in a line or a
    page, where 'releases/\\u202egpj.exe' would display as 'releases/exe.jpg'; and a password in it as ***
    (``without_credentials``)."""
    return BIDI_CONTROL.sub(lambda found: quote(found.group(), safe=""), without_credentials(url))


def is_http_url(url: str) -> bool:
    """Whether ``url`` is one a feed may fetch: http(s), with a host and a port in range, without control
    characters or spaces, at most ``MAX_URL`` characters."""
    if len(url) > MAX_URL or _CONTROL.search(url) or _SPACE.search(url):  # 'http://bad host/r' was taken
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 1) > 0
    except ValueError:  # 'http://[0]' (a bad IPv6 literal), 'http://host:99999' (a port out of range)
        return False


class Feeds:
    """Configured feeds, their cursors and run results, over the catalog's store."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.db = catalog.db
        self.repo = FeedRepository()
        self.allow_private = catalog.engine.settings.feeds_allow_private

    def add(self, spec: FeedSpec, actor: str) -> Feed:
        """Store a feed; InvalidInput when its URL points at an address feeds may not fetch from
        (``matcher.services.feed_address``; checked again at every connection)."""
        if spec.url is not None and not self.allow_private:
            check_feed_url(spec.url)
        with self.db.begin() as conn:
            self.repo.add(conn, spec, actor)
            return self.repo.get(conn, spec.name)

    def get(self, name: str) -> Feed:
        with self.db.connect() as conn:
            return self.repo.get(conn, name)

    def all(self) -> list[Feed]:
        with self.db.connect() as conn:
            return self.repo.list(conn)

    def remove(self, name: str) -> None:
        """Stop fetching a feed. The notices it brought stay: they are the catalog's, not the feed's."""
        with self.db.begin() as conn:
            self.repo.remove(conn, name)

    def reset(self, name: str) -> None:
        with self.db.begin() as conn:
            self.repo.reset_cursor(conn, name)

    def start_run(self, name: str) -> None:
        with self.db.begin() as conn:
            self.repo.start_run(conn, name)

    def commit_page(
        self, name: str, tenders: Sequence[Tender], rejected: Sequence[Rejected], cursor: dict[str, object],
        after: Mapping[str, object] | None = None,
    ) -> IngestReport:
        """Store one page's notices and move the feed's cursor past it, atomically; ``after``: the cursor the
        page follows, refused (Conflict, nothing stored) once the feed was reset since (``record_page``). A notice
        another feed, a file or the API stored first is not changed, and is reported (``Catalog.store_feed_page``)."""
        with self.db.begin() as conn:
            report = self.catalog.store_feed_page(conn, name, tenders, rejected)
            self.repo.record_page(conn, name, dict(cursor), report, None if after is None else dict(after))
        return report

    def finish_run(self, name: str, error: str | None) -> Feed:
        with self.db.begin() as conn:
            self.repo.finish_run(conn, name, error)
            return self.repo.get(conn, name)

    def claim_slot(self, job: str, slot: str) -> bool:
        """Claim one scheduled slot of a job (``matcher.schedule``): True for exactly one claimant among all
        schedulers on this database (``matcher.store.slots``)."""
        with self.db.begin() as conn:
            return slots.claim(conn, job, slot)

    def lease(self, name: str, ttl: timedelta) -> Lease:
        """The lease that keeps two processes from running the same feed at once."""
        return Lease(self.db, f"feed:{name}", ttl)

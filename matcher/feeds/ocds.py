"""The OCDS connector: any publisher whose API serves release or record packages paged by ``links.next``.

**The source.** ``spec.url`` is the publisher's package endpoint (required). Each response must be an OCDS
release package (``{"releases": [...]}``) or record package (``{"records": [...]}``); the next page is the
package's ``links.next`` (OCDS pagination extension: https://extensions.open-contracting.org/en/extensions/
pagination/master/). A page is read by the same code as OCDS files (``ocds_package.document_processes`` then
``ocds.tender_from_process``): releases of one ocid on a page are merged, a record's ``compiledRelease`` is
used as is.

**The query.** ``spec.query`` holds the query parameters of the *first* request, as a query string; three
placeholders are filled in, and a parameter whose placeholder has no value is left out::

    limit={page_size}&since={since}           {since}           the start day, 2024-03-05
    pageSize={page_size}&from={since_datetime}  {since_datetime}  2024-03-05T00:00:00Z
                                              {page_size}       spec.page_size

The start day is ``--since`` when given, else the cursor's watermark when the run restarts from the first
page (below), else none: the first run reads everything the endpoint serves. A page size needs a
``{page_size}`` placeholder (OCDS names no page-size parameter; each publisher has its own), and ``--since``
a ``{since}`` or ``{since_datetime}`` one: without them the feed fails with a message saying so.

**The cursor** is ``{"next": url | None, "page": url, "watermark": "YYYY-MM-DD" | None}``: the next link of
the last stored page, that page's own URL, and the latest release date stored so far (capped at today).

- A run resumes at ``next``, the standard way through a ``links.next`` API.
- The last page has no ``next`` (nor does an empty page, whatever it says: some APIs link an empty page to
  itself). The next run then re-reads that last page: new releases appear on it or behind a new ``next``
  link (the pagination extension's ``since=``/``offset=`` paging). Its notices are stored again unchanged.
- A stored link the publisher no longer honours (HTTP 400, 404, 410: expired tokens) restarts from the
  first URL with the watermark as the start day, re-reading that day, which upserts make harmless. Without a
  since placeholder that restart reads the endpoint from the beginning.
- ``--since DAY`` overrides the cursor and starts from the first URL with that day.

**Links are trusted only on the feed's own origin.** A relative ``next`` resolves against the page's URL; a
``next`` on another scheme, host or port is refused (the run fails after storing the page that carried it),
so a hostile or compromised publisher cannot steer requests elsewhere; a cursor URL on another origin (the
feed's URL was changed) is ignored. ``PagingGuard`` stops a ``next`` link that repeats, and a new one that
answers a page of this run again.

**Releases: what is assumed.** OCDS 1.1 lets a publisher "repeat information in each release, or just
provide changes" (Release handling, https://standard.open-contracting.org/1.1/en/schema/reference/); a
record's compiled release is the merged current state. This connector stores each ocid of a page as one
whole notice that replaces the stored one (the later page wins), so it assumes every release repeats the
process's information, as record packages and most APIs do. It cannot merge a partial release into the
stored notice (a connector does not read the store), so:

- a release that gives no title (a ``tenderUpdate`` carrying only a new deadline, say) is rejected with a
  reason saying so, and the stored notice keeps its text;
- a titleless release that still says the tender is over (``tender.status`` cancelled, unsuccessful or
  withdrawn, or a ``tenderCancellation`` tag) must not be lost: it is stored as a small closing notice
  ``ocds:<ocid>:closed`` (type "other") whose ``Tender.cancels`` names the notice, which closes it from the
  release's day, whether it was stored before or arrives later (``matcher.store.cancellations``);
- a partial release that does carry a title replaces the stored notice with what it carries (fields it
  leaves out are lost). Use the publisher's record endpoint (compiled releases) if it sends changes only.

A whole release with tender.status cancelled or unsuccessful is read as notice type "other" by
``tender_from_process``, which closes the stored notice as it replaces it.

**A feed changes only its own notices.** Every OCDS publisher's notices are ``ocds:<ocid>``, so a feed
reusing another publisher's ocids (hostile, compromised or mistaken) would rewrite or close its notices. A
notice belongs to the feed, file ingest or API call that stored it first (``matcher.store.tender_owners``).
A page stored by ``Catalog.store_feed_page`` skips a notice that another owns, or a closing notice for one,
and counts it among the run's rejections with the reason ("ocds:X belongs to feed 'a'; not changed"); a
closing notice stored before its notice closes it only if one feed stores both. Re-runs of a feed's own pages
stay idempotent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from pydantic import ValidationError

from matcher.config import Settings
from matcher.errors import InvalidInput
from matcher.feeds.base import Page, PagingGuard
from matcher.feeds.http import FeedError, PoliteClient
from matcher.ingest.base import Rejected, describe_validation_error, first_of_each
from matcher.ingest.ocds import language_code, release_buyer, release_title, tender_from_process
from matcher.ingest.ocds_package import JsonObject, OcdsProcess, document_processes, obj, objects, tags
from matcher.normalize.text import parse_datetime, safe_id
from matcher.schema import Tender
from matcher.store.feeds import FeedSpec

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SINCE = ("{since}", "{since_datetime}")
_KNOWN = {"since", "since_datetime", "page_size"}
#: Answers to a stored link that mean "this link is no longer valid" rather than "the source is down".
_EXPIRED = re.compile(r": HTTP (400|404|410)\b")
_OVER = {"cancelled", "unsuccessful", "withdrawn"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


class OcdsConnector:
    """Pages of one OCDS publisher's API; see the module docstring for the query, cursor and assumptions."""

    def __init__(self, spec: FeedSpec, client: PoliteClient, settings: Settings) -> None:
        if not spec.url:
            raise InvalidInput(f"feed {spec.name!r}: an ocds feed needs --url, the publisher's package endpoint")
        self.spec = spec
        self.url = spec.url
        self.client = client
        self.settings = settings
        self.origin = _origin(spec.url)
        self.params = _query_params(spec)

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        guard = PagingGuard()
        watermark = _day(cursor.get("watermark"))
        if watermark is not None and watermark > self.settings.now().date():
            # Written while the clock ran ahead, or edited: as a restart's start day it would read nothing, and
            # that empty page would be re-read by every run from then on.
            watermark = None
        url: str | None
        url, resumed = self._start(cursor, since, watermark)
        while url is not None:
            guard.visit(url)
            try:
                document = self.client.get_json(url)
            except FeedError as exc:
                restart = self._first_url(watermark)
                if not (resumed and _EXPIRED.search(str(exc)) and restart != url):
                    raise
                log.warning("feed %s: the stored link %s is refused (%s); restarting from %s",
                            self.spec.name, url, exc, restart)
                url, resumed = restart, False
                continue
            resumed = False
            guard.answered(url, _entries(obj(document)) or [])
            page, next_url, refusal = self._read(url, document)
            watermark = _later(watermark, _latest(document, self.settings.now().date()))
            page.cursor = {"next": next_url, "page": url, "watermark": watermark.isoformat() if watermark else None}
            log.info("feed %s: %s: %d notices, %d rejected", self.spec.name, url, len(page.tenders),
                     len(page.rejected))
            yield page
            if refusal:
                raise FeedError(refusal)
            url = next_url

    def _start(self, cursor: Mapping[str, Any], since: date | None, watermark: date | None) -> tuple[str, bool]:
        """The first URL of this run, and whether it came from the cursor (so may have expired)."""
        if since is not None:
            if not any(marker in value for _, value in self.params for marker in _SINCE):
                raise FeedError(
                    f"feed {self.spec.name!r}: a start date needs a {{since}} or {{since_datetime}} placeholder in "
                    "the feed's query, naming the publisher's date parameter (e.g. since={since})")
            return self._first_url(since), False
        stored = cursor.get("next") or cursor.get("page")
        if isinstance(stored, str) and stored:
            if _origin(stored) == self.origin:
                return stored, True
            log.warning("feed %s: the cursor's URL %s is not on %s; restarting", self.spec.name, stored, self.url)
        return self._first_url(watermark), False

    def _first_url(self, day: date | None) -> str:
        values = {"page_size": str(self.spec.page_size) if self.spec.page_size is not None else None,
                  "since": day.isoformat() if day else None,
                  "since_datetime": f"{day.isoformat()}T00:00:00Z" if day else None}
        pairs = []
        for key, value in self.params:
            wanted = _PLACEHOLDER.findall(value)
            if all(values[name] is not None for name in wanted):  # a placeholder without a value: left out
                pairs.append((key, _PLACEHOLDER.sub(lambda m: values[m.group(1)] or "", value)))
        parts = urlsplit(self.url)
        query = "&".join(part for part in (parts.query, urlencode(pairs)) if part)
        return urlunsplit(parts._replace(query=query))

    def _read(self, url: str, document: Any) -> tuple[Page, str | None, str | None]:
        """The page's notices and rejections, the next URL, and why that link was refused (or None)."""
        package = obj(document)
        entries = _entries(package)
        if entries is None:
            keys = ", ".join(repr(key[:60]) for key in sorted(package)[:6]) if package else type(document).__name__
            raise FeedError(f"{url}: not an OCDS release or record package (no 'releases' or 'records' list; "
                            f"got {keys})")
        next_url, refusal = self._next_link(url, package) if entries else (None, None)
        page = Page(url)
        # Two ocids may make one notice id ('a/1' and 'a%2F1'): the first is kept, as in files (``read_ocds``).
        read = ((item.record, item) if isinstance(item, Rejected) else (item.ocid, _notice(item))
                for item in document_processes(package, url))
        for notice in first_of_each(read, "tender_id"):
            if isinstance(notice, Tender):
                page.tenders.append(notice)
            else:  # every rejection names the page it came from
                where = notice.record if notice.record.startswith(url) else f"{notice.record} ({url})"
                page.rejected.append(Rejected(where, notice.reason))
        return page, next_url, refusal

    def _next_link(self, url: str, package: JsonObject) -> tuple[str | None, str | None]:
        links = package.get("links")
        if links is None:
            return None, None
        if not isinstance(links, dict):
            raise FeedError(f"{url}: the package's 'links' is not an object")
        raw = links.get("next")
        if raw is None or raw == "":
            return None, None
        if not isinstance(raw, str):
            raise FeedError(f"{url}: links.next is not a URL ({raw!r:.100})")
        target = urljoin(url, raw.strip())
        if _origin(target) != self.origin:
            return None, (f"{url}: links.next {target[:200]!r} leaves the feed's origin {_show(self.origin)}; "
                          "refused (a next link must keep the feed URL's scheme, host and port)")
        return target, None


def _entries(package: JsonObject) -> list[Any] | None:
    """A package's releases or records as sent; None when it has neither list."""
    return next((package[key] for key in ("releases", "records") if isinstance(package.get(key), list)), None)


def _notice(process: OcdsProcess) -> Tender | Rejected:
    release = process.release
    if release_title(release, language_code(release.get("language"))):
        return tender_from_process(process)
    if _says_over(release):
        return _closing_notice(process)
    wrong = [f"'{key}' is {type(release[key]).__name__}, expected an object" for key in ("tender", "planning")
             if release.get(key) is not None and not isinstance(release[key], dict)]
    if wrong:
        return Rejected(process.ocid, f"{'; '.join(wrong)}, so the release has no title")
    tagged = ", ".join(tags(release)) or "none"
    return Rejected(process.ocid, (
        f"no title in this release (tags: {tagged}): OCDS lets a publisher send only the fields that changed, "
        "and a notice is stored whole, so the release is skipped and a stored notice of this ocid is kept as it was"))


def _says_over(release: JsonObject) -> bool:
    status = obj(release.get("tender")).get("status")
    return (isinstance(status, str) and status.strip().lower() in _OVER) or "tenderCancellation" in tags(release)


def _closing_notice(process: OcdsProcess) -> Tender | Rejected:
    """A titleless release ending the tender, as a notice that closes ``ocds:<ocid>`` (``Tender.cancels``)."""
    target = f"ocds:{safe_id(process.ocid)}"
    status = obj(process.release.get("tender")).get("status")
    what = status.strip().lower() if isinstance(status, str) and status.strip() else "cancelled"
    buyer, buyer_country = release_buyer(process.release)
    try:
        return Tender(tender_id=f"{target}:closed", source="ocds", notice_type="other",
                      title=f"{process.ocid}: tender {what}"[:2000], buyer=buyer, buyer_country=buyer_country,
                      published=process.first_seen, cancels=[target])
    except ValidationError as exc:
        return Rejected(process.ocid, describe_validation_error(exc))


def _query_params(spec: FeedSpec) -> list[tuple[str, str]]:
    """The query's parameters, or InvalidInput naming an unknown placeholder or a page size with nowhere to go."""
    pairs = parse_qsl((spec.query or "").strip().lstrip("?"), keep_blank_values=True)
    for key, value in pairs:
        unknown = [name for name in _PLACEHOLDER.findall(value) if name not in _KNOWN]
        if unknown or _PLACEHOLDER.search(key):
            found = f"{{{unknown[0]}}}" if unknown else f"in the name {key!r}"
            raise InvalidInput(f"feed {spec.name!r}: query parameter {key!r}: placeholder {found} not understood "
                               "(expected {since}, {since_datetime} or {page_size} as a value)")
    if spec.page_size is not None and not any("{page_size}" in value for _, value in pairs):
        raise InvalidInput(f"feed {spec.name!r}: page size {spec.page_size} needs a {{page_size}} placeholder in the "
                           "query naming the publisher's parameter (e.g. limit={page_size})")
    return pairs


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) with the default port made explicit; None for a URL without a usable host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number
        return None
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port


def _show(origin: tuple[str, str, int | None] | None) -> str:
    return f"{origin[0]}://{origin[1]}:{origin[2]}" if origin else "(none)"


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _later(one: date | None, other: date | None) -> date | None:
    return max(one, other) if one and other else one or other


def _latest(document: Any, today: date) -> date | None:
    """The latest release date on a page (records: compiled and linked releases), not later than today: a
    publisher's future-dated release must not move the watermark past notices still to come."""
    package = obj(document)
    releases = objects(package.get("releases"))
    for record in objects(package.get("records")):
        releases += [obj(record.get("compiledRelease")), *objects(record.get("releases"))]
    days = [moment.date() for r in releases if isinstance(r.get("date"), str) and (moment := parse_datetime(r["date"]))]
    return min(max(days), today) if days else None

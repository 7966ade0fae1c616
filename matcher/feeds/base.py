"""What every connector is: a generator of pages, each a batch of notices with the cursor that follows it.

The runner stores a page's notices and its cursor in one transaction before asking for the next page, so
a connector must yield a cursor from which it can resume *after* that page, and must not rely on anything
it kept in memory between runs. A record the connector cannot turn into a Tender is a ``Rejected`` with its
reason; a page it cannot read at all raises ``FeedError`` (the run stops there, the cursor stays on the
last stored page, other feeds go on).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from matcher.feeds.http import FeedError
from matcher.ingest.base import Rejected
from matcher.schema import Tender

Cursor = dict[str, Any]


@dataclass
class Page:
    """One fetched page: its notices, its rejected records, and the cursor once it is stored."""

    where: str  # the URL (or package name) it came from, for logs and rejections
    tenders: list[Tender] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    cursor: Cursor = field(default_factory=dict)


class Connector(Protocol):
    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        """Pages after ``cursor`` (a dict this connector wrote earlier, {} on the first run). ``since``, when
        given, overrides the starting point: notices published on or after that day."""
        ...


class PagingGuard:
    """Stops a run whose source sends it in circles (a ``next`` link already followed, or a new link to a page it
    answered before) or without end."""

    def __init__(self, max_pages: int = 10_000) -> None:
        self.seen: set[str] = set()
        self.max_pages = max_pages
        self.last = ""  # where the page before came from
        #: Each non-empty page answered in this run, by a digest of its notices as sent: where it came from.
        self.answers: dict[str, str] = {}

    def visit(self, url: str) -> None:
        if url in self.seen:
            raise FeedError(f"paging loop: the next link {url} was already followed in this run")
        if len(self.seen) >= self.max_pages:
            raise FeedError(f"more than {self.max_pages} pages in one run; stopping (the next run resumes)")
        self.seen.add(url)

    def answered(self, where: str, notices: list[Any]) -> None:
        """Stop a source that answers a link the run has not followed with a page it answered before ('?p=2',
        '?p=3', ... or an offset it ignores): the same notices, as sent, twice in one run. Pages served in turn
        ('?p=3' the first page again, '?p=4' the second) were read up to ``max_pages`` when only the page just
        before was compared. Call it before the page is stored."""
        if notices:
            key = _digest(notices)
            if (earlier := self.answers.get(key)) is not None:
                which = "the page before" if earlier == self.last else "an earlier page"
                raise FeedError(f"{where}: the same {len(notices)} notices as {which} ({earlier}); the "
                                "source ignores the paging, stopping")
            self.answers[key] = where
        self.last = where


def _digest(notices: list[Any]) -> str:
    """A digest of a page's notices as sent (parsed JSON: a connector may pass tuples, read as lists)."""
    text = json.dumps(notices, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

"""A source for the feeds' API and workspace tests: pages of real notices handed to the runner as a connector.

The connectors have their own tests against a local HTTP server (tests/feeds); here the question is what the
API and the pages do with a run, so the runner gets ``ScriptedSource.factory`` through its ``connectors``
parameter (``api.feed_runs.FeedRuns.connectors``). A scripted connector behaves as the interface asks
(``matcher.feeds.base``): its cursor is the number of pages stored, it resumes after it, ``since`` starts it
from the first page again, and a page it cannot read raises ``FeedError`` after the pages before it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from api.feed_runs import feed_runs
from matcher.config import Settings
from matcher.feeds.base import Connector, Page
from matcher.feeds.http import FeedError, PoliteClient
from matcher.ingest.base import Rejected
from matcher.schema import Tender
from matcher.store.feeds import FeedSpec


@dataclass
class Script:
    """One feed's pages; ``broken_page`` (an index) cannot be read."""

    pages: list[list[Tender]]
    rejected: dict[int, list[Rejected]] = field(default_factory=dict)
    broken_page: int | None = None


@dataclass
class ScriptedSource:
    """Scripts by feed name, and every connector call as (feed name, cursor, since)."""

    scripts: dict[str, Script]
    calls: list[tuple[str, dict[str, Any], date | None]] = field(default_factory=list)

    def factory(self, spec: FeedSpec, client: PoliteClient, settings: Settings) -> Connector:
        return ScriptedConnector(self, spec.name)

    def install(self, client: TestClient) -> None:
        feed_runs(client.app.state).connectors = self.factory  # type: ignore[attr-defined]


class ScriptedConnector:
    def __init__(self, source: ScriptedSource, name: str) -> None:
        self.source = source
        self.name = name

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        self.source.calls.append((self.name, dict(cursor), since))
        script = self.source.scripts[self.name]
        start = 0 if since is not None else int(cursor.get("page", 0))
        for number in range(start, len(script.pages)):
            where = f"https://feeds.example/{self.name}?page={number + 1}"
            if number == script.broken_page:
                raise FeedError(f"{where}: truncated JSON page")
            yield Page(where, list(script.pages[number]), list(script.rejected.get(number, [])), {"page": number + 1})

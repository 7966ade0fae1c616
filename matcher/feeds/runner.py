"""Run configured feeds: each page stored with its cursor, each feed on its own, the index synced once after.

Per feed the runner takes the lease ``feed:<name>`` (so two schedulers, or a scheduler and an officer's
"run now", never fetch the same feed at once; a heartbeat thread holds it however long a page takes, and a
run that lost it anyway stops after its page), marks the run started, and stores every page the connector
yields together with the cursor after it (``Matcher.commit_feed_page``: one transaction). Whatever stops a
feed (the source down, a malformed page, a paging loop, a bug in a connector) is recorded as that feed's
error and the next feed runs. After all feeds, the index is brought up to date once, if one exists (an
incremental sync embeds only new and changed notices).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from matcher.config import Settings
from matcher.errors import MatcherError, NotFound
from matcher.feeds.base import Connector
from matcher.feeds.connectors import connector_for
from matcher.feeds.http import FeedError, HttpPolicy, PoliteClient
from matcher.pipeline import Matcher
from matcher.search.index_sync import SyncReport
from matcher.services.feed_credentials import without_credentials
from matcher.services.feeds import checked_since
from matcher.store.feeds import Feed, FeedSpec

log = logging.getLogger(__name__)

#: A feed's lease, renewed every quarter of it while the run lives (a page may wait out a Retry-After of
#: MATCHER_FEEDS_MAX_RETRY_AFTER_SECONDS, longer than this): only a run that died lets it expire.
LEASE_TTL = timedelta(minutes=5)

#: A feed's outcome when it was removed after the run listed it, before its turn came.
REMOVED = "removed while this run read the feeds before it; nothing read"
#: ... and when it was removed during its own run.
REMOVED_RUNNING = "removed during its run; pages read before were kept"

ConnectorFactory = Callable[[FeedSpec, PoliteClient, Settings], Connector]


@dataclass(frozen=True)
class FeedOutcome:
    name: str
    status: Literal["ok", "failed", "busy"]
    pages: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    error: str | None = None

    def summary(self) -> str:
        if self.status == "busy":
            return f"{self.name}: skipped, another process is running it"
        counts = (f"{self.pages} pages, {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
                  f"{self.rejected} rejected")
        return f"{self.name}: {self.status}, {counts}" + (f"; error: {self.error}" if self.error else "")


@dataclass(frozen=True)
class FeedsRun:
    outcomes: list[FeedOutcome]
    index: SyncReport | None

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


class FeedRunner:
    def __init__(
        self, matcher: Matcher, client: PoliteClient | None = None, connectors: ConnectorFactory = connector_for,
    ) -> None:
        self.matcher = matcher
        self.client = client or PoliteClient(HttpPolicy.from_settings(matcher.settings))
        self.connectors = connectors

    def __enter__(self) -> FeedRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def run(self, names: Sequence[str] = (), since: date | None = None, sync: bool = True) -> FeedsRun:
        """Run the named feeds (all when none are named; an unknown name raises NotFound, and a ``since`` after today,
        which would fetch nothing, InvalidInput, before any runs)."""
        checked_since(since, self.matcher.settings.now().date())
        feeds = [self.matcher.feed(name) for name in dict.fromkeys(names)] if names else self.matcher.all_feeds()
        outcomes = [self._run_one(feed, since) for feed in feeds]
        changed = any(o.new or o.updated for o in outcomes)
        index = self.matcher.sync_index() if sync and changed and self.matcher.index.exists() else None
        return FeedsRun(outcomes, index)

    def _run_one(self, listed: Feed, since: date | None) -> FeedOutcome:
        lease = self.matcher.feed_lease(listed.name, LEASE_TTL)
        if not lease.acquire():
            return FeedOutcome(listed.name, "busy")
        try:
            with lease.heartbeat() as beat:
                try:
                    # Read again under the lease: the feeds before this one may have taken hours, and the feed
                    # listed then may have been reset (its old cursor would be stored again) or removed since.
                    feed = self.matcher.feed(listed.name)
                except NotFound:
                    return FeedOutcome(listed.name, "failed", error=REMOVED)
                self.matcher.start_feed_run(feed.name)
                with self.client.signed_in(feed.spec.url) as url:  # the connector never sees the URL's password
                    error = self._pages(replace(feed, spec=replace(feed.spec, url=url)), since, lambda: not beat.lost)
                try:
                    done = self.matcher.finish_feed_run(feed.name, error)
                except NotFound:  # removed by an officer while it ran: its stored pages stay
                    return FeedOutcome(feed.name, "failed", error=REMOVED_RUNNING)
        finally:
            lease.release()
        run = done.last_run
        outcome = FeedOutcome(feed.name, "failed" if error else "ok", run.pages, run.new, run.updated,
                              run.unchanged, run.rejected, error)
        log.info("feed %s", outcome.summary())
        return outcome

    def _pages(self, feed: Feed, since: date | None, held: Callable[[], bool]) -> str | None:
        """Store every page of one feed; the error that stopped it, or None."""
        try:
            connector = self.connectors(feed.spec, self.client, self.matcher.settings)
            after: Mapping[str, object] = feed.cursor  # each page moves the cursor on from where the last left it
            for page in connector.pages(feed.cursor, since):
                self.matcher.commit_feed_page(feed.name, page.tenders, page.rejected, page.cursor, after)
                after = page.cursor
                if not held():
                    raise FeedError("lost the feed's lease to another process; stopping")
        except MatcherError as exc:
            return without_credentials(str(exc))
        except Exception as exc:  # a connector bug must not stop the other feeds; it is logged in full
            log.exception("feed %s failed", feed.name)
            return without_credentials(f"unexpected {type(exc).__name__}: {exc}")
        return None

"""The runner and the feeds service with scripted connectors: cursors move only with stored pages, one feed's
failure is its own, leases keep two runs apart, and specs are validated. (Each real connector has its own
tests against a local server: test_ted.py, test_worldbank.py, test_ocds.py.)"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any, ClassVar

import pytest

from matcher.config import Settings
from matcher.errors import Conflict, InvalidInput, NotFound
from matcher.feeds.base import Connector, Page
from matcher.feeds.http import FeedError, PoliteClient
from matcher.feeds.runner import FeedRunner
from matcher.ingest.base import Rejected
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.services.feeds import validated_spec
from matcher.store.feeds import FeedSpec


def tender(n: int) -> Tender:
    return Tender(tender_id=f"test:{n}", source="test", title=f"Supply of laboratory centrifuges, lot {n}",
                  countries=["DE"], codes=["CPV:38000000"], published=date(2026, 11, 30))


class Scripted:
    """Yields the pages it was given, each cursor {"page": i}; raises ``fail`` after ``fail_after`` pages."""

    seen_cursors: ClassVar[list[Mapping[str, Any]]] = []

    def __init__(self, pages: list[list[Tender]], fail_after: int | None = None,
                 fail: Exception | None = None) -> None:
        self.script = pages
        self.fail_after = fail_after
        self.fail = fail

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        Scripted.seen_cursors.append(dict(cursor))
        start = int(cursor.get("page", 0))
        for i, items in enumerate(self.script[start:], start=start + 1):
            if self.fail_after is not None and i > self.fail_after:
                raise self.fail or FeedError("page missing")
            yield Page(f"page {i}", items, [Rejected(f"page {i} record x", "no title")] if i == 1 else [],
                       {"page": i})


def factory(by_name: Mapping[str, Connector]) -> Any:
    def make(spec: FeedSpec, client: PoliteClient, settings: Settings) -> Connector:
        return by_name[spec.name]
    return make


def add(matcher: Matcher, name: str) -> None:
    matcher.add_feed(validated_spec(name, "ocds", url=f"https://{name}.example/releases"), actor="test")


def test_pages_and_cursor_are_stored_together(matcher: Matcher, client: PoliteClient) -> None:
    add(matcher, "alpha")
    source = Scripted([[tender(1), tender(2)], [tender(3)]])
    result = FeedRunner(matcher, client, factory({"alpha": source})).run()
    assert [o.status for o in result.outcomes] == ["ok"]
    assert set(matcher.fetch_tenders(["test:1", "test:2", "test:3"])) == {"test:1", "test:2", "test:3"}
    feed = matcher.feed("alpha")
    assert feed.cursor == {"page": 2}
    run = feed.last_run
    assert (run.status, run.pages, run.new, run.updated, run.unchanged, run.rejected) == ("ok", 2, 3, 0, 0, 1)
    assert run.rejections == [("page 1 record x", "no title")] and run.error is None


def test_a_failure_between_pages_keeps_the_stored_pages_and_resumes_after_them(
    matcher: Matcher, client: PoliteClient
) -> None:
    add(matcher, "alpha")
    pages = [[tender(1)], [tender(2)], [tender(3)]]
    first = FeedRunner(matcher, client, factory({"alpha": Scripted(pages, fail_after=1)})).run()
    assert first.outcomes[0].status == "failed" and first.outcomes[0].error == "page missing"
    assert matcher.feed("alpha").cursor == {"page": 1}
    assert list(matcher.fetch_tenders(["test:1", "test:2"])) == ["test:1"]

    Scripted.seen_cursors = []
    again = FeedRunner(matcher, client, factory({"alpha": Scripted(pages)})).run()
    assert Scripted.seen_cursors == [{"page": 1}]  # resumed after the stored page, not from the start
    assert again.outcomes[0].status == "ok" and (again.outcomes[0].new, again.outcomes[0].pages) == (2, 2)
    assert matcher.feed("alpha").cursor == {"page": 3}
    assert sum(1 for _ in matcher.all_tenders()) == 3


def test_one_source_down_does_not_stop_the_others(matcher: Matcher, client: PoliteClient) -> None:
    for name in ("alpha", "beta", "gamma"):
        add(matcher, name)
    sources = {
        "alpha": Scripted([[tender(1)]], fail_after=0, fail=FeedError("https://alpha.example: HTTP 503")),
        "beta": Scripted([[tender(2)]], fail_after=0, fail=KeyError("bug in a connector")),
        "gamma": Scripted([[tender(3)]]),
    }
    result = FeedRunner(matcher, client, factory(sources)).run()
    assert [(o.name, o.status) for o in result.outcomes] == [("alpha", "failed"), ("beta", "failed"),
                                                              ("gamma", "ok")]
    assert result.outcomes[1].error == "unexpected KeyError: 'bug in a connector'"
    assert list(matcher.fetch_tenders(["test:1", "test:2", "test:3"])) == ["test:3"]
    assert matcher.feed("alpha").last_run.error == "https://alpha.example: HTTP 503"


def test_a_feed_running_elsewhere_is_skipped_as_busy(matcher: Matcher, client: PoliteClient) -> None:
    add(matcher, "alpha")
    other = matcher.feed_lease("alpha", timedelta(minutes=5))
    assert other.acquire()
    result = FeedRunner(matcher, client, factory({"alpha": Scripted([[tender(1)]])})).run(["alpha"])
    assert result.outcomes[0].status == "busy" and matcher.feed("alpha").last_run.status is None
    other.release()
    assert FeedRunner(matcher, client, factory({"alpha": Scripted([[tender(1)]])})).run().outcomes[0].status == "ok"


def test_an_unknown_feed_name_runs_nothing(matcher: Matcher, client: PoliteClient) -> None:
    add(matcher, "alpha")
    with pytest.raises(NotFound, match="unknown feed 'nope'"):
        FeedRunner(matcher, client, factory({"alpha": Scripted([[tender(1)]])})).run(["alpha", "nope"])
    assert matcher.feed("alpha").last_run.status is None


def test_the_index_is_synced_once_after_new_notices(matcher: Matcher, client: PoliteClient) -> None:
    matcher.upsert_tenders([tender(0)], sync=False)
    matcher.build_index()
    add(matcher, "alpha")
    result = FeedRunner(matcher, client, factory({"alpha": Scripted([[tender(1)], [tender(2)]])})).run()
    assert result.index is not None and result.index.added == 2
    matcher.reset_feed("alpha")  # the same pages delivered again: nothing new, nothing to embed
    unchanged = FeedRunner(matcher, client, factory({"alpha": Scripted([[tender(1)], [tender(2)]])})).run()
    assert unchanged.outcomes[0].unchanged == 2 and unchanged.index is None


def test_a_run_resets_the_counts_but_not_the_cursor(matcher: Matcher, client: PoliteClient) -> None:
    add(matcher, "alpha")
    FeedRunner(matcher, client, factory({"alpha": Scripted([[tender(1)]])})).run()
    matcher.start_feed_run("alpha")  # as a run killed right after starting would leave it
    feed = matcher.feed("alpha")
    assert feed.last_run.status == "running" and feed.last_run.new == 0 and feed.cursor == {"page": 1}
    matcher.reset_feed("alpha")
    assert matcher.feed("alpha").cursor == {}


@pytest.mark.parametrize(("args", "message"), [
    (("Bad Name", "ted"), "feed name 'Bad Name'"),
    (("a" * 61, "ted"), "feed name"),
    (("ok", "ungm"), "feed kind 'ungm': expected one of ted, worldbank, ocds"),
    (("ok", "ocds"), "an ocds feed needs --url"),
    (("ok", "ocds", "ftp://x.example/a"), "expected an http:// or https:// URL"),
    (("ok", "ocds", "https:///nohost"), "expected an http:// or https:// URL"),
    (("ok", "ocds", "http://[0]"), "expected an http:// or https:// URL"),  # found by schemathesis
    (("ok", "ocds", "http://portal.example:99999/api"), "expected an http:// or https:// URL"),
    (("ok", "ted", None, "a\x00b"), "without control characters"),
    (("ok", "ted", None, "x" * 2001), "at most 2000 characters"),
    (("ok", "worldbank", None, None, 0), "page size 0: expected 1 to 1000"),
    (("ok", "worldbank", None, None, 5000), "page size 5000"),
])
def test_specs_are_validated(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace("?", r"\?")):
        validated_spec(*args)


def test_names_are_unique_and_removal_keeps_the_notices(matcher: Matcher, client: PoliteClient) -> None:
    add(matcher, "alpha")
    with pytest.raises(Conflict, match="a feed named 'alpha' already exists"):
        add(matcher, "alpha")
    FeedRunner(matcher, client, factory({"alpha": Scripted([[tender(1)]])})).run()
    matcher.remove_feed("alpha")
    assert matcher.all_feeds() == [] and list(matcher.fetch_tenders(["test:1"])) == ["test:1"]
    with pytest.raises(NotFound):
        matcher.remove_feed("alpha")


class Waiting:
    """One page, then a wait as long as a source's Retry-After may ask for (``during`` runs in it), then another."""

    def __init__(self, wait: float, during: Callable[[], None]) -> None:
        self.wait, self.during = wait, during

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        yield Page("page 1", [tender(1)], [], {"page": 1})
        time.sleep(self.wait)
        self.during()
        yield Page("page 2", [tender(2)], [], {"page": 2})


def test_a_page_slower_than_the_lease_keeps_the_feed_from_a_second_run(
    matcher: Matcher, client: PoliteClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lease was renewed only between pages, so a page slower than LEASE_TTL (5 min; a Retry-After may ask for
    # MATCHER_FEEDS_MAX_RETRY_AFTER_SECONDS, 10 min) let the scheduler or an officer's "run now" start the same
    # feed beside it. A heartbeat now holds it for as long as the run lives. (The ttl shrunk: 5 min / 1,000.)
    monkeypatch.setattr("matcher.feeds.runner.LEASE_TTL", timedelta(seconds=0.3))
    add(matcher, "alpha")
    second: list[str] = []

    def run_again() -> None:
        other = FeedRunner(matcher, client, factory({"alpha": Scripted([[tender(3)]])})).run(["alpha"])
        second.append(other.outcomes[0].status)

    result = FeedRunner(matcher, client, factory({"alpha": Waiting(1.0, run_again)})).run(["alpha"])
    assert second == ["busy"]
    assert result.outcomes[0].status == "ok" and matcher.feed("alpha").cursor == {"page": 2}
    assert (result.outcomes[0].pages, result.outcomes[0].new) == (2, 2)
    assert list(matcher.fetch_tenders(["test:3"])) == []


class Meanwhile:
    """One page, after ``during`` ran (another process acting on the feeds while this run is busy with this one)."""

    def __init__(self, during: Callable[[], None]) -> None:
        self.during = during

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        self.during()
        yield Page("page 1", [tender(1)], [], {"page": 1})


def test_a_feed_reset_while_the_run_reads_another_is_read_from_its_start(
    matcher: Matcher, client: PoliteClient
) -> None:
    # The run read every feed's cursor before the first feed began, and used that copy however long the feeds
    # before took: an officer's reset of beta meanwhile was undone (its old cursor used and stored again).
    add(matcher, "alpha")
    add(matcher, "beta")
    pages = [[tender(2)], [tender(3)]]
    FeedRunner(matcher, client, factory({"beta": Scripted(pages)})).run(["beta"])
    assert matcher.feed("beta").cursor == {"page": 2}
    Scripted.seen_cursors = []
    sources: dict[str, Connector] = {"alpha": Meanwhile(lambda: matcher.reset_feed("beta")), "beta": Scripted(pages)}
    result = FeedRunner(matcher, client, factory(sources)).run()
    assert [(o.name, o.status) for o in result.outcomes] == [("alpha", "ok"), ("beta", "ok")]
    assert Scripted.seen_cursors == [{}]  # read from the start, as the reset asked
    assert result.outcomes[1].pages == 2 and matcher.feed("beta").cursor == {"page": 2}


def test_a_feed_removed_while_the_run_reads_another_is_named_and_the_rest_is_reported(
    matcher: Matcher, client: PoliteClient
) -> None:
    # start_feed_run raised NotFound for beta out of FeedRunner.run: alpha's outcome and gamma's run were lost,
    # and `matcher feeds run` said only "unknown feed 'beta'".
    for name in ("alpha", "beta", "gamma"):
        add(matcher, name)
    sources: dict[str, Connector] = {"alpha": Meanwhile(lambda: matcher.remove_feed("beta")),
                                     "beta": Scripted([[tender(2)]]), "gamma": Scripted([[tender(3)]])}
    result = FeedRunner(matcher, client, factory(sources)).run()
    assert [(o.name, o.status) for o in result.outcomes] == [("alpha", "ok"), ("beta", "failed"), ("gamma", "ok")]
    assert result.outcomes[1].error == "removed while this run read the feeds before it; nothing read"
    assert list(matcher.fetch_tenders(["test:1", "test:2", "test:3"])) == ["test:1", "test:3"]
    assert [feed.name for feed in matcher.all_feeds()] == ["alpha", "gamma"]


def test_a_feed_removed_during_its_own_run_ends_that_run_and_the_others_go_on(
    matcher: Matcher, client: PoliteClient
) -> None:
    # Its page could not be stored (the feed is gone), nor its run finished: NotFound left FeedRunner.run.
    add(matcher, "alpha")
    add(matcher, "beta")
    sources: dict[str, Connector] = {"alpha": Meanwhile(lambda: matcher.remove_feed("alpha")),
                                     "beta": Scripted([[tender(2)]])}
    result = FeedRunner(matcher, client, factory(sources)).run()
    assert [(o.name, o.status) for o in result.outcomes] == [("alpha", "failed"), ("beta", "ok")]
    assert result.outcomes[0].error == "removed during its run; pages read before were kept"
    assert list(matcher.fetch_tenders(["test:1", "test:2"])) == ["test:2"]


class ResetAfterFirstPage:
    """Yields two pages; between them an officer resets the feed being read."""

    def __init__(self, reset: Callable[[], None]) -> None:
        self.reset = reset

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        yield Page("page 1", [tender(1)], [], {"page": 1})
        self.reset()
        yield Page("page 2", [tender(2)], [], {"page": 2})


def test_a_feed_reset_during_its_own_run_is_not_undone_by_the_run(matcher: Matcher, client: PoliteClient) -> None:
    # The run's next page wrote its cursor over the reset ({"page": 2}): the officer's "read it again from the
    # start" was lost without a word. The cursor moves only from where the run left it.
    add(matcher, "alpha")
    result = FeedRunner(matcher, client, factory({"alpha": ResetAfterFirstPage(
        lambda: matcher.reset_feed("alpha"))})).run()
    (outcome,) = result.outcomes
    assert outcome.status == "failed" and outcome.error is not None and "reset" in outcome.error, outcome
    assert matcher.feed("alpha").cursor == {}  # the next run reads from the start, as the reset asked
    assert list(matcher.fetch_tenders(["test:1", "test:2"])) == ["test:1"]  # the page before the reset is kept

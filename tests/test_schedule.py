"""The scheduler: each slot of each job runs once across schedulers sharing a database, feeds before digests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from matcher.config import Settings
from matcher.digest.send import OutboxSender, Sender
from matcher.feeds.base import Connector, Page
from matcher.feeds.http import HttpPolicy, PoliteClient
from matcher.feeds.runner import FeedRunner
from matcher.pipeline import Matcher
from matcher.schedule import Plan, Scheduler
from matcher.schema import FirmProfile, Tender
from matcher.search.encoders import FakeEncoder
from matcher.services import code_suggestions
from matcher.services.feeds import validated_spec
from matcher.store import db as db_module
from matcher.store.feeds import FeedSpec


class OnePage:
    """A source that always has the same notice (upserts make a re-delivery harmless)."""

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        yield Page("page 1", [Tender(tender_id="test:1", source="test", title="Road maintenance works")], [],
                   {"page": 1})


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def __call__(self) -> datetime:
        return self.at


def scheduler(matcher: Matcher, clock: Clock, outbox: Path) -> Scheduler:
    def runner(m: Matcher) -> FeedRunner:
        def connectors(spec: FeedSpec, client: PoliteClient, settings: Settings) -> Connector:
            return OnePage()
        return FeedRunner(m, PoliteClient(HttpPolicy("test")), connectors)

    def sender() -> Sender:
        return OutboxSender(outbox)

    return Scheduler(matcher, Plan(timedelta(hours=1), time(6, 0)), sender, runner=runner, now=clock)


def test_each_feeds_slot_runs_once_across_two_schedulers(matcher: Matcher, tmp_path: Path) -> None:
    matcher.add_feed(validated_spec("roads", "ocds", url="https://roads.example/api"), actor="test")
    clock = Clock(datetime(2026, 12, 2, 10, 15, tzinfo=UTC))
    first, second = scheduler(matcher, clock, tmp_path), scheduler(matcher, clock, tmp_path)
    ran = first.tick()
    assert ran.feeds == ["roads: ok, 1 pages, 1 new, 0 updated, 0 unchanged, 0 rejected"]
    clock.at += timedelta(minutes=20)
    assert second.tick().feeds == [] and first.tick().feeds == []  # same hour: already run
    clock.at = datetime(2026, 12, 2, 11, 0, 5, tzinfo=UTC)
    assert second.tick().feeds == ["roads: ok, 1 pages, 0 new, 0 updated, 1 unchanged, 0 rejected"]
    assert first.tick().feeds == []


def test_digests_run_once_a_day_after_their_time_and_after_the_feeds(matcher: Matcher, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 12, 2, 5, 59, tzinfo=UTC))
    first, second = scheduler(matcher, clock, tmp_path), scheduler(matcher, clock, tmp_path)
    early = first.tick()
    assert early.digest is None and early.feeds == ["no feeds configured"]
    clock.at = datetime(2026, 12, 2, 6, 0, 30, tzinfo=UTC)
    morning = second.tick()
    assert morning.feeds == ["no feeds configured"]  # a new hour: feeds first, then the digests
    assert morning.digest == "0 subscriptions due, sent 0, skipped 0 empty, 0 failed"
    clock.at = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert first.tick().digest is None and second.tick().digest is None
    clock.at = datetime(2026, 12, 3, 6, 1, tzinfo=UTC)
    assert first.tick().digest is not None


def test_a_missed_morning_is_caught_up_at_the_next_tick(matcher: Matcher, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 12, 2, 14, 30, tzinfo=UTC))  # the scheduler was down at 06:00
    assert scheduler(matcher, clock, tmp_path).tick().digest is not None


def test_plan_slots() -> None:
    plan = Plan.parse(90, "07:30")
    assert plan.feeds_every == timedelta(minutes=90) and plan.digest_at == time(7, 30)
    assert plan.feeds_slot(datetime(2026, 12, 2, 10, 15, tzinfo=UTC)) == "2026-12-02T09:00:00+00:00"
    assert plan.digest_slot(datetime(2026, 12, 2, 7, 29, tzinfo=UTC)) is None
    assert plan.digest_slot(datetime(2026, 12, 2, 7, 30, tzinfo=UTC)) == "2026-12-02T07:30:00+00:00"


def test_after_the_digests_the_firms_kept_codes_follow_the_index_build(
    matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Feeds rebuild the index through the day; firms-for's first stage reads each firm's suggested codes as kept
    in the store, so the morning tick computes again those an earlier build gave (and no others)."""
    monkeypatch.setattr(code_suggestions, "FIRMS_FOR_DEPTH", 0)  # a register above firms-for's full scoring
    matcher.add_feed(validated_spec("roads", "ocds", url="https://roads.example/api"), actor="test")
    matcher.upsert_tenders([Tender(tender_id="test:2", source="test", title="Supply of water meters",
                                   codes=["CPV:38421100"])])
    matcher.upsert_firms([FirmProfile(firm_id="kr", name="KR", description="계량기 제조", keywords=["수도 계량기"])])
    matcher.build_index()
    matcher.suggestions.kept_for_ranking(matcher.recommender.catalog.all_firms())
    kept = matcher.recommender.catalog.kept_suggestions
    first = kept()["kr"].build_id
    clock = Clock(datetime(2026, 12, 2, 6, 0, 30, tzinfo=UTC))
    morning = scheduler(matcher, clock, tmp_path).tick()
    assert morning.feeds == ["roads: ok, 1 pages, 1 new, 0 updated, 0 unchanged, 0 rejected"]
    assert morning.kept is not None and morning.kept.refreshed == 1  # the feed's notice rebuilt the index
    assert kept()["kr"].build_id != first and kept()["kr"].build_id == matcher.current_index().build_id
    assert "suggested codes kept for firms-for: 1 of 1 firm(s) refreshed" in morning.line()
    clock.at = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert scheduler(matcher, clock, tmp_path).tick().kept is None  # once a day, with the digests
    clock.at = datetime(2026, 12, 3, 6, 1, tzinfo=UTC)
    again = scheduler(matcher, clock, tmp_path).tick().kept
    assert again is not None and again.refreshed == 0  # nothing changed the build since


def test_a_register_firms_for_scores_in_full_keeps_no_codes(matcher: Matcher, tmp_path: Path) -> None:
    """Up to ``FIRMS_FOR_DEPTH`` firms, firms-for scores every firm in full and no first stage reads kept codes:
    the morning tick computes none (nor loads the encoder to do so) and says why."""
    matcher.upsert_firms([FirmProfile(firm_id="kr", name="KR", description="계량기 제조", keywords=["수도 계량기"])])
    morning = scheduler(matcher, Clock(datetime(2026, 12, 2, 6, 0, 30, tzinfo=UTC)), tmp_path).tick()
    assert morning.kept is not None and (morning.kept.firms, morning.kept.refreshed) == (1, 0)
    assert "suggested codes not kept: 1 firm(s), firms-for scores up to 200 in full" in morning.line()
    assert matcher.recommender.catalog.kept_suggestions() == {}
    assert "embedder" not in vars(matcher.recommender.engine)


def test_a_database_locked_past_its_wait_is_an_error_of_the_tick_and_the_next_tick_runs_the_jobs(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process writing for longer than the busy timeout (30 s; 0.2 s here) made the tick raise SQLAlchemy's
    OperationalError: `matcher schedule` ended in a traceback, no job ran again until someone restarted it."""
    pragmas = db_module._sqlite_pragmas

    def short_wait(connection: Any, record: object) -> None:
        pragmas(connection, record)
        connection.execute("PRAGMA busy_timeout=200")

    monkeypatch.setattr(db_module, "_sqlite_pragmas", short_wait)
    matcher = Matcher(settings, encoder=FakeEncoder())
    try:
        clock = Clock(datetime(2026, 12, 2, 6, 0, 30, tzinfo=UTC))
        ticks = scheduler(matcher, clock, tmp_path)
        writer = sqlite3.connect(settings.home / "matcher.db", isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        locked = ticks.tick()
        writer.execute("ROLLBACK")
        writer.close()
        assert (locked.feeds, locked.digest) == ([], None)
        assert locked.errors == ["feeds: database error: database is locked",
                                 "digests: database error: database is locked"]
        clock.at += timedelta(minutes=1)
        after = ticks.tick()  # the slots were not taken: both jobs run now
        assert after.feeds == ["no feeds configured"] and after.errors == []
        assert after.digest == "0 subscriptions due, sent 0, skipped 0 empty, 0 failed"
    finally:
        matcher.close()

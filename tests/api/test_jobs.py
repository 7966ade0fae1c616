"""The job registry of one API process: bounded, and a job's end is recorded whichever way it ends."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from fastapi import BackgroundTasks

from api import actions, jobs
from api.jobs import JobRegistry
from matcher.errors import InvalidInput, NotFound


def test_the_registry_keeps_the_newest_jobs_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "KEEP", 3)
    registry = JobRegistry()
    first, *rest = [registry.submit("sync") for _ in range(3)]
    registry.run(first.job_id, lambda: "indexed 1")  # a change counts as the newest
    newer = registry.submit("sync")
    with pytest.raises(NotFound):
        registry.get(rest[0].job_id)
    assert registry.get(first.job_id).status == "done"
    assert {registry.get(j.job_id).status for j in [rest[1], newer]} == {"queued"}


def test_a_failed_job_records_why() -> None:
    registry = JobRegistry()
    job = registry.submit("sync")

    def work() -> str:
        raise InvalidInput("no index")

    registry.run(job.job_id, work)
    done = registry.get(job.job_id)
    assert done.status == "failed" and done.detail == "InvalidInput: no index" and done.finished_at is not None


def test_a_burst_joins_the_job_that_has_not_started() -> None:
    registry = JobRegistry()
    first, new = registry.join_or_submit("index-sync")
    joined = [registry.join_or_submit("index-sync") for _ in range(5)]
    assert new and all(job.job_id == first.job_id and not fresh for job, fresh in joined)
    other, other_new = registry.join_or_submit("feeds-run")
    assert other_new and other.job_id != first.job_id  # kinds are apart


def test_one_runs_at_a_time_and_the_next_stays_joinable_until_it_starts() -> None:
    registry = JobRegistry()
    running, _ = registry.join_or_submit("index-sync")
    release, started, order = threading.Event(), threading.Event(), []

    def slow() -> str:
        started.set()
        order.append("first")
        release.wait(10)
        return "indexed 1"

    first = threading.Thread(target=registry.run, args=(running.job_id, slow), kwargs={"one_at_a_time": True})
    first.start()
    assert started.wait(10)
    # changes made while the first runs need a later job: they join one queued behind it
    later, new = registry.join_or_submit("index-sync")
    assert new and later.job_id != running.job_id

    def quick() -> str:
        order.append("second")
        return "indexed 0"

    second = threading.Thread(target=registry.run, args=(later.job_id, quick), kwargs={"one_at_a_time": True})
    second.start()
    second.join(0.3)
    assert registry.get(later.job_id).status == "queued" and order == ["first"]  # waits for its turn
    assert registry.join_or_submit("index-sync") == (registry.get(later.job_id), False)
    release.set()
    first.join(10)
    second.join(10)
    assert order == ["first", "second"]
    assert [registry.get(j.job_id).status for j in (running, later)] == ["done", "done"]
    assert registry.join_or_submit("index-sync")[1]  # both started: a new change needs a new job


def test_a_burst_of_writes_schedules_one_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    """600 quick ``POST /tenders`` used to queue 600 index syncs (each a child process)."""
    registry, background, matcher = JobRegistry(), BackgroundTasks(), SimpleNamespace(settings=None)
    answers = [actions.schedule_index_sync(matcher, registry, background) for _ in range(20)]  # type: ignore[arg-type]
    assert len(background.tasks) == 1 and len({a.job_id for a in answers}) == 1
    assert background.tasks[0].func is actions._sync_in_worker

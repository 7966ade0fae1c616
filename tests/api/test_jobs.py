"""The job registry of one API process: bounded, and a job's end is recorded whichever way it ends."""

from __future__ import annotations

import pytest

from api import jobs
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

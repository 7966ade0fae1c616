"""Feed runs as background jobs, for the API's ``POST /feeds/run`` and the officer page's "Run now".

A run is a job of the app's ``JobRegistry`` (kind ``feeds-run``), executed after the response like an
import's index sync, so the officer polls it the same way (``GET /feeds/runs/{job_id}`` or ``/jobs/{id}``).
The job is ``matcher.feeds.runner.FeedRunner``: each feed under its lease (a feed another process is running
comes back ``busy``), each page stored with its cursor, the index synced after. When the run stored notices
and no index exists yet, the job builds one, as an import does. Each feed's outcome is kept here by job id,
per app and newest ``api.jobs.KEEP`` only, as the registry keeps its jobs.

The runner (and through it the connectors) is imported when a run starts, not when the API starts: the API
answers everything else even where a connector's dependencies are missing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Annotated

from cachetools import FIFOCache
from fastapi import BackgroundTasks, Depends, Request
from starlette.datastructures import State

from api.feed_schemas import FeedOutcomePublic, FeedsRunJob
from api.jobs import KEEP, JobRegistry
from matcher.errors import NotFound
from matcher.pipeline import Matcher
from matcher.schema import quoted

if TYPE_CHECKING:
    from matcher.feeds.runner import ConnectorFactory

log = logging.getLogger(__name__)

JOB_KIND = "feeds-run"


@dataclass
class RunRecord:
    """What one job was asked to run, and how each feed's run ended (filled in when the job ends)."""

    names: list[str]
    since: date | None
    outcomes: list[FeedOutcomePublic] = field(default_factory=list)
    index: str | None = None


class FeedRuns:
    """This app's feed runs by job id. ``connectors`` replaces the real connectors (tests give a fake that
    yields pages; None means ``matcher.feeds.connectors.connector_for``)."""

    def __init__(self, connectors: ConnectorFactory | None = None) -> None:
        self.connectors = connectors
        self._records: FIFOCache[str, RunRecord] = FIFOCache(maxsize=KEEP)
        self._lock = threading.Lock()

    def start(
        self, matcher: Matcher, jobs: JobRegistry, background: BackgroundTasks, names: list[str],
        since: date | None,
    ) -> FeedsRunJob:
        """Queue a run of ``names`` (every feed when empty) to start after the response is sent."""
        job = jobs.submit(JOB_KIND)
        record = RunRecord(list(names), since)
        with self._lock:
            self._records[job.job_id] = record
        background.add_task(jobs.run, job.job_id, lambda: self._run(matcher, record))
        return self._public(jobs, job.job_id, record)

    def get(self, jobs: JobRegistry, job_id: str) -> FeedsRunJob:
        with self._lock:
            record = self._records.get(job_id)
        if record is None:
            raise NotFound(f"unknown feed run {quoted(job_id)} (runs are kept by the worker that ran them)")
        return self._public(jobs, job_id, record)

    def _public(self, jobs: JobRegistry, job_id: str, record: RunRecord) -> FeedsRunJob:
        job = jobs.get(job_id)
        ended = job.status in ("done", "failed")
        return FeedsRunJob(job=job, feeds=record.names, since=record.since,
                           outcomes=record.outcomes if ended else [], index=record.index if ended else None)

    def _run(self, matcher: Matcher, record: RunRecord) -> str:
        """The job: run the feeds, keep each outcome, and say in one line how each ended."""
        from matcher.feeds.runner import FeedRunner  # here, not at import: see the module's docstring

        runner = FeedRunner(matcher) if self.connectors is None else FeedRunner(matcher, connectors=self.connectors)
        try:
            result = runner.run(record.names, record.since)
        finally:
            runner.client.close()
        index = result.index
        stored = any(o.new or o.updated for o in result.outcomes)
        if index is None and stored and not matcher.index.exists():
            index = matcher.build_index()  # the first notices ever stored: searchable once the run ends
        record.outcomes = [FeedOutcomePublic.model_validate(vars(o)) for o in result.outcomes]
        record.index = index.summary() if index is not None else None
        lines = [o.summary() for o in result.outcomes] or ["no feed is configured"]
        return "; ".join(lines + ([record.index] if record.index else []))


_RUNS_LOCK = threading.Lock()


def feed_runs(state: State) -> FeedRuns:
    """The app's ``FeedRuns`` (made on first use, kept on ``app.state`` like its ``JobRegistry``)."""
    with _RUNS_LOCK:
        runs: FeedRuns | None = getattr(state, "feed_runs", None)
        if runs is None:
            runs = state.feed_runs = FeedRuns()
    return runs


async def get_feed_runs(request: Request) -> FeedRuns:
    return feed_runs(request.app.state)


FeedRunsDep = Annotated[FeedRuns, Depends(get_feed_runs)]

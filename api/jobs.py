"""Background jobs of one API process: after an import, the index sync runs here while reads continue.

The index itself is never half-visible: ``IndexService`` writes each build into a new folder and swaps the
``CURRENT`` pointer atomically; requests keep the build they started with, and every other worker process
loads the new one on a background thread once a request notices it (``IndexService.reload_in_background``).
Jobs are kept in memory, newest ``KEEP`` only, so a job id is answerable by the worker that ran it (with
several workers, ask ``/health/ready`` for the serving build).

Jobs that redo the same whole piece of work (an index sync brings the index in step with everything stored
when it starts) are coalesced: ``join_or_submit`` hands a burst of requests the one job of that kind still
queued, and ``run(..., one_at_a_time=True)`` lets one of a kind run at a time, so a burst of writes costs
at most one running sync and one queued behind it, not a sync per write.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from cachetools import FIFOCache

from api.schemas import JobPublic
from matcher.errors import MatcherError, NotFound
from matcher.schema import quoted

log = logging.getLogger(__name__)

#: Jobs a process remembers. The registry is their only record: a job is forgotten when ``KEEP`` jobs have
#: been submitted or changed after it (first in, first out), never otherwise.
KEEP = 500


class JobRegistry:
    """Job states by id; ``run`` executes one job (called from a background task thread)."""

    def __init__(self) -> None:
        self._jobs: FIFOCache[str, JobPublic] = FIFOCache(maxsize=KEEP)
        self._lock = threading.Lock()
        #: per kind, the last job handed out by ``join_or_submit`` (joinable while its status is queued)
        self._queued: dict[str, str] = {}
        #: per kind, held by the running job of ``run(..., one_at_a_time=True)``
        self._turns: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)  # read under ``_lock``

    def submit(self, kind: str) -> JobPublic:
        with self._lock:
            return self._submit(kind)

    def _submit(self, kind: str) -> JobPublic:  # under ``_lock``
        job = JobPublic(job_id=secrets.token_hex(8), kind=kind, status="queued", created_at=datetime.now(UTC))
        self._jobs[job.job_id] = job
        return job

    def join_or_submit(self, kind: str) -> tuple[JobPublic, bool]:
        """The job of ``kind`` that is queued and has not started, or a new one; True when it is new (the
        caller then schedules its ``run``). A job joined before it starts covers the joiner's change, since
        the work starts after it."""
        with self._lock:
            queued = self._jobs.get(self._queued.get(kind, ""))
            if queued is not None and queued.status == "queued":
                return queued, False
            job = self._submit(kind)
            self._queued[kind] = job.job_id
            return job, True

    def get(self, job_id: str) -> JobPublic:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"unknown job {quoted(job_id)} (jobs are kept by the worker that ran them)")
        return job

    def _set(self, job_id: str, **changes: object) -> None:
        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id] = self._jobs[job_id].model_copy(update=changes)

    def run(self, job_id: str, work: Callable[[], str], *, one_at_a_time: bool = False) -> None:
        """Run ``work`` (returning a one-line summary), recording how it ended; with ``one_at_a_time``, wait
        until no other job of the same kind runs (the job stays queued, and joinable, meanwhile)."""
        with self._lock:
            job = self._jobs.get(job_id)
            turn = self._turns[job.kind] if one_at_a_time and job is not None else contextlib.nullcontext()
        with turn:
            self._run(job_id, work)

    def _run(self, job_id: str, work: Callable[[], str]) -> None:
        self._set(job_id, status="running")
        status, detail = "failed", "interrupted"
        try:
            detail = work()
            status = "done"
        except (MatcherError, OSError) as exc:
            detail = f"{type(exc).__name__}: {exc}"
            log.warning("job %s failed: %s", job_id, detail)
        finally:
            self._set(job_id, status=status, detail=detail, finished_at=datetime.now(UTC))

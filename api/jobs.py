"""Background jobs of one API process: after an import, the index sync runs here while reads continue.

The index itself is never half-visible: ``IndexService`` writes each build into a new folder and swaps the
``CURRENT`` pointer atomically; requests keep the build they started with, and every other worker process
loads the new one on a background thread once a request notices it (``IndexService.reload_in_background``). Jobs are kept in memory, newest ``KEEP`` only, so a job id is
answerable by the worker that ran it (with several workers, ask ``/health/ready`` for the serving build).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from cachetools import FIFOCache

from api.schemas import JobPublic
from matcher.errors import MatcherError, NotFound

log = logging.getLogger(__name__)

#: Jobs a process remembers. The registry is their only record: a job is forgotten when ``KEEP`` jobs have
#: been submitted or changed after it (first in, first out), never otherwise.
KEEP = 500


class JobRegistry:
    """Job states by id; ``run`` executes one job (called from a background task thread)."""

    def __init__(self) -> None:
        self._jobs: FIFOCache[str, JobPublic] = FIFOCache(maxsize=KEEP)
        self._lock = threading.Lock()

    def submit(self, kind: str) -> JobPublic:
        job = JobPublic(job_id=secrets.token_hex(8), kind=kind, status="queued", created_at=datetime.now(UTC))
        with self._lock:
            self._jobs[job.job_id] = job
        return job

    def get(self, job_id: str) -> JobPublic:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"unknown job {job_id!r} (jobs are kept by the worker that ran them)")
        return job

    def _set(self, job_id: str, **changes: object) -> None:
        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id] = self._jobs[job_id].model_copy(update=changes)

    def run(self, job_id: str, work: Callable[[], str]) -> None:
        """Run ``work`` (returning a one-line summary), recording how it ended."""
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

"""Plan digest batches in worker processes, so a run uses every core.

Ranking a batch is Python-bound (features, fusion, reasons for hundreds of candidates per firm), so threads
would queue on the interpreter lock. Each worker is a *spawned* process that opens its own ``Matcher`` from
the run's settings (store, index, caches): forking instead would share the parent's index pages, but a child
forked after FAISS has started its OpenMP threads can hang in its first search (measured here), and the
parent cannot know what its host process did before. Workers search single-threaded, since together they
already fill the cores. Batches come back in order, as they finish, so the run can record and send each
batch while the next ones are ranked. Workers ignore SIGINT (Ctrl-C reaches the whole process group; the run's
process decides what it means), and a pool left by an exception ends them at once.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import TypeVar

import faiss

from matcher.config import Settings
from matcher.digest.build import DigestPlan
from matcher.digest.collect import batch_collection
from matcher.digest.plan import Failed, Prepared, plan_digests, prepare_each
from matcher.pipeline import Matcher
from matcher.store.subscriptions import Subscription

T = TypeVar("T")
_MATCHER: Matcher | None = None


def default_workers() -> int:
    """One worker per core this process may use (at least one)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _start(settings: Settings) -> None:
    global _MATCHER
    # Ctrl-C reaches every process of the terminal's group: what it means is the run's process's call (``matcher
    # schedule`` lets the job in progress finish), so a worker's SIGINT must not break the batch it ranks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faiss.omp_set_num_threads(1)
    _MATCHER = Matcher(settings)
    with batch_collection():  # the index, loaded now rather than inside the first batch, is long-lived
        _MATCHER.index.current()


def _plan(batch: Sequence[Subscription], as_of: datetime) -> list[DigestPlan]:
    assert _MATCHER is not None, "worker not started"
    with batch_collection():
        return plan_digests(_MATCHER, batch, as_of)


def _prepare(batch: Sequence[Subscription], as_of: datetime) -> tuple[list[Prepared], list[Failed]]:
    assert _MATCHER is not None, "worker not started"
    with batch_collection():
        return prepare_each(_MATCHER, batch, as_of)


class PlanningPool:
    """``with PlanningPool(settings, 2) as pool: for plans in pool.plan(batches, as_of): ...``"""

    def __init__(self, settings: Settings, workers: int) -> None:
        self._executor = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start, initargs=(settings,)
        )
        self.workers = workers

    def __enter__(self) -> PlanningPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is not None:
            self._terminate()  # left by Ctrl-C or a failure: nobody reads the plans being ranked
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _terminate(self) -> None:
        """End the workers now. Their work is read-only (they rank; the run's process records and sends), so
        stopping one mid-batch loses nothing. ``ProcessPoolExecutor.terminate_workers`` does this from Python
        3.14; until then, the executor's table of its processes."""
        processes: dict[int, multiprocessing.Process] = getattr(self._executor, "_processes", None) or {}
        for process in list(processes.values()):
            process.terminate()
        for process in list(processes.values()):
            process.join()

    def plan(self, batches: Sequence[Sequence[Subscription]], as_of: datetime) -> Iterator[list[DigestPlan]]:
        """The plans of each batch, in batch order."""
        yield from self._ordered([self._executor.submit(_plan, b, as_of) for b in batches])

    def prepare(
        self, batches: Sequence[Sequence[Subscription]], as_of: datetime
    ) -> Iterator[tuple[list[Prepared], list[Failed]]]:
        """Plans rendered, of each batch, in batch order, with the subscriptions that failed (``prepare_each``)."""
        yield from self._ordered([self._executor.submit(_prepare, b, as_of) for b in batches])

    @staticmethod
    def _ordered(futures: list[Future[T]]) -> Iterator[T]:
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

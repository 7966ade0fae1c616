"""Ctrl-C and the digest run's worker processes (``matcher.digest.workers``).

A terminal's Ctrl-C sends SIGINT to the whole process group, workers included. In a worker it was a
KeyboardInterrupt that came back from the batch's future and ended the job with a traceback, even in
``matcher schedule``, whose own handler lets the job in progress finish (found by the digest helper session).
Workers now leave SIGINT to the run's process, which alone decides what it means; and a pool left by an
exception (Ctrl-C in the run's process, a lost lease) ends its workers at once instead of waiting for the batches
they are ranking, whose plans nobody would read."""

from __future__ import annotations

import os
import signal
import time

import pytest

from matcher.digest.workers import PlanningPool
from matcher.pipeline import Matcher
from matcher.store.subscriptions import Subscription


def pid_after(seconds: float) -> int:
    """A worker's pid, once it has worked ``seconds`` (so that the pool's other worker takes the next task)."""
    time.sleep(seconds)
    return os.getpid()


def started_workers(pool: PlanningPool) -> set[int]:
    """The pids of the pool's workers, once each has run its initializer (a task runs only after it)."""
    seen: set[int] = set()
    while len(seen) < pool.workers:
        futures = [pool._executor.submit(pid_after, 0.2) for _ in range(pool.workers)]
        seen |= {future.result(timeout=120) for future in futures}
    return seen


@pytest.mark.slow
def test_sigint_reaching_the_workers_leaves_their_batches_to_finish(
    demo: Matcher, subscribed: dict[str, Subscription]
) -> None:
    batches = [[s] for s in subscribed.values()]
    with PlanningPool(demo.settings, 2) as pool:
        for pid in started_workers(pool):
            os.kill(pid, signal.SIGINT)  # what Ctrl-C in the terminal does to every process of the group
        try:
            results = list(pool.prepare(batches, demo.settings.now()))
        except BaseException as exc:  # noqa: BLE001 (a KeyboardInterrupt here must fail the test, not end the run)
            pytest.fail(f"a worker's SIGINT came back as {type(exc).__name__}: {exc}")
    assert [len(prepared) for prepared, _ in results] == [1] * len(batches)
    assert all(failed == [] for _, failed in results)


@pytest.mark.slow
def test_a_pool_left_by_an_exception_ends_its_workers_at_once(demo: Matcher) -> None:
    with pytest.raises(KeyboardInterrupt), PlanningPool(demo.settings, 2) as pool:
        started_workers(pool)
        workers = dict(pool._executor._processes)
        raise KeyboardInterrupt  # Ctrl-C in the run's own process
    assert [process.exitcode for process in workers.values()] == [-signal.SIGTERM] * 2

"""Concurrent requests for the same uncached answer share one computation ("single flight").

When every cached recommendation becomes unreachable at once (an import's notices are committed, a new index
build is swapped in: the cache key holds both), each request in flight missed the cache and ranked the same
firm again: at 64 connections over six firms, a serving process ranked about 32 times what 6 rankings
answer, and requests queued behind them for seconds (issue 15 item 10; BENCHMARKS.md part 7). Now the first
request for a key starts the computation as a task of its own, and the others await that task.

The task belongs to no request: a client that disconnects cancels only its own wait (``asyncio.shield``),
never the ranking the others are waiting for, and the result still reaches the cache. An exception reaches
every waiter. Tasks live on the event loop that started them; a task of another loop (a test client that
opened and closed its own) is never awaited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class SingleFlight(Generic[V]):
    """At most one running computation per key in this process; later callers await the running one."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Task[V]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: Hashable, compute: Callable[[], Coroutine[Any, Any, V]]) -> V:
        """``compute()``'s value for ``key``, computed once for every caller that asks while it runs."""
        task = self._running.get(key)
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            task = asyncio.get_running_loop().create_task(compute())
            self._running[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        return await asyncio.shield(task)

    def _forget(self, key: Hashable, task: asyncio.Task[V]) -> None:
        if self._running.get(key) is task:
            del self._running[key]

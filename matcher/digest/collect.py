"""Garbage collection around batch ranking: paused during a batch, run once after it, survivors frozen.

Ranking a batch fills per-process caches (parsed notices, their TF-IDF rows and facts) that live as long as
the process. CPython's collector re-traverses everything long-lived each time that set grows by a quarter,
so a worker filling its caches ran 13 full collections in its first 2,000 firms: 5 s of 39 s (BENCHMARKS.md,
part 5). Ranking creates few reference cycles, so the collector is paused for the batch, run once at its end
(reclaiming the batch's cycles and traversing only what the batch allocated) and what survives is frozen:
later collections skip it. 2,000 firms at 1,000,000 notices: 39 s -> 30 s.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def batch_collection() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()
        gc.freeze()

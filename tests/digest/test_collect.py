"""``batch_collection``: no automatic collection inside a batch, the batch's cycles reclaimed at its end,
what survives frozen, and the collector left as it was."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from matcher.digest.collect import batch_collection


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector can free it


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_cycles_made_in_a_batch_are_reclaimed_at_its_end_and_survivors_frozen() -> None:
    kept = []
    with batch_collection():
        assert not gc.isenabled()
        garbage = Node()
        gone = weakref.ref(garbage)
        del garbage
        for _ in range(5 * gc.get_threshold()[0]):
            kept.append(Node())  # enough allocations to trigger collections, were the collector on
        assert gone() is not None  # nothing collected during the batch
    assert gone() is None and gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)  # the survivors: later collections skip them


def test_the_collector_stays_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with batch_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

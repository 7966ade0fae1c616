"""Index catch-up (issue 15, two replicas): a home's index follows tenders written to the shared store through
another home, one process per home syncs, and a build published from an older read is verified again.

Two Matchers over one SQLite file stand for two replicas here; tests/api/test_replicas.py runs two real
servers on PostgreSQL."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.search.encoders import FakeEncoder
from matcher.services.index_catchup import LOCK_FILE, IndexCatchUp, Verified


def tender(n: int, title: str) -> Tender:
    return Tender(tender_id=f"test:{n}", source="test", title=title, buyer_country="FR")


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[Matcher, Matcher]]:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    pair = tuple(Matcher(Settings(home=tmp_path / name, database_url=url, encoder="fake"), encoder=FakeEncoder())
                 for name in ("a", "b"))
    yield pair  # type: ignore[misc]
    for matcher in pair:
        matcher.close()


def indexed(matcher: Matcher) -> set[str]:
    return set(matcher.current_index().hashes)


def test_a_home_catches_up_with_writes_through_another(replicas: tuple[Matcher, Matcher]) -> None:
    a, b = replicas
    follower = IndexCatchUp(b.catalog, interval=1.0)
    assert follower.due() is None and follower.catch_up() is None  # nothing stored: no empty index is built
    assert not b.index.exists()

    a.upsert_tenders([tender(1, "Road maintenance works"), tender(2, "Bridge inspection")])
    a.build_index()
    assert follower.due() is not None
    built = follower.catch_up()
    assert built is not None and (built.rebuilt, built.added) == (True, 2)  # B had no index: a full build
    assert indexed(b) == {"test:1", "test:2"}
    assert follower.due() is None and follower.catch_up() is None  # verified: the next checks do nothing
    assert follower.verified() == Verified(1, b.current_index().build_id)  # each write moves the counter once

    # Through A: one changed and one new (one write), then one deleted (another): the counter is 1 + 2.
    a.upsert_tenders([tender(2, "Bridge inspection and repair"), tender(3, "School canteen supplies")])
    a.delete_tenders(["test:1"])
    synced = follower.catch_up()
    assert synced is not None and (synced.rebuilt, synced.added, synced.updated, synced.removed) == (False, 1, 1, 1)
    assert indexed(b) == {"test:2", "test:3"} == indexed(a)
    assert follower.verified() == Verified(3, b.current_index().build_id)


def test_one_process_of_a_home_syncs_at_a_time(replicas: tuple[Matcher, Matcher]) -> None:
    a, b = replicas
    a.upsert_tenders([tender(1, "Road maintenance works")])
    follower = IndexCatchUp(b.catalog, interval=1.0)
    follower.folder.mkdir(parents=True, exist_ok=True)
    with (follower.folder / LOCK_FILE).open("a") as other:  # another worker of home B, mid-sync
        fcntl.flock(other, fcntl.LOCK_EX)
        assert follower.catch_up() is None and not b.index.exists()
        fcntl.flock(other, fcntl.LOCK_UN)
    assert follower.catch_up() is not None and indexed(b) == {"test:1"}


def test_a_build_from_an_older_read_of_the_store_is_verified_again(replicas: tuple[Matcher, Matcher]) -> None:
    a, b = replicas
    a.upsert_tenders([tender(1, "Road maintenance works")])
    follower = IndexCatchUp(b.catalog, interval=1.0)
    follower.catch_up()
    old = list(b.all_tenders())
    a.upsert_tenders([tender(2, "Bridge inspection")])
    follower.catch_up()
    assert indexed(b) == {"test:1", "test:2"}
    # Another writer in home B (an import job, `matcher index build`) publishes what it read before test:2.
    b.index.build(old)
    assert indexed(b) == {"test:1"}
    assert follower.due() == Verified(2, b.current_index().build_id)  # the counter it verified, another build
    repaired = follower.catch_up()
    assert repaired is not None and (repaired.added, repaired.removed) == (1, 0)
    assert indexed(b) == {"test:1", "test:2"}


def test_the_thread_follows_the_store_until_stopped(replicas: tuple[Matcher, Matcher]) -> None:
    a, b = replicas
    follower = IndexCatchUp(b.catalog, interval=0.05)
    follower.start()
    try:
        a.upsert_tenders([tender(1, "Road maintenance works")])
        deadline = time.monotonic() + 30
        while not (b.index.exists() and indexed(b) == {"test:1"}):
            assert time.monotonic() < deadline, "B's index never caught up"
            time.sleep(0.05)
    finally:
        follower.stop()
    a.upsert_tenders([tender(2, "Bridge inspection")])
    time.sleep(0.3)  # six intervals: a running thread would have synced by now
    assert indexed(b) == {"test:1"}


def test_a_sync_recorded_by_its_own_process_keeps_later_writes_due(replicas: tuple[Matcher, Matcher]) -> None:
    """An import's child syncs while it holds the home's lock and records its build before releasing it
    (``record``), with the counter it read before the sync: what was written meanwhile stays due."""
    a, b = replicas
    follower = IndexCatchUp(b.catalog, interval=1.0)
    b.upsert_tenders([tender(1, "Road maintenance works")], sync=False)
    version = follower.state().tenders_version  # read before the sync, as the child does
    built = b.build_index()
    a.upsert_tenders([tender(2, "Bridge inspection")], sync=False)  # through A while B's sync ran
    follower.record(version, built.build_id)
    assert follower.due() == Verified(version + 1, built.build_id)  # still due: the bridge is not indexed
    assert follower.catch_up() is not None and indexed(b) == {"test:1", "test:2"}
    assert follower.due() is None

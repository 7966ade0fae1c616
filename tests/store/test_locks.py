"""The lease after a kill (issue 15, item 8): a holder on this machine whose process no longer exists gives the
lock up at once; a live holder, a holder on another machine and a holder older code wrote keep it until their
lease expires. Holders are real processes killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from matcher.store._common import utcnow
from matcher.store.db import Database
from matcher.store.locks import Lease, locks
from matcher.store.process import ProcessIdentity
from tests.api.conftest import database_url  # noqa: F401  (SQLite, + PostgreSQL when configured)

ROOT = Path(__file__).parents[2]
HOLD = textwrap.dedent("""
    import sys, time
    from datetime import timedelta
    from matcher.store.db import Database
    from matcher.store.locks import Lease
    assert Lease(Database(sys.argv[1]), "job", timedelta(minutes=10)).acquire()
    print("held", flush=True)
    time.sleep(600)
""")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:  # noqa: F811 (the imported fixture)
    database = Database(database_url)
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture
def holder(db: Database) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock "job" for ten minutes, until the test kills it."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, db.url], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert process.stdout is not None and process.stdout.readline() == "held\n"
        yield process
    finally:
        process.kill()
        process.wait()


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Poll until ``condition`` holds; the deadline only keeps a broken test from hanging."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)


def test_killed_holder_gives_the_lock_up_at_once(db: Database, holder: subprocess.Popen[str]) -> None:
    lease = Lease(db, "job", timedelta(minutes=2))
    state = lease.state()
    assert state.process is not None and state.process.pid == holder.pid
    assert state.expires_at is not None and state.expires_at - utcnow() > timedelta(minutes=9)
    assert not lease.acquire()  # alive: refused

    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert lease.acquire()  # nine minutes before its lease would expire
    state = lease.state()
    assert state.holder == lease.holder and state.process == ProcessIdentity.current()
    assert not Lease(db, "job", timedelta(minutes=2)).acquire()  # and now we are the live holder


@pytest.mark.skipif(sys.platform != "linux", reason="zombies are told apart through /proc")
def test_killed_holder_not_yet_reaped_is_gone(db: Database, holder: subprocess.Popen[str]) -> None:
    holder.send_signal(signal.SIGKILL)
    os.waitid(os.P_PID, holder.pid, os.WEXITED | os.WNOWAIT)  # dead, but left a zombie: its pid still exists
    os.kill(holder.pid, 0)  # (no ProcessLookupError: the pid alone would say "alive")
    assert Lease(db, "job", timedelta(minutes=2)).acquire()


def test_live_holder_keeps_the_lock(db: Database, holder: subprocess.Popen[str]) -> None:
    taken = Lease(db, "job", timedelta(minutes=2)).state().holder
    for _ in range(3):
        assert not Lease(db, "job", timedelta(minutes=2)).acquire()
    assert holder.poll() is None and Lease(db, "job", timedelta(minutes=2)).state().holder == taken


def test_one_of_many_takes_over_from_a_killed_holder(db: Database, holder: subprocess.Popen[str]) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    barrier = threading.Barrier(8)
    won: list[bool] = []

    def claim() -> None:
        database = Database(db.url)  # own engine: separate connections, as separate processes would have
        lease = Lease(database, "job", timedelta(minutes=2))
        barrier.wait()
        won.append(lease.acquire())
        database.dispose()

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]


@pytest.mark.parametrize("elsewhere", ["another host", "same host name, another machine or pid namespace"])
def test_holder_on_another_machine_keeps_the_lock_until_it_expires(db: Database, elsewhere: str) -> None:
    here = ProcessIdentity.current()
    pid = dead_pid()  # no such process here, which says nothing about a process on another machine
    there = (ProcessIdentity(host="replica-2", pid=pid, machine=here.machine, started=here.started)
             if elsewhere == "another host" else
             ProcessIdentity(host=here.host, pid=pid, machine="another-boot pid:[1]", started="1"))
    remote = Lease(db, "job", timedelta(milliseconds=300), process=there)
    assert remote.acquire()
    lease = Lease(db, "job", timedelta(minutes=2))
    assert not lease.acquire()
    expires = remote.state().expires_at
    assert expires is not None
    wait_until(lambda: utcnow() > expires)
    assert lease.acquire()  # expired: taken as before
    assert not remote.renew()


def test_reused_pid_is_another_process(db: Database) -> None:
    """A holder whose pid now belongs to a process that started at another moment is gone (Linux, where the
    start time is known); the same pid with the same start time is the holder itself and keeps the lock."""
    here = ProcessIdentity.current()
    if here.started is None:
        pytest.skip("no process start times on this platform")
    itself = Lease(db, "job", timedelta(minutes=10), process=here)
    assert itself.acquire()
    assert not Lease(db, "job", timedelta(minutes=2)).acquire()
    itself.release()
    earlier = ProcessIdentity(host=here.host, pid=here.pid, machine=here.machine, started=str(int(here.started) - 1))
    assert Lease(db, "job", timedelta(minutes=10), process=earlier).acquire()
    assert Lease(db, "job", timedelta(minutes=2)).acquire()  # our pid, but not the process that took it


def test_holder_without_a_recorded_process_waits_for_expiry(db: Database) -> None:
    """A lock taken by older code (no lock_holders row) cannot be judged: it expires as before."""
    lease = Lease(db, "job", timedelta(minutes=2))
    assert lease.acquire()
    lease.release()
    with db.begin() as conn:
        conn.execute(update(locks).where(locks.c.name == "job")
                     .values(holder="old-run", acquired_at=utcnow(), expires_at=utcnow() + timedelta(minutes=10)))
    assert lease.state().process is None
    assert not lease.acquire()


def test_heartbeat_keeps_the_lease_through_long_work(db: Database) -> None:
    lease = Lease(db, "job", timedelta(milliseconds=400))
    assert lease.acquire()
    first = lease.state().expires_at
    assert first is not None
    other = Lease(db, "job", timedelta(minutes=2), process=ProcessIdentity(host="replica-2", pid=1))
    with lease.heartbeat() as beat:
        wait_until(lambda: utcnow() > first + timedelta(milliseconds=200))  # work longer than the lease
        renewed = lease.state().expires_at
        assert renewed is not None and renewed > utcnow()
        assert not other.acquire()
        assert not beat.lost
    stopped = lease.state().expires_at
    assert stopped is not None
    wait_until(lambda: utcnow() > stopped)
    assert other.acquire()  # no beats after the block: the lease runs out


def test_heartbeat_reports_a_lost_lease(db: Database) -> None:
    lease = Lease(db, "job", timedelta(milliseconds=400))
    assert lease.acquire()
    with lease.heartbeat() as beat:
        with db.begin() as conn:  # another holder took it (e.g. after this process was paused past the lease)
            conn.execute(update(locks).where(locks.c.name == "job").values(holder="someone-else"))
        wait_until(lambda: beat.lost)
    assert not lease.renew() and lease.state().holder == "someone-else"

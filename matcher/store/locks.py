"""Named leases in the database: one holder at a time, on SQLite and PostgreSQL alike.

A lock is a row (name, holder, expires_at). Claiming it is one atomic ``UPDATE ... WHERE holder IS NULL OR
expires_at < now``: the database serialises concurrent claims, so at most one UPDATE matches. The row is
created on first use with an INSERT that loses cleanly (IntegrityError) when another process creates it at
the same moment. A holder renews (heartbeat) before its lease runs out; a crashed holder's lease expires, so
a later run can take over without anyone clearing it by hand.

Each claim also records which process holds it (``lock_holders``: host, pid, process start time; see
``matcher.store.process``), in the same transaction. A run that finds the lock held by a process on its own
machine that provably no longer exists (``kill -9``, a power cut of a container) takes it at once, with a
compare-and-swap on the dead holder's id so that of several such runs one wins; a holder on another machine,
or one it cannot judge, keeps the lock until its lease expires. The holder's process lives in its own table,
not in new columns of ``locks``, so that databases created before it need no migration: ``create_all`` adds
the table, and a holder written by older code (no row there) simply expires as before.
"""

from __future__ import annotations

import logging
import threading
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy import Column, Connection, Integer, Row, Select, String, Table, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from matcher.store._common import utcnow
from matcher.store.metadata import UTCDateTime, metadata
from matcher.store.process import ProcessIdentity, provably_gone

log = logging.getLogger(__name__)

locks = Table(
    "locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(100)),
    Column("acquired_at", UTCDateTime),
    Column("expires_at", UTCDateTime),
)

#: The process behind the current holder of a lock; valid only while ``holder`` equals ``locks.holder``.
lock_holders = Table(
    "lock_holders",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("machine", String(200)),  # kernel boot and pid namespace (Linux), else NULL
    Column("started", String(40)),  # start time in clock ticks since boot (Linux), else NULL
)


@dataclass(frozen=True)
class LockState:
    name: str
    holder: str | None
    expires_at: datetime | None
    process: ProcessIdentity | None = None  # the holder's process, when it recorded one

    def describe(self) -> str:
        """For messages: ``pid 12 on host-a, until ...``, or the holder's id when its process is unknown."""
        who = self.process.describe() if self.process is not None else f"holder {self.holder}"
        return f"{who}, until {self.expires_at}"


class Connections(Protocol):
    """What a lease needs of ``matcher.store.db.Database``. Named by shape so that this table module does not
    import ``db``, which imports every table module to create the tables."""

    def begin(self) -> AbstractContextManager[Connection]: ...

    def connect(self) -> AbstractContextManager[Connection]: ...


class Lease:
    """One claim on a named lock. ``acquire`` and ``renew`` return False instead of raising.

    ``process`` stands for the claiming process (tests pose as another host with it); by default it is read
    afresh at each claim."""

    def __init__(
        self, db: Connections, name: str, ttl: timedelta, holder: str | None = None,
        process: ProcessIdentity | None = None,
    ) -> None:
        self.db = db
        self.name = name
        self.ttl = ttl
        self.holder = holder or uuid.uuid4().hex
        self.process = process
        self.renewed_at: datetime | None = None

    def acquire(self) -> bool:
        self._ensure_row()
        me = self.process or ProcessIdentity.current()
        now = utcnow()
        with self.db.begin() as conn:
            claimed = conn.execute(
                update(locks)
                .where(locks.c.name == self.name, or_(locks.c.holder.is_(None), locks.c.expires_at < now))
                .values(holder=self.holder, acquired_at=now, expires_at=now + self.ttl)
            ).rowcount
            if not claimed:
                claimed = self._take_from_gone(conn, me, now)
            if claimed:
                conn.execute(delete(lock_holders).where(lock_holders.c.name == self.name))
                conn.execute(insert(lock_holders).values(
                    name=self.name, holder=self.holder, host=me.host, pid=me.pid, machine=me.machine,
                    started=me.started,
                ))
        if claimed:
            self.renewed_at = now
            log.info("lock %s acquired by %s (%s)", self.name, self.holder, me.describe())
        return bool(claimed)

    def renew(self) -> bool:
        """Extend the lease; False when it was lost (it expired and someone else took it)."""
        now = utcnow()
        with self.db.begin() as conn:
            kept = conn.execute(
                update(locks).where(locks.c.name == self.name, locks.c.holder == self.holder)
                .values(expires_at=now + self.ttl)
            ).rowcount
        if kept:
            self.renewed_at = now
        return bool(kept)

    def renew_if_due(self) -> bool:
        """Heartbeat: renew once a third of the lease has passed. False when the lease was lost."""
        if self.renewed_at is not None and utcnow() - self.renewed_at < self.ttl / 3:
            return True
        return self.renew()

    def heartbeat(self, interval: timedelta | None = None) -> Heartbeat:
        """``with lease.heartbeat() as beat:`` renews from a thread while the block runs (see Heartbeat)."""
        return Heartbeat(self, interval)

    def release(self) -> None:
        with self.db.begin() as conn:
            conn.execute(delete(lock_holders).where(lock_holders.c.name == self.name,
                                                    lock_holders.c.holder == self.holder))
            conn.execute(
                update(locks).where(locks.c.name == self.name, locks.c.holder == self.holder)
                .values(holder=None, acquired_at=None, expires_at=None)
            )
        self.renewed_at = None

    def state(self) -> LockState:
        with self.db.connect() as conn:
            row = conn.execute(_with_process(self.name)).first()
        if row is None:
            return LockState(self.name, None, None)
        return LockState(self.name, row.holder, row.expires_at, _process(row))

    def _take_from_gone(self, conn: Connection, me: ProcessIdentity, now: datetime) -> int:
        """Claim a lock whose recorded holder is provably gone; 0 rows when it is not (or another run was
        quicker: the UPDATE matches only while the dead holder is still the holder)."""
        row = conn.execute(_with_process(self.name)).first()
        process = _process(row) if row is not None else None
        if row is None or process is None or not provably_gone(process, me):
            return 0
        taken = conn.execute(
            update(locks).where(locks.c.name == self.name, locks.c.holder == row.holder)
            .values(holder=self.holder, acquired_at=now, expires_at=now + self.ttl)
        ).rowcount
        if taken:
            log.warning("lock %s: its holder (%s, lease until %s) no longer exists; taken over",
                        self.name, process.describe(), row.expires_at)
        return int(taken)

    def _ensure_row(self) -> None:
        with self.db.connect() as conn:
            exists = conn.execute(select(locks.c.name).where(locks.c.name == self.name)).first()
        if exists is not None:
            return
        try:
            with self.db.begin() as conn:
                conn.execute(insert(locks).values(name=self.name, holder=None))
        except IntegrityError:
            log.debug("lock row %s created concurrently", self.name)


class Heartbeat:
    """Renews a lease every ``interval`` (default a quarter of its ttl) from a daemon thread, so a lease stays
    held through work of any length (a slow SMTP server, a long batch) for as long as the process lives.

    The work checks ``lost`` (or ``Lease.renew_if_due``) between steps and stops when the lease was lost. A
    database error in one beat is logged and tried again at the next: the lease is lost only when a renewal
    finds another holder (or it expired first, which the work's own check then sees)."""

    def __init__(self, lease: Lease, interval: timedelta | None = None) -> None:
        self.lease = lease
        self.interval = interval or lease.ttl / 4
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{lease.name}", daemon=True)

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval.total_seconds()):
            try:
                kept = self.lease.renew()
            except SQLAlchemyError as error:
                log.warning("lock %s: renewal failed, trying again in %s: %s", self.lease.name, self.interval, error)
                continue
            if not kept:
                log.error("lock %s: lease lost (it expired and another holder took it)", self.lease.name)
                self._lost.set()
                return


def _with_process(name: str) -> Select[Any]:
    """The lock's row with the process its current holder recorded (NULLs when none, or a stale record)."""
    return (
        select(locks.c.holder, locks.c.expires_at, lock_holders.c.host, lock_holders.c.pid,
               lock_holders.c.machine, lock_holders.c.started)
        .select_from(locks.outerjoin(
            lock_holders, (lock_holders.c.name == locks.c.name) & (lock_holders.c.holder == locks.c.holder)))
        .where(locks.c.name == name)
    )


def _process(row: Row[Any]) -> ProcessIdentity | None:
    if row.host is None or row.pid is None:
        return None
    return ProcessIdentity(host=row.host, pid=int(row.pid), machine=row.machine, started=row.started)

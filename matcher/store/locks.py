"""Named leases in the database: one holder at a time, on SQLite and PostgreSQL alike.

A lock is a row (name, holder, expires_at). Claiming it is one atomic ``UPDATE ... WHERE holder IS NULL OR
expires_at < now``: the database serialises concurrent claims, so at most one UPDATE matches. The row is
created on first use with an INSERT that loses cleanly (IntegrityError) when another process creates it at
the same moment. A holder renews (heartbeat) before its lease runs out; a crashed holder's lease expires, so
a later run can take over without anyone clearing it by hand.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Column, Connection, String, Table, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from matcher.store._common import utcnow
from matcher.store.metadata import UTCDateTime, metadata

log = logging.getLogger(__name__)

locks = Table(
    "locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(100)),
    Column("acquired_at", UTCDateTime),
    Column("expires_at", UTCDateTime),
)


@dataclass(frozen=True)
class LockState:
    name: str
    holder: str | None
    expires_at: datetime | None


class Connections(Protocol):
    """What a lease needs of ``matcher.store.db.Database``. Named by shape so that this table module does not
    import ``db``, which imports every table module to create the tables."""

    def begin(self) -> AbstractContextManager[Connection]: ...

    def connect(self) -> AbstractContextManager[Connection]: ...


class Lease:
    """One claim on a named lock. ``acquire`` and ``renew`` return False instead of raising."""

    def __init__(self, db: Connections, name: str, ttl: timedelta, holder: str | None = None) -> None:
        self.db = db
        self.name = name
        self.ttl = ttl
        self.holder = holder or uuid.uuid4().hex
        self.renewed_at: datetime | None = None

    def acquire(self) -> bool:
        self._ensure_row()
        now = utcnow()
        with self.db.begin() as conn:
            claimed = conn.execute(
                update(locks)
                .where(locks.c.name == self.name, or_(locks.c.holder.is_(None), locks.c.expires_at < now))
                .values(holder=self.holder, acquired_at=now, expires_at=now + self.ttl)
            ).rowcount
        if claimed:
            self.renewed_at = now
            log.info("lock %s acquired by %s", self.name, self.holder)
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

    def release(self) -> None:
        with self.db.begin() as conn:
            conn.execute(
                update(locks).where(locks.c.name == self.name, locks.c.holder == self.holder)
                .values(holder=None, acquired_at=None, expires_at=None)
            )
        self.renewed_at = None

    def state(self) -> LockState:
        with self.db.connect() as conn:
            row = conn.execute(select(locks).where(locks.c.name == self.name)).first()
        if row is None:
            return LockState(self.name, None, None)
        return LockState(self.name, row.holder, row.expires_at)

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

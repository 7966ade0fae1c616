"""The scheduler's slots: which period of each scheduled job has been claimed, so each runs once.

A row per job (``feeds``, ``digest``) holds the latest slot claimed, an ISO 8601 UTC timestamp (the slot's
start: these sort as text). Claiming a slot is one ``UPDATE ... WHERE slot < :slot``: of several schedulers
claiming the same slot at once the database lets exactly one UPDATE match, and a slot never moves backwards
(a scheduler with a slow clock cannot re-run a period another already ran). Unlike a lease nothing expires
or is released: a restarted scheduler sees the slot taken, and the next period is a new slot.
"""

from __future__ import annotations

import logging

from sqlalchemy import Column, Connection, String, Table, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from matcher.store._common import utcnow
from matcher.store.metadata import UTCDateTime, metadata

log = logging.getLogger(__name__)

schedule_slots = Table(
    "schedule_slots",
    metadata,
    Column("job", String(40), primary_key=True),
    Column("slot", String(40)),
    Column("claimed_at", UTCDateTime),
)


def claim(conn: Connection, job: str, slot: str) -> bool:
    """True when this caller claimed ``slot`` of ``job`` (no one had claimed it or a later one)."""
    if conn.execute(select(schedule_slots.c.job).where(schedule_slots.c.job == job)).first() is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(schedule_slots).values(job=job, slot=slot, claimed_at=utcnow()))
            return True
        except IntegrityError:
            log.debug("slot row %s created concurrently", job)
    return bool(conn.execute(
        update(schedule_slots)
        .where(schedule_slots.c.job == job, or_(schedule_slots.c.slot.is_(None), schedule_slots.c.slot < slot))
        .values(slot=slot, claimed_at=utcnow())
    ).rowcount)


def claimed(conn: Connection, job: str) -> str | None:
    row = conn.execute(select(schedule_slots.c.slot).where(schedule_slots.c.job == job)).first()
    return None if row is None else row.slot

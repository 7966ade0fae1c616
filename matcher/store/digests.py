"""The digest log: every digest email, its state, and the tenders it carried.

A digest row is written as ``pending`` (with the rendered message) in the same transaction as its items,
before anything is sent; it becomes ``sent`` once the SMTP server (or the outbox) has accepted it, and the
stored message is then dropped. ``digest_items`` has a unique key on (subscription, tender), so the
database itself refuses to put one tender into two digests of the same subscription. A digest that failed
for good (the server refused the recipient) releases its items, so they can go out in a later digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row

from matcher.store._common import chunks, utcnow
from matcher.store.metadata import IdText, UTCDateTime, metadata

DigestStatus = Literal["pending", "sent", "failed", "cancelled"]
#: Statuses whose items count as delivered (or about to be): never put them in another digest.
HOLDING: tuple[DigestStatus, ...] = ("pending", "sent")

digests = Table(
    "digests",
    metadata,
    Column("digest_id", String(64), primary_key=True),
    Column("subscription_id", String(32), nullable=False),
    Column("firm_id", IdText(), nullable=False),
    Column("email", String(320), nullable=False),
    Column("status", String(10), nullable=False),
    Column("as_of", UTCDateTime, nullable=False),
    Column("message_id", String(300), nullable=False),
    Column("subject", Text, nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("message", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Index("ix_digests_subscription", "subscription_id", "status"),
    Index("ix_digests_status", "status"),
)

digest_items = Table(
    "digest_items",
    metadata,
    Column("digest_id", String(64), primary_key=True),
    Column("tender_id", IdText(), primary_key=True),
    Column("subscription_id", String(32), nullable=False),
    Column("position", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("approved", Boolean, nullable=False),
    UniqueConstraint("subscription_id", "tender_id", name="uq_digest_items_subscription_tender"),
)


@dataclass(frozen=True)
class DigestItemRecord:
    tender_id: str
    position: int
    score: float
    approved: bool


@dataclass(frozen=True)
class DigestRecord:
    digest_id: str
    subscription_id: str
    firm_id: str
    email: str
    as_of: datetime
    message_id: str
    subject: str
    message: str | None
    items: tuple[DigestItemRecord, ...] = ()
    status: DigestStatus = "pending"
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None


class DigestRepository:
    """Queries over the digest log. Every method takes the connection of the caller's transaction."""

    def record_pending(self, conn: Connection, record: DigestRecord) -> None:
        """The digest and its items, before sending. Raises IntegrityError if an item was already sent."""
        conn.execute(insert(digests).values(
            digest_id=record.digest_id, subscription_id=record.subscription_id, firm_id=record.firm_id,
            email=record.email, status="pending", as_of=record.as_of, message_id=record.message_id,
            subject=record.subject, item_count=len(record.items), message=record.message, attempts=0,
            created_at=utcnow(),
        ))
        if record.items:
            conn.execute(insert(digest_items), [
                {"digest_id": record.digest_id, "subscription_id": record.subscription_id,
                 "tender_id": i.tender_id, "position": i.position, "score": i.score, "approved": i.approved}
                for i in record.items
            ])

    def record_failed(self, conn: Connection, record: DigestRecord) -> None:
        """A digest that could not be prepared (its ranking or rendering failed): kept with its error and no
        items. ``failed`` holds nothing (``HOLDING``), so the subscription stays due."""
        conn.execute(insert(digests).values(
            digest_id=record.digest_id, subscription_id=record.subscription_id, firm_id=record.firm_id,
            email=record.email, status="failed", as_of=record.as_of, message_id=record.message_id,
            subject=record.subject, item_count=0, message=None, attempts=0,
            last_error=(record.last_error or "")[:2000], created_at=utcnow(),
        ))

    def pending(self, conn: Connection) -> list[DigestRecord]:
        """Digests written but not yet accepted by the server, oldest first."""
        rows = conn.execute(
            select(digests).where(digests.c.status == "pending").order_by(digests.c.created_at, digests.c.digest_id)
        )
        return [self._record(conn, r, with_items=False) for r in rows]

    def get(self, conn: Connection, digest_id: str) -> DigestRecord | None:
        row = conn.execute(select(digests).where(digests.c.digest_id == digest_id)).first()
        return self._record(conn, row) if row is not None else None

    def for_subscription(self, conn: Connection, subscription_id: str) -> list[DigestRecord]:
        rows = conn.execute(
            select(digests).where(digests.c.subscription_id == subscription_id).order_by(digests.c.created_at)
        )
        return [self._record(conn, r) for r in rows]

    def held_items(self, conn: Connection, subscription_ids: Sequence[str]) -> dict[str, set[str]]:
        """subscription_id -> tenders already in a pending or sent digest (never to be sent again)."""
        found: dict[str, set[str]] = {s: set() for s in subscription_ids}
        for part in chunks(list(subscription_ids)):
            rows = conn.execute(
                select(digest_items.c.subscription_id, digest_items.c.tender_id)
                .where(digest_items.c.subscription_id.in_(part))
            )
            for row in rows:
                found[row.subscription_id].add(row.tender_id)
        return found

    def last_as_of(self, conn: Connection, subscription_ids: Sequence[str]) -> dict[str, datetime]:
        """subscription_id -> the moment of its latest pending or sent digest (absent: never sent)."""
        found: dict[str, datetime] = {}
        for part in chunks(list(subscription_ids)):
            rows = conn.execute(
                select(digests.c.subscription_id, func.max(digests.c.as_of).label("last"))
                .where(digests.c.subscription_id.in_(part), digests.c.status.in_(HOLDING))
                .group_by(digests.c.subscription_id)
            )
            for row in rows:
                found[row.subscription_id] = row.last
        return found

    def mark_sent(self, conn: Connection, digest_id: str) -> bool:
        """pending -> sent (the stored message is dropped); False if it was not pending any more."""
        result = conn.execute(
            update(digests).where(digests.c.digest_id == digest_id, digests.c.status == "pending")
            .values(status="sent", sent_at=utcnow(), message=None, attempts=digests.c.attempts + 1)
        )
        return result.rowcount > 0

    def note_failure(self, conn: Connection, digest_id: str, error: str, final: bool) -> None:
        """Record a failed attempt. A final failure releases the items for a later digest."""
        values: dict[str, object] = {"attempts": digests.c.attempts + 1, "last_error": error[:2000]}
        if final:
            values.update(status="failed", message=None)
            conn.execute(delete(digest_items).where(digest_items.c.digest_id == digest_id))
        conn.execute(update(digests).where(digests.c.digest_id == digest_id).values(**values))

    def cancel(self, conn: Connection, digest_id: str) -> None:
        """A pending digest whose subscription ended before it could be sent: drop it and free its items."""
        conn.execute(delete(digest_items).where(digest_items.c.digest_id == digest_id))
        conn.execute(
            update(digests).where(digests.c.digest_id == digest_id, digests.c.status == "pending")
            .values(status="cancelled", message=None)
        )

    def _record(self, conn: Connection, row: Row[Any], with_items: bool = True) -> DigestRecord:
        items: tuple[DigestItemRecord, ...] = ()
        digest_id = str(row.digest_id)
        if with_items:
            item_rows = conn.execute(
                select(digest_items).where(digest_items.c.digest_id == digest_id).order_by(digest_items.c.position)
            )
            items = tuple(DigestItemRecord(r.tender_id, r.position, r.score, r.approved) for r in item_rows)
        values = {c.name: getattr(row, c.name) for c in digests.columns}
        for name in ("item_count", "created_at"):
            values.pop(name)
        return DigestRecord(**values, items=items)

"""Partner shortlists and the feedback log their decisions leave behind.

A shortlist item is one tender proposed for one firm, with a status (proposed, approved, rejected), a note,
who decided and when. Every proposal and decision is also appended to ``feedback_events``, which ranking
and re-ranker training read: the log is never rewritten, so a decision that is later reversed still
counts as what it was at the time.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from matcher.store import versions
from matcher.store._common import utcnow
from matcher.store.metadata import IdText, UTCDateTime, metadata

Status = Literal["proposed", "approved", "rejected"]
STATUSES: tuple[Status, ...] = ("proposed", "approved", "rejected")

shortlist_items = Table(
    "shortlist_items",
    metadata,
    Column("firm_id", IdText(), primary_key=True),
    Column("tender_id", IdText(), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("score", Float),
    Column("proposed_by", String(200), nullable=False),
    Column("proposed_at", UTCDateTime, nullable=False),
    Column("decided_by", String(200)),
    Column("decided_at", UTCDateTime),
    Index("ix_shortlist_firm_status", "firm_id", "status"),
)

feedback_events = Table(
    "feedback_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("firm_id", IdText(), nullable=False),
    Column("tender_id", IdText(), nullable=False),
    Column("decision", String(10), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("score", Float),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_feedback_firm", "firm_id"),
)


@dataclass(frozen=True)
class ShortlistItem:
    firm_id: str
    tender_id: str
    status: Status
    note: str
    score: float | None
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None

    @property
    def version(self) -> str:
        """A version of the stored item: a hash of its row, so it changes exactly when the row does (a decision, a
        note replaced; the API's ETag). Computed from the row as read, the same on SQLite and PostgreSQL (aware UTC
        datetimes, ``UTCDateTime``)."""
        row = [self.firm_id, self.tender_id, self.status, self.note, self.score, self.proposed_by,
               self.proposed_at.isoformat(), self.decided_by,
               None if self.decided_at is None else self.decided_at.isoformat()]
        return hashlib.sha256(json.dumps(row).encode()).hexdigest()[:32]


class Decision(NamedTuple):
    """What ``ShortlistRepository.decide`` found and did: the item as stored after it, and whether the decision
    was made (False: the stored item was none of the versions it was to be made on, and nothing was written)."""

    item: ShortlistItem
    made: bool


@dataclass(frozen=True)
class FeedbackEvent:
    firm_id: str
    tender_id: str
    decision: Status
    actor: str
    note: str
    score: float | None
    created_at: datetime


class Proposal(NamedTuple):
    """One tender to put on a shortlist, with the score it was ranked at (None: proposed without a ranking)."""

    tender_id: str
    score: float | None = None


def _item(row: object) -> ShortlistItem:
    return ShortlistItem(**{c.name: getattr(row, c.name) for c in shortlist_items.columns})


class ShortlistRepository:
    """Shortlist items per firm plus the append-only feedback log."""

    def propose(
        self, conn: Connection, firm_id: str, tender_id: str, actor: str, note: str = "",
        score: float | None = None,
    ) -> tuple[ShortlistItem, bool]:
        """Add a tender to a firm's shortlist: ``propose_many`` of one."""
        return self.propose_many(conn, firm_id, [Proposal(tender_id, score)], actor, note)[0]

    def propose_many(
        self, conn: Connection, firm_id: str, proposals: Sequence[Proposal], actor: str, note: str = "",
    ) -> builtins.list[tuple[ShortlistItem, bool]]:
        """Add tenders to a firm's shortlist in the order proposed (an existing item keeps its status; its note is
        updated), each with whether this call added it. An item another transaction added after this one looked,
        as when one notice is proposed twice at the same moment, is found existing: a second row, or an
        IntegrityError, never.

        Two calls at the same moment never wait for each other in a circle (PostgreSQL would fail one): items
        are written in tender-id order whatever the proposals' order (two batches sharing notices in opposite
        orders each held a row the other waited for), each stamped ``proposed_at`` in the proposals' order, and
        logged in it once every item is written; the decisions counter, the one row every proposal and decision
        writes, is bumped once, last (held while waiting for another's item, it deadlocked a batch with a single
        proposal of one notice)."""
        now = utcnow()
        written: dict[int, tuple[ShortlistItem, bool]] = {}
        for i in sorted(range(len(proposals)), key=lambda i: proposals[i].tender_id):
            written[i] = self._put(conn, firm_id, proposals[i], actor, note, now + timedelta(microseconds=i))
        stored = [written[i] for i in range(len(proposals))]
        for (item, created), proposal in zip(stored, proposals, strict=True):
            if created:
                self._log(conn, firm_id, item.tender_id, "proposed", actor, note, proposal.score, item.proposed_at)
        if any(created for _, created in stored):
            versions.bump(conn, "decisions")
        return stored

    def _put(self, conn: Connection, firm_id: str, proposal: Proposal, actor: str, note: str, at: datetime
             ) -> tuple[ShortlistItem, bool]:
        tender_id, score = proposal
        existing = self.get(conn, firm_id, tender_id)
        created = existing is None and self._inserted(conn, dict(
            firm_id=firm_id, tender_id=tender_id, status="proposed", note=note, score=score, proposed_by=actor,
            proposed_at=at,
        ))
        if not created and note and note != (existing or self._stored(conn, firm_id, tender_id)).note:
            conn.execute(update(shortlist_items).where(*self._key(firm_id, tender_id)).values(note=note))
        return self._stored(conn, firm_id, tender_id), created

    def _inserted(self, conn: Connection, values: dict[str, object]) -> bool:
        """Insert a new item; False when the primary key refuses it, because another transaction committed the same
        item after this one looked. Only PostgreSQL (read committed) lets that happen: a writing transaction on
        SQLite holds the write lock from its first read (``Database.begin``). The savepoint keeps this one's
        transaction usable after the refusal."""
        try:
            with conn.begin_nested():
                conn.execute(insert(shortlist_items).values(**values))
        except IntegrityError:
            if self.get(conn, str(values["firm_id"]), str(values["tender_id"])) is None:
                raise  # refused for another reason than the item being there
            return False
        return True

    def _stored(self, conn: Connection, firm_id: str, tender_id: str) -> ShortlistItem:
        item = self.get(conn, firm_id, tender_id)
        assert item is not None  # found or written earlier in this transaction
        return item

    def decide(
        self, conn: Connection, firm_id: str, tender_id: str, status: Status, actor: str, note: str | None = None,
        if_version: Collection[str] | None = None,
    ) -> Decision | None:
        """Set an item's status; None when the item does not exist. Every decision is logged. With ``if_version``,
        only while the stored item is one of those versions (``ShortlistItem.version``): else nothing is written
        and the Decision is not ``made``. The item is read locked for update (PostgreSQL; a writing transaction on
        SQLite holds the write lock from its first statement), so the version compared is the one overwritten: a
        decision committed by another transaction meanwhile is waited for and read."""
        existing = self.get(conn, firm_id, tender_id, for_update=True)
        if existing is None:
            return None
        if if_version is not None and existing.version not in if_version:
            return Decision(existing, made=False)
        now = utcnow()
        values: dict[str, object] = {"status": status, "decided_by": actor, "decided_at": now}
        if note is not None:
            values["note"] = note
        conn.execute(update(shortlist_items).where(*self._key(firm_id, tender_id)).values(**values))
        self._log(conn, firm_id, tender_id, status, actor, note or "", existing.score, now)
        versions.bump(conn, "decisions")
        return Decision(self._stored(conn, firm_id, tender_id), made=True)

    def get(self, conn: Connection, firm_id: str, tender_id: str, for_update: bool = False) -> ShortlistItem | None:
        """The stored item; ``for_update``: its row locked until ``conn``'s transaction ends (PostgreSQL; SQLite
        has no row locks and ignores it)."""
        query = select(shortlist_items).where(*self._key(firm_id, tender_id))
        row = conn.execute(query.with_for_update() if for_update else query).first()
        return _item(row) if row is not None else None

    def list(self, conn: Connection, firm_id: str, status: Status | None = None) -> list[ShortlistItem]:
        query = select(shortlist_items).where(shortlist_items.c.firm_id == firm_id)
        if status is not None:
            query = query.where(shortlist_items.c.status == status)
        query = query.order_by(shortlist_items.c.proposed_at, shortlist_items.c.tender_id)
        return [_item(r) for r in conn.execute(query)]

    def statuses(self, conn: Connection, firm_ids: builtins.list[str]) -> dict[str, dict[str, Status]]:
        """firm_id -> {tender_id: status}, for ranking and digests (one query for many firms)."""
        found: dict[str, dict[str, Status]] = {f: {} for f in firm_ids}
        rows = conn.execute(
            select(shortlist_items.c.firm_id, shortlist_items.c.tender_id, shortlist_items.c.status)
            .where(shortlist_items.c.firm_id.in_(firm_ids))
        )
        for row in rows:
            found[row.firm_id][row.tender_id] = row.status
        return found

    def events(
        self, conn: Connection, before: datetime | None = None, firm_id: str | None = None
    ) -> builtins.list[FeedbackEvent]:
        """The feedback log in order; optionally one firm's, or only events before a moment (time-split
        training)."""
        query = select(feedback_events).order_by(feedback_events.c.event_id)
        if firm_id is not None:
            query = query.where(feedback_events.c.firm_id == firm_id)
        if before is not None:
            query = query.where(feedback_events.c.created_at < before)
        return [
            FeedbackEvent(r.firm_id, r.tender_id, r.decision, r.actor, r.note, r.score, r.created_at)
            for r in conn.execute(query)
        ]

    def _log(
        self, conn: Connection, firm_id: str, tender_id: str, decision: Status, actor: str, note: str,
        score: float | None, at: datetime,
    ) -> None:
        conn.execute(insert(feedback_events).values(
            firm_id=firm_id, tender_id=tender_id, decision=decision, actor=actor, note=note, score=score,
            created_at=at,
        ))

    @staticmethod
    def _key(firm_id: str, tender_id: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
        return (shortlist_items.c.firm_id == firm_id, shortlist_items.c.tender_id == tender_id)

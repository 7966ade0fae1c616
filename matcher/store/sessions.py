"""The web workspace's state: sign-in sessions and when each person last opened each firm's page.

A session row is found by the sha256 of its id, never the id itself: the id is the cookie's value and is
shown to nobody else, so a copy of this table does not let anyone sign in. A session names the API key it
was opened with (``key_id``), so revoking the key ends its sessions (``matcher.services.sessions`` checks
the key on every request). Visits are kept per principal *name* and firm (a partner's rotated key keeps
its visits, as it keeps its assignments) and say which recommendations are new to that person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Connection, ForeignKey, Index, String, Table, delete, insert, select, update

from matcher.store import tenders
from matcher.store._common import chunks
from matcher.store.metadata import IdText, UTCDateTime, metadata

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("key_id", String(32), nullable=False),
    # A per-session secret every form and state-changing request must echo; it is rendered into pages, so
    # it is stored as it is (it is useless without the session cookie it belongs to).
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_web_sessions_key", "key_id"),
    Index("ix_web_sessions_expires", "expires_at"),
)

web_visits = Table(
    "web_visits",
    metadata,
    Column("principal", String(200), primary_key=True),
    Column("firm_id", IdText(), ForeignKey("firms.firm_id", ondelete="CASCADE"), primary_key=True),
    Column("visited_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class SessionRow:
    session_hash: str
    key_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


class SessionRepository:
    """Queries over sessions and visits. Every method takes the connection of the caller's transaction."""

    def add(self, conn: Connection, row: SessionRow) -> None:
        conn.execute(insert(web_sessions).values(**row.__dict__))

    def get(self, conn: Connection, session_hash: str) -> SessionRow | None:
        row = conn.execute(select(web_sessions).where(web_sessions.c.session_hash == session_hash)).first()
        if row is None:
            return None
        return SessionRow(**{c.name: getattr(row, c.name) for c in web_sessions.columns})

    def delete(self, conn: Connection, session_hash: str) -> bool:
        result = conn.execute(delete(web_sessions).where(web_sessions.c.session_hash == session_hash))
        return int(result.rowcount) > 0

    def purge_expired(self, conn: Connection, now: datetime) -> int:
        result = conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
        return int(result.rowcount)

    def last_visit(self, conn: Connection, principal: str, firm_id: str) -> datetime | None:
        found: datetime | None = conn.execute(
            select(web_visits.c.visited_at).where(web_visits.c.principal == principal, web_visits.c.firm_id == firm_id)
        ).scalar()
        return found

    def record_visit(self, conn: Connection, principal: str, firm_id: str, at: datetime) -> None:
        key = (web_visits.c.principal == principal, web_visits.c.firm_id == firm_id)
        if conn.execute(update(web_visits).where(*key).values(visited_at=at)).rowcount == 0:
            conn.execute(insert(web_visits).values(principal=principal, firm_id=firm_id, visited_at=at))

    def stored_after(self, conn: Connection, tender_ids: Sequence[str], moment: datetime) -> set[str]:
        """Of these tenders, the ones first stored after ``moment`` (an update keeps its first time)."""
        table = tenders.tenders
        found: set[str] = set()
        for part in chunks(list(tender_ids)):
            rows = conn.execute(
                select(table.c.tender_id).where(table.c.tender_id.in_(part), table.c.created_at > moment)
            )
            found.update(r.tender_id for r in rows)
        return found

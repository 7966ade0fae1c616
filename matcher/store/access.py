"""API keys (stored only as hashes) and the partner -> firm assignments that scope what a partner sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)

from matcher.store._common import utcnow
from matcher.store.metadata import IdText, UTCDateTime, metadata

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(10), nullable=False),
    Column("firm_id", IdText()),
    # sha256 hex of the secret part of the key; the plaintext is shown once and never stored.
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("ix_api_keys_name", "name"),
)

partner_firms = Table(
    "partner_firms",
    metadata,
    Column("partner", String(200), primary_key=True),
    Column("firm_id", IdText(), ForeignKey("firms.firm_id", ondelete="CASCADE"), primary_key=True),
    Column("assigned_by", String(200), nullable=False),
    Column("assigned_at", UTCDateTime, nullable=False),
    Index("ix_partner_firms_firm", "firm_id"),
)


@dataclass(frozen=True)
class KeyRow:
    key_id: str
    name: str
    role: str
    firm_id: str | None
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None


def _key(row: object) -> KeyRow:
    return KeyRow(**{c.name: getattr(row, c.name) for c in api_keys.columns})


class AccessRepository:
    """Queries over keys and assignments. Every method takes the connection of the caller's transaction."""

    def add_key(self, conn: Connection, row: KeyRow) -> None:
        conn.execute(insert(api_keys).values(**row.__dict__))

    def get_key(self, conn: Connection, key_id: str) -> KeyRow | None:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
        return _key(row) if row is not None else None

    def keys(self, conn: Connection, name: str | None = None, include_revoked: bool = False) -> list[KeyRow]:
        query = select(api_keys).order_by(api_keys.c.name, api_keys.c.created_at)
        if name is not None:
            query = query.where(api_keys.c.name == name)
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        return [_key(r) for r in conn.execute(query)]

    def revoke(self, conn: Connection, key_ids: list[str]) -> int:
        if not key_ids:
            return 0
        result = conn.execute(
            update(api_keys)
            .where(api_keys.c.key_id.in_(key_ids), api_keys.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        return int(result.rowcount)

    def assign(self, conn: Connection, partner: str, firm_id: str, actor: str) -> bool:
        """True when the assignment is new (assigning twice is harmless)."""
        exists = conn.execute(
            select(partner_firms.c.firm_id).where(
                partner_firms.c.partner == partner, partner_firms.c.firm_id == firm_id
            )
        ).first()
        if exists is not None:
            return False
        conn.execute(insert(partner_firms).values(
            partner=partner, firm_id=firm_id, assigned_by=actor, assigned_at=utcnow()
        ))
        return True

    def unassign(self, conn: Connection, partner: str, firm_id: str) -> bool:
        result = conn.execute(
            delete(partner_firms)
            .where(partner_firms.c.partner == partner, partner_firms.c.firm_id == firm_id)
        )
        return int(result.rowcount) > 0

    def firms_of(self, conn: Connection, partner: str) -> list[str]:
        rows = conn.execute(
            select(partner_firms.c.firm_id)
            .where(partner_firms.c.partner == partner)
            .order_by(partner_firms.c.firm_id)
        )
        return [r.firm_id for r in rows]

    def is_assigned(self, conn: Connection, partner: str, firm_id: str) -> bool:
        row = conn.execute(
            select(partner_firms.c.firm_id).where(
                partner_firms.c.partner == partner, partner_firms.c.firm_id == firm_id
            )
        ).first()
        return row is not None

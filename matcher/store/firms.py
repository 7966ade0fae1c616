"""Firm profiles: one row each, the full profile as JSON."""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Connection, String, Table, Text, bindparam, delete, func, insert, select, update

from matcher.schema import FirmProfile, IngestReport
from matcher.store import records, versions
from matcher.store._common import chunks, content_hashes, insert_new, utcnow
from matcher.store.metadata import IdText, UTCDateTime, metadata

firms = Table(
    "firms",
    metadata,
    Column("firm_id", IdText(), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)


class FirmRepository:
    """Queries over firm profiles. Every method takes the connection of the caller's transaction."""

    def upsert(self, conn: Connection, items: Iterable[FirmProfile]) -> IngestReport:
        """Insert new firms, update changed ones, leave identical ones alone.

        Another writer may store a firm of ``items`` after this one read it (PostgreSQL, read committed): the
        report and the store are then those of this batch written after the other's. New firms are inserted in id
        order (two batches inserting in their own orders each held a firm the other needed next: a deadlock), and
        one the other inserted meanwhile is not inserted again (its key broke, and the batch with it) but read
        again, locked, and counted unchanged or updated. Firms to update are locked and read again in id order
        first: another writer may have changed one to this batch's profile (unchanged, not updated) or deleted it
        (new: the update wrote no row, and the firm was lost)."""
        now = utcnow()
        latest = {f.firm_id: {"firm_id": f.firm_id, "name": f.name, "content_hash": f.content_hash(),
                              "data": f.model_dump_json(), "updated_at": now} for f in items}
        existing = content_hashes(conn, firms.c.firm_id, list(latest))
        stale = sorted(k for k, row in latest.items() if k in existing and existing[k] != row["content_hash"])
        if stale:  # changed (perhaps to this batch's profile), or deleted (then new), by another writer since
            existing = {**{k: h for k, h in existing.items() if k not in stale},
                        **content_hashes(conn, firms.c.firm_id, stale, lock=True)}
        fresh = [{**row, "created_at": now} for firm_id, row in sorted(latest.items()) if firm_id not in existing]
        meanwhile = {fid for fid, in insert_new(conn, firms, [firms.c.firm_id], fresh)}
        existing.update(content_hashes(conn, firms.c.firm_id, sorted(meanwhile), lock=True) if meanwhile else {})
        changed = [row for firm_id, row in sorted(latest.items())
                   if firm_id in existing and existing[firm_id] != row["content_hash"]]
        if changed:
            columns: dict[str, Any] = {k: bindparam(f"new_{k}") for k in changed[0] if k != "firm_id"}
            conn.execute(update(firms).where(firms.c.firm_id == bindparam("old_firm_id")).values(columns),
                         [{"old_firm_id": row["firm_id"], **{f"new_{k}": v for k, v in row.items() if k != "firm_id"}}
                          for row in changed])
        report = IngestReport(new=len(fresh) - len(meanwhile), updated=len(changed))
        report.unchanged = len(latest) - report.new - report.updated
        if report.new or report.updated:
            versions.bump(conn, "firms")
        return report

    def get(self, conn: Connection, firm_id: str) -> FirmProfile | None:
        stored = self.get_stored(conn, firm_id)
        return stored[0] if stored is not None else None

    def insert_new(self, conn: Connection, firm: FirmProfile) -> bool:
        """Insert ``firm`` unless a firm of its id is stored (False, nothing written)."""
        if conn.execute(select(firms.c.firm_id).where(firms.c.firm_id == firm.firm_id)).first() is not None:
            return False
        now = utcnow()
        conn.execute(insert(firms).values(firm_id=firm.firm_id, name=firm.name, content_hash=firm.content_hash(),
                                          data=firm.model_dump_json(), created_at=now, updated_at=now))
        versions.bump(conn, "firms")
        return True

    @staticmethod
    def version_of(data: str) -> str:
        """A version of a stored profile: a hash of its stored JSON (``get_stored``'s second part), so it changes
        exactly when the row's profile does (the API's ETag)."""
        return hashlib.sha256(data.encode()).hexdigest()[:32]

    def get_stored(self, conn: Connection, firm_id: str) -> tuple[FirmProfile, str] | None:
        """The stored profile and its stored JSON, which ``replace`` compares with the row's when it writes."""
        data = conn.execute(select(firms.c.data).where(firms.c.firm_id == firm_id)).scalar()
        return (_profile(firm_id, data), data) if data is not None else None

    def replace(self, conn: Connection, firm: FirmProfile, was: str) -> bool:
        """Write ``firm`` over its row only if the row still holds ``was`` (its JSON as read by ``get_stored``):
        False, and nothing written, when another transaction changed the profile since it was read. The
        comparison is made by the UPDATE itself, so it holds on SQLite and on PostgreSQL without a lock."""
        values = {"name": firm.name, "content_hash": firm.content_hash(), "data": firm.model_dump_json(),
                  "updated_at": utcnow()}
        query = update(firms).where(firms.c.firm_id == firm.firm_id, firms.c.data == was).values(**values)
        if conn.execute(query).rowcount != 1:
            return False
        versions.bump(conn, "firms")
        return True

    def get_many(self, conn: Connection, ids: list[str]) -> dict[str, FirmProfile]:
        found: dict[str, FirmProfile] = {}
        for part in chunks(ids):
            rows = conn.execute(select(firms.c.firm_id, firms.c.data).where(firms.c.firm_id.in_(part)))
            found.update({r.firm_id: _profile(r.firm_id, r.data) for r in rows})
        return found

    def list(
        self, conn: Connection, ids: builtins.list[str] | None = None, offset: int = 0, limit: int | None = None
    ) -> builtins.list[FirmProfile]:
        """Firms in id order; ``ids`` restricts the listing (a partner's assigned firms)."""
        query = select(firms.c.firm_id, firms.c.data).order_by(firms.c.firm_id).offset(offset).limit(limit)
        if ids is not None:
            query = query.where(firms.c.firm_id.in_(ids))
        return [_profile(r.firm_id, r.data) for r in conn.execute(query)]

    def count(self, conn: Connection, ids: builtins.list[str] | None = None) -> int:
        query = select(func.count()).select_from(firms)
        if ids is not None:
            query = query.where(firms.c.firm_id.in_(ids))
        return int(conn.execute(query).scalar_one())

    def delete(self, conn: Connection, firm_id: str) -> bool:
        removed = conn.execute(delete(firms).where(firms.c.firm_id == firm_id)).rowcount > 0
        if removed:
            versions.bump(conn, "firms")
        return removed


def _profile(firm_id: str, data: str) -> FirmProfile:
    """A stored profile, or the error naming its row (``matcher.store.records``)."""
    return records.read(FirmProfile, firms, {"firm_id": firm_id}, data)

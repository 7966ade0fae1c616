"""Award history and supplier identities.

- ``awards``: one row per (award x published supplier name), with the resolved supplier identity;
- ``firm_suppliers``: which supplier identities are a product firm (``firm_id``). A link is made
  automatically when a firm's name resolves to an identity that has awards (``source='name'``), or
  explicitly (``source='explicit'``, never overwritten by the automatic rule). A link removed by hand stays as
  ``source='removed'``: no link, but the automatic rule does not make it again at the next ingest.

The store persists identities; it does not decide them. The caller
(``matcher.services.awards.AwardHistory``) fits the supplier resolver on ``supplier_names`` and writes what
each name resolves to with ``set_identities``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Index,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    select,
    update,
)

from matcher.schema import Award, IngestReport
from matcher.store import records, versions
from matcher.store._common import chunks, content_hashes, insert_new, upsert_statement
from matcher.store.metadata import IdText, metadata

#: The longest supplier identity stored (``matcher.services.awards`` cuts a longer one).
IDENTITY_LENGTH = 520
#: ``firm_suppliers.source`` of a link removed by hand (``unlink``).
REMOVED = "removed"

awards = Table(
    "awards",
    metadata,
    Column("award_id", String(300), primary_key=True),
    Column("supplier", String(500), primary_key=True),
    Column("identity", String(IDENTITY_LENGTH)),
    Column("date", Date, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_awards_identity", "identity"),
)

#: An award row's key: the award's rows are read by its id (the first column), locked in this order.
_KEY = (awards.c.award_id, awards.c.supplier)

firm_suppliers = Table(
    "firm_suppliers",
    metadata,
    Column("firm_id", IdText(), primary_key=True),
    Column("identity", String(IDENTITY_LENGTH), primary_key=True),
    Column("source", String(10), nullable=False),
)


class AwardRepository:
    """Queries over award history. Every method takes the caller's connection."""

    def upsert(self, conn: Connection, items: Iterable[Award]) -> IngestReport:
        """Insert new rows, update changed ones. A new row has no identity until ``set_identities``.

        Another writer may store a row of ``items`` after this one read it (PostgreSQL, read committed): the
        report and the store are then those of this batch written after the other's. New rows are inserted in key
        order (two ingests of one file in their own orders each held a row the other needed next: a deadlock),
        and one the other inserted meanwhile is not inserted again (the key broke, and the whole ingest with it:
        one said '3312 new', the other was a traceback) but read again, locked, and counted unchanged or updated.
        Rows to update are locked and read again in key order too."""
        latest: dict[tuple[str, ...], dict[str, object]] = {(a.award_id, a.supplier): _row(a) for a in items}
        existing = content_hashes(conn, _KEY, list(latest))
        stale = sorted(k for k, row in latest.items() if k in existing and existing[k] != row["content_hash"])
        if stale:  # changed, or deleted (then new), by another writer since: read again
            existing = {**{k: h for k, h in existing.items() if k not in stale},
                        **content_hashes(conn, _KEY, stale, lock=True)}
        fresh = [row for key, row in sorted(latest.items()) if key not in existing]
        meanwhile = insert_new(conn, awards, list(_KEY), fresh)
        existing.update(content_hashes(conn, _KEY, sorted(meanwhile), lock=True) if meanwhile else {})
        changed = [row for key, row in sorted(latest.items())
                   if key in existing and existing[key] != row["content_hash"]]
        if changed:
            conn.execute(update(awards).where(awards.c.award_id == bindparam("key"),
                                              awards.c.supplier == bindparam("name"))
                         .values(date=bindparam("new_date"), content_hash=bindparam("new_hash"),
                                 data=bindparam("new_data")),
                         [{"key": row["award_id"], "name": row["supplier"], "new_date": row["date"],
                           "new_hash": row["content_hash"], "new_data": row["data"]} for row in changed])
        report = IngestReport(new=len(fresh) - len(meanwhile), updated=len(changed))
        report.unchanged = len(latest) - report.new - report.updated
        versions.bump(conn, "awards")
        return report

    def supplier_names(self, conn: Connection) -> list[str]:
        """Every distinct published supplier name stored."""
        return list(conn.execute(select(awards.c.supplier).distinct()).scalars())

    def name_identities(self, conn: Connection) -> dict[str, set[str | None]]:
        """Every distinct published supplier name stored -> the identities its rows hold now (None: a row not
        resolved yet, or not a name)."""
        found: dict[str, set[str | None]] = {}
        for name, identity in conn.execute(select(awards.c.supplier, awards.c.identity).distinct()):
            found.setdefault(name, set()).add(identity)
        return found

    def set_identities(self, conn: Connection, identities: Mapping[str, str | None]) -> None:
        """Store the identity each published supplier name resolves to (None: not a name, e.g. 'TBC'). Row by
        primary key: an update per name scanned the table (no index leads with the supplier), 4.5 minutes for
        the 10,317 names of the Canada award file's first ingest."""
        rows = [{"key": row.award_id, "name": row.supplier, "identity": identities[row.supplier]}
                for row in conn.execute(select(awards.c.award_id, awards.c.supplier)
                                        .order_by(awards.c.award_id, awards.c.supplier))  # one lock order
                if row.supplier in identities]
        if rows:
            conn.execute(update(awards).where(awards.c.award_id == bindparam("key"),
                                              awards.c.supplier == bindparam("name"))
                         .values(identity=bindparam("identity")), rows)

    def identities(self, conn: Connection) -> set[str]:
        """Every supplier identity stored awards resolve to."""
        query = select(awards.c.identity).where(awards.c.identity.is_not(None)).distinct()
        return set(conn.execute(query).scalars())

    def link_by_identity(self, conn: Connection, firms: Sequence[tuple[str, str | None]]) -> int:
        """Link (firm_id, identity its name resolves to) pairs when that identity has awards, the firm has no
        link yet and the pair's link was not removed by hand. Returns links made."""
        known = self.identities(conn)
        removed = {(r.firm_id, r.identity) for r in conn.execute(
            select(firm_suppliers.c.firm_id, firm_suppliers.c.identity).where(firm_suppliers.c.source == REMOVED))}
        made = 0
        for firm_id, identity in firms:
            if (identity is not None and identity in known and (firm_id, identity) not in removed
                    and not self.links(conn, firm_id)):
                # A link another writer made meanwhile (``link``, by hand) is kept: a plain insert broke its key
                made += not insert_new(conn, firm_suppliers, [firm_suppliers.c.firm_id, firm_suppliers.c.identity],
                                        [{"firm_id": firm_id, "identity": identity, "source": "name"}])
        if made:
            versions.bump(conn, "awards")
        return made

    def link(self, conn: Connection, firm_id: str, identity: str) -> bool:
        """Explicitly link a firm to a supplier identity, replacing its automatic link. False when the firm was
        explicitly linked to it already (nothing written)."""
        if self._source(conn, firm_id, identity) == "explicit":
            return False
        # The counter first, as an ingest takes it before its links: holding the link's row while waiting for the
        # counter, with an ingest holding the counter while waiting for that row, was a deadlock.
        versions.bump(conn, "awards")
        conn.execute(delete(firm_suppliers).where(firm_suppliers.c.firm_id == firm_id,
                                                  firm_suppliers.c.source == "name"))
        _put(conn, firm_id, identity, "explicit")
        return True

    def unlink(self, conn: Connection, firm_id: str, identity: str) -> bool:
        """Remove the firm's link to an identity, kept as removed so the name rule does not make it again. False
        when there was no such link."""
        if self._source(conn, firm_id, identity) in (None, REMOVED):
            return False
        versions.bump(conn, "awards")  # the counter first, as ``link`` takes it
        conn.execute(update(firm_suppliers).where(firm_suppliers.c.firm_id == firm_id,
                                                  firm_suppliers.c.identity == identity).values(source=REMOVED))
        return True

    def follow(self, conn: Connection, moves: Mapping[str, set[str]]) -> None:
        """Move every link (and removed link) of an identity that stored names no longer resolve to onto the
        identities they resolve to now (``moves``: old -> new; several when a short name split off), so a firm
        keeps the wins it had. A row the firm already has for a new identity is kept, unless it is a name link
        and the moved one is not."""
        rows = [row for part in chunks(list(moves))
                for row in conn.execute(select(firm_suppliers).where(firm_suppliers.c.identity.in_(part)))]
        for row in rows:
            conn.execute(delete(firm_suppliers).where(firm_suppliers.c.firm_id == row.firm_id,
                                                      firm_suppliers.c.identity == row.identity))
        for row in rows:
            for identity in sorted(moves[row.identity]):
                held = self._source(conn, row.firm_id, identity)
                if held is None or (held == "name" and row.source != "name"):
                    _put(conn, row.firm_id, identity, row.source)
        if rows:
            versions.bump(conn, "awards")

    def _source(self, conn: Connection, firm_id: str, identity: str) -> str | None:
        query = select(firm_suppliers.c.source).where(firm_suppliers.c.firm_id == firm_id,
                                                      firm_suppliers.c.identity == identity)
        return conn.execute(query).scalar_one_or_none()

    def links(self, conn: Connection, firm_id: str) -> list[str]:
        """The firm's linked identities (not those removed), sorted."""
        query = (select(firm_suppliers.c.identity)
                 .where(firm_suppliers.c.firm_id == firm_id, firm_suppliers.c.source != REMOVED)
                 .order_by(firm_suppliers.c.identity))
        return list(conn.execute(query).scalars())

    def links_many(self, conn: Connection, firm_ids: list[str]) -> dict[str, list[str]]:
        """firm_id -> its linked supplier identities, for the firms that have any (one query per 500)."""
        found: dict[str, list[str]] = {}
        for part in chunks(firm_ids):
            query = select(firm_suppliers.c.firm_id, firm_suppliers.c.identity).where(
                firm_suppliers.c.firm_id.in_(part), firm_suppliers.c.source != REMOVED)
            for firm_id, identity in conn.execute(query):
                found.setdefault(firm_id, []).append(identity)
        return found

    def wins(self, conn: Connection, identities: list[str]) -> list[Award]:
        """Every stored award of these identities, one row per award id, oldest first."""
        found: dict[str, Award] = {}
        for part in chunks(identities):
            query = (select(awards.c.award_id, awards.c.supplier, awards.c.data)
                     .where(awards.c.identity.in_(part)).order_by(awards.c.date))
            for row in conn.execute(query):
                award = _award(row.award_id, row.supplier, row.data)
                found.setdefault(award.award_id, award)
        return sorted(found.values(), key=lambda a: (a.date, a.award_id))

    def before(self, conn: Connection, day: date) -> list[Award]:
        """Every stored award row dated before ``day`` (what market priors may see)."""
        query = select(awards.c.award_id, awards.c.supplier, awards.c.data).where(awards.c.date < day)
        return [_award(r.award_id, r.supplier, r.data) for r in conn.execute(query)]

    def count(self, conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(awards)).scalar_one())


def _put(conn: Connection, firm_id: str, identity: str, source: str) -> None:
    """Store the link with this source, over the row another writer stored meanwhile: two link commands at once
    each read no link, and the second insert broke the primary key (a traceback)."""
    statement = upsert_statement(conn, firm_suppliers).values(firm_id=firm_id, identity=identity, source=source)
    conn.execute(statement.on_conflict_do_update(index_elements=[firm_suppliers.c.firm_id, firm_suppliers.c.identity],
                                                 set_={"source": source}))


def _row(award: Award) -> dict[str, object]:
    return {"award_id": award.award_id, "supplier": award.supplier, "date": award.date,
            "content_hash": award.content_hash(), "data": award.model_dump_json()}


def _award(award_id: str, supplier: str, data: str) -> Award:
    """A stored award row, or the error naming it (``matcher.store.records``)."""
    return records.read(Award, awards, {"award_id": award_id, "supplier": supplier}, data)

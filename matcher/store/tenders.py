"""Tender notices stored, read by id and deleted: each with its code and country rows, the corrections and
cancellations it makes, and its owner (``matcher.store.tender_owners``). The tables are ``tender_tables``; the
queries that filter notices and tell which are open are ``tender_filters``, which the repository extends."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from matcher.normalize.openness import today
from matcher.schema import IngestReport, Tender
from matcher.store import cancellations, corrections, notice_text, tender_owners, versions
from matcher.store._common import chunks, content_hashes, insert_new, utcnow
from matcher.store.tender_filters import TenderFilter, TenderQueries
from matcher.store.tender_tables import notice, published_by_day, stored_row, tender_codes, tender_countries, tenders

__all__ = ["TenderFilter", "TenderRepository", "tender_codes", "tender_countries", "tenders"]


class TenderRepository(TenderQueries):
    """The tender tables written and read by id (and, from ``TenderQueries``, filtered). Every method takes the
    connection of the caller's transaction."""

    def upsert(
        self, conn: Connection, items: Iterable[Tender], hashes: Mapping[str, str] | None = None,
        onto: Callable[[Tender | None, Tender], Tender] | None = None, owner: str | None = None,
    ) -> IngestReport:
        """Insert new tenders, update changed ones, leave identical ones alone (idempotent re-ingest).
        Writes are batched: one multi-row statement per table per chunk, not one round trip per tender.
        ``hashes`` (tender_id -> content hash of the record that wins) spares computing them again. ``onto``
        (stored source record or None, item) -> the notice to store: an item that changes a stored notice
        rather than replacing it (the API's batch); the stored notices it reads are locked until the caller's
        transaction ends, so that no other writer's change falls between its read and this write.

        A notice is stored with the corrections that name it applied (``matcher.store.corrections``), and
        the notices a corrigendum in ``items`` corrects are rewritten; those rewrites are not counted in
        the report, which says what became of ``items``.

        Another writer may store a notice of ``items`` after this one read it (PostgreSQL, read committed;
        SQLite's writers take turns): the report and the store are then those of this batch written after the
        other's. A notice read as new that the other inserted meanwhile is not inserted again (its key would
        break and the caller's whole transaction with it) but stored once more, over what the other stored
        (``_common.insert_new``); a notice read as changed is locked and read again before it is rewritten
        (``_relocked``).

        ``owner`` (``matcher.store.tender_owners``) is recorded as the owner of the notices this call inserts; a
        feed's write changes or closes no notice another owns: those are left out, each in the report's
        ``rejected`` with the reason."""
        given = {t.tender_id: t for t in items}  # a later record of the same id wins within a batch
        refused: list[tuple[str, str]] = []
        guarded = owner is not None and tender_owners.guarded(owner)
        read = self.hashes(conn, list(given)) if onto is None or guarded else {}  # once, for the owners and the write
        if owner is not None and guarded:
            given, refused = tender_owners.sort_out(conn, given, read, owner)
        if onto is None:
            latest, existing = given, {tid: h for tid, h in read.items() if tid in given}
        else:
            existing = self.hashes(conn, sorted(given), lock=True)
            stored = self.source_records(conn, list(existing))
            latest = {tid: onto(stored.get(tid), t) for tid, t in given.items()}
            hashes = None
        correcting = corrections.by_name(link for t in latest.values() for link in corrections.links_of(t))
        stored_links = [link for link in corrections.stored(conn, (k for t in latest.values()
                                                                    for k in corrections.keys(t)))
                        if link.corrected_by not in latest]  # a correcting notice in ``items`` replaces its links
        effective = self._apply(latest, [*stored_links, *(link for links in correcting.values() for link in links)])
        rows: dict[str, tuple[Tender, str]] = {}
        for tender_id, raw in latest.items():
            tender = effective.get(tender_id, raw)
            rows[tender_id] = (tender, hashes[tender_id] if hashes is not None and tender is raw
                               else tender.content_hash())
        if onto is None:  # the notices to rewrite, locked and read again: another writer's change may have come
            existing = self._relocked(conn, existing, {tid: h for tid, (_, h) in rows.items()})
        now = utcnow()
        # Inserted in id order: two writers inserting the same new notices in their batches' orders each held
        # one the other needed next, a deadlock.
        fresh = [{**stored_row(t, h), "created_at": now, "updated_at": now} for tid, (t, h) in sorted(rows.items())
                 if tid not in existing]
        meanwhile = {tid for tid, in insert_new(conn, tenders, [tenders.c.tender_id], fresh)}
        changed = [{**stored_row(t, h), "updated_at": now} for tid, (t, h) in rows.items()
                   if tid in existing and existing[tid] != h]
        report = IngestReport(new=len(fresh) - len(meanwhile), updated=len(changed),
                              unchanged=sum(1 for tid, (_, h) in rows.items() if existing.get(tid) == h),
                              rejected=refused)
        if owner is not None:
            tender_owners.claim(conn, [str(row["tender_id"]) for row in fresh if row["tender_id"] not in meanwhile],
                                owner)
        written = [t for tid, (t, h) in rows.items() if tid not in meanwhile and existing.get(tid) != h]
        renamed = corrections.named_by(conn, [str(row["tender_id"]) for row in changed])
        self._write(conn, changed, written)
        kept = {tid: t for tid, t in latest.items() if tid not in meanwhile}
        corrections.keep_as_published(conn, kept, set(effective))
        self._correct_stored(conn, renamed | {name for name in correcting if name not in meanwhile},
                             skip=set(latest), now=now)
        if meanwhile:  # before the counter: holding its row while waiting for a notice's, another writer holding
            again = self.upsert(conn, [given[tid] for tid in meanwhile], hashes, onto, owner)  # that one waits for it
            report.updated, report.unchanged = report.updated + again.updated, report.unchanged + again.unchanged
            report.rejected += again.rejected
            report.new += again.new  # the other writer's transaction rolled back, or its notice was deleted since
        notice_text.refresh(conn)  # the literal search's index (SQLite), in this transaction
        if written:
            versions.bump(conn, "tenders")
        return report

    def _relocked(self, conn: Connection, existing: dict[str, str], wanted: Mapping[str, str]) -> dict[str, str]:
        """``existing`` (id -> stored hash as first read) with the rows that differ from ``wanted`` locked and read
        again: changed by another writer since (perhaps to what is wanted), or deleted (then left out: new)."""
        stale = sorted(tid for tid, h in wanted.items() if tid in existing and existing[tid] != h)
        if not stale:
            return existing
        again = self.hashes(conn, stale, lock=True)
        return {**{tid: h for tid, h in existing.items() if tid not in stale}, **again}

    def _apply(self, latest: Mapping[str, Tender], links: list[corrections.Link]) -> dict[str, Tender]:
        """The notices of ``latest`` that ``links`` name, corrected."""
        named = corrections.by_name(links)
        found = {tid: [link for k in corrections.keys(t) for link in named.get(k, [])] for tid, t in latest.items()}
        return {tid: corrections.corrected(latest[tid], ls) for tid, ls in found.items() if ls}

    def _write(self, conn: Connection, changed: list[dict[str, object]], written: list[Tender]) -> None:
        """Rewrite ``changed`` rows, and write the facets and links of ``written`` (new rows are inserted first,
        ``_common.insert_new``)."""
        stale = [str(row["tender_id"]) for row in changed]
        for part in chunks(stale):
            conn.execute(delete(tender_codes).where(tender_codes.c.tender_id.in_(part)))
            conn.execute(delete(tender_countries).where(tender_countries.c.tender_id.in_(part)))
        cancellations.forget(conn, stale)
        corrections.forget(conn, stale)
        if changed:
            columns: dict[str, Any] = {k: bindparam(f"new_{k}") for k in changed[0] if k != "tender_id"}
            statement = update(tenders).where(tenders.c.tender_id == bindparam("old_tender_id")).values(columns)
            conn.execute(statement, [
                {"old_tender_id": row["tender_id"], **{f"new_{k}": v for k, v in row.items() if k != "tender_id"}}
                for row in changed
            ])
        self._write_facets(conn, written)

    def _correct_stored(self, conn: Connection, names: set[str], skip: set[str], now: datetime) -> int:
        """Apply again, from the source's record, every correction of the stored notices ``names`` name (ids
        or aliases) but those in ``skip``; rewrite those that change. Returns how many were rewritten."""
        ids = sorted((set(self.hashes(conn, list(names))) | corrections.aliased(conn, names)) - skip)
        if not ids:
            return 0
        old = self.hashes(conn, ids)
        raw = self.source_records(conn, ids)
        effective = self._apply(raw, corrections.stored(conn, (k for t in raw.values() for k in corrections.keys(t))))
        changed = [(t, h) for tid, t in ((tid, effective.get(tid, raw[tid])) for tid in ids)
                   if (h := t.content_hash()) != old[tid]]
        self._write(conn, [{**stored_row(t, h), "updated_at": now} for t, h in changed], [t for t, _ in changed])
        corrections.keep_as_published(conn, raw, set(effective))
        return len(changed)

    def _write_facets(self, conn: Connection, written: list[Tender]) -> None:
        codes = [{"tender_id": t.tender_id, "code": c} for t in written for c in dict.fromkeys(t.codes)]
        countries = [{"tender_id": t.tender_id, "country": c} for t in written for c in t.all_countries()]
        if codes:
            conn.execute(insert(tender_codes), codes)
        if countries:
            conn.execute(insert(tender_countries), countries)
        cancellations.write(conn, written)
        corrections.write(conn, written)

    def hashes(self, conn: Connection, ids: list[str] | None = None, lock: bool = False) -> dict[str, str]:
        """tender_id -> content hash, for the given ids or for every tender. ``lock``: the rows found are locked
        for update until ``conn``'s transaction ends (PostgreSQL; SQLite's writer holds the database), in the
        order of their ids (two writers lock in one order and never wait for each other in a circle):
        ``_common.content_hashes``."""
        return content_hashes(conn, tenders.c.tender_id, ids, lock=lock)

    def get(self, conn: Connection, tender_id: str, published_by: datetime | None = None) -> Tender | None:
        """The stored tender; with ``published_by``, None for one published after that moment's day too."""
        query = select(tenders.c.data).where(tenders.c.tender_id == tender_id)
        if published_by is not None:
            query = query.where(published_by_day(today(published_by)))
        data = conn.execute(query).scalar()
        return notice(tender_id, data) if data is not None else None

    def published_day(self, conn: Connection, tender_id: str) -> date | None:
        """The stored notice's publication day (None: undated, or not stored), its row locked for share until
        ``conn``'s transaction ends (PostgreSQL; SQLite has no row locks and ignores it): a change of the notice
        waits, so that what the transaction decides by the day holds when it commits."""
        query = select(tenders.c.published).where(tenders.c.tender_id == tender_id).with_for_update(read=True)
        day: date | None = conn.execute(query).scalar()
        return day

    def get_many(self, conn: Connection, ids: list[str]) -> dict[str, Tender]:
        found: dict[str, Tender] = {}
        for part in chunks(ids):
            rows = conn.execute(select(tenders.c.tender_id, tenders.c.data).where(tenders.c.tender_id.in_(part)))
            found.update({r.tender_id: notice(r.tender_id, r.data) for r in rows})
        return found

    def source_records(self, conn: Connection, ids: list[str]) -> dict[str, Tender]:
        """The stored notices of ``ids`` as their source published them: before the corrections that changed
        them (``corrections.as_published``), which the store applies again to whatever is written."""
        return {**self.get_many(conn, ids), **corrections.as_published(conn, ids)}

    def iter_all(self, conn: Connection, batch: int = 2000) -> Iterator[Tender]:
        """Every tender, in id order, streamed in batches."""
        last = ""
        while True:
            rows = conn.execute(
                select(tenders.c.tender_id, tenders.c.data)
                .where(tenders.c.tender_id > last)
                .order_by(tenders.c.tender_id)
                .limit(batch)
            ).all()
            if not rows:
                return
            for row in rows:
                yield notice(row.tender_id, row.data)
            last = rows[-1].tender_id

    def delete(self, conn: Connection, ids: list[str]) -> int:
        """Delete these tenders; the notices they corrected go back to what remains of their corrections."""
        named = corrections.named_by(conn, ids)
        removed = 0
        for part in chunks(ids):
            conn.execute(delete(tender_codes).where(tender_codes.c.tender_id.in_(part)))
            conn.execute(delete(tender_countries).where(tender_countries.c.tender_id.in_(part)))
            cancellations.forget(conn, part)
            corrections.forget(conn, part)
            corrections.drop_as_published(conn, part)
            removed += conn.execute(delete(tenders).where(tenders.c.tender_id.in_(part))).rowcount
        rewritten = self._correct_stored(conn, named, skip=set(ids), now=utcnow())
        notice_text.refresh(conn)
        if removed or rewritten:
            versions.bump(conn, "tenders")
        return removed

"""Tender notices: one row each (full record as JSON) plus code and country rows for filtering."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cachetools import FIFOCache
from sqlalchemy import (
    Column,
    CompoundSelect,
    Connection,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from matcher.characters import shown_text
from matcher.normalize.openness import OpenRule, today
from matcher.schema import OPPORTUNITY_TYPES, IngestReport, Tender
from matcher.store import cancellations, corrections, records, tender_owners, versions
from matcher.store._common import chunks, insert_new, spelled, utcnow
from matcher.store.metadata import IdText, UTCDateTime, metadata

tenders = Table(
    "tenders",
    metadata,
    Column("tender_id", IdText(), primary_key=True),
    Column("source", String(40), nullable=False),
    Column("notice_type", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("buyer", String(500)),
    Column("buyer_country", String(2)),
    Column("value", Float),
    Column("currency", String(3)),
    Column("published", Date),
    Column("deadline", UTCDateTime),
    Column("content_hash", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_tenders_deadline", "deadline"),
    Index("ix_tenders_published", "published"),
)

tender_codes = Table(
    "tender_codes",
    metadata,
    Column("tender_id", IdText(), ForeignKey("tenders.tender_id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(40), primary_key=True),
    Index("ix_tender_codes_code", "code"),
)

tender_countries = Table(
    "tender_countries",
    metadata,
    Column("tender_id", IdText(), ForeignKey("tenders.tender_id", ondelete="CASCADE"), primary_key=True),
    Column("country", String(2), primary_key=True),
    Index("ix_tender_countries_country", "country"),
)


@dataclass(frozen=True)
class TenderFilter:
    """Filters for listing tenders. ``open_at`` keeps the notices open at that moment, ``published_by`` those
    published by that moment's day, open or not (``matcher.normalize.openness``, rules 2 and 1-4)."""

    country: str | None = None
    code_prefix: str | None = None
    notice_type: str | None = None
    open_at: datetime | None = None
    text: str | None = None
    source: str | None = None
    published_by: datetime | None = None


def _published_by(day: date) -> ColumnElement[bool]:
    """Published on or before ``day``, or undated (``OpenRule.visible``, rule 2 of the open rule)."""
    return or_(tenders.c.published.is_(None), tenders.c.published <= day)


def _notice(tender_id: str, data: str) -> Tender:
    """A stored notice, or the error naming its row (``matcher.store.records``)."""
    return records.read(Tender, tenders, {"tender_id": tender_id}, data)


def _row(tender: Tender, content_hash: str) -> dict[str, object]:
    return {
        "tender_id": tender.tender_id,
        "source": tender.source,
        "notice_type": tender.notice_type,
        "title": tender.title,
        "buyer": tender.buyer,
        "buyer_country": tender.buyer_country,
        "value": tender.value,
        "currency": tender.currency,
        "published": tender.published,
        "deadline": tender.deadline,
        "content_hash": content_hash,
        "data": tender.model_dump_json(),
    }


class TenderRepository:
    """Queries over the tender tables. Every method takes the connection of the caller's transaction.
    ``open_rule`` says how long a notice without a deadline stays open (from Settings, via the Matcher)."""

    def __init__(self, open_rule: OpenRule) -> None:
        self.open_rule = open_rule

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
        if owner is not None and tender_owners.guarded(owner):
            given, refused = tender_owners.sort_out(conn, given, self.hashes(conn, list(given)), owner)
        if onto is None:
            latest, existing = given, self.hashes(conn, list(given))
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
        fresh = [{**_row(t, h), "created_at": now, "updated_at": now} for tid, (t, h) in sorted(rows.items())
                 if tid not in existing]
        meanwhile = {tid for tid, in insert_new(conn, tenders, [tenders.c.tender_id], fresh)}
        changed = [{**_row(t, h), "updated_at": now} for tid, (t, h) in rows.items()
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
        self._write(conn, [{**_row(t, h), "updated_at": now} for t, h in changed], [t for t, _ in changed])
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
        order of ``ids`` (sorted, two writers lock in one order and never wait for each other in a circle)."""
        query = select(tenders.c.tender_id, tenders.c.content_hash)
        if lock:
            query = query.order_by(tenders.c.tender_id).with_for_update()
        if ids is None:
            return {r.tender_id: r.content_hash for r in conn.execute(query)}
        found: dict[str, str] = {}
        for part in chunks(ids):
            found.update(
                {r.tender_id: r.content_hash for r in conn.execute(query.where(tenders.c.tender_id.in_(part)))}
            )
        return found

    def get(self, conn: Connection, tender_id: str, published_by: datetime | None = None) -> Tender | None:
        """The stored tender; with ``published_by``, None for one published after that moment's day too."""
        query = select(tenders.c.data).where(tenders.c.tender_id == tender_id)
        if published_by is not None:
            query = query.where(_published_by(today(published_by)))
        data = conn.execute(query).scalar()
        return _notice(tender_id, data) if data is not None else None

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
            found.update({r.tender_id: _notice(r.tender_id, r.data) for r in rows})
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
                yield _notice(row.tender_id, row.data)
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
        if removed or rewritten:
            versions.bump(conn, "tenders")
        return removed

    def ids_with_codes(self, conn: Connection, prefixes: Sequence[str], limit: int) -> list[str]:
        """Ids of notices carrying a code that starts with one of ``prefixes``, newest publication first, at most
        ``limit`` (the code half of hybrid retrieval: open-ness and the other filters are applied after)."""
        if not prefixes:
            return []
        match = or_(*(tender_codes.c.code.startswith(p, autoescape=True) for p in prefixes))
        query = (select(tenders.c.tender_id).where(tenders.c.tender_id.in_(select(tender_codes.c.tender_id)
                                                                         .where(match)))
                 .order_by(tenders.c.published.desc(), tenders.c.tender_id).limit(limit))
        return list(conn.execute(query).scalars())

    def open_ids(self, conn: Connection, now: datetime) -> list[str]:
        """Ids of the notices open at ``now`` (``matcher.normalize.openness``: the same rule as ``OpenAt.is_open``)."""
        query = select(tenders.c.tender_id).where(*self._open_conditions(now))
        return list(conn.execute(query).scalars())

    def cancelled_ids(self, conn: Connection, now: datetime) -> frozenset[str]:
        """Ids that a stored notice published by ``now``'s day cancels (stored themselves or not)."""
        return frozenset(conn.execute(self._cancelled(today(now))).scalars())

    def _cancelled(self, day: date) -> CompoundSelect[str]:
        """Ids cancelled by a notice published by ``day``: named by id, or by an alias (an eForms change
        notice cancels the notice's '<uuid>-<version>', ``matcher.store.corrections``)."""
        links, aliases = cancellations.tender_cancellations, corrections.tender_aliases
        public = _published_by(day)
        by_id = select(links.c.tender_id).join(tenders, tenders.c.tender_id == links.c.cancelled_by).where(public)
        by_alias = (
            select(aliases.c.tender_id)
            .join(links, links.c.tender_id == aliases.c.alias)
            .join(tenders, tenders.c.tender_id == links.c.cancelled_by)
            .where(public)
        )
        return union(by_id, by_alias)

    def _open_conditions(self, now: datetime) -> list[ColumnElement[bool]]:
        """Opportunity, published by ``now``'s day, deadline not passed or (without one) within its type's
        window, or undated; and not cancelled."""
        day = today(now)
        windows = [
            and_(tenders.c.notice_type == kind, tenders.c.published >= first)
            for kind in sorted(OPPORTUNITY_TYPES)
            if (first := self.open_rule.first_day(kind, now)) is not None
        ]
        return [
            tenders.c.notice_type.in_(sorted(OPPORTUNITY_TYPES)),
            _published_by(day),
            or_(
                tenders.c.deadline >= now,
                and_(tenders.c.deadline.is_(None), or_(tenders.c.published.is_(None), *windows)),
            ),
            tenders.c.tender_id.not_in(self._cancelled(day)),
        ]

    def count(self, conn: Connection, flt: TenderFilter | None = None) -> int:
        query = select(func.count()).select_from(tenders)
        if flt is not None:
            query = query.where(*self._conditions(flt))
        return int(conn.execute(query).scalar_one())

    def search(self, conn: Connection, flt: TenderFilter, offset: int = 0, limit: int = 50) -> list[Tender]:
        """Filtered tenders, newest publication first, paginated."""
        query = (
            select(tenders.c.tender_id, tenders.c.data)
            .where(*self._conditions(flt))
            .order_by(tenders.c.published.desc(), tenders.c.tender_id)
            .offset(offset)
            .limit(limit)
        )
        return [_notice(r.tender_id, r.data) for r in conn.execute(query)]

    def _conditions(self, flt: TenderFilter) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if flt.country:
            conditions.append(
                tenders.c.tender_id.in_(
                    select(tender_countries.c.tender_id).where(tender_countries.c.country == flt.country.upper())
                )
            )
        if flt.code_prefix:
            conditions.append(
                tenders.c.tender_id.in_(
                    select(tender_codes.c.tender_id).where(tender_codes.c.code.startswith(flt.code_prefix))
                )
            )
        if flt.notice_type:
            conditions.append(tenders.c.notice_type == flt.notice_type)
        if flt.source:
            conditions.append(tenders.c.source == flt.source)
        if flt.open_at is not None:
            conditions.extend(self._open_conditions(flt.open_at))
        if flt.published_by is not None:
            conditions.append(_published_by(today(flt.published_by)))
        if flt.text:
            # Read as titles and buyers are stored (shown_text: composed, no format characters that draw nothing):
            # 'e' and U+0301 typed on a Mac, or a soft hyphen pasted inside a word, find what 'é' and the word find.
            # Each word is found however a title or buyer cases or accents it (``spelled``): SQLite's lower() left
            # 'Études' and 'ΝΕΡΟ' as they were, and 'electricite' typed without its accents missed 'électricité'.
            # A pattern, not a wildcard: '%' and '_' in a search are characters. Text left without a word finds
            # nothing (AND of no condition would be every tender).
            words = shown_text(flt.text).split()
            conditions.append(and_(*[or_(tenders.c.title.regexp_match(spelled(w)),
                                         tenders.c.buyer.regexp_match(spelled(w))) for w in words])
                              if words else false())
        return conditions


#: Parsed tenders a process keeps: every open notice of a year-long feed (about one in ten of a million).
TENDERS_CACHED = 150_000


class TenderCache:
    """Parsed tenders kept between requests, dropped whenever the tender tables change.

    Ranking reads the same candidate notices again and again; parsing their JSON into validated models
    was the largest cost of a recommendation, and checking each one's content hash against the store was
    the next. Every write bumps the tenders counter (``matcher.store.versions``) in its own transaction,
    so one primary-key read tells whether anything may have changed: if so the cache starts over, and a
    changed or deleted notice is never served stale, from this process or another. Within one version, the
    tenders parsed longest ago make room (first in, first out: serving a tender does not refresh it).
    """

    def __init__(self, repository: TenderRepository, size: int = TENDERS_CACHED) -> None:
        self._repository = repository
        self._items: FIFOCache[str, Tender] = FIFOCache(maxsize=size)
        self._version: int | None = None
        self._lock = threading.Lock()

    def get_many(self, conn: Connection, ids: list[str]) -> dict[str, Tender]:
        version = versions.read(conn, "tenders")
        found: dict[str, Tender] = {}
        with self._lock:
            if version != self._version:
                self._items.clear()
                self._version = version
            for tender_id in ids:
                cached = self._items.get(tender_id)
                if cached is not None:
                    found[tender_id] = cached
        fresh = self._repository.get_many(conn, [t for t in dict.fromkeys(ids) if t not in found])
        with self._lock:
            if version == self._version:
                self._items.update(fresh)
        found.update(fresh)
        return found

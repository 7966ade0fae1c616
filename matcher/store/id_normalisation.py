"""Ids a store kept in another Unicode form than NFC, given their NFC form in one transaction (``matcher store
normalize-ids``).

Since a83e0c1 every firm and tender id is bound in NFC (``metadata.IdText``, ``schema.canonical_id``), so a row
written before it under another form ('kr-café-water' as a Mac types it, NFD: 'e' and U+0301) is found by no id:
the record is there and unreachable. ``normalise`` reads every id column as stored (``raw``: past IdText's
binding), distinct values streamed, keeps those that are not NFC, and writes their NFC form in every column that
holds them and in the JSON records that name them (a firm's profile, a notice as stored and as published, a
correction), whose content hashes follow. A row others refer to (a firm, a notice) is copied under the new id,
its dependants moved to the copy, and the old row deleted: foreign keys are checked at every statement on
PostgreSQL.

A collision is an id whose forms would meet where only one row may be: the NFC form already a firm beside the
NFD one, two shortlist items of one firm and notice (any primary key, unique constraint or unique index over an
id column). Joining them would lose one row or mix two records, so no form of that id changes anywhere, and the
report names it. Elsewhere (a cancellation or a correction naming the NFC form, the feedback log) two forms are
one id, which is what the run makes them.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import (
    Column,
    Connection,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from matcher.schema import Correction, FirmProfile, Tender, canonical_id
from matcher.store import (
    access,
    awards,
    cancellations,
    corrections,
    digests,
    firm_suggestions,
    firms,
    sessions,
    shortlists,
    subscriptions,
    tenders,
    versions,
)
from matcher.store._common import chunks
from matcher.store.metadata import IdText

Kind = Literal["firm", "tender"]
#: Distinct ids fetched at a time while a column is read.
SCAN_BATCH = 5000


@dataclass(frozen=True)
class IdColumn:
    """A column that holds a firm's or a notice's id (for a notice: also its aliases and the ids corrections
    name, which share its id rule)."""

    table: Table
    name: str
    kind: Kind
    #: A cache computed again when missing (a firm's kept suggestions): an old form's rows are dropped, not
    #: moved, and never collide. They would not be read anyway: they name the profile's content hash, which
    #: changes with its id; and one the code since a83e0c1 kept for the firm is already under the NFC id.
    derived: bool = False

    @property
    def column(self) -> Column[Any]:
        return self.table.c[self.name]

    @property
    def label(self) -> str:
        return f"{self.table.name}.{self.name}"


def _firm(table: Table) -> IdColumn:
    return IdColumn(table, "firm_id", "firm")


def _notice(table: Table, name: str = "tender_id") -> IdColumn:
    return IdColumn(table, name, "tender")


#: Every id column of every table (tests/store/test_id_normalisation.py holds it to the metadata).
ID_COLUMNS: tuple[IdColumn, ...] = (
    _firm(firms.firms), _firm(access.api_keys), _firm(access.partner_firms), _firm(awards.firm_suppliers),
    _firm(digests.digests), IdColumn(firm_suggestions.firm_suggestions, "firm_id", "firm", derived=True),
    _firm(sessions.web_visits),
    _firm(shortlists.shortlist_items), _firm(shortlists.feedback_events), _firm(subscriptions.subscriptions),
    _notice(tenders.tenders), _notice(tenders.tender_codes), _notice(tenders.tender_countries),
    _notice(cancellations.tender_cancellations), _notice(cancellations.tender_cancellations, "cancelled_by"),
    _notice(corrections.tender_corrections, "notice"), _notice(corrections.tender_corrections, "corrected_by"),
    _notice(corrections.tender_aliases, "alias"), _notice(corrections.tender_aliases),
    _notice(corrections.tender_as_published), _notice(digests.digest_items),
    _notice(shortlists.shortlist_items), _notice(shortlists.feedback_events),
)


@dataclass(frozen=True, order=True)
class Rename:
    kind: Kind
    old: str
    new: str


@dataclass(frozen=True)
class Collision:
    """An id left in its stored forms: ``spellings`` (the NFC one last) would meet in ``tables``."""

    kind: Kind
    spellings: tuple[str, ...]
    tables: tuple[str, ...]


@dataclass
class IdReport:
    renames: list[Rename] = field(default_factory=list)
    #: "table.column" -> rows given the NFC id
    rows: dict[str, int] = field(default_factory=dict)
    #: "table.data" -> JSON records whose ids were rewritten
    records: dict[str, int] = field(default_factory=dict)
    #: "table.column" -> rows of a cache dropped (``IdColumn.derived``)
    dropped: dict[str, int] = field(default_factory=dict)
    collisions: list[Collision] = field(default_factory=list)

    def count(self, counts: dict[str, int], label: str, n: int) -> None:
        if n:
            counts[label] = counts.get(label, 0) + n


def raw(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``column`` read and compared as stored: an IdText binds NFC, so an NFD id compared through it finds the NFC
    one."""
    return type_coerce(column, String()) if isinstance(column.type, IdText) else column


def normalise(conn: Connection) -> IdReport:
    """Give every id stored in another form than NFC its NFC form, but those that collide; in ``conn``'s
    transaction (a dry run rolls it back)."""
    found = _unnormalised(conn)
    renames, collisions = _plan(conn, found)
    report = IdReport(collisions=collisions)
    report.renames = sorted(Rename(kind, old, new) for kind, olds in renames.items() for old, new in olds.items())
    if not report.renames:
        return report
    _move(conn, found, renames, report)
    _rewrite_records(conn, renames, report)
    for kind in versions.KINDS:
        versions.bump(conn, kind)
    return report


Found = dict[Kind, dict[str, set[str]]]
Renames = dict[Kind, dict[str, str]]


def _unnormalised(conn: Connection) -> Found:
    """kind -> each value not in NFC -> the columns that hold it (only those values are kept in memory)."""
    found: Found = {"firm": defaultdict(set), "tender": defaultdict(set)}
    for col in ID_COLUMNS:
        query = select(raw(col.column)).distinct().execution_options(yield_per=SCAN_BATCH)
        for value in conn.execute(query).scalars():
            if value is not None and not unicodedata.is_normalized("NFC", value):
                found[col.kind][value].add(col.label)
    return found


# ----------------------------------------------------------------------------- collisions


@dataclass(frozen=True)
class _UniqueKey:
    """A primary key, unique constraint or unique index with an id column among its expressions."""

    table: Table
    expressions: tuple[ColumnElement[Any], ...]
    where: ColumnElement[bool] | None
    ids: tuple[tuple[int, IdColumn], ...]  # (position, column) of each id column in it


def _unique_keys(dialect: str) -> list[_UniqueKey]:
    by_name = {(c.table.name, c.name): c for c in ID_COLUMNS}
    keys: list[_UniqueKey] = []
    for table in dict.fromkeys(c.table for c in ID_COLUMNS if not c.derived):
        found: list[tuple[tuple[Any, ...], Any]] = [(tuple(table.primary_key.columns), None)]
        found += [(tuple(u.columns), None) for u in table.constraints if isinstance(u, UniqueConstraint)]
        found += [(tuple(i.expressions), i.dialect_options[dialect]["where"] if dialect in ("sqlite", "postgresql")
                   else None) for i in table.indexes if i.unique]
        for expressions, where in found:
            ids = tuple((n, by_name[(table.name, e.name)]) for n, e in enumerate(expressions)
                        if isinstance(e, Column) and (table.name, e.name) in by_name)
            if ids:
                keys.append(_UniqueKey(table, expressions, where, ids))
    return keys


def _clashes(conn: Connection, key: _UniqueKey, renames: Renames) -> dict[tuple[Kind, str], set[str]]:
    """The ids (kind, NFC form) whose renames would give two rows of ``key`` one value, with their forms there."""
    positions = dict(key.ids)
    columns = [raw(e) if n in positions else e for n, e in enumerate(key.expressions)]
    rows: set[tuple[Any, ...]] = set()
    for _, col in key.ids:
        forms = sorted({form for old, new in renames[col.kind].items() for form in (old, new)})
        for part in chunks(forms):
            query = select(*columns).where(raw(col.column).in_(part))
            if key.where is not None:
                query = query.where(key.where)
            rows.update(tuple(row) for row in conn.execute(query))
    meeting: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        meeting[tuple(renames[positions[n].kind].get(v, v) if n in positions else v
                      for n, v in enumerate(row))].append(row)
    clashing: dict[tuple[Kind, str], set[str]] = defaultdict(set)
    for met in (rows for rows in meeting.values() if len(rows) > 1):
        for n, col in key.ids:
            if len({row[n] for row in met}) > 1:  # this column's forms meet
                for row in met:
                    clashing[(col.kind, canonical_id(row[n]))].add(row[n])
    return clashing


def _plan(conn: Connection, found: Found) -> tuple[Renames, list[Collision]]:
    """Each value's NFC form, but for the ids that collide (found again after each round, as leaving an id as
    stored may make another meet it)."""
    renames: Renames = {kind: {v: canonical_id(v) for v in values} for kind, values in found.items()}
    collided: dict[tuple[Kind, str], tuple[set[str], set[str]]] = {}
    keys = _unique_keys(conn.dialect.name)
    while True:
        fresh: set[tuple[Kind, str]] = set()
        for key in keys:
            for group, forms in _clashes(conn, key, renames).items():
                spellings, tables = collided.setdefault(group, (set(), set()))
                spellings.update(forms)
                tables.add(key.table.name)
                fresh.add(group)
        if not fresh:
            break
        for kind, nfc in fresh:
            renames[kind] = {old: new for old, new in renames[kind].items() if new != nfc}
    collisions = [Collision(kind, tuple(sorted(spellings, key=lambda s: (s == nfc, s))), tuple(sorted(tables)))
                  for (kind, nfc), (spellings, tables) in sorted(collided.items())]
    return renames, collisions


# ----------------------------------------------------------------------------- writing


def _move(conn: Connection, found: Found, renames: Renames, report: IdReport) -> None:
    """Every row to the new ids: a row others refer to copied first and deleted last."""
    referred = {(fk.column.table.name, fk.column.name) for c in ID_COLUMNS for fk in c.column.foreign_keys}
    parents = [c for c in ID_COLUMNS if (c.table.name, c.name) in referred]

    def held(col: IdColumn) -> Iterable[tuple[str, str]]:
        return ((old, new) for old, new in renames[col.kind].items() if col.label in found[col.kind][old])

    for col in parents:
        for old, new in held(col):
            copy = select(*(literal(new, String()) if c is col.column else c for c in col.table.c))
            names = [c.name for c in col.table.c]
            conn.execute(insert(col.table).from_select(names, copy.where(raw(col.column) == old)))
    for col in (c for c in ID_COLUMNS if c.derived):
        for old, _ in held(col):
            dropped = conn.execute(delete(col.table).where(raw(col.column) == old))
            report.count(report.dropped, col.label, dropped.rowcount)
    for col in (c for c in ID_COLUMNS if c not in parents and not c.derived):
        for old, new in held(col):
            moved = conn.execute(update(col.table).where(raw(col.column) == old).values({col.name: new}))
            report.count(report.rows, col.label, moved.rowcount)
    for col in parents:  # counted here: an INSERT ... SELECT has no row count on every driver (psycopg: -1)
        for old, _ in held(col):
            deleted = conn.execute(delete(col.table).where(raw(col.column) == old))
            report.count(report.rows, col.label, deleted.rowcount)


Record = Tender | FirmProfile | Correction


def _ids(record: Record) -> list[str]:
    if isinstance(record, FirmProfile):
        return [record.firm_id]
    if isinstance(record, Correction):
        return [record.notice]
    return [record.tender_id, *record.cancels, *record.aliases, *(c.notice for c in record.corrects)]


def _renamed(record: Record, names: Mapping[str, str]) -> Record:
    """``record`` with the ids ``names`` renames written in their new form."""
    def one(value: str) -> str:
        return names.get(value, value)

    if isinstance(record, FirmProfile):
        return record.model_copy(update={"firm_id": one(record.firm_id)})
    if isinstance(record, Correction):
        return record.model_copy(update={"notice": one(record.notice)})
    return record.model_copy(update={
        "tender_id": one(record.tender_id), "cancels": list(dict.fromkeys(map(one, record.cancels))),
        "aliases": list(dict.fromkeys(map(one, record.aliases))),
        "corrects": [c.model_copy(update={"notice": one(c.notice)}) for c in record.corrects]})


def _rewrite_records(conn: Connection, renames: Renames, report: IdReport) -> None:
    """The JSON records that name a renamed id: the firms renamed; the notices renamed and those whose
    cancellations, aliases or corrections name one (found by the rows just moved); the corrections naming one."""
    new_firms, new_notices = set(renames["firm"].values()), set(renames["tender"].values())
    owners = set(new_notices)
    for named, owner in ((cancellations.tender_cancellations.c.tender_id,
                          cancellations.tender_cancellations.c.cancelled_by),
                         (corrections.tender_aliases.c.alias, corrections.tender_aliases.c.tender_id),
                         (corrections.tender_corrections.c.notice, corrections.tender_corrections.c.corrected_by)):
        for part in chunks(sorted(new_notices)):
            owners.update(conn.execute(select(raw(owner)).where(raw(named).in_(part))).scalars())
    _rewrite(conn, firms.firms, FirmProfile, firms.firms.c.firm_id, new_firms, renames["firm"], report)
    for table in (tenders.tenders, corrections.tender_as_published):
        _rewrite(conn, table, Tender, table.c.tender_id, owners, renames["tender"], report)
    table = corrections.tender_corrections
    _rewrite(conn, table, Correction, table.c.notice, new_notices, renames["tender"], report)


def _rewrite(conn: Connection, table: Table, model: type[Record], by: Column[Any], values: set[str],
             names: Mapping[str, str], report: IdReport) -> None:
    """Rewrite the ``data`` of ``table``'s rows whose ``by`` is among ``values`` where it names one of ``names``
    (and their ``content_hash``, where the table keeps one)."""
    keys = list(table.primary_key.columns)
    hashed = "content_hash" in table.c
    for part in chunks(sorted(values)):
        rows = conn.execute(select(*(raw(k) for k in keys), table.c.data).where(raw(by).in_(part))).all()
        for *key, data in rows:
            record = model.from_stored(data)
            if not any(v in names for v in _ids(record)):
                continue
            new = _renamed(record, names)
            changes = {"data": new.model_dump_json(), **({"content_hash": new.content_hash()} if hashed else {})}
            where = [raw(k) == v for k, v in zip(keys, key, strict=True)]
            conn.execute(update(table).where(*where).values(changes))
            report.count(report.records, f"{table.name}.data", 1)

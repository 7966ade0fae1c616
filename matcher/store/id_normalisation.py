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
one id, which is what the run makes them. One collision is resolved: a notice stored in both forms, one notice of
one source (its source ingested again since a83e0c1), is merged into its NFC row (``id_twins``, which says what
is kept, what dropped, and what refuses a merge).

In the same transaction: the ingest ledger's entries (``ingest_ledger.rename``) name the notices by their NFC ids
with the hashes of the records rewritten, else each file that named one is parsed again at its next ingest; and
the corrections naming a notice now under its NFC id or alias are applied to it again (a corrigendum stored since
a83e0c1 named the NFC form, which the NFD row was not stored under; a merged twin's corrections name the NFC row).

Sent digests are history: a digest's subject and body (``digests.message``, the email as sent) keep the ids as
they were written then, in whichever form, and only the digest's firm and items (columns) are given NFC ids.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Column, Connection, String, Table, UniqueConstraint, delete, insert, literal, select, update
from sqlalchemy.sql.elements import ColumnElement

from matcher.schema import ID_MAX, canonical_id
from matcher.store import (
    access,
    awards,
    cancellations,
    corrections,
    digests,
    firm_suggestions,
    firms,
    id_twins,
    ingest_ledger,
    sessions,
    shortlists,
    subscriptions,
    tenders,
    versions,
)
from matcher.store._common import chunks
from matcher.store.id_records import raw, rewrite_records
from matcher.store.id_twins import Dropped, Merge, Twin

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
    """An id left in its stored forms: ``spellings`` (the NFC one last) would meet in ``tables``; for a notice stored
    in both forms and not merged (``id_twins``), ``why``. ``aliases``: the spellings of each alias whose forms meet
    only because they belong to this notice's forms (each twin's alias), left as stored with it and named here,
    not as collisions of their own."""

    kind: Kind
    spellings: tuple[str, ...]
    tables: tuple[str, ...]
    why: str = ""
    aliases: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class TooLong:
    """An id left as stored: its NFC form is ``length`` characters, more than an id column holds (``ID_MAX``), as a
    character excluded from composition ('\u0958') is two in NFC."""

    kind: Kind
    old: str
    length: int


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
    too_long: list[TooLong] = field(default_factory=list)
    #: notices stored in both forms, merged into their NFC row (``id_twins``)
    merges: list[Merge] = field(default_factory=list)
    #: notices a correction names since the run gave an id or alias its NFC form (or took a twin's away), applied
    #: again and rewritten
    corrected: int = 0

    def count(self, counts: dict[str, int], label: str, n: int) -> None:
        if n:
            counts[label] = counts.get(label, 0) + n


def normalise(conn: Connection, notices: tenders.TenderRepository) -> IdReport:
    """Give every id stored in another form than NFC its NFC form, but those that collide, and merge a notice stored
    in both forms into its NFC row; in ``conn``'s transaction (a dry run rolls it back). ``notices`` applies the
    corrections again."""
    found = _unnormalised(conn)
    too_long = [TooLong(kind, old, len(canonical_id(old))) for kind, olds in found.items() for old in sorted(olds)
                if len(canonical_id(old)) > ID_MAX]
    for item in too_long:  # left as stored everywhere: the column refuses the NFC form (PostgreSQL) or no lookup
        del found[item.kind][item.old]  # accepts it (SQLite)
    plan = _plan(conn, found, id_twins.find(conn, list(found["tender"]), _nfc(found["tender"])))
    renames, merging = plan.renames, plan.merging
    report = IdReport(collisions=plan.collisions, too_long=too_long)
    report.renames = sorted(Rename(kind, old, new) for kind, olds in renames.items() for old, new in olds.items()
                            if old not in merging or kind == "firm")
    if not any(renames.values()):
        return report
    named = set(renames["tender"].values())
    for old, twin in sorted(merging.items()):
        named |= {canonical_id(n) for n in id_twins.named_by(conn, old)}
        drops = plan.drops.get(old, {})
        id_twins.carry_notes(conn, twin.new, plan.notes.get(old, []))
        deleted = id_twins.absorb(conn, old, [(table, key) for table, key, _ in drops.values()])
        shown = tuple(sorted((d for _, _, d in drops.values()), key=lambda d: (d.table, repr(d.key))))
        report.merges.append(Merge(old, twin.new, twin.source, twin.same_content, deleted, shown))
    _move(conn, found, renames, report)
    rewritten = rewrite_records(conn, renames["firm"], renames["tender"])
    report.records.update(rewritten.records)
    hashes = {**rewritten.hashes, **{twin.old_hash: twin.renamed_hash for twin in merging.values()}}
    report.count(report.records, f"{ingest_ledger.ingested_files.name}.tenders",
                 ingest_ledger.rename(conn, renames["tender"], hashes))
    report.corrected = _correct_again(conn, notices, named)
    for kind in versions.KINDS:
        versions.bump(conn, kind)
    return report


def _nfc(values: Iterable[str]) -> dict[str, str]:
    return {v: canonical_id(v) for v in values}


def _correct_again(conn: Connection, notices: tenders.TenderRepository, names: set[str]) -> int:
    """Apply again the corrections naming the notices known by ``names`` (ids and aliases now in NFC, notices a
    merged twin corrected), and rewrite those that change: a correction stored under another form than the
    notice's (a corrigendum since, naming the NFC form; one naming the other twin) was not applied to it."""
    part = sorted(names)
    ids = sorted(set(notices.hashes(conn, part)) | corrections.aliased(conn, part))
    if not ids:
        return 0
    return notices.upsert(conn, list(notices.source_records(conn, ids).values())).updated


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


#: A row of a unique key: the key's values as stored, and the row's primary key (column, value as stored).
_Row = tuple[tuple[Any, ...], tuple[tuple[str, Any], ...]]
#: A row dropped for its NFC twin's: (table, primary key) -> the table, the key, and how the report shows it.
_Drops = dict[tuple[str, tuple[tuple[str, Any], ...]], tuple[Table, tuple[tuple[str, Any], ...], Dropped]]


def _meetings(conn: Connection, key: _UniqueKey, renames: Renames, absorbed: Collection[str]) -> list[list[_Row]]:
    """The rows of ``key`` that the renames would give one value, in groups; the rows of a notice merged into its
    NFC twin (``absorbed``), deleted with it, left out."""
    positions, pk = dict(key.ids), list(key.table.primary_key.columns)
    owners = [c for c in id_twins.OWNERS if c.table is key.table]
    columns = [raw(e) if n in positions else e for n, e in enumerate(key.expressions)]
    columns += [raw(c) for c in (*pk, *owners)]
    rows: set[tuple[Any, ...]] = set()
    for _, col in key.ids:
        forms = sorted({form for old, new in renames[col.kind].items() for form in (old, new)})
        for part in chunks(forms):
            query = select(*columns).where(raw(col.column).in_(part))
            if key.where is not None:
                query = query.where(key.where)
            rows.update(tuple(row) for row in conn.execute(query))
    width, end = len(key.expressions), len(key.expressions) + len(pk)
    meeting: dict[tuple[Any, ...], list[_Row]] = defaultdict(list)
    for row in (r for r in rows if not absorbed or not any(v in absorbed for v in r[end:])):
        values = row[:width]
        meeting[tuple(renames[positions[n].kind].get(v, v) if n in positions else v
                      for n, v in enumerate(values))].append((values, tuple(zip((c.name for c in pk), row[width:end],
                                                                                  strict=True))))
    return [met for met in meeting.values() if len(met) > 1]


def _twin_rows(key: _UniqueKey, met: list[_Row], merging: Collection[str]) -> tuple[int, list[_Row]] | None:
    """When the rows meet only by a merged notice's forms and one of them names its NFC row: that column's
    position, and the rows that name another form (dropped for it)."""
    differing = [(n, col) for n, col in key.ids if len({values[n] for values, _ in met}) > 1]
    if len(differing) != 1 or differing[0][1].kind != "tender":
        return None
    n = differing[0][0]
    others = [row for row in met if not unicodedata.is_normalized("NFC", row[0][n])]
    if len(others) != len(met) - 1 or any(values[n] not in merging for values, _ in others):
        return None
    return n, others


@dataclass
class _Plan:
    """The renames, the collisions, and the notices merged into their NFC twin (by the old form) with the rows
    dropped for the NFC row's and the shortlist notes carried onto it; ``refused``: a twin's NFC id -> why it is
    not merged."""

    renames: Renames
    refused: dict[str, str]
    collided: dict[tuple[Kind, str], tuple[set[str], set[str]]] = field(default_factory=dict)
    merging: dict[str, Twin] = field(default_factory=dict)
    drops: dict[str, _Drops] = field(default_factory=dict)
    #: A merged notice's old form -> (firm, note) for each item of the NFC form given its dropped twin's note.
    notes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: An alias's NFC form -> the NFC form of the notice whose forms hold its forms, or None where one notice holds
    #: two of its forms (then the alias meets on its own).
    alias_owners: dict[str, set[str | None]] = field(default_factory=dict)

    def collide(self, key: _UniqueKey, met: list[_Row]) -> set[tuple[Kind, str]]:
        """Note the ids whose forms meet in ``met`` as collisions; returns them (kind, NFC form)."""
        groups: set[tuple[Kind, str]] = set()
        for n, col in key.ids:
            if len({values[n] for values, _ in met}) > 1:  # this column's forms meet
                group = (col.kind, canonical_id(met[0][0][n]))
                spellings, tables = self.collided.setdefault(group, (set(), set()))
                spellings.update(values[n] for values, _ in met)
                tables.add(key.table.name)
                groups.add(group)
        if key.table is corrections.tender_aliases:
            self._own_aliases(key, met)
        return groups

    def _own_aliases(self, key: _UniqueKey, met: list[_Row]) -> None:
        """Note which notice the alias forms meeting in ``met`` (rows of tender_aliases) belong to."""
        at = {col.name: n for n, col in key.ids}
        alias, owner = at["alias"], at["tender_id"]
        if len({values[alias] for values, _ in met}) > 1:
            owners = {values[owner] for values, _ in met}
            nfc = canonical_id(next(iter(owners))) if len(owners) > 1 else None
            self.alias_owners.setdefault(canonical_id(met[0][0][alias]), set()).add(nfc)

    def drop(self, conn: Connection, key: _UniqueKey, n: int, others: list[_Row]) -> bool:
        """Note ``others`` (a merged notice's old form at ``n``) as dropped for the NFC row's; whether that
        refuses a merge (a shortlist decision it would lose)."""
        refusing = False
        named = key.expressions[n].name
        for values, pk in others:
            old = values[n]
            firm = dict(pk).get("firm_id", "")
            merge = id_twins.item_merge(conn, firm, old, self.merging[old].new) \
                if key.table is shortlists.shortlist_items else id_twins.ItemMerge()
            if merge.refused:
                self.refused[self.merging[old].new], refusing = merge.refused, True
            if merge.note:
                self.notes.setdefault(old, []).append((firm, merge.note))
            shown = Dropped(key.table.name, tuple((c, v) for c, v in pk if c != named))
            self.drops.setdefault(old, {})[(key.table.name, pk)] = (key.table, pk, shown)
        return refusing

    @property
    def collisions(self) -> list[Collision]:
        """One per id left as stored; an alias that meets only as its notice's forms do, within its notice's."""
        folded = {nfc: owner for nfc, owner in self._folded_aliases()}
        aliases: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for nfc, owner in folded.items():
            aliases[owner].append(_spelt(self.collided[("tender", nfc)][0], nfc))
        return [Collision(kind, _spelt(spellings, nfc), tuple(sorted(tables)),
                          self.refused.get(nfc, "") if kind == "tender" else "",
                          tuple(aliases[nfc]) if kind == "tender" else ())
                for (kind, nfc), (spellings, tables) in sorted(self.collided.items())
                if kind == "firm" or nfc not in folded]

    def _folded_aliases(self) -> Iterable[tuple[str, str]]:
        """(alias, notice): each alias (NFC forms) that meets in tender_aliases alone, its forms held by the forms of
        one notice that collides itself."""
        for (kind, nfc), (_, tables) in sorted(self.collided.items()):
            owners = self.alias_owners.get(nfc, set())
            owner = next(iter(owners)) if len(owners) == 1 else None
            if kind == "tender" and tables == {corrections.tender_aliases.name} and owner not in (None, nfc) \
                    and ("tender", owner) in self.collided:
                yield nfc, str(owner)


def _spelt(spellings: Collection[str], nfc: str) -> tuple[str, ...]:
    """The spellings sorted, the NFC one last."""
    return tuple(sorted(spellings, key=lambda s: (s == nfc, s)))


def _plan(conn: Connection, found: Found, twins: dict[str, Twin]) -> _Plan:
    """Each value's NFC form, but for the ids that collide (found again after each round, as leaving an id as
    stored may make another meet it), and the twins merged but those refused (two sources, a decision: found
    again after each round too, as a twin not merged meets its NFC row)."""
    plan = _Plan({kind: _nfc(values) for kind, values in found.items()},
                 {t.new: f"stored from two sources, {t.old_source!r} (the other form) and {t.source!r}"
                  for t in twins.values() if not t.one_notice})
    keys = _unique_keys(conn.dialect.name)
    while True:
        plan.merging = {old: twin for old, twin in twins.items()
                        if twin.new not in plan.refused and old in plan.renames["tender"]}
        plan.drops, plan.notes = {}, {}
        fresh: set[tuple[Kind, str]] = set()
        refusing = False
        for key in keys:
            for met in _meetings(conn, key, plan.renames, plan.merging):
                rows = _twin_rows(key, met, plan.merging)
                if rows is None:
                    fresh |= plan.collide(key, met)
                else:
                    refusing |= plan.drop(conn, key, *rows)
        if not fresh and not refusing:
            return plan
        for kind, nfc in fresh:
            plan.renames[kind] = {old: new for old, new in plan.renames[kind].items() if new != nfc}


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

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

Where the id columns are, and which stored ids are not NFC: ``id_columns``. A collision is an id whose forms would
meet where only one row may be (the NFC form already a firm beside the NFD one): no form of it changes anywhere,
and the report names it; what collides, and what is merged, is planned before anything is written
(``id_collisions``). Elsewhere (a cancellation or a correction naming the NFC form, the feedback log) two forms are
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

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, String, delete, insert, literal, select, update

from matcher.schema import ID_MAX, canonical_id
from matcher.store import corrections, id_collisions, id_twins, ingest_ledger, tenders, versions
from matcher.store.id_collisions import Collision
from matcher.store.id_columns import ID_COLUMNS, Found, IdColumn, Kind, Renames, nfc_forms, unnormalised
from matcher.store.id_records import raw, rewrite_records
from matcher.store.id_twins import Merge

#: What the command line and the tests read from here, kept where they found it.
__all__ = ["ID_COLUMNS", "Collision", "IdReport", "Rename", "TooLong", "normalise"]


@dataclass(frozen=True, order=True)
class Rename:
    kind: Kind
    old: str
    new: str


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
    found = unnormalised(conn)
    too_long = [TooLong(kind, old, len(canonical_id(old))) for kind, olds in found.items() for old in sorted(olds)
                if len(canonical_id(old)) > ID_MAX]
    for item in too_long:  # left as stored everywhere: the column refuses the NFC form (PostgreSQL) or no lookup
        del found[item.kind][item.old]  # accepts it (SQLite)
    plan = id_collisions.plan(conn, found, id_twins.find(conn, list(found["tender"]), nfc_forms(found["tender"])))
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


def _correct_again(conn: Connection, notices: tenders.TenderRepository, names: set[str]) -> int:
    """Apply again the corrections naming the notices known by ``names`` (ids and aliases now in NFC, notices a
    merged twin corrected), and rewrite those that change: a correction stored under another form than the
    notice's (a corrigendum since, naming the NFC form; one naming the other twin) was not applied to it."""
    part = sorted(names)
    ids = sorted(set(notices.hashes(conn, part)) | corrections.aliased(conn, part))
    if not ids:
        return 0
    return notices.upsert(conn, list(notices.source_records(conn, ids).values())).updated


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

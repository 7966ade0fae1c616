"""A notice stored under two forms of its id, merged by ``matcher store normalize-ids``
(``matcher.store.id_normalisation``).

The code before a83e0c1 stored a notice under its id as sent: 'api:café-1' in NFD ('e' and U+0301), as a Mac
writes it. Since then every id is bound in NFC, so that row is found by no lookup, and the next ingest of its
source stored the notice again under the NFC id: twins, each with its own codes, shortlist items, digest items.

Two rows are one notice when their ids are one once NFC and they come from one ``source`` (a notice's id names it
within its source); their content may differ, the NFC row being the newer ingest of the notice, which replaces the
older as any re-ingest of a changed notice does. The run keeps the NFC row and deletes the other with its own rows
(``OWNERS``: its codes, countries, aliases, record as published, and the cancellations and corrections it makes,
all derived from the record the NFC row's replaces). Rows that name it (shortlist items, the feedback log, digest
items, cancellations, corrections and aliases naming it) are moved onto the NFC id with every other renamed id,
but one that would be a second row under a unique key beside the NFC row's is dropped, the NFC row's kept, and
named in the report: a digest item (the email sent is kept whole, ``digests.message``), a cancellation link the
NFC form makes too, a proposal.

A shortlist item is the exception: one that holds a partner's decision (approved, rejected) the NFC row's item
does not hold is refused, not dropped, and the notice left as stored with the reason. Of everything the merge
touches it is the one thing a person decided that nothing computes again, and the two items say different
things about one notice (rejected under one form, proposed again under the other): which stands is the partner's
call, not the run's. So is a proposal's note: carried onto the NFC row's item when that holds none, a refusal
when each holds its own. The feedback log keeps every decision and note either way; it is never rewritten.

Two rows from two sources are two notices that happen to share an id: a collision, reported, not merged.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, select, update

from matcher.schema import Tender, canonical_id
from matcher.store import cancellations, corrections, records, shortlists, tenders
from matcher.store._common import chunks
from matcher.store.id_records import raw, renamed

#: The columns naming the notice a row belongs to: the notice's own row, and every row derived from its record
#: (deleted with it: ``ON DELETE CASCADE``).
OWNERS: tuple[Column[Any], ...] = (tenders.tenders.c.tender_id, *(
    c for table in (tenders.tender_codes, tenders.tender_countries, corrections.tender_aliases,
                    corrections.tender_as_published, cancellations.tender_cancellations,
                    corrections.tender_corrections)
    for c in table.c if any(fk.column is tenders.tenders.c.tender_id for fk in c.foreign_keys)))


@dataclass(frozen=True)
class Twin:
    """``old``, a form of ``new`` other than NFC, both stored as notices."""

    old: str
    new: str
    old_source: str
    source: str
    #: Whether their source published the same record (ids in NFC): the ingest ledger's entries of the file that
    #: gave ``old`` then match the NFC row.
    same_content: bool
    #: ``old``'s content hash as stored, and that of its record with the NFC ids.
    old_hash: str
    renamed_hash: str

    @property
    def one_notice(self) -> bool:
        return self.old_source == self.source


@dataclass(frozen=True)
class Dropped:
    """A row naming the old form, dropped for the NFC row's: its table and its key but for the notice's id."""

    table: str
    key: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Merge:
    """``old`` merged into the NFC row ``new``: ``deleted`` its row and its own rows (table -> rows), ``dropped``
    the rows naming it that the NFC row's replace."""

    old: str
    new: str
    source: str
    same_content: bool
    deleted: dict[str, int] = field(default_factory=dict)
    dropped: tuple[Dropped, ...] = ()


def find(conn: Connection, olds: Collection[str], names: dict[str, str]) -> dict[str, Twin]:
    """The values of ``olds`` stored as notices whose NFC form is stored as a notice too (only theirs read whole)."""
    notices, as_published = tenders.tenders, corrections.tender_as_published
    stored: set[str] = set()
    for part in chunks(sorted({*olds, *(canonical_id(old) for old in olds)})):
        stored.update(conn.execute(select(raw(notices.c.tender_id)).where(raw(notices.c.tender_id).in_(part))).scalars())
    pairs = {old: canonical_id(old) for old in olds if old in stored and canonical_id(old) in stored}
    rows: dict[str, tuple[str, str, str]] = {}
    published: dict[str, str] = {}
    for part in chunks(sorted({*pairs, *pairs.values()})):
        query = select(raw(notices.c.tender_id), notices.c.source, notices.c.content_hash, notices.c.data)
        rows.update({r[0]: tuple(r[1:]) for r in conn.execute(query.where(raw(notices.c.tender_id).in_(part)))})
        query = select(raw(as_published.c.tender_id), as_published.c.data)
        published.update({r[0]: r[1] for r in conn.execute(query.where(raw(as_published.c.tender_id).in_(part)))})
    twins: dict[str, Twin] = {}
    for old, new in pairs.items():
        (old_source, old_hash, data), source = rows[old], rows[new][0]
        mine, theirs = (stored_as_published(form, published, rows[form][2]) for form in (old, new))
        twins[old] = Twin(old, new, old_source, source, renamed(mine, names) == theirs, old_hash,
                          renamed(records.read(Tender, notices, {"tender_id": old}, data), names).content_hash())
    return twins


def stored_as_published(tender_id: str, published: dict[str, str], data: str) -> Tender:
    """The notice ``tender_id`` as its source published it (its row's record when no correction changed it)."""
    if tender_id in published:
        return records.read(Tender, corrections.tender_as_published, {"tender_id": tender_id}, published[tender_id])
    return records.read(Tender, tenders.tenders, {"tender_id": tender_id}, data)


@dataclass(frozen=True)
class ItemMerge:
    """Dropping a firm's shortlist item of a merged notice's old form for its item of the NFC form: ``refused``,
    why that would lose what a person wrote (a decision, or a note, the kept item does not hold), or ""; ``note``,
    the dropped item's note to give the kept item, which has none, or ""."""

    refused: str = ""
    note: str = ""


def item_merge(conn: Connection, firm: str, old: str, new: str) -> ItemMerge:
    """What dropping ``firm``'s shortlist item of ``old`` for its item of ``new`` does to what a partner wrote."""
    items = shortlists.shortlist_items
    query = select(raw(items.c.tender_id), items.c.status, items.c.note).where(
        raw(items.c.firm_id) == firm, raw(items.c.tender_id).in_([old, new]))
    found = {tender_id: (status, note) for tender_id, status, note in conn.execute(query)}
    (was_status, was_note), (_, kept_note) = found[old], found[new]
    if found[old] == found[new] or (was_status == "proposed" and was_note in ("", kept_note)):
        return ItemMerge()
    if was_status != "proposed":
        return ItemMerge(refused=f"the shortlist of firm {firm!r} holds it in both forms, the other one {was_status}")
    if not kept_note:
        return ItemMerge(note=was_note)
    return ItemMerge(refused=f"the shortlist of firm {firm!r} holds it in both forms, each with its own note")


def carry_notes(conn: Connection, new: str, notes: Iterable[tuple[str, str]]) -> None:
    """Give each firm's shortlist item of ``new`` the note (firm, note) its dropped item of the old form held."""
    items = shortlists.shortlist_items
    for firm, note in notes:
        conn.execute(update(items).where(raw(items.c.firm_id) == firm, raw(items.c.tender_id) == new)
                     .values(note=note))


def absorb(conn: Connection, old: str, dropped: Iterable[tuple[Table, tuple[tuple[str, Any], ...]]]) -> dict[str, int]:
    """Delete the rows ``dropped`` (table, primary key), then the notice ``old``'s own rows and its row; the rows
    deleted, by table."""
    for table, key in dropped:
        conn.execute(delete(table).where(*(raw(table.c[name]) == value for name, value in key)))
    deleted: dict[str, int] = {}
    for owner in (*OWNERS[1:], OWNERS[0]):  # the notice's row last: the others refer to it
        n = conn.execute(delete(owner.table).where(raw(owner) == old)).rowcount
        if n:
            deleted[owner.table.name] = deleted.get(owner.table.name, 0) + n
    return deleted


def named_by(conn: Connection, old: str) -> set[str]:
    """The notices (ids or aliases) the corrections ``old`` makes name: corrected again once they are gone."""
    links = corrections.tender_corrections
    return set(conn.execute(select(links.c.notice).where(raw(links.c.corrected_by) == old)).scalars())

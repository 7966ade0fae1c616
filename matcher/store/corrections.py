"""What corrigenda change in the notices they correct (``Tender.corrects``), kept apart from the notices.

A corrigendum (a TED F14, an eForms change notice) names an earlier notice and changes some of its fields,
the deadline above all. Either may be stored first, the earlier one never (a feed that starts after it), and
the earlier one may be ingested again from its source, unchanged or not: the correction must hold in every
order. So, as with cancellations (``matcher.store.cancellations``), each correction is a row of its own
(corrected notice, correcting notice), written with the correcting notice and removed with it, whether or
not the corrected notice is stored. What differs is the effect: a correction rewrites the stored notice's
row (its ``data``, deadline column, codes and content hash), so that every reader sees the corrected notice
without knowing corrections exist: the open filter in SQL and the one in Python, reasons, digests,
shortlists, and the index sync, which re-embeds a notice whose content hash changed. The notice as its
source published it is kept beside it (``tender_as_published``) while a correction changes it, so that a
later correction, a correction removed (its corrigendum deleted or corrected itself) or a re-ingest of the
original is always applied to the source's record, never to an already-corrected one.

Several corrections of one notice apply in the order of their notices' publication (then id), so the latest
published wins field by field. A correction takes effect when it is stored, not from its publication day
as a cancellation does: the deadline is a field every face reads from the stored notice, and making it
depend on the clock would mean carrying each notice's correction history to every one of them. A replay at
an earlier clock (``--as-of``) therefore sees the corrected deadline.

eForms change notices name the changed notice by its own id and version, not by our tender id (TED's
publication number): every notice's ``Tender.aliases`` are kept in ``tender_aliases`` to find it by.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Column, Connection, Date, ForeignKey, Index, Integer, String, Table, Text, delete, insert, select

from matcher.schema import Correction, Tender
from matcher.store import records
from matcher.store._common import chunks, upsert_statement
from matcher.store.metadata import IdText, metadata

tender_corrections = Table(
    "tender_corrections",
    metadata,
    Column("notice", String(200), primary_key=True),  # the corrected notice's id or alias; need not be stored
    Column(
        "corrected_by", String(200), ForeignKey("tenders.tender_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("seq", Integer, primary_key=True),  # its place in the correcting notice's list
    Column("published", Date),  # the correcting notice's publication day: the order corrections apply in
    Column("data", Text, nullable=False),  # the Correction as JSON
    Index("ix_tender_corrections_corrected_by", "corrected_by"),
)

tender_aliases = Table(
    "tender_aliases",
    metadata,
    Column("alias", String(200), primary_key=True),
    Column("tender_id", IdText(), ForeignKey("tenders.tender_id", ondelete="CASCADE"), primary_key=True),
    Index("ix_tender_aliases_tender_id", "tender_id"),
)

tender_as_published = Table(
    "tender_as_published",
    metadata,
    Column("tender_id", IdText(), ForeignKey("tenders.tender_id", ondelete="CASCADE"), primary_key=True),
    Column("data", Text, nullable=False),  # the Tender as its source published it, before corrections
)


@dataclass(frozen=True, order=True)
class Link:
    """One correction of one notice; links sort in the order they apply."""

    published: date
    corrected_by: str
    seq: int
    correction: Correction = field(compare=False)


def keys(tender: Tender) -> list[str]:
    """The names a correction may use for ``tender``: its id and its aliases."""
    return [tender.tender_id, *tender.aliases]


def links_of(tender: Tender) -> list[Link]:
    """The corrections ``tender`` makes, as links."""
    day = tender.published or date.min
    return [Link(day, tender.tender_id, seq, c) for seq, c in enumerate(tender.corrects)]


def corrected(raw: Tender, links: Iterable[Link]) -> Tender:
    """``raw`` with every link that names it applied in order (a notice never corrects itself)."""
    names = set(keys(raw))
    found = sorted({(link.corrected_by, link.seq): link for link in links
                    if link.correction.notice in names and link.corrected_by != raw.tender_id}.values())
    return raw.corrected([link.correction for link in found])


def stored(conn: Connection, names: Iterable[str]) -> list[Link]:
    """The stored corrections that name any of ``names``."""
    found: list[Link] = []
    for part in chunks(list(dict.fromkeys(names))):
        rows = conn.execute(select(tender_corrections).where(tender_corrections.c.notice.in_(part)))
        found += [Link(r.published or date.min, r.corrected_by, r.seq, records.read(
            Correction, tender_corrections, {"notice": r.notice, "corrected_by": r.corrected_by, "seq": r.seq}, r.data))
                  for r in rows]
    return found


def named_by(conn: Connection, correcting_ids: list[str]) -> set[str]:
    """The notices (ids or aliases) that these notices' stored corrections name."""
    found: set[str] = set()
    for part in chunks(correcting_ids):
        query = select(tender_corrections.c.notice).where(tender_corrections.c.corrected_by.in_(part))
        found.update(conn.execute(query).scalars())
    return found


def aliased(conn: Connection, aliases: Iterable[str]) -> set[str]:
    """Ids of the stored notices known by any of ``aliases``."""
    found: set[str] = set()
    for part in chunks(list(aliases)):
        query = select(tender_aliases.c.tender_id).where(tender_aliases.c.alias.in_(part))
        found.update(conn.execute(query).scalars())
    return found


def write(conn: Connection, written: Iterable[Tender]) -> None:
    """The corrections and aliases of notices just inserted or rewritten (their old ones are gone: ``forget``)."""
    written = list(written)
    links = [{"notice": link.correction.notice, "corrected_by": link.corrected_by, "seq": link.seq,
              "published": None if link.published == date.min else link.published,
              "data": link.correction.model_dump_json()} for t in written for link in links_of(t)]
    aliases = [{"alias": alias, "tender_id": t.tender_id} for t in written for alias in t.aliases]
    if links:
        conn.execute(insert(tender_corrections), links)
    if aliases:
        conn.execute(insert(tender_aliases), aliases)


def forget(conn: Connection, ids: list[str]) -> None:
    """Drop the corrections these notices made and their aliases (before they are rewritten or deleted)."""
    for part in chunks(ids):
        conn.execute(delete(tender_corrections).where(tender_corrections.c.corrected_by.in_(part)))
        conn.execute(delete(tender_aliases).where(tender_aliases.c.tender_id.in_(part)))


def as_published(conn: Connection, ids: list[str]) -> dict[str, Tender]:
    """The source's record of those of these notices that a correction changes."""
    found: dict[str, Tender] = {}
    for part in chunks(ids):
        rows = conn.execute(select(tender_as_published).where(tender_as_published.c.tender_id.in_(part)))
        found.update({r.tender_id: records.read(Tender, tender_as_published, {"tender_id": r.tender_id}, r.data)
                      for r in rows})
    return found


def keep_as_published(conn: Connection, records: Mapping[str, Tender], corrected_ids: set[str]) -> None:
    """Keep the source's record of the notices in ``corrected_ids``, drop it for the other ``records``. A kept
    record is written over the stored one, and only when it differs: deleted and inserted again, the later of two
    writers storing one corrected notice found the row gone once the first committed, and broke its key."""
    drop_as_published(conn, [tid for tid in records if tid not in corrected_ids])
    kept = [{"tender_id": tid, "data": records[tid].model_dump_json()} for tid in sorted(corrected_ids & set(records))]
    if kept:
        statement = upsert_statement(conn, tender_as_published)
        conn.execute(statement.on_conflict_do_update(
            index_elements=[tender_as_published.c.tender_id], set_={"data": statement.excluded.data},
            where=tender_as_published.c.data != statement.excluded.data), kept)


def drop_as_published(conn: Connection, ids: list[str]) -> None:
    for part in chunks(ids):
        conn.execute(delete(tender_as_published).where(tender_as_published.c.tender_id.in_(part)))


def by_name(links: Iterable[Link]) -> dict[str, list[Link]]:
    """Links grouped by the notice they name."""
    grouped: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        grouped[link.correction.notice].append(link)
    return grouped

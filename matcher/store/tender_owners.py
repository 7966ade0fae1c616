"""Which source first stored each notice, so that one live feed cannot change or close another's notices.

Feeds share id spaces: every OCDS publisher's notices are ``ocds:<ocid>``, and a release ending a tender is stored
as ``ocds:<ocid>:closed``, which closes ``ocds:<ocid>`` (``Tender.cancels``). A hostile or compromised publisher
(one feed an officer added) could reuse another publisher's ocids to rewrite or close its notices. So each notice
remembers who stored it first: ``feed:<name>``, ``file`` (an officer's ingest) or ``api`` (the API's batch, the
demo). A feed's write (``guarded``) changes only notices it owns or that are new, and closes only notices it owns
or that have no owner; any other of its notices is skipped with a reason its run reports ("ocds:X belongs to feed
'a'; not changed"). An officer's file or the API may change any notice, as before. A feed's closing notice for an
id no one has stored yet is kept, but closes that notice only if the feed stores it too (``heeded``).

Only ids publishers share are guarded (``shared``: OCDS's). A TED or World Bank id is issued by one publisher,
and every feed of that kind reads the same notices: a TED feed must correct and cancel the TED notices an officer
loaded from a file (the workspace's feeds page runs a TED feed over the demo's notices). A notice that reads as
stored is counted unchanged whoever owns it: two feeds of one publisher see the same notices.

A notice stored before owners were kept has no row: the first feed that writes it takes it (an upgrade must not
stop feeds updating what they stored), and an officer's write leaves it so. The row is deleted with the notice
(``ON DELETE CASCADE``): a notice deleted and stored again belongs to whoever stores it then. A table of its own,
not a column of ``tenders``: ``create_all`` adds tables to a database created before it, not columns.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from sqlalchemy import Column, Connection, ForeignKey, String, Table, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from matcher.schema import Tender
from matcher.store._common import chunks, insert_new
from matcher.store.metadata import IdText, metadata

FILE = "file"
API = "api"
_FEED = "feed:"
#: The id prefixes of id spaces publishers share: every OCDS publisher's notices are ``ocds:<ocid>``.
SHARED = ("ocds:",)

tender_owners = Table(
    "tender_owners",
    metadata,
    Column("tender_id", IdText(), ForeignKey("tenders.tender_id", ondelete="CASCADE"), primary_key=True),
    Column("owner", String(80), nullable=False),  # feed:<name> (a feed's name is at most 60), file or api
)


def feed(name: str) -> str:
    """The owner a feed's notices are stored under."""
    return f"{_FEED}{name}"


def guarded(owner: str) -> bool:
    """Whether writes of ``owner`` are held to the notices it owns (a feed's are; an officer's are not)."""
    return owner.startswith(_FEED)


def of(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """tender_id -> owner, for those of ``ids`` that have one."""
    found: dict[str, str] = {}
    for part in chunks(sorted(set(ids))):
        query = select(tender_owners.c.tender_id, tender_owners.c.owner).where(tender_owners.c.tender_id.in_(part))
        found.update({row.tender_id: row.owner for row in conn.execute(query)})
    return found


def claim(conn: Connection, ids: Collection[str], owner: str) -> set[str]:
    """Make ``owner`` the owner of the stored notices ``ids`` that have none; the ids another writer claimed first
    (since this one read them) are returned, their owner unchanged."""
    rows: list[dict[str, object]] = [{"tender_id": tid, "owner": owner} for tid in sorted(ids)]
    return {tid for tid, in insert_new(conn, tender_owners, [tender_owners.c.tender_id], rows)}


def shared(tender_id: str) -> bool:
    """Whether ``tender_id`` is in an id space publishers share (``SHARED``), where one feed could name another's
    notices. A TED or World Bank id is issued by one publisher, whose notices any feed of that kind reads (two TED
    feeds, or an officer's file of TED notices beside a TED feed, store the same notices): those are not guarded,
    or a feed could not correct or cancel a notice an officer had loaded from a file."""
    return tender_id.startswith(SHARED)


def sort_out(
    conn: Connection, items: Mapping[str, Tender], stored: Mapping[str, str], owner: str,
) -> tuple[dict[str, Tender], list[tuple[str, str]]]:
    """The notices of ``items`` a feed (``owner``) may store, and (id, reason) for the others. ``stored``: the
    stored content hashes of ``items`` stored now; those without an owner are claimed for ``owner`` here, before
    anything is written, so that of two feeds writing one at once only one takes it. A notice that is another's
    but reads as stored (the same content) is kept: it is counted unchanged, and nothing is written."""
    held = of(conn, [*items, *(target for t in items.values() for target in t.cancels)])
    unowned = {tid for tid in stored if tid in items and tid not in held}
    lost = claim(conn, unowned, owner)
    held.update({tid: owner for tid in unowned - lost} | of(conn, lost))

    def others(tid: str) -> bool:
        return shared(tid) and held.get(tid, owner) != owner

    kept: dict[str, Tender] = {}
    refused: list[tuple[str, str]] = []
    for tid, tender in items.items():
        if others(tid) and stored.get(tid) != tender.content_hash():
            refused.append((tid, f"{tid} {_belongs(held[tid])}; not changed"))
        elif (target := next((c for c in tender.cancels if others(c)), None)) is not None:
            refused.append((tid, f"{tid} would close {target}, which {_belongs(held[target])}; not changed"))
        else:
            kept[tid] = tender
    return kept, refused


def heeded(closer: Column[str], closed: Column[str], closed_id: ColumnElement[str]) -> ColumnElement[bool]:
    """Whether a cancellation counts, in SQL, given the owners of the closing and of the closed notice (outer
    joined: NULL for none) and the closed notice's id: unless a feed closes what another source owns, in an id
    space publishers share (``shared``). The guard of ``sort_out`` for a notice stored after the notice that closes
    it (a feed could close ids another publisher had not yet sent)."""
    return or_(closer.is_(None), closed.is_(None), closer == closed, not_(closer.startswith(_FEED, autoescape=True)),
               not_(or_(*(closed_id.startswith(prefix, autoescape=True) for prefix in SHARED))))


def _belongs(owner: str) -> str:
    if guarded(owner):
        return f"belongs to feed {owner.removeprefix(_FEED)!r}"
    return "was stored from a file" if owner == FILE else "was stored through the API"

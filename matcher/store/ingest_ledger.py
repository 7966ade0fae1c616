"""Which source files were ingested, byte for byte, and what they produced.

Re-ingesting an unchanged feed is the common case (a nightly job reloads the same archives). A file whose
digest is in the ledger, and whose tenders are all still stored with the content hashes it produced, is
skipped without being parsed: its tenders count as unchanged and its rejected records are reported again.
Anything else (a new or edited file, a tender since deleted or overwritten by another file, a new parser
version, which changes the digest) is parsed and upserted as usual.

An entry names its notices by id, as JSON: one the code before a83e0c1 wrote names a notice by the id as sent
(NFD, say), with the hash of that record. ``matcher store normalize-ids`` gives both their NFC form (``rename``) in
its transaction; left as they were, the entry matched nothing and every such file was parsed again at its next
ingest (tests/store/test_id_normalisation_ledger.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Column, Connection, String, Table, Text, select, update

from matcher.store import records
from matcher.store._common import upsert_statement, utcnow
from matcher.store.metadata import UTCDateTime, metadata

ingested_files = Table(
    "ingested_files",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("tenders", Text, nullable=False),  # JSON {tender_id: content_hash}
    Column("rejected", Text, nullable=False),  # JSON [[record, reason], ...]
    Column("ingested_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class LedgerEntry:
    digest: str
    name: str
    tenders: dict[str, str]
    rejected: list[tuple[str, str]]

    def intact(self, stored: dict[str, str]) -> bool:
        """True when every tender this file produced is still stored exactly as it produced it."""
        return all(stored.get(tid) == content_hash for tid, content_hash in self.tenders.items())


class IngestLedger:
    def get(self, conn: Connection, digest: str) -> LedgerEntry | None:
        row = conn.execute(select(ingested_files).where(ingested_files.c.digest == digest)).first()
        if row is None:
            return None
        return from_row(row)

    def record(self, conn: Connection, entry: LedgerEntry) -> None:
        """Store the file's entry, over the one stored. One statement: a delete then an insert let two ingests of
        one file at once each see no entry (PostgreSQL), and the later insert broke the key."""
        row = {"digest": entry.digest, "name": entry.name, "tenders": json.dumps(entry.tenders),
               "rejected": json.dumps(entry.rejected, ensure_ascii=False), "ingested_at": utcnow()}
        statement = upsert_statement(conn, ingested_files).values(**row)
        conn.execute(statement.on_conflict_do_update(index_elements=[ingested_files.c.digest],
                                                     set_={k: v for k, v in row.items() if k != "digest"}))


_TENDERS = TypeAdapter(dict[str, str])
_REJECTED = TypeAdapter(list[tuple[str, str]])


def _tenders(digest: str, data: str) -> dict[str, str]:
    return records.json_column(ingested_files, {"digest": digest}, "tenders", _TENDERS, data)


def from_row(row: Any) -> LedgerEntry:
    """A stored entry (``matcher.store.records``: its notices or rejections edited by hand to break JSON or their
    shape are named)."""
    rejected = records.json_column(ingested_files, {"digest": row.digest}, "rejected", _REJECTED, row.rejected)
    return LedgerEntry(row.digest, row.name, _tenders(row.digest, row.tenders), rejected)


#: Entries read at a time by ``rename``.
RENAME_BATCH = 500


def rename(conn: Connection, ids: Mapping[str, str], hashes: Mapping[str, str]) -> int:
    """Rewrite the entries naming a notice by an id of ``ids`` (old -> new) or with a content hash of ``hashes``
    (old -> new: its record rewritten, the hash it had then) in their new form; how many were rewritten. A hash
    the entry held that was no longer the stored one (the notice since changed) matches no key and stays. Where an
    entry names both forms, the one in the new form already wins."""
    changed: dict[str, str] = {}
    query = select(ingested_files.c.digest, ingested_files.c.tenders).execution_options(yield_per=RENAME_BATCH)
    for digest, data in conn.execute(query):
        entries = _tenders(digest, data)
        new = {ids.get(t, t): hashes.get(h, h) for t, h in sorted(entries.items(), key=lambda e: e[0] not in ids)}
        if new != entries:
            changed[digest] = json.dumps(new)
    for digest, data in changed.items():
        conn.execute(update(ingested_files).where(ingested_files.c.digest == digest).values(tenders=data))
    return len(changed)

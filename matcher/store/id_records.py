"""The JSON records that name a firm's or a notice's id (a firm's profile, a notice as stored and as published, a
correction), rewritten with the ids ``matcher store normalize-ids`` gives their NFC form
(``matcher.store.id_normalisation``); their content hashes follow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, Connection, String, Table, select, type_coerce, update
from sqlalchemy.sql.elements import ColumnElement

from matcher.schema import Correction, FirmProfile, Tender
from matcher.store import cancellations, corrections, firms, records, tenders
from matcher.store._common import chunks
from matcher.store.metadata import IdText

Record = Tender | FirmProfile | Correction


def raw(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``column`` read and compared as stored: an IdText binds NFC, so an NFD id compared through it finds the NFC
    one."""
    return type_coerce(column, String()) if isinstance(column.type, IdText) else column


def ids(record: Record) -> list[str]:
    if isinstance(record, FirmProfile):
        return [record.firm_id]
    if isinstance(record, Correction):
        return [record.notice]
    return [record.tender_id, *record.cancels, *record.aliases, *(c.notice for c in record.corrects)]


def renamed(record: Record, names: Mapping[str, str]) -> Record:
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


class Rewritten:
    """What ``rewrite_records`` changed: "table.data" -> records rewritten, and each rewritten notice's content
    hash before -> after (what the ingest ledger compares with)."""

    def __init__(self) -> None:
        self.records: dict[str, int] = {}
        self.hashes: dict[str, str] = {}


def rewrite_records(conn: Connection, firm_names: Mapping[str, str], notice_names: Mapping[str, str]) -> Rewritten:
    """The JSON records that name a renamed id: the firms renamed; the notices renamed and those whose
    cancellations, aliases or corrections name one (found by the rows just moved); the corrections naming one."""
    done = Rewritten()
    new_firms, new_notices = set(firm_names.values()), set(notice_names.values())
    owners = set(new_notices)
    for named, owner in ((cancellations.tender_cancellations.c.tender_id,
                          cancellations.tender_cancellations.c.cancelled_by),
                         (corrections.tender_aliases.c.alias, corrections.tender_aliases.c.tender_id),
                         (corrections.tender_corrections.c.notice, corrections.tender_corrections.c.corrected_by)):
        for part in chunks(sorted(new_notices)):
            owners.update(conn.execute(select(raw(owner)).where(raw(named).in_(part))).scalars())
    _rewrite(conn, firms.firms, FirmProfile, firms.firms.c.firm_id, new_firms, firm_names, done)
    notices = tenders.tenders
    done.hashes = _rewrite(conn, notices, Tender, notices.c.tender_id, owners, notice_names, done)
    published = corrections.tender_as_published
    _rewrite(conn, published, Tender, published.c.tender_id, owners, notice_names, done)
    table = corrections.tender_corrections
    _rewrite(conn, table, Correction, table.c.notice, new_notices, notice_names, done)
    return done


def _rewrite(conn: Connection, table: Table, model: type[Record], by: Column[Any], values: set[str],
             names: Mapping[str, str], done: Rewritten) -> dict[str, str]:
    """Rewrite the ``data`` of ``table``'s rows whose ``by`` is among ``values`` where it names one of ``names``
    (and their ``content_hash``, where the table keeps one: the hashes before -> after are returned)."""
    keys = list(table.primary_key.columns)
    hashed = "content_hash" in table.c
    hashes: dict[str, str] = {}
    for part in chunks(sorted(values)):
        query = select(*(raw(k) for k in keys), table.c.data, *([table.c.content_hash] if hashed else []))
        for row in conn.execute(query.where(raw(by).in_(part))).all():
            key, data, was = row[:len(keys)], row[len(keys)], row[-1]
            record = records.read(model, table, {k.name: v for k, v in zip(keys, key, strict=True)}, data)
            if not any(v in names for v in ids(record)):
                continue
            new = renamed(record, names)
            changes = {"data": new.model_dump_json()}
            if hashed:
                changes["content_hash"] = hashes[was] = new.content_hash()
            where = [raw(k) == v for k, v in zip(keys, key, strict=True)]
            conn.execute(update(table).where(*where).values(changes))
            done.records[f"{table.name}.data"] = done.records.get(f"{table.name}.data", 0) + 1
    return hashes

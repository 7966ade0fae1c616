"""A store as the code before a83e0c1 wrote it: an id kept in another Unicode form than NFC ('kr-café-water'
typed on a Mac: NFD, 'e' and U+0301), in every table and JSON record that holds it. The records are written
through the product under an ASCII stand-in id, which ``age`` then rewrites by raw SQL: every bind below is a
plain String, past the id columns' NFC rule (``matcher.store.metadata.IdText``). It reads the tables from the
metadata, not from the list the migration keeps (``matcher.store.id_normalisation.ID_COLUMNS``), so that the two
are checked apart."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, String, Text, insert, literal, select, type_coerce, update
from sqlalchemy.sql.elements import ColumnElement

from matcher.pipeline import Matcher
from matcher.schema import Correction, FirmProfile, Tender
from matcher.store import Database
from matcher.store.awards import AwardRepository
from matcher.store.digests import DigestItemRecord, DigestRecord
from matcher.store.firm_suggestions import KeptSuggestions
from matcher.store.firm_suggestions import write as keep_suggestions
from matcher.store.firms import firms
from matcher.store.ingest_ledger import ingested_files
from matcher.store.metadata import IdText
from matcher.store.subscriptions import SubscriptionSpec, subscriptions
from matcher.store.tables import metadata
from matcher.store.tenders import tenders

#: Rows compared by ``dump``; the change counters move with every write.
SKIPPED_TABLES = frozenset({"data_versions"})


def raw(column: Column[Any]) -> ColumnElement[Any]:
    """``column`` compared and read as stored (an IdText binds NFC)."""
    return type_coerce(column, String()) if isinstance(column.type, IdText) else column


def age(db: Database, stand_in: str, old_form: str) -> None:
    """Rewrite ``stand_in`` as ``old_form`` wherever it is stored: id columns, and ids inside JSON records."""
    parents = {fk.column for table in metadata.tables.values() for fk in table.foreign_keys}
    with db.begin() as conn:
        for table in metadata.sorted_tables:  # a row others refer to: a copy first, the old row last
            for key in (c for c in table.c if c in parents):
                copied = select(*(literal(old_form, String()) if c is key else c for c in table.c))
                conn.execute(insert(table).from_select([c.name for c in table.c],
                                                       copied.where(raw(key) == stand_in)))
        for table in metadata.sorted_tables:
            for column in table.c:
                held = select(raw(column)).where(raw(column) == stand_in).limit(1)
                # (asked first: PostgreSQL checks a constant against a shorter column's length, matched or not)
                if isinstance(column.type, String | IdText) and column not in parents and conn.execute(held).first():
                    conn.execute(update(table).where(raw(column) == stand_in)
                                 .values({column.name: literal(old_form, String())}))
        for table in metadata.sorted_tables:
            _json_ids(conn, table, f'"{stand_in}"', f'"{old_form}"')
            if json.dumps(stand_in) != f'"{stand_in}"':  # as json.dumps writes it (the ingest ledger's ids)
                _json_ids(conn, table, json.dumps(stand_in), json.dumps(old_form))
        hashes = {old: new for table, model in ((firms, FirmProfile), (tenders, Tender))
                  for old, new in _hashed(conn, table, model, old_form).items()}
        for old, new in hashes.items():  # the ingest ledger keeps the hashes as stored
            _json_ids(conn, ingested_files, f'"{old}"', f'"{new}"')
        for table in reversed(metadata.sorted_tables):
            for key in (c for c in table.c if c in parents):
                conn.execute(table.delete().where(raw(key) == stand_in))


def _hashed(conn: Any, table: Any, model: type[Tender | FirmProfile], old_form: str) -> dict[str, str]:
    """The content hash of each record naming ``old_form`` as the old code computed it, of the record as stored;
    old hash -> new."""
    key = raw(table.primary_key.columns[0])
    changed: dict[str, str] = {}
    for row_id, data, was in conn.execute(select(key, table.c.data, table.c.content_hash)
                                          .where(table.c.data.contains(old_form))).all():
        changed[was] = model.from_stored(data).content_hash()
        conn.execute(update(table).where(key == row_id).values(content_hash=changed[was]))
    return changed


def _json_ids(conn: Any, table: Any, old: str, new: str) -> None:
    keys = list(table.primary_key.columns)
    for column in (c for c in table.c if isinstance(c.type, Text)):
        rows = conn.execute(select(*(raw(k) for k in keys), column).where(column.contains(old, autoescape=True))).all()
        for row in rows:
            where = [raw(k) == value for k, value in zip(keys, row[:-1], strict=True)]
            conn.execute(update(table).where(*where).values({column.name: row[-1].replace(old, new)}))


def dump(db: Database, skip_columns: frozenset[str] = frozenset()) -> dict[str, list[tuple[str, ...]]]:
    """Every table's rows as stored (each value's repr), sorted; ``skip_columns`` left out."""
    found: dict[str, list[tuple[str, ...]]] = {}
    with db.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in SKIPPED_TABLES:
                continue
            columns = [raw(c) for c in table.c if c.name not in skip_columns]
            found[table.name] = sorted(tuple(repr(v) for v in row) for row in conn.execute(select(*columns)))
    return found


def replaced(rows: dict[str, list[tuple[str, ...]]], old: str, new: str) -> dict[str, list[tuple[str, ...]]]:
    """``rows`` with ``old`` written ``new`` in every value."""
    return {name: sorted(tuple(v.replace(old, new) for v in row) for row in table) for name, table in rows.items()}


def holding(rows: dict[str, list[tuple[str, ...]]], text: str) -> set[str]:
    """The tables with a value that contains ``text``."""
    return {name for name, table in rows.items() if any(text in v for row in table for v in row)}


# ----------------------------------------------------------------------------- an old store


def forms(text: str) -> tuple[str, str]:
    nfd, nfc = unicodedata.normalize("NFD", text), unicodedata.normalize("NFC", text)
    assert nfd != nfc
    return nfd, nfc


FIRM_NFD, FIRM = forms("kr-café-water")
TENDER_NFD, TENDER = forms("api:café-1")
ALIAS_NFD, ALIAS = forms("eforms:café-1-01")
STAND_INS = {"kr-seed-firm": FIRM_NFD, "api:seed-1": TENDER_NFD, "eforms:seed-alias": ALIAS_NFD}
PUBLISHED, DEADLINE = date(2021, 5, 3), datetime(2021, 7, 1, 12, tzinfo=UTC)
CORRECTED = datetime(2021, 7, 15, 12, tzinfo=UTC)
#: Columns that are hashes of a record: a record whose id changes hashes differently (checked apart).
HASHES = frozenset({"content_hash"})


def notice(tender_id: str, title: str, **extra: object) -> Tender:
    fields: dict[str, object] = {"published": PUBLISHED, "deadline": DEADLINE, "codes": ["CPV:38421100"],
                                 "countries": ["KE"], **extra}
    return Tender(tender_id=tender_id, source="api", title=title, **fields)


def old_store(matcher: Matcher) -> None:
    """A firm and a notice stored in NFD with a row in every table that holds a firm's or a notice's id, an alias
    in NFD, and records in NFC or ASCII beside them."""
    firm, other = "kr-seed-firm", "kr-other-water"
    matcher.upsert_firms([FirmProfile(firm_id=firm, name="Cafe water", description="Water meters"),
                          FirmProfile(firm_id=other, name="Other water", description="Water pumps")])
    matcher.upsert_tenders([
        notice("api:seed-1", "Water meters", aliases=["eforms:seed-alias"]),
        notice("api:other-1", "Water pumps"),
        notice("api:cancels-1", "Cancellation", notice_type="other", cancels=["api:seed-1"],
               published=date(2021, 6, 20)),
        notice("api:corrects-1", "Correction", notice_type="other",
               corrects=[Correction(notice="eforms:seed-alias", deadline=CORRECTED)]),
    ], sync=False)
    for firm_id, tender_id in ((firm, "api:seed-1"), (firm, "api:other-1"), (other, "api:seed-1")):
        matcher.propose(firm_id, tender_id, actor="officer-1")
    matcher.decide(firm, "api:seed-1", "approved", actor="officer-1")
    subscription = matcher.subscribe(SubscriptionSpec(firm_id=firm, email="cafe@example.com"), actor="officer-1")
    matcher.access.create_key("firm", "cafe-key", firm)
    matcher.access.create_key("partner", "partner-1")
    matcher.access.assign("partner-1", firm, actor="cli")
    matcher.record_visit("partner-1", firm)
    matcher.digests.record_pending([DigestRecord(
        "d1", subscription.subscription_id, firm, "cafe@example.com", datetime(2021, 6, 1, tzinfo=UTC), "<m1>",
        "Matches", "body", (DigestItemRecord("api:seed-1", 1, 0.9, True),))])
    with matcher.engine.db.begin() as conn:
        AwardRepository().link(conn, firm, "cafe water co")
        keep_suggestions(conn, {firm: KeptSuggestions("h", None, (("CPV:38421100", 1.0),), (), 1.0)})
    for stand_in, old_form in STAND_INS.items():
        age(matcher.engine.db, stand_in, old_form)


OTHER_FIRM = "kr-other-water"


def twin_store(matcher: Matcher, source: str = "api") -> None:
    """``old_store``, then what the code since a83e0c1 did with it: the notice sent again by its source stored as a
    second notice under the NFC id (the NFD id was found by no lookup; its correction, which names the NFD alias,
    not applied), proposed to the other firm, whose shortlist held it under the NFD id already, and listed by the
    next digest of the subscription that was sent it under the NFD id."""
    old_store(matcher)
    twin = notice(TENDER, "Water meters", aliases=[ALIAS]).model_copy(update={"source": source})
    matcher.upsert_tenders([twin], sync=False)
    matcher.propose(OTHER_FIRM, TENDER, actor="officer-2")
    with matcher.engine.db.connect() as conn:
        subscription = conn.execute(select(subscriptions.c.subscription_id)).scalar_one()
    matcher.digests.record_pending([DigestRecord(
        "d2", subscription, FIRM, "cafe@example.com", datetime(2021, 6, 8, tzinfo=UTC), "<m2>", "Matches",
        "body 2", (DigestItemRecord(TENDER, 1, 0.8, False),))])
    with matcher.engine.db.connect() as conn:
        stored = set(conn.execute(select(raw(tenders.c.tender_id))).scalars())
    assert {TENDER_NFD, TENDER} <= stored  # the twins

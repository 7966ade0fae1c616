"""Where a store keeps firm and notice ids (every id column of every table), and which stored ids are not in NFC:
what ``matcher store normalize-ids`` (``matcher.store.id_normalisation``) reads before it plans and writes."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Column, Connection, Table, select

from matcher.schema import canonical_id
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
    tender_owners,
    tenders,
)
from matcher.store.id_records import raw

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
    _notice(shortlists.shortlist_items), _notice(shortlists.feedback_events), _notice(tender_owners.tender_owners),
)


#: kind -> each stored id not in NFC -> the columns ("table.column") that hold it.
Found = dict[Kind, dict[str, set[str]]]
#: kind -> each stored id not in NFC -> the id it is given.
Renames = dict[Kind, dict[str, str]]


def nfc_forms(values: Iterable[str]) -> dict[str, str]:
    """Each value -> its NFC form."""
    return {v: canonical_id(v) for v in values}


def unnormalised(conn: Connection) -> Found:
    """kind -> each value not in NFC -> the columns that hold it (only those values are kept in memory)."""
    found: Found = {"firm": defaultdict(set), "tender": defaultdict(set)}
    for col in ID_COLUMNS:
        query = select(raw(col.column)).distinct().execution_options(yield_per=SCAN_BATCH)
        for value in conn.execute(query).scalars():
            if value is not None and not unicodedata.is_normalized("NFC", value):
                found[col.kind][value].add(col.label)
    return found

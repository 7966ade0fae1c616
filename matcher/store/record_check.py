"""``matcher store check``: every stored record read through its model, as every request reads it
(``matcher.store.records``), each row that breaks a rule named.

The tables checked are those whose rows hold a record validated by a model (``RECORD_TABLES``) and those with a
column of JSON that no model reads whole (``JSON_TABLES``: subscriptions, feeds, the ingest ledger), each row read
as its repository reads it; their other columns are SQL's to check. Rows are streamed in primary-key order
(``yield_per``: a server-side cursor on PostgreSQL, SQLite's own cursor), so memory stays flat from the demo's 125
notices to a register of millions, and a bad row is reported as soon as it is read. It only reads: stopping it at
any point changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, Table, func, select
from tqdm import tqdm

from matcher.errors import StoredRecordInvalid
from matcher.schema import Award, Correction, FirmProfile, Tender
from matcher.store import awards, corrections, feeds, firms, ingest_ledger, records, subscriptions, tenders

Model = type[FirmProfile | Tender | Correction | Award]
#: Each table whose ``data`` column holds a record, and the model it is read through.
RECORD_TABLES: tuple[tuple[Table, Model], ...] = (
    (firms.firms, FirmProfile),
    (tenders.tenders, Tender),
    (corrections.tender_as_published, Tender),
    (corrections.tender_corrections, Correction),
    (awards.awards, Award),
)
#: Each table with JSON columns outside any model, and how its repository reads a row.
JSON_TABLES: tuple[tuple[Table, Callable[[Row[Any]], object]], ...] = (
    (subscriptions.subscriptions, subscriptions.from_row),
    (feeds.feeds, feeds.from_row),
    (ingest_ledger.ingested_files, ingest_ledger.from_row),
)
#: Rows fetched from the cursor at a time.
BATCH = 1000


@dataclass
class CheckReport:
    """What a check read: table -> rows read, and table -> rows that break a rule."""

    rows: dict[str, int] = field(default_factory=dict)
    bad: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not any(self.bad.values())


def check(conn: Connection, report: CheckReport, progress: bool = False) -> Iterator[StoredRecordInvalid]:
    """Every row of every checked table that breaks a rule, as it is read (``report`` counts as it goes); with
    ``progress``, a bar per table on a terminal."""
    readers = [(table, _record_reader(table, model)) for table, model in RECORD_TABLES] + list(JSON_TABLES)
    for table, read in readers:
        name = table.name
        report.rows[name] = report.bad[name] = 0
        keys = list(table.primary_key.columns)
        total = conn.execute(select(func.count()).select_from(table)).scalar_one()
        query = select(table).order_by(*keys).execution_options(yield_per=BATCH)
        with tqdm(total=total, desc=name, unit="row", disable=None if progress else True, leave=False) as bar:
            for row in conn.execute(query):
                report.rows[name] += 1
                bar.update()
                try:
                    read(row)
                except StoredRecordInvalid as exc:
                    report.bad[name] += 1
                    yield exc


def _record_reader(table: Table, model: Model) -> Callable[[Row[Any]], object]:
    keys = [column.name for column in table.primary_key.columns]
    return lambda row: records.read(model, table, {k: getattr(row, k) for k in keys}, row.data)

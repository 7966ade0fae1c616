"""The store's records checked against their models (``matcher store check``): one read-only connection held while
``matcher.store.record_check`` streams every record table through it."""

from __future__ import annotations

from collections.abc import Iterator

from matcher.errors import StoredRecordInvalid
from matcher.store import Database
from matcher.store.record_check import CheckReport, check


def check_records(db: Database, report: CheckReport, progress: bool = False) -> Iterator[StoredRecordInvalid]:
    """Each stored record that breaks a rule, as the check reads it (``report`` counts every table's rows)."""
    with db.connect() as conn:
        yield from check(conn, report, progress)

"""The one MetaData every table module registers on, and the column types they share.

The bottom of ``matcher.store``: it imports nothing from the package (only ``matcher.schema``, above it). Table
modules import it (and each other, downwards: ``versions``, ``cancellations``); ``tables`` imports every table
module, and ``db`` imports ``tables`` so that ``Database.create_all`` creates them all.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect

from matcher.schema import canonical_id

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (portable across SQLite and PostgreSQL) and hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class IdText(TypeDecorator[str]):
    """A firm's or tender's id, up to 200 characters: every value written or compared is NFC (``canonical_id``),
    so 'café' typed in either normal form finds the one record, from every face (the API, the command line and the
    workspace hand ids to the core as they were typed)."""

    impl = String(200)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return canonical_id(value) if isinstance(value, str) else value

"""The one rule for the dates the product accepts: a year from 1900 to 2200, in UTC.

Every date that comes in (a notice's publication day and deadline, a correction's deadline, an award's day, the
clock: ``MATCHER_CLOCK``, ``--as-of``) is later moved: by days (publication windows, suggestion ages, the next
day), by years (placeholder deadlines) or into UTC. Python's dates hold the years 1 to 9999, and a time zone
moves a moment by up to a day, so 9999-12-31T23:59:59-05:00 is in the year 10000 in UTC and 0001-01-01T00:00+01:00
in the year 0: each was an OverflowError (a 500, a crashed import, a traceback). A window of three centuries holds
every real procurement date (the notices and awards the product reads start decades after 1900) and the
placeholder deadlines buyers write (2099-12-31, read as "no deadline": ``Tender``), and leaves centuries each
side for the arithmetic.

Pure and the bottom of the package: the schema (records) and the settings (the clock) both apply it. Records
read back from the store are not checked again (``matcher.schema.STORED``).
"""

from __future__ import annotations

from datetime import MAXYEAR, UTC, date, datetime
from typing import TypeVar

EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
#: The rule in words, for messages: "... (expected a year from 1900 to 2200, in UTC)".
DATE_RANGE = f"a year from {EARLIEST_YEAR} to {LATEST_YEAR}, in UTC"

D = TypeVar("D", bound=date)


def utc_year(moment: datetime) -> int:
    """The year of ``moment`` in UTC (a naive moment is UTC), also when UTC cannot hold it: a zone moves a moment
    by less than a day, so only a moment in the year 1 or 9999 can leave the range, by one year."""
    if moment.tzinfo is None:
        return moment.year
    try:
        return moment.astimezone(UTC).year
    except OverflowError:
        return moment.year + 1 if moment.year == MAXYEAR else moment.year - 1


def in_range(value: date) -> bool:
    """Whether the rule keeps ``value``: a day by its year, a moment by its year in UTC."""
    year = utc_year(value) if isinstance(value, datetime) else value.year
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def checked(value: D) -> D:
    """``value`` when the rule keeps it, else a ValueError naming it (a validator's error: the field is its loc)."""
    if not in_range(value):
        raise ValueError(f"{value.isoformat()} is out of range (expected {DATE_RANGE})")
    return value

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from matcher.normalize.text import clean_text, nuts_country, parse_amount, parse_datetime


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("247950.00", 247950.0), ("1 234,50", 1234.5), ("1.234,50", 1234.5), ("1,234.50", 1234.5),
        ("100,000", 100000.0), ("1,5", 1.5), ("1.234.567", 1234567.0), ("1\u00a0000", 1000.0),
        (1234, 1234.0), ("abc", None), ("-5", None), (None, None), ("", None),
    ],
)
def test_parse_amount(raw: str | int | None, expected: float | None) -> None:
    assert parse_amount(raw) == expected


def test_parse_datetime_shapes() -> None:
    assert parse_datetime("20211220") == datetime(2021, 12, 20, tzinfo=UTC)
    assert parse_datetime("2021-12-20T10:00:00+01:00") == datetime(2021, 12, 20, 9, tzinfo=UTC)
    assert parse_datetime("not a date") is None


def test_clean_text_and_nuts() -> None:
    assert clean_text("<P>Supply &amp; delivery</P>\n\n<P>of  pumps</P>") == "Supply & delivery\nof pumps"
    assert nuts_country("EL301") == "GR" and nuts_country("UKI") == "GB" and nuts_country("1A") is None


def test_parse_datetime_keeps_a_moment_utc_cannot_hold_for_the_schema_to_refuse() -> None:
    """9999-12-31T23:59:59-05:00 is in the year 10000 in UTC: it was an OverflowError out of every reader. It is
    returned in its own zone, and the schema's date rule (``matcher.dates``) refuses the record naming it."""
    far = parse_datetime("9999-12-31T23:59:59-05:00")
    assert far is not None and far.isoformat() == "9999-12-31T23:59:59-05:00"
    past = parse_datetime("0001-01-01T00:00:00+01:00")
    assert past is not None and past.isoformat() == "0001-01-01T00:00:00+01:00"
    ungm = parse_datetime("31-Dec-9999 23:00 (GMT -5.00)")
    assert ungm is not None and ungm.isoformat() == "9999-12-31T23:00:00-05:00"
    assert parse_datetime("15-Dec-2026 17:00 (GMT 1.00)") == datetime(2026, 12, 15, 16, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2024-03-01T10:00:00+25:00", "2024-03-01T10:00:00-24:00", "2024-03-01 10:00 +2400",
                                   "2024-03-01T10:00:00+15:00", "2024-03-01T10:00:00+99:59"])
def test_a_zone_offset_no_clock_has_is_unreadable_not_a_crash(value: str) -> None:
    """An offset of 24 hours or more passed the fallback parser, then raised ValueError in ``in_utc`` out of every
    reader (a CSV row, an OCDS release, a World Bank page: a feed stuck on that page at every run). Zones run from
    -12:00 to +14:00: beyond them a moment is unreadable, as a date that is not one."""
    assert parse_datetime(value) is None


def test_the_widest_real_zones_still_read() -> None:
    assert parse_datetime("2024-03-01T10:00:00+14:00") == datetime(2024, 2, 29, 20, tzinfo=UTC)  # Kiribati
    assert parse_datetime("2024-03-01T10:00:00-12:00") == datetime(2024, 3, 1, 22, tzinfo=UTC)

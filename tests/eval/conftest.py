"""Small real award rows (Canada PWGSC, real spellings) for the evaluation tests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from matcher.schema import Award


def award(i: int, day: date, supplier: str, title: str, buyer: str, code: str, value: float) -> Award:
    return Award(award_id=f"A{i}", date=day, title=title, buyer=buyer, buyer_country="CA", codes=[code],
                 supplier=supplier, value=value, currency="CAD")


@pytest.fixture
def awards() -> list[Award]:
    """Two suppliers with a clear specialty each, plus noise, over 2012-2013 (24 months); cut 2013-06-01."""
    start = date(2012, 1, 1)
    rows: list[Award] = []
    kinds = [
        ("GETINGE CANADA LIMITED", "Getinge Canada Ltd.", "STERILIZER", "Canadian Food Inspection Agency",
         "GSIN:N6530SB", 200_000.0),
        ("Version Plus", "VERSION PLUS INC", "Translation Services", "Public Works & Government Services Canada",
         "GSIN:R109D", 30_000.0),
        ("Bristol Aerospace Limited", "Bristol Aerospace Ltd", "Miscellaneous Weapons",
         "Canadian Commercial Corporation", "GSIN:N1095", 4_000_000.0),
    ]
    i = 0
    for month in range(24):
        for n, (spelling, other, title, buyer, code, value) in enumerate(kinds):
            supplier = spelling if month % 2 else other
            rows.append(award(i, start + timedelta(days=30 * month + n), supplier, title, buyer, code, value))
            i += 1
        rows.append(award(i, start + timedelta(days=30 * month + 5), f"One-off Supplier {month}",
                          "Office Furniture", "Public Works & Government Services Canada", "GSIN:N7110", 9_000.0))
        i += 1
    return rows

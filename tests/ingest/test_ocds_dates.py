"""An OCDS release whose tender.tenderPeriod.endDate is written but cannot be read (year 0, year 10000, words, a
number, no such day) is rejected naming the field and the value: it was dropped without a word, so the notice
counted as open for 60 days after publication. One without an endDate still loads without a deadline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.ingest.base import Rejected
from matcher.ingest.ocds import read_ocds
from matcher.schema import Tender


def read_with(tmp_path: Path, end: object) -> Tender | Rejected:
    release = {"ocid": "ocds-x-1", "id": "r1", "date": "2021-01-01T00:00:00Z", "tag": ["tender"], "language": "en",
               "tender": {"id": "t1", "title": "Water pumps", "tenderPeriod": {"endDate": end}}}
    path = tmp_path / "releases.json"
    path.write_text(json.dumps({"releases": [release]}), encoding="utf-8")
    (item,) = read_ocds(path)
    return item


@pytest.mark.parametrize("end", ["0000-05-01T00:00:00Z", "10000-05-01T00:00:00Z", "soon", 1e308,
                                 "2014-02-30 10:00 Eastern Standard Time (EST)"])
def test_an_unreadable_end_date_rejects_the_release_naming_it(tmp_path: Path, end: object) -> None:
    item = read_with(tmp_path, end)
    assert isinstance(item, Rejected), item
    assert item.record == "ocds-x-1"
    assert item.reason.startswith(f"tender.tenderPeriod.endDate: cannot read {str(end)!r}"), item.reason


@pytest.mark.parametrize(("end", "day"), [(None, None), ("", None), ("2021-05-01T10:00:00Z", "2021-05-01")])
def test_a_readable_or_absent_end_date_still_loads(tmp_path: Path, end: object, day: str | None) -> None:
    item = read_with(tmp_path, end)
    assert isinstance(item, Tender), item
    assert (item.deadline.date().isoformat() if item.deadline else None) == day

"""A World Bank notice whose submission deadline is written but cannot be read (year 0, year 10000, words, a
number) is rejected naming the field and the value: it was dropped without a word, so the notice counted as
open for 60 days after publication. A notice without one still loads without a deadline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.ingest.base import Rejected
from matcher.ingest.worldbank import read_worldbank
from matcher.schema import Tender
from tests.conftest import FIXTURES

PAGE = FIXTURES / "feeds" / "worldbank" / "page-2.json"


def read_changed(tmp_path: Path, value: object) -> Tender | Rejected:
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    key = next(iter(page["procnotices"]))
    notice = {**page["procnotices"][key], "submission_deadline_date": value}
    page["procnotices"] = {key: notice}
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    (item,) = read_worldbank(path)
    return item


@pytest.mark.parametrize("value", ["0000-10-01T00:00:00Z", "10000-10-01T00:00:00Z", "soon", 1e308])
def test_an_unreadable_deadline_rejects_the_notice_naming_it(tmp_path: Path, value: object) -> None:
    item = read_changed(tmp_path, value)
    assert isinstance(item, Rejected), item
    assert item.reason.startswith(f"submission_deadline_date: cannot read {str(value)!r}"), item.reason


@pytest.mark.parametrize(("value", "day"), [(None, None), ("", None), ("2026-10-01T00:00:00Z", "2026-10-01")])
def test_a_readable_or_absent_deadline_still_loads(tmp_path: Path, value: object, day: str | None) -> None:
    item = read_changed(tmp_path, value)
    assert isinstance(item, Tender), item
    assert (item.deadline.date().isoformat() if item.deadline else None) == day

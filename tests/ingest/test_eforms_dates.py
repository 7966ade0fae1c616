"""An eForms notice whose deadline or publication date is written but cannot be read (year 0, year 10000, an hour
of 25, an offset of 99 hours) is rejected naming the field and the value: the date was dropped without a word,
so a notice whose only deadline read as year 0 counted as open for 60 days after publication, and one without
a readable publication date stayed open for ever. A notice without such an element still loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.ingest.base import Rejected
from matcher.ingest.ted import read_ted
from matcher.schema import Tender
from tests.conftest import FIXTURES

NOTICE = FIXTURES / "ted" / "eforms_cn_it_open_accel.xml"
DEADLINE = "<cbc:EndDate>2020-05-18+01:00</cbc:EndDate>"
CLOCK = "<cbc:EndTime>18:00:00+01:00</cbc:EndTime>"
ISSUED = "<cbc:IssueDate>2020-04-23+01:00</cbc:IssueDate>"


def read_changed(tmp_path: Path, old: str, new: str) -> Tender | Rejected:
    text = NOTICE.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "notice.xml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    (item,) = read_ted(path)
    return item


@pytest.mark.parametrize(("old", "new", "reason"), [
    (DEADLINE, "<cbc:EndDate>0000-05-18+01:00</cbc:EndDate>", "deadline: cannot read cbc:EndDate '0000-05-18+01:00'"),
    (DEADLINE, "<cbc:EndDate>10000-05-18+01:00</cbc:EndDate>",
     "deadline: cannot read cbc:EndDate '10000-05-18+01:00'"),
    (CLOCK, "<cbc:EndTime>25:99:00+01:00</cbc:EndTime>", "deadline: cannot read cbc:EndDate '2020-05-18+01:00'"),
    (CLOCK, "<cbc:EndTime>18:00:00+99:00</cbc:EndTime>", "deadline: cannot read cbc:EndDate '2020-05-18+01:00'"),
    (ISSUED, "<cbc:IssueDate>0000-04-23+01:00</cbc:IssueDate>", "published: cannot read '0000-04-23+01:00'"),
    (ISSUED, "<cbc:IssueDate>10000-04-23+01:00</cbc:IssueDate>", "published: cannot read '10000-04-23+01:00'"),
])
def test_a_date_written_but_unreadable_rejects_the_notice_naming_it(
    tmp_path: Path, old: str, new: str, reason: str,
) -> None:
    item = read_changed(tmp_path, old, new)
    assert isinstance(item, Rejected), item
    assert item.record == str(tmp_path / "notice.xml") and item.reason.startswith(reason), item.reason


def test_a_notice_without_those_elements_still_loads(tmp_path: Path) -> None:
    item = read_changed(tmp_path, ISSUED, "")
    assert isinstance(item, Tender) and item.published is None
    period = "<cac:TenderSubmissionDeadlinePeriod>"
    text = NOTICE.read_text(encoding="utf-8")
    start, end = text.index(period), text.index("</cac:TenderSubmissionDeadlinePeriod>")
    item = read_changed(tmp_path, text[start:end], period)
    assert isinstance(item, Tender) and item.deadline is None

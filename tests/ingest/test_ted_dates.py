"""A TED-XML notice whose deadline or publication date is written but cannot be read is rejected naming the
element and the value, as an eForms notice is (tests/ingest/test_eforms_dates.py): the date was dropped
without a word, so a notice due in year 0 counted as open for 60 days after publication."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.ingest.base import Rejected
from matcher.ingest.ted import read_ted
from matcher.schema import Tender
from tests.conftest import FIXTURES

NOTICE = FIXTURES / "ted" / "contract_notice_ro_306344-2022.xml"
CODED = "<DT_DATE_FOR_SUBMISSION>20220627 09:00</DT_DATE_FOR_SUBMISSION>"
FORM = "<DATE_RECEIPT_TENDERS>2022-06-27</DATE_RECEIPT_TENDERS><TIME_RECEIPT_TENDERS>09:00</TIME_RECEIPT_TENDERS>"
PUBLISHED = "<DATE_PUB>20220607</DATE_PUB>"


def read_changed(tmp_path: Path, *changes: tuple[str, str]) -> Tender | Rejected:
    text = NOTICE.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1
        text = text.replace(old, new)
    path = tmp_path / "notice.xml"
    path.write_text(text, encoding="utf-8")
    (item,) = read_ted(path)
    return item


@pytest.mark.parametrize(("changes", "reason"), [
    ([(CODED, "<DT_DATE_FOR_SUBMISSION>00000627 09:00</DT_DATE_FOR_SUBMISSION>")],
     "deadline: cannot read DT_DATE_FOR_SUBMISSION '00000627 09:00'"),
    ([(CODED, "<DT_DATE_FOR_SUBMISSION>20220627 25:00</DT_DATE_FOR_SUBMISSION>")],
     "deadline: cannot read DT_DATE_FOR_SUBMISSION '20220627 25:00'"),
    ([(CODED, ""), (FORM, "<DATE_RECEIPT_TENDERS>2022-13-27</DATE_RECEIPT_TENDERS>")],
     "deadline: cannot read DATE_RECEIPT_TENDERS '2022-13-27'"),
    ([(CODED, ""), (FORM, "<RECEIPT_LIMIT_DATE><YEAR>0</YEAR><MONTH>6</MONTH><DAY>27</DAY></RECEIPT_LIMIT_DATE>")],
     "deadline: cannot read RECEIPT_LIMIT_DATE '00-06-27'"),
    ([(PUBLISHED, "<DATE_PUB>00000607</DATE_PUB>")], "published: cannot read DATE_PUB '00000607'"),
])
def test_a_date_written_but_unreadable_rejects_the_notice_naming_it(
    tmp_path: Path, changes: list[tuple[str, str]], reason: str,
) -> None:
    item = read_changed(tmp_path, *changes)
    assert isinstance(item, Rejected), item
    assert item.reason.startswith(reason), item.reason


def test_the_form_deadline_is_read_when_the_coded_one_is_absent_and_none_when_neither_is(tmp_path: Path) -> None:
    coded = read_changed(tmp_path)
    assert isinstance(coded, Tender) and coded.deadline is not None
    form = read_changed(tmp_path, (CODED, ""))
    assert isinstance(form, Tender) and form.deadline == coded.deadline  # 09:00 in Bucharest, both ways
    neither = read_changed(tmp_path, (CODED, ""), (FORM, ""))
    assert isinstance(neither, Tender) and neither.deadline is None

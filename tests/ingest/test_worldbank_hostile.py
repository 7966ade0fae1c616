"""A saved World Bank answer with hostile JSON: a notice naming a key twice, ``NaN`` or ``Infinity`` where text
belongs, an answer naming ``procnotices`` twice or keying one notice id twice. Each bad notice is rejected naming
why and the good ones load; json.loads kept the last value of a repeated key without a word (a notice stored
under the second of its two ids, a whole list of notices dropped), and read ``NaN`` as a number, stored as the id
'wb:nan'."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.errors import UnreadableFile
from matcher.ingest.base import Rejected
from matcher.ingest.worldbank import read_worldbank
from matcher.schema import Tender
from tests.conftest import FIXTURES

PAGE = FIXTURES / "feeds" / "worldbank" / "page-1.json"


def notices() -> list[str]:
    """The fixture's three notices as JSON text, each starting with its id."""
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    return [json.dumps(notice) for notice in page["procnotices"]]


def read(tmp_path: Path, text: str) -> list[str | Rejected]:
    path = tmp_path / "answer.json"
    path.write_text(text, encoding="utf-8")
    return [item.tender_id if isinstance(item, Tender) else item for item in read_worldbank(path)]


def test_a_notice_naming_a_key_twice_is_rejected_naming_it(tmp_path: Path) -> None:
    kenya, india, peru = notices()
    twice = india.replace('"id": "OP00467020"', '"id": "OP00467020", "id": "OP99999999"')
    assert read(tmp_path, f'{{"procnotices": [{kenya}, {twice}, {peru}]}}') == [
        "wb:OP00467118",
        Rejected("answer.json notice OP99999999",
                 "names 'id' more than once: give each key once (which value was meant is unknown)"),
        "wb:OP00466911"]


@pytest.mark.parametrize(("field", "literal"), [("id", "NaN"), ("id", "Infinity"), ("noticedate", "-Infinity"),
                                                ("project_ctry_code", "NaN")])
def test_nan_or_infinity_where_text_belongs_is_rejected_naming_the_field(
        tmp_path: Path, field: str, literal: str) -> None:
    kenya, india, peru = notices()
    raw = json.loads(india)
    raw.pop(field, None)
    hostile = json.dumps(raw)[:-1] + f', "{field}": {literal}}}'
    read_back = read(tmp_path, f'{{"procnotices": [{kenya}, {hostile}, {peru}]}}')
    assert read_back[0::2] == ["wb:OP00467118", "wb:OP00466911"]
    assert isinstance(read_back[1], Rejected), read_back[1]
    assert read_back[1].reason == f"{field}: expected text, got {float(literal)!r}"


def test_an_answer_naming_procnotices_twice_is_refused(tmp_path: Path) -> None:
    kenya, india, peru = notices()
    with pytest.raises(UnreadableFile, match="names 'procnotices' more than once"):
        read(tmp_path, f'{{"procnotices": [{kenya}, {india}], "procnotices": [{peru}]}}')


def test_a_notice_id_keyed_twice_is_rejected_not_replaced(tmp_path: Path) -> None:
    kenya, india, peru = notices()
    assert read(tmp_path, f'{{"procnotices": {{"OP00467118": {kenya}, "OP1": {india}, "OP1": {peru}}}}}') == [
        "wb:OP00467118",
        Rejected("answer.json notice OP00466911",
                 "the answer keys notice 'OP1' more than once: give each notice once (which was meant is unknown)")]

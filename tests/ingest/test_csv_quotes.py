"""A CSV quote left open read every later line of the file into one field: the file loaded its earlier rows and
rejected one record as missing its title, never naming the quote (found by the helper's adversarial test of the
ingest). The file is now refused naming the line its broken record starts on, as a stray character after a closed
quote is; a quoted field over several lines still loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.errors import UnreadableFile
from matcher.ingest.base import Rejected
from matcher.ingest.detect import read_tenders
from matcher.schema import Tender

HEADER = "tender_id,title,published\n"


def read(tmp_path: Path, rows: str) -> list[Tender | Rejected]:
    path = tmp_path / "notices.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return list(read_tenders(path))


@pytest.mark.parametrize(("rows", "problem"), [
    ('t1,Pumps,2021-04-01\nt2,"Valves,2021-04-02\nt3,Meters,2021-04-03\n',
     "in the record from line 3 (a quoted field is not closed before the end of the file)"),
    ('t1,"Pumps"x,2021-04-01\nt2,Valves,2021-04-02\n', "in the record from line 2 (',' expected after '\"')"),
])
def test_a_broken_quote_refuses_the_file_naming_where(tmp_path: Path, rows: str, problem: str) -> None:
    with pytest.raises(UnreadableFile) as refused:
        read(tmp_path, rows)
    assert str(refused.value) == f"{tmp_path / 'notices.csv'}: not readable CSV {problem}"


def test_a_quoted_field_over_several_lines_still_loads(tmp_path: Path) -> None:
    items = read(tmp_path, 't1,"Pumps\nand valves",2021-04-01\nt2,"5"" pipes",2021-04-02\n')
    assert [(t.tender_id, t.title) for t in items if isinstance(t, Tender)] == [
        ("csv:t1", "Pumps\nand valves"), ("csv:t2", '5" pipes')]

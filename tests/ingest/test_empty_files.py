"""A file that holds no records (empty, or only blank lines, whitespace or a BOM) is refused naming the file and
saying so, in every format the readers take: an empty .jsonl ingested as "0 new" where an empty .json, .csv or
.xml was an error (each saying something else: "not valid JSON at line 1 column 1", "Document is empty", "the
CSV header has a column without a name" for one of blank lines). In a folder or an archive such a member is
rejected with the same reason, and the other members load."""

from __future__ import annotations

import gzip
import tarfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from matcher.errors import UnreadableFile
from matcher.ingest.awards import awards_from_ocds, read_awards
from matcher.ingest.base import NO_RECORDS, Rejected
from matcher.ingest.detect import read_tenders
from matcher.ingest.firms import read_firms
from matcher.ingest.ocds import read_ocds
from matcher.ingest.tabular import read_tender_table
from matcher.ingest.ted import read_ted
from matcher.ingest.worldbank import read_worldbank
from matcher.schema import Tender
from tests.cli import test_cli
from tests.cli.test_cli import TED, run, snapshot
from tests.conftest import FIXTURES

home = test_cli.home
BLANK = {"empty": b"", "blank lines": b"\n\n\n", "whitespace": b"  \r\n\t \n ", "a BOM": b"\xef\xbb\xbf",
         "a BOM and blank lines": b"\xef\xbb\xbf\n  \n"}
Reader = Callable[[Path], Iterable[object]]
READERS: dict[str, tuple[Reader, tuple[str, ...]]] = {
    "tenders": (read_tenders, (".json", ".jsonl", ".csv", ".xml", ".json.gz", ".jsonl.gz", ".csv.gz", ".xml.gz")),
    "tender table": (read_tender_table, (".json", ".jsonl", ".csv")),
    "ted": (read_ted, (".xml", ".xml.gz")),
    "ocds": (read_ocds, (".json", ".jsonl", ".json.gz")),
    "world bank": (read_worldbank, (".json",)),
    "firms": (read_firms, (".json", ".jsonl", ".ndjson", ".csv", ".jsonl.gz")),
    "awards": (read_awards, (".json", ".jsonl", ".csv")),
    "ocds awards": (awards_from_ocds, (".json", ".jsonl")),
}
CASES = [(reader, suffix) for reader, (_, suffixes) in READERS.items() for suffix in suffixes]


def written(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


@pytest.mark.parametrize("content", list(BLANK))
@pytest.mark.parametrize(("reader", "suffix"), CASES)
def test_a_file_of_no_records_is_refused_by_name(tmp_path: Path, reader: str, suffix: str, content: str) -> None:
    path = written(tmp_path, f"blank{suffix}", BLANK[content])
    with pytest.raises(UnreadableFile) as caught:
        list(READERS[reader][0](path))
    assert str(caught.value) == f"{path}: {NO_RECORDS}"


@pytest.mark.parametrize("suffix", [".xml", ".json", ".jsonl"])
def test_in_an_archive_such_a_member_is_rejected_and_the_rest_loads(tmp_path: Path, suffix: str) -> None:
    blank = written(tmp_path, f"blank{suffix}", b"\n \n")
    archive = tmp_path / "notices.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(TED, "ted")
        tar.add(blank, f"more/blank{suffix}")
    items = list(read_tenders(archive))
    assert sum(isinstance(item, Tender) for item in items) == 6
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert len(rejected) == 1 and rejected[0].reason == NO_RECORDS
    assert rejected[0].record.endswith(f"more/blank{suffix}")


def test_a_file_of_records_after_blank_lines_still_loads(tmp_path: Path) -> None:
    firms = (FIXTURES / "firms" / "firms.json").read_bytes()
    path = written(tmp_path, "firms.json", b"\xef\xbb\xbf\n\n" + firms)
    assert list(read_firms(path)) == list(read_firms(FIXTURES / "firms" / "firms.json"))


def test_an_empty_array_or_a_header_alone_is_still_a_file_of_zero_records(tmp_path: Path) -> None:
    """Not blank: the file says, in its format, that it has nothing (an export of an empty search)."""
    assert list(read_firms(written(tmp_path, "firms.json", b"[]"))) == []
    assert list(read_firms(written(tmp_path, "firms.csv", b"firm_id,name,description\n"))) == []


@pytest.mark.parametrize(("kind", "name"), [("tenders", "blank.jsonl"), ("firms", "blank.jsonl"),
                                            ("awards", "blank.jsonl"), ("ungm", "blank.jsonl")])
def test_the_command_line_refuses_it_in_one_line_and_stores_nothing(
    home: Path, tmp_path: Path, kind: str, name: str,
) -> None:
    assert run("ingest", "tenders", str(TED))[0] == 0
    before = snapshot(home)
    path = written(tmp_path, name, b"\n\n")
    code, out, err = run("ingest", kind, str(path))
    assert (code, err) == (2, f"error: {path}: {NO_RECORDS}\n"), out
    assert snapshot(home) == before

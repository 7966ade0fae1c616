"""Decompression bombs on the command line (issue 15 item 2): ``matcher ingest`` refuses a file that expands
past MATCHER_MAX_DECOMPRESSED_(MEMBER_)BYTES in one line naming the file and the limit, exit code 2, and
stores nothing; a compressed file under the limits still loads."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from matcher.ingest.bounded import MAX_ARCHIVE_ENTRIES
from tests.cli import test_cli
from tests.cli.test_cli import TED, run, snapshot
from tests.ingest import bomb_files
from tests.ingest.bomb_files import LIMITS_ENV, MEMBER_LIMIT, crowded_zip

bombs = bomb_files.bombs


home = test_cli.home  # the fixture: MATCHER_HOME in a temporary folder, the fake encoder


@pytest.fixture(autouse=True)
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LIMITS_ENV.items():
        monkeypatch.setenv(name, value)


def refused_in_one_line(args: list[str], name: str) -> None:
    code, _, err = run(*args)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: "), err[-500:]
    assert name in err and "MATCHER_MAX_DECOMPRESSED_MEMBER_BYTES" in err and str(MEMBER_LIMIT) in err, err


@pytest.mark.parametrize("name", ["bomb.xml.gz", "bomb.json.gz", "bomb.jsonl.gz", "bomb.csv.gz",
                                  "notice-xml.zip", "notice-xml.tar.gz", "releases-json-gz.tar.gz"])
def test_ingest_tenders_refuses_a_bomb_in_one_line_and_stores_nothing(
    home: Path, bombs: dict[str, Path], name: str,
) -> None:
    assert run("ingest", "tenders", str(TED))[0] == 0
    before = snapshot(home)
    refused_in_one_line(["ingest", "tenders", str(TED / "pin_pt_629765-2021.xml"), str(bombs[name])], name)
    assert snapshot(home) == before


@pytest.mark.parametrize(("kind", "name"), [("firms", "bomb.csv.gz"), ("firms", "bomb.json.gz"),
                                            ("awards", "bomb.jsonl.gz")])
def test_ingest_firms_and_awards_refuse_a_bomb_in_one_line(
    home: Path, bombs: dict[str, Path], kind: str, name: str,
) -> None:
    refused_in_one_line(["ingest", kind, str(bombs[name])], name)


def test_a_compressed_archive_under_the_limits_still_loads(home: Path, tmp_path: Path) -> None:
    archive = tmp_path / "ted.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(TED, "ted")
    code, out, _ = run("ingest", "tenders", str(archive))
    assert code == 0 and "6 new, 0 updated, 0 unchanged, 0 rejected" in out


def test_ingest_tenders_refuses_an_archive_of_too_many_entries_in_one_line(home: Path, tmp_path: Path) -> None:
    """A zip of 200,000 empty entries took 182 MB and 6 s to open, and loaded as '0 new'."""
    assert run("ingest", "tenders", str(TED))[0] == 0
    before = snapshot(home)
    crowded = crowded_zip(tmp_path / "crowded.zip", MAX_ARCHIVE_ENTRIES + 1)
    code, _, err = run("ingest", "tenders", str(crowded))
    assert code == 2 and err.count("\n") == 1, err[-500:]
    limit = f"the archive holds more than {MAX_ARCHIVE_ENTRIES} entries (the limit for one archive)"
    assert err == f"error: {crowded}: {limit}\n"
    assert snapshot(home) == before

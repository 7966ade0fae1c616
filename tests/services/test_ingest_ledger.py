"""Re-ingesting an unchanged file skips parsing, but never at the cost of correctness."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import matcher.services.catalog as catalog
from matcher.errors import UnreadableFile
from matcher.ingest.base import Rejected
from matcher.ingest.detect import read_tenders
from matcher.pipeline import Matcher
from matcher.schema import Tender

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ted"



def spy_on_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the pipeline parses from now on, in order (the ledger's point is to parse fewer)."""
    parsed: list[Path] = []
    real = read_tenders

    def spy(path: Path) -> Iterator[Tender | Rejected]:
        parsed.append(path)
        return real(path)

    monkeypatch.setattr(catalog, "read_tenders", spy)
    return parsed

@pytest.fixture
def feed(tmp_path: Path) -> Path:
    """A folder of real notices plus one malformed file, as a feed folder."""
    folder = tmp_path / "feed"
    shutil.copytree(FIXTURES, folder)
    (folder / "broken.xml").write_text("<TED_EXPORT><unclosed>")
    return folder


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(path: Path) -> None:
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr(catalog, "read_tenders", fail)


def test_unchanged_feed_is_not_parsed_again_and_reports_the_same(
    matcher: Matcher, feed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = matcher.ingest_tenders([feed]).report
    assert first.new >= 5 and len(first.rejected) == 1 and "broken.xml" in first.rejected[0][0]
    forbid_parsing(monkeypatch)
    again = matcher.ingest_tenders([feed]).report
    assert (again.new, again.updated, again.unchanged) == (0, 0, first.new)
    assert again.rejected == first.rejected


def test_a_deleted_tender_comes_back_when_its_unchanged_file_is_ingested(matcher: Matcher, feed: Path) -> None:
    first = matcher.ingest_tenders([feed]).report
    victim = next(t.tender_id for t in matcher.all_tenders())
    matcher.delete_tenders([victim])
    again = matcher.ingest_tenders([feed]).report
    assert (again.new, again.unchanged) == (1, first.new - 1)
    assert matcher.get_tender(victim).tender_id == victim


def test_an_edited_file_is_parsed(matcher: Matcher, feed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = matcher.ingest_tenders([feed]).report
    notice = feed / "corrigendum_en_026522-2021.xml"
    notice.write_bytes(notice.read_bytes() + b"\n")
    parsed = spy_on_reads(monkeypatch)
    again = matcher.ingest_tenders([feed]).report
    assert parsed == [feed]
    assert (again.new, again.updated, again.unchanged) == (0, 0, first.new)  # same records, nothing rewritten


def test_a_tender_overwritten_by_another_file_is_restored_by_its_own_file(matcher: Matcher, feed: Path,
                                                                          tmp_path: Path) -> None:
    matcher.ingest_tenders([feed])
    victim = next(t for t in matcher.all_tenders())
    matcher.upsert_tenders([victim.model_copy(update={"title": "Overwritten elsewhere"})])
    again = matcher.ingest_tenders([feed]).report
    assert again.updated == 1
    assert matcher.get_tender(victim.tender_id).title == victim.title


# ----------------------------------------------------------------------------- issue 15 item 7: content AND format

TWINS = ["twin.csv", "twin.tar.gz", "twin.zip", "twin.xml.gz", "twin.json"]
#: One notice as a JSONL line: the same bytes are another thing, or nothing readable, in every other format.
LINE = b'{"tender_id": "api:ledger-1", "title": "Water meters", "published": "2021-04-01T00:00:00Z"}\n'


@pytest.mark.parametrize("name", TWINS)
def test_the_same_bytes_under_another_format_are_read_not_unchanged(matcher: Matcher, tmp_path: Path, name: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSONL file loads; the same bytes as CSV, tar, zip, gzipped XML or JSON must each be read in their own
    format (unreadable there, or read again), never skipped as the file already ingested. (Zero bytes, once the
    case tried here, are now refused in every format: tests/ingest/test_empty_files.py.)"""
    jsonl = tmp_path / "notices.jsonl"
    jsonl.write_bytes(LINE)
    assert matcher.ingest_tenders([jsonl]).report.new == 1
    twin = tmp_path / name
    twin.write_bytes(LINE)
    parsed = spy_on_reads(monkeypatch)
    try:
        matcher.ingest_tenders([twin])
    except UnreadableFile as refused:
        assert name in str(refused)
    assert parsed == [twin]


def test_a_zip_renamed_tar_gz_is_rejected_after_the_zip_was_ingested(matcher: Matcher, tmp_path: Path) -> None:
    archive = tmp_path / "notices.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        for notice in sorted(FIXTURES.glob("*.xml")):
            packed.write(notice, notice.name)
    first = matcher.ingest_tenders([archive]).report
    assert first.new == len(list(FIXTURES.glob("*.xml"))) and first.rejected == []
    assert matcher.ingest_tenders([archive]).report.unchanged == first.new  # the same file is still skipped
    renamed = tmp_path / "notices.tar.gz"
    renamed.write_bytes(archive.read_bytes())
    with pytest.raises(UnreadableFile, match=re.escape("notices.tar.gz: not a readable tar archive")) as caught:
        matcher.ingest_tenders([renamed])
    assert "\n" not in str(caught.value)  # tarfile's message lists each method tried on its own line


def test_the_same_json_named_jsonl_is_parsed_as_jsonl(matcher: Matcher, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSON array and a JSONL file read differently; the ledger entry of one never answers for the other."""
    line = '{"tender_id": "csv:1", "source": "csv", "title": "Water meters"}'
    array = tmp_path / "tenders.json"
    array.write_text(f"[{line}]")
    assert matcher.ingest_tenders([array]).report.new == 1
    as_jsonl = tmp_path / "tenders.jsonl"
    as_jsonl.write_text(array.read_text())
    parsed = spy_on_reads(monkeypatch)
    report = matcher.ingest_tenders([as_jsonl]).report
    assert parsed == [as_jsonl]
    assert report.rejected == [("tenders.jsonl:1", "expected a JSON object, got list")]
    renamed = tmp_path / "same-format-other-name.json"
    renamed.write_text(array.read_text())
    parsed.clear()
    assert matcher.ingest_tenders([renamed]).report.unchanged == 1 and parsed == []  # only the format counts


def test_a_file_whose_notice_a_corrigendum_rewrote_is_still_skipped(
    matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger records the hashes as stored, so a notice stored corrected (its corrigendum came first)
    does not make its file look changed on every later run (found in review of the corrections, test first)."""
    from tests.store.test_corrections import CORRIGENDUM, EXTENDED, original_as_published

    original = original_as_published(tmp_path)
    matcher.ingest_tenders([CORRIGENDUM], sync=False)
    assert matcher.ingest_tenders([original], sync=False).report.new == 1
    forbid_parsing(monkeypatch)
    again = matcher.ingest_tenders([original], sync=False).report
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
    assert matcher.get_tender("ted:189849-2021").deadline == EXTENDED

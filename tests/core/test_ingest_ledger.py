"""Re-ingesting an unchanged file skips parsing, but never at the cost of correctness."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import matcher.pipeline as pipeline
from matcher.ingest.base import Rejected
from matcher.ingest.detect import read_tenders
from matcher.pipeline import Matcher
from matcher.schema import Tender

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ted"


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

    monkeypatch.setattr(pipeline, "read_tenders", fail)


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
    parsed: list[Path] = []
    real = read_tenders

    def spy(path: Path) -> Iterator[Tender | Rejected]:
        parsed.append(path)
        return real(path)

    monkeypatch.setattr(pipeline, "read_tenders", spy)
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

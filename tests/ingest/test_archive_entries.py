"""How many entries an archive may hold: a zip of 200,000 empty entries (19 MB) took 182 MB and 6 s to open,
every entry read into memory, and loaded as "0 new". An archive of more than MAX_ARCHIVE_ENTRIES entries is
refused by name; a zip from its end record's count, before its central directory is read; a tar while it is
streamed, at the first entry past the limit."""

from __future__ import annotations

import io
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from matcher.errors import UnreadableFile
from matcher.ingest import bounded
from matcher.ingest.bounded import MAX_ARCHIVE_ENTRIES
from matcher.ingest.detect import read_tenders
from matcher.ingest.ocds import read_ocds
from matcher.ingest.ted import read_ted
from tests.conftest import FIXTURES
from tests.ingest.bomb_files import crowded_zip
from tests.ingest.test_decompression_limits import records

TED = FIXTURES / "ted"
NOTICES = sorted(TED.iterdir())  # 6 notices


def too_many(path: Path, limit: int) -> str:
    return f"{path}: the archive holds more than {limit} entries (the limit for one archive)"


def refused(path: Path) -> tuple[str, int]:
    """The message reading ``path`` as tenders is refused with, and the most memory Python held meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile) as caught:
            list(read_tenders(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return str(caught.value), peak


def test_a_zip_of_more_entries_than_the_limit_is_refused_from_its_end_record(tmp_path: Path) -> None:
    path = crowded_zip(tmp_path / "crowded.zip", MAX_ARCHIVE_ENTRIES + 1)
    message, peak = refused(path)
    assert message.startswith(too_many(path, MAX_ARCHIVE_ENTRIES)), message
    # Reading its central directory held about 900 bytes an entry (45 MB here); refused unread, under 1 MB.
    assert peak < 1_000_000, peak


def test_the_limit_is_well_above_a_real_archive() -> None:
    """The TED sample holds 3,476 notices, a TED daily package a few thousand."""
    assert MAX_ARCHIVE_ENTRIES >= 10 * 3_476


@pytest.fixture()
def limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """A limit of 6 entries: the 6 TED notices fit exactly."""
    monkeypatch.setattr(bounded, "MAX_ARCHIVE_ENTRIES", len(NOTICES))
    return len(NOTICES)


def zipped(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, file in zip(names, NOTICES * 2, strict=False):
            archive.write(file, name)
    return path


def tarred(path: Path, names: list[str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, file in zip(names, NOTICES * 2, strict=False):
            archive.add(file, name)
    return path


@pytest.mark.parametrize(("pack", "suffix"), [(zipped, "zip"), (tarred, "tar.gz")])
def test_an_archive_of_exactly_the_limit_loads(tmp_path: Path, limit: int, pack: object, suffix: str) -> None:
    path = pack(tmp_path / f"ted.{suffix}", [file.name for file in NOTICES])  # type: ignore[operator]
    assert records(read_tenders(path)) == records(read_tenders(TED))


@pytest.mark.parametrize(("pack", "suffix"), [(zipped, "zip"), (tarred, "tar.gz")])
def test_one_entry_more_refuses_the_archive_whatever_the_entries_are(
    tmp_path: Path, limit: int, pack: object, suffix: str,
) -> None:
    """Every entry counts, those no reader wants too (a README): each costs memory to list."""
    path = pack(tmp_path / f"ted.{suffix}", [file.name for file in NOTICES] + ["README.txt"])  # type: ignore[operator]
    for read in (read_tenders, read_ted, read_ocds):
        with pytest.raises(UnreadableFile) as caught:
            list(read(path))
        assert str(caught.value).startswith(too_many(path, limit)), caught.value


def test_a_zip_whose_end_record_understates_its_entries_is_still_refused(tmp_path: Path, limit: int) -> None:
    """zipfile reads the central directory to its end, whatever count the end record gives."""
    path = crowded_zip(tmp_path / "liar.zip", limit + 1, declared=1)
    assert refused(path)[0].startswith(too_many(path, limit))


def test_a_tar_is_refused_at_the_first_entry_past_the_limit(tmp_path: Path, limit: int) -> None:
    """A tar has no count: it is counted as it is read, and refused before the entries after the limit."""
    path = tmp_path / "long.tar"
    with tarfile.open(path, "w") as archive:
        for i in range(limit + 1):
            archive.addfile(tarfile.TarInfo(f"e{i}.txt"), io.BytesIO(b""))
        notice = tarfile.TarInfo("late.xml")
        notice.size = 1 << 30  # never reached: its header claims 1 GiB, beyond the member limit
        archive.addfile(notice)
    assert refused(path)[0].startswith(too_many(path, limit))


def test_a_zip64_archive_is_counted_from_its_zip64_end_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past 65,535 entries the end record says 0xFFFF and the zip64 record has the count: zipfile writes one
    whenever the count passes ZIP_FILECOUNT_LIMIT, lowered here so 6 entries make one."""
    with monkeypatch.context() as writing:
        writing.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 2)
        path = zipped(tmp_path / "ted64.zip", [file.name for file in NOTICES])
    assert b"PK\x06\x06" in path.read_bytes()
    with path.open("rb") as raw:
        assert bounded.zip_entries_declared(raw) == len(NOTICES)
    monkeypatch.setattr(bounded, "MAX_ARCHIVE_ENTRIES", len(NOTICES) - 1)
    assert refused(path)[0].startswith(too_many(path, len(NOTICES) - 1))
    monkeypatch.setattr(bounded, "MAX_ARCHIVE_ENTRIES", len(NOTICES))
    assert records(read_tenders(path)) == records(read_tenders(TED))

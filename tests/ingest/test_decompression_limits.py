"""Decompression limits (issue 15 item 2): a small file that expands to far more than the limits is refused
with one UnreadableFile naming the file (or archive member) and the limit, after reading at most about the
limit: the expanded bytes are never held. Files under the limits load exactly as their plain versions."""

from __future__ import annotations

import gzip
import tarfile
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.errors import UnreadableFile
from matcher.ingest.awards import read_awards
from matcher.ingest.base import Rejected
from matcher.ingest.detect import read_tenders
from matcher.ingest.firms import read_firms
from matcher.ingest.ocds import read_ocds
from tests.conftest import FIXTURES
from tests.ingest import bomb_files
from tests.ingest.bomb_files import BOMB, GZIP_NAMES, LIMITS_ENV, MEMBER_LIMIT, TOTAL_LIMIT, tar_bomb, zip_bomb

bombs = bomb_files.bombs
TED = FIXTURES / "ted"
#: What reading a bomb may allocate: the limit, a chunk being read, and the parsers' own small objects
#: (reading the whole bomb allocated BOMB, 200 MiB, and more).
PEAK = 16 * 1024 * 1024
MEMBER_SETTING = "MATCHER_MAX_DECOMPRESSED_MEMBER_BYTES"
TOTAL_SETTING = "MATCHER_MAX_DECOMPRESSED_BYTES"


@pytest.fixture(autouse=True)
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LIMITS_ENV.items():
        monkeypatch.setenv(name, value)


def refusal(read: Callable[[Path], Iterable[object]], path: Path) -> tuple[str, int]:
    """The message of the UnreadableFile that reading ``path`` raises, and the most memory Python held."""
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile) as caught:
            list(read(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "\n" not in message
    return message, peak


@pytest.mark.parametrize("name", GZIP_NAMES)
def test_a_gzip_bomb_is_refused_by_name_without_being_held(bombs: dict[str, Path], name: str) -> None:
    message, peak = refusal(read_tenders, bombs[name])
    assert message.startswith(f"{bombs[name]}: ") and MEMBER_SETTING in message and str(MEMBER_LIMIT) in message
    assert peak < PEAK, f"{peak} bytes held while refusing a {BOMB}-byte bomb"


@pytest.mark.parametrize(("read", "name"), [(read_firms, "bomb.csv.gz"), (read_firms, "bomb.json.gz"),
                                            (read_awards, "bomb.jsonl.gz"), (read_awards, "bomb.csv.gz")])
def test_firm_and_award_files_are_held_to_the_same_limit(
    bombs: dict[str, Path], read: Callable[[Path], Iterator[object]], name: str,
) -> None:
    message, peak = refusal(read, bombs[name])
    assert name in message and MEMBER_SETTING in message and str(MEMBER_LIMIT) in message
    assert peak < PEAK


@pytest.mark.parametrize(("archive", "refused", "setting"), [
    ("notice-xml.zip", "notice.xml", MEMBER_SETTING), ("notice-xml.tar.gz", "notice.xml", MEMBER_SETTING),
    ("releases-json.zip", "releases.json", MEMBER_SETTING),
    # Tenders are looked for as notices first: reaching past the package expands it, counted in the total.
    ("releases-json.tar.gz", "", TOTAL_SETTING),
    ("releases-json-gz.zip", "releases.json.gz", MEMBER_SETTING),
    ("releases-json-gz.tar.gz", "releases.json.gz", MEMBER_SETTING),
])
def test_an_archive_member_that_expands_too_far_refuses_the_whole_archive(
    bombs: dict[str, Path], archive: str, refused: str, setting: str,
) -> None:
    message, peak = refusal(read_tenders, bombs[archive])
    assert message.startswith(f"{bombs[archive]}{':' if refused else ''}{refused}: "), message
    assert setting in message
    assert peak < PEAK


def test_a_package_in_an_archive_read_as_ocds_names_the_member(bombs: dict[str, Path]) -> None:
    message, _ = refusal(read_ocds, bombs["releases-json.tar.gz"])
    assert message.startswith(f"{bombs['releases-json.tar.gz']}:releases.json: ") and MEMBER_SETTING in message


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_members_under_their_limit_that_expand_too_far_together_are_refused(tmp_path: Path, kind: str) -> None:
    # 6 members of one byte under the member limit: 6 MiB - 6 > TOTAL_LIMIT (4 MiB).
    members = {f"notice-{i}.xml": MEMBER_LIMIT - 1 for i in range(6)}
    path = tmp_path / f"many.{kind}"
    zip_bomb(path, members) if kind == "zip" else tar_bomb(path, dict(members))
    message, _ = refusal(read_tenders, path)
    assert message.startswith(f"{path}: ") and TOTAL_SETTING in message and str(TOTAL_LIMIT) in message


def test_a_tar_member_passed_over_counts_since_it_is_decompressed_to_pass_it(tmp_path: Path) -> None:
    """A .tar.gz is one compressed stream: reaching the notice after a 200 MiB video means expanding it."""
    path = tar_bomb(tmp_path / "video.tar.gz", {"video.bin": BOMB, "notice.xml": TED / "pin_pt_629765-2021.xml"})
    message, peak = refusal(read_tenders, path)
    assert message.startswith(f"{path}: ") and TOTAL_SETTING in message
    assert peak < PEAK


@pytest.mark.parametrize(("method", "called"), [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "lzma")])
def test_zip_members_that_cannot_be_expanded_in_steps_are_refused(tmp_path: Path, method: int, called: str) -> None:
    """zipfile expands a bzip2 or LZMA member a whole read at a time (bzip2 turns 112 bytes into 128 MiB of
    zeros), so even a small one is refused, by name and compression."""
    path = zip_bomb(tmp_path / "packed.zip", {"notice.xml": 1024}, method)
    message, _ = refusal(read_tenders, path)
    assert message.startswith(f"{path}:notice.xml: ") and f"compressed with {called}" in message
    assert "deflate" in message


# ----------------------------------------------------------------------------- under the limits


def records(items: Iterable[object]) -> list[tuple[str, str]]:
    """Tenders by id and content hash, rejections by their record's file name and reason."""
    out = []
    for item in items:
        if isinstance(item, Rejected):
            out.append((item.record.rsplit("/", 1)[-1].rsplit(":", 1)[-1], item.reason))
        else:
            out.append((item.tender_id, item.content_hash()))  # type: ignore[attr-defined]
    return sorted(out)


def test_notices_under_the_limits_load_as_the_plain_files_do(tmp_path: Path) -> None:
    plain = records(read_tenders(TED))
    assert len(plain) == 6
    zipped = tmp_path / "ted.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(TED.iterdir()):
            archive.write(file, file.name)
    tarred = tmp_path / "ted.tar.gz"
    with tarfile.open(tarred, "w:gz") as archive:
        archive.add(TED, "ted")
    gzipped = tmp_path / "gzipped"
    gzipped.mkdir()
    for file in TED.iterdir():
        (gzipped / f"{file.name}.gz").write_bytes(gzip.compress(file.read_bytes()))
    for path in (zipped, tarred, gzipped):
        assert records(read_tenders(path)) == plain, path
    single = tmp_path / "pin.xml.gz"
    single.write_bytes(gzip.compress((TED / "pin_pt_629765-2021.xml").read_bytes()))
    assert records(read_tenders(single)) == records(read_tenders(TED / "pin_pt_629765-2021.xml"))


def test_gzipped_ocds_and_award_files_under_the_limits_load_as_the_plain_files_do(tmp_path: Path) -> None:
    packed = FIXTURES / "ocds" / "canada_tenders_2014.json.gz"
    plain = tmp_path / "canada_tenders_2014.json"
    plain.write_bytes(gzip.decompress(packed.read_bytes()))
    expected = records(read_tenders(plain))
    assert expected and records(read_tenders(packed)) == expected
    nested = tar_bomb(tmp_path / "nested.tar.gz", {"canada_tenders_2014.json.gz": packed})
    assert records(read_tenders(nested)) == expected
    awards = FIXTURES / "awards" / "canada_pwgsc_head.jsonl.gz"
    unpacked = tmp_path / "awards.jsonl"
    unpacked.write_bytes(gzip.decompress(awards.read_bytes()))
    assert list(read_awards(awards)) == list(read_awards(unpacked)) != []


def test_a_file_exactly_at_the_limit_loads(tmp_path: Path) -> None:
    """The limit is the most a file may expand to: MEMBER_LIMIT bytes is still read."""
    text = (TED / "pin_pt_629765-2021.xml").read_bytes()
    path = tmp_path / "padded.xml.gz"
    path.write_bytes(gzip.compress(text + b" " * (MEMBER_LIMIT - len(text))))
    (tender,) = records(read_tenders(path))
    assert tender[0].startswith("ted:")
    (tmp_path / "over.xml.gz").write_bytes(gzip.compress(text + b" " * (MEMBER_LIMIT - len(text) + 1)))
    assert str(MEMBER_LIMIT) in refusal(read_tenders, tmp_path / "over.xml.gz")[0]


def test_the_limits_default_to_multiples_of_the_upload_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LIMITS_ENV:
        monkeypatch.delenv(name)
    settings = Settings(max_upload_bytes=2_000_000)
    assert settings.decompressed_member_limit == 20_000_000  # 10 x: text compresses 5-10x
    assert settings.decompressed_limit == 40_000_000  # 20 x, for archives of many notices
    explicit = Settings(max_decompressed_member_bytes=5_000, max_decompressed_bytes=7_000)
    assert (explicit.decompressed_member_limit, explicit.decompressed_limit) == (5_000, 7_000)

"""Decompression bombs for the limit tests (issue 15 item 2): small files that expand to BOMB bytes of zeros.

They are written a chunk at a time, so making them never holds the expanded bytes; a test's limits are set
far below BOMB (LIMITS_ENV), so reading them stays small and fast once the limits work.
"""

from __future__ import annotations

import gzip
import io
import shutil
import struct
import tarfile
import zipfile
from pathlib import Path
from typing import IO

import pytest

BOMB = 200 * 1024 * 1024
MEMBER_LIMIT = 1024 * 1024
TOTAL_LIMIT = 4 * 1024 * 1024
#: The settings a test sets (pytest's monkeypatch.setenv) to read with those limits.
LIMITS_ENV = {"MATCHER_MAX_DECOMPRESSED_MEMBER_BYTES": str(MEMBER_LIMIT),
              "MATCHER_MAX_DECOMPRESSED_BYTES": str(TOTAL_LIMIT)}
GZIP_NAMES = ("bomb.xml.gz", "bomb.json.gz", "bomb.jsonl.gz", "bomb.csv.gz")
_CHUNK = 1 << 20
#: zlib's fastest level: a bomb is still over 200 times smaller than what it expands to (0.9 MB for 200 MB), and
#: the ten bombs are made in a quarter of the time (2.2 to 3.1 s against 10.3 to 11.2 s at the default levels,
#: side by side on the two-core machine with other tests running).
FAST = 1


class Zeros(io.RawIOBase):
    """``size`` zero bytes as a stream (what tarfile copies a member from)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def write_zeros(out: io.BufferedIOBase | IO[bytes], size: int) -> None:
    block = bytes(_CHUNK)
    while size > 0:
        out.write(block[: min(size, _CHUNK)])
        size -= _CHUNK


def gzip_bomb(path: Path, size: int = BOMB) -> Path:
    with gzip.open(path, "wb", compresslevel=FAST) as out:
        write_zeros(out, size)
    return path


def zip_bomb(path: Path, members: dict[str, int], method: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip whose members (name -> size) hold zeros."""
    with zipfile.ZipFile(path, "w", method, compresslevel=FAST) as archive:
        for name, size in members.items():
            with archive.open(name, "w", force_zip64=True) as out:  # a name: with the archive's method and level
                write_zeros(out, size)
    return path


def tar_bomb(path: Path, members: dict[str, int | Path]) -> Path:
    """A .tar.gz whose members (name -> size of zeros, or a file to copy) are packed in that order."""
    with tarfile.open(path, "w:gz", compresslevel=FAST) as archive:
        for name, content in members.items():
            if isinstance(content, Path):
                archive.add(content, name)
                continue
            info = tarfile.TarInfo(name)
            info.size = content
            archive.addfile(info, io.BufferedReader(Zeros(content), _CHUNK))
    return path


#: The bombs this worker process made (``bombs``), kept for every module that asks: making them (five of 200 MB
#: of zeros each, compressed) cost 8 s of the first test of each of three modules.
_MADE: dict[str, Path] = {}


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every bomb the tests send, made once per worker process: the four gzip names (the same bytes), and an
    archive of each kind holding one expanding member (a notice, an OCDS package, a gzipped OCDS package)."""
    if not _MADE:
        _MADE.update(_make_bombs(tmp_path_factory.mktemp("bombs")))
    return dict(_MADE)


def _make_bombs(folder: Path) -> dict[str, Path]:
    packed = gzip_bomb(folder / GZIP_NAMES[0])
    made = {name: packed if name == packed.name else Path(shutil.copy(packed, folder / name)) for name in GZIP_NAMES}
    for member in ("notice.xml", "releases.json"):
        stem = member.replace(".", "-")
        made[f"{stem}.zip"] = zip_bomb(folder / f"{stem}.zip", {member: BOMB})
        made[f"{stem}.tar.gz"] = tar_bomb(folder / f"{stem}.tar.gz", {member: BOMB})
    with zipfile.ZipFile(folder / "releases-json-gz.zip", "w") as archive:
        archive.write(packed, "releases.json.gz")
    made["releases-json-gz.zip"] = folder / "releases-json-gz.zip"
    made["releases-json-gz.tar.gz"] = tar_bomb(folder / "releases-json-gz.tar.gz", {"releases.json.gz": packed})
    return made


def crowded_zip(path: Path, count: int, declared: int | None = None) -> Path:
    """A zip of ``count`` empty stored members ``e<i>.xml`` whose end record declares ``declared`` entries
    (default ``count``; at most 65,535, the end record's field without zip64). Written record by record:
    zipfile took 2.3 s for 50,000 members, this 0.12 s."""
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for i in range(count):
        name = f"e{i}.xml".encode()
        # version 20, no flags, stored, 1980-01-01 00:00, crc and sizes 0.
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0) + name
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name),
                                   0, 0, 0, 0, 0, offset) + name)
        local.append(header)
        offset += len(header)
    directory = b"".join(central)
    entries = count if declared is None else declared
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, entries, entries, len(directory), offset, 0)
    path.write_bytes(b"".join(local) + directory + end)
    return path

"""Decompressing within limits: gzip files and zip and tar members are expanded a chunk at a time and counted,
so a small file that expands to gigabytes (a decompression bomb) is refused once it has expanded to its limit,
without its expanded bytes being held (issue 15).

Two limits (``Settings.decompressed_member_limit`` and ``decompressed_limit``): what one file or archive member
may expand to, and what one file may expand to in all, an archive's members together. They come from the
innermost ``decompression_limits`` block (the API sets the app's), else from the environment's settings.

An archive may also hold at most ``MAX_ARCHIVE_ENTRIES`` entries: a zip is refused from the count its end record
declares, before zipfile reads its central directory; a tar as it is streamed, at the first entry past it.
"""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from matcher.config import Settings, get_settings
from matcher.errors import UnreadableFile

CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
#: Every tar member costs a 512-byte header, read (and for .tar.gz expanded) even when the member is skipped.
TAR_HEADER = tarfile.BLOCKSIZE
#: zipfile expands these in bounded steps; bzip2 and LZMA a whole read at a time (bzip2 turns 112 bytes into
#: 128 MiB of zeros), so a limit cannot stop them midway.
STEPPED_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: The most entries one zip or tar archive may hold, each counted whether read or not (folders, files no
#: reader wants): listing an entry costs memory however small it is, about 900 bytes in zipfile's central
#: directory (a zip of 200,000 empty entries, 19 MB, took 182 MB and 6 s to open). A real archive holds far
#: fewer: the TED sample 3,476 notices, a TED daily package a few thousand.
MAX_ARCHIVE_ENTRIES = 50_000
#: A zip's end of central directory record, and the zip64 locator and record it defers to for a count of
#: 0xFFFF or more (APPNOTE.TXT 4.3.14-16).
_ZIP_END = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_TAR_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)
_ZIP_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma", 9: "deflate64"}


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class DecompressedTooLarge(UnreadableFile):
    """A compressed file or archive member expands past its limit: nothing from the file is stored."""


@dataclass(frozen=True)
class DecompressionLimits:
    member_bytes: int
    total_bytes: int

    @classmethod
    def of(cls, settings: Settings) -> DecompressionLimits:
        return cls(settings.decompressed_member_limit, settings.decompressed_limit)


_current: ContextVar[DecompressionLimits | None] = ContextVar("decompression_limits", default=None)


def current_limits() -> DecompressionLimits:
    """The limits of the innermost ``decompression_limits`` block, else those of the environment's settings."""
    return _current.get() or DecompressionLimits.of(get_settings())


@contextmanager
def decompression_limits(limits: DecompressionLimits) -> Iterator[DecompressionLimits]:
    """Read with ``limits`` inside the block (a context variable: threads started by the block's task inherit
    it, e.g. Starlette's threadpool)."""
    token = _current.set(limits)
    try:
        yield limits
    finally:
        _current.reset(token)


class Budget:
    """What one file (a .gz, or an archive with every member) may still expand to. ``source`` names it."""

    def __init__(self, source: str, limits: DecompressionLimits | None = None) -> None:
        self.source = source
        self.limits = limits or current_limits()
        self.used = 0

    def charge(self, size: int) -> None:
        """Count ``size`` expanded bytes against the file's total."""
        self._check_total(self.used + size)
        self.used += size

    def _check_total(self, used: int) -> None:
        if used > self.limits.total_bytes:
            raise DecompressedTooLarge(
                f"{self.source}: expands to more than {self.limits.total_bytes} bytes in all (the limit for one "
                "file's contents, MATCHER_MAX_DECOMPRESSED_BYTES)"
            )

    def check_member(self, size: int, name: str) -> None:
        if size > self.limits.member_bytes:
            raise DecompressedTooLarge(
                f"{name}: expands to more than {self.limits.member_bytes} bytes (the limit for one file or "
                "archive member, MATCHER_MAX_DECOMPRESSED_MEMBER_BYTES)"
            )

    def measure(self, stream: Readable, name: str) -> None:
        """Expand ``stream`` to its end keeping one chunk at a time, refused as ``read`` would refuse it."""
        size = 0
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            self.check_member(size, name)
            self._check_total(self.used + size)

    def read(self, stream: Readable, name: str) -> bytes:
        """All of ``stream``, a chunk at a time, refused as soon as it passes either limit."""
        chunks: list[bytes] = []
        size = 0
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            self.check_member(size, name)
            self.charge(len(chunk))
            chunks.append(chunk)
        return b"".join(chunks)


def gunzip(stream: IO[bytes], name: str, budget: Budget) -> bytes:
    """The expanded contents of a seekable gzip stream; a corrupt one is an UnreadableFile naming ``name``.

    gzip records no size it can be held to (its trailer has the size modulo 4 GiB, and a bomb may lie), so
    the stream is expanded twice: measured a chunk at a time, then kept. A bomb is refused having cost the
    time to expand up to the limit and one chunk of memory; a file under the limits costs a second
    gunzip, fast beside parsing what it holds (the Canada OCDS tenders file, 14.7 MB expanded: 0.18 s
    against 0.11 s for one gunzip, of 2.6 s to read its tenders)."""
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as unpacked:
            budget.measure(unpacked, name)
        stream.seek(0)
        with gzip.GzipFile(fileobj=stream, mode="rb") as unpacked:
            return budget.read(unpacked, name)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableFile(f"{name}: not a valid gzip file ({exc})") from exc


def gunzip_bytes(data: bytes, name: str, budget: Budget | None = None) -> bytes:
    """``gunzip`` of bytes already read (a .gz inside an archive), counted against ``budget`` if given."""
    return gunzip(io.BytesIO(data), name, budget or Budget(name))


def read_gzip_file(path: Path) -> bytes:
    """The expanded contents of a .gz file, within the limits."""
    with _opened(path) as raw:
        return gunzip(raw, str(path), Budget(str(path)))


def read_head(path: Path, size: int, packed: bool) -> bytes:
    """At most the first ``size`` bytes of a file, expanded first if ``packed`` (gzip): for sniffing a format
    without reading the whole file."""
    with _opened(path) as raw:
        if not packed:
            return raw.read(size)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
                return unpacked.read(size)
        except (OSError, EOFError, zlib.error) as exc:
            raise UnreadableFile(f"{path}: not a valid gzip file ({exc})") from exc


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from exc
    with handle:
        yield handle


def tar_members(path: Path, suffixes: tuple[str, ...]) -> Iterator[tuple[str, bytes, Budget]]:
    """(name, bytes, the archive's budget) of each regular member whose name ends with one of ``suffixes``.
    Every member counts against the total, skipped ones too: a .tar.gz is one stream, expanded to pass them."""
    budget = Budget(str(path))
    try:
        with tarfile.open(path) as archive:
            for count, info in enumerate(archive, start=1):
                check_entries(count, path)  # a tar has no count: it is counted as it streams
                wanted = info.isfile() and info.name.lower().endswith(suffixes)
                name = f"{path}:{info.name}"
                budget.charge(TAR_HEADER)
                if not wanted:
                    budget.charge(info.size)  # before tarfile expands its way past it
                    continue
                budget.check_member(info.size, name)  # the header's size is what tarfile reads
                handle = archive.extractfile(info)
                if handle is not None:
                    yield name, budget.read(handle, name), budget
    except _TAR_ERRORS as exc:
        # tarfile lists every compression it tried, one per line: the error is one line.
        raise UnreadableFile(f"{path}: not a readable tar archive ({' '.join(str(exc).split())})") from exc


def zip_members(path: Path, suffixes: tuple[str, ...]) -> Iterator[tuple[str, bytes, Budget]]:
    """(name, bytes, the archive's budget) of each member whose name ends with one of ``suffixes``."""
    budget = Budget(str(path))
    try:
        with _opened(path) as raw, zipfile.ZipFile(_counted_zip(raw, path)) as archive:
            infos = archive.infolist()
            check_entries(len(infos), path)  # an end record may understate: zipfile reads the directory to its end
            for info in infos:
                if info.is_dir() or not info.filename.lower().endswith(suffixes):
                    continue
                name = f"{path}:{info.filename}"
                _check_zip_member(info, name)
                # zipfile stops a member at the size its header declares: a larger one is refused unread.
                budget.check_member(info.file_size, name)
                with archive.open(info) as handle:
                    yield name, budget.read(handle, name), budget
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise UnreadableFile(f"{path}: not a readable zip archive ({exc})") from exc


def check_entries(count: int, path: Path) -> None:
    """Refuse an archive once it is known to hold more than MAX_ARCHIVE_ENTRIES entries."""
    if count > MAX_ARCHIVE_ENTRIES:
        raise UnreadableFile(f"{path}: the archive holds more than {MAX_ARCHIVE_ENTRIES} entries (the limit for one "
                             "archive)")


def _counted_zip(raw: IO[bytes], path: Path) -> IO[bytes]:
    """``raw``, once the entry count its end record declares is within the limit: zipfile reads every entry of
    the central directory into memory when it opens an archive."""
    declared = zip_entries_declared(raw)
    if declared is not None:
        check_entries(declared, path)
    raw.seek(0)
    return raw


def zip_entries_declared(raw: IO[bytes]) -> int | None:
    """The entry count a zip's end record declares (its zip64 record's where it defers to one), read from the
    file's last 64 KiB; None without an end record (zipfile then says the file is not a zip)."""
    size = raw.seek(0, io.SEEK_END)
    tail_size = min(size, _ZIP_END.size + 0xFFFF)  # the record, then a comment of at most 64 KiB
    raw.seek(size - tail_size)
    tail = raw.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _ZIP_END.size > len(tail):
        return None
    entries: int = _ZIP_END.unpack_from(tail, at)[4]
    if entries != 0xFFFF or at < _ZIP64_LOCATOR.size:
        return entries
    signature, _, zip64_at, _ = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
    if signature != b"PK\x06\x07":
        return entries
    raw.seek(zip64_at)
    record = raw.read(_ZIP64_END.size)
    if len(record) < _ZIP64_END.size or not record.startswith(b"PK\x06\x06"):
        return entries
    total: int = _ZIP64_END.unpack(record)[7]
    return total


def _check_zip_member(info: zipfile.ZipInfo, name: str) -> None:
    if info.flag_bits & 0x1:
        raise UnreadableFile(f"{name}: the member is encrypted (expected an archive without a password)")
    if info.compress_type not in STEPPED_ZIP_METHODS:
        method = _ZIP_METHOD_NAMES.get(info.compress_type, f"compression method {info.compress_type}")
        raise UnreadableFile(
            f"{name}: compressed with {method}, which cannot be read within the decompression limits "
            "(expected a zip compressed with deflate, or stored)"
        )

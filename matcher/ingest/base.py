"""What every reader yields, and how files are opened (plain, gzip, folders, tar archives)."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from matcher.errors import UnreadableFile


@dataclass(frozen=True)
class Rejected:
    """A record that could not be loaded; the rest of its file still loads."""

    record: str
    reason: str


@dataclass(frozen=True)
class Member:
    """One file's bytes, from disk or from inside an archive. ``name`` is used in error messages."""

    name: str
    data: bytes


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each bad field and why, e.g. ``buyer_country: unknown country 'XX' (...)``."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "record"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it ends in .gz. Missing or corrupt files raise UnreadableFile."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from exc
    if path.suffix == ".gz" and not path.name.endswith(".tar.gz"):
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise UnreadableFile(f"{path}: not a valid gzip file ({exc})") from exc
    return raw


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is allowed); anything else is an UnreadableFile naming the file."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{name}: not UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "re-save the file as UTF-8"
        ) from exc


def iter_members(path: Path, suffixes: tuple[str, ...]) -> Iterator[Member]:
    """Files with one of ``suffixes`` from a file, a folder (recursively), a .tar(.gz) or a .zip."""
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            if child.name.lower().endswith(suffixes) or child.name.lower().endswith(
                tuple(s + ".gz" for s in suffixes)
            ):
                yield Member(str(child), read_bytes(child))
        return
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        yield from _tar_members(path, suffixes)
    elif name.endswith(".zip"):
        yield from _zip_members(path, suffixes)
    else:
        yield Member(str(path), read_bytes(path))


def _tar_members(path: Path, suffixes: tuple[str, ...]) -> Iterator[Member]:
    try:
        with tarfile.open(path) as archive:
            for info in archive:
                if not info.isfile() or not info.name.lower().endswith(suffixes):
                    continue
                handle = archive.extractfile(info)
                if handle is not None:
                    yield Member(f"{path}:{info.name}", handle.read())
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UnreadableFile(f"{path}: not a readable tar archive ({exc})") from exc


def _zip_members(path: Path, suffixes: tuple[str, ...]) -> Iterator[Member]:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir() and info.filename.lower().endswith(suffixes):
                    yield Member(f"{path}:{info.filename}", archive.read(info))
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"{path}: not a readable zip archive ({exc})") from exc


def open_text_lines(data: bytes, name: str) -> Iterator[tuple[int, str]]:
    """Numbered non-blank lines of UTF-8 text (for JSONL)."""
    text = decode_text(data, name)
    for number, line in enumerate(io.StringIO(text), start=1):
        if line.strip():
            yield number, line

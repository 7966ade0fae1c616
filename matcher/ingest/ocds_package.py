"""Loading OCDS data: release and record packages from files, folders and archives, one process per ocid.

Both the tender reader (``ocds.py``) and the award-history reader (``awards.py``) start here, so every
OCDS shape is recognised in one place:

- release packages ``{"releases": [...]}`` and bare releases (an object with an ``ocid``);
- record packages ``{"records": [...]}`` and bare records (``compiledRelease`` / ``versionedRelease``);
- JSON arrays of releases;
- line-delimited JSON (``.jsonl``), one release, record or package per line; ``.gz`` is unpacked.

Releases that share an ocid are merged in date order with a simple OCDS merge (objects merged
recursively, arrays of objects that all have an ``id`` merged by id, other values replaced, ``null``
removes). A compiled release (a record's ``compiledRelease``, or a release tagged ``compiled``) is used
as is instead.

What one file (or folder, or archive) holds twice is a duplicate: a release with the id and the date of one
already read for its ocid (the same release: a later one updates the process under its own id or date), and a
second record of one ocid (a record is the whole process). The first is used and each later one rejected,
naming both (``base.duplicate_reason``). The OCDS examples archive holds 31 such releases, each the same release
in two release files of one publisher's sample (Canada's buyandsell 11, UK Contracts Finder 10, Mexico's Grupo
Aeroportuario 10; the copies differ as converted from OCDS 1.0 to 1.1, with parties and buyer added), and no
record twice; dropping them changes none of its 598 processes. (A record's own releases are not read beside its
compiled release, so a release file repeating one is not a duplicate: the compiled release is used.)

Pre-1.0 draft releases (``releaseTag`` / ``formation``, as in the 2009-2014 Canada contract files) are rejected
with a reason naming the draft shape.

An unreadable single file raises UnreadableFile. Inside a folder or archive, an unreadable member is
rejected (``Rejected(member, reason)``) and the other members still load: one empty file should not
hide hundreds of good ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard

from matcher.errors import UnreadableFile
from matcher.ingest.base import (
    Member,
    Rejected,
    decode_text,
    differing,
    duplicate_reason,
    iter_members,
    json_error,
    load_json,
    open_text_lines,
    refuse_blank,
)
from matcher.ingest.bounded import GZIP_MAGIC, DecompressedTooLarge, gunzip_bytes
from matcher.normalize.text import parse_datetime
from matcher.schema import canonical_id

JsonObject = dict[str, Any]

DRAFT_REASON = (
    "pre-1.0 draft OCDS release ('releaseTag'/'formation', 'id': {'name': ...}); "
    "only OCDS 1.0/1.1 releases are supported"
)
_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")
_ARCHIVES = (".tar", ".tar.gz", ".tgz", ".zip")
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LINK_KEYS = {"url", "date", "tag", "id"}


@dataclass(frozen=True)
class OcdsProcess:
    """One contracting process: its compiled (or merged) release and the earliest release date seen."""

    ocid: str
    release: JsonObject
    first_seen: date | None


def objects(value: Any) -> list[JsonObject]:
    """The objects in a JSON list; a lone object counts as a list of one (some publishers do that)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def obj(value: Any) -> JsonObject:
    """The value if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def tags(release: JsonObject) -> list[str]:
    """The release tags; a single string tag (OCDS 1.0 publishers) counts as one tag."""
    value = release.get("tag")
    if isinstance(value, str):
        return [value]
    return [tag for tag in value if isinstance(tag, str)] if isinstance(value, list) else []


def merge(base: JsonObject, update: JsonObject) -> JsonObject:
    """A later release merged over an earlier one (OCDS merge rules, simplified); inputs are not changed."""
    merged = dict(base)
    for key, value in update.items():
        old = merged.get(key)
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(old, dict):
            merged[key] = merge(old, value)
        elif _identified(value) and _identified(old):
            merged[key] = _merge_by_id(old, value)
        else:
            merged[key] = value
    return merged


def _identified(value: Any) -> TypeGuard[list[JsonObject]]:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "id" in v for v in value)


def _merge_by_id(old: list[JsonObject], new: list[JsonObject]) -> list[JsonObject]:
    by_id = {str(item["id"]): item for item in old}
    for item in new:
        key = str(item["id"])
        by_id[key] = merge(by_id[key], item) if key in by_id else item
    return list(by_id.values())


def merge_releases(releases: list[JsonObject]) -> JsonObject:
    """Releases of one ocid merged oldest first, so later values win; undated releases count as oldest."""
    ordered = sorted(releases, key=lambda release: _moment(release.get("date")) or _EARLIEST)
    merged: JsonObject = {}
    for release in ordered:
        merged = merge(merged, release)
    return merged


def _moment(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def load_processes(path: Path) -> Iterator[OcdsProcess | Rejected]:
    """Every contracting process in a file, folder or archive; everything is read before the first yield."""
    collection = path.is_dir() or path.name.lower().endswith(_ARCHIVES)
    collector = _Collector()
    for member in iter_members(path, _SUFFIXES):
        label = _label(path, member.name) if collection else PurePosixPath(member.name).name
        try:
            documents = _documents(member, label)
        except DecompressedTooLarge:
            raise  # the limits are the file's: past them the whole file is refused, as iter_members refuses it
        except UnreadableFile as exc:
            if not collection:
                raise
            collector.rejected.append(Rejected(label, str(exc).removeprefix(f"{member.name}: ")))
            continue
        for document in documents:
            if isinstance(document, Rejected):
                collector.rejected.append(document)
            else:
                collector.add(*document)
    yield from collector.rejected
    yield from collector.processes()


def _label(path: Path, name: str) -> str:
    """A folder's or archive's member as its records are named: its path inside, so that a/package.json and
    b/package.json are told apart (by its file name alone, both releases of one id were 'package.json#/releases/0')."""
    inner = name.removeprefix(f"{path}:").removeprefix(f"{path}/")
    while inner.startswith("./"):
        inner = inner[2:]
    return inner


def _documents(member: Member, label: str) -> list[tuple[str, Any] | Rejected]:
    data, name = member.data, member.name
    if data[:2] == GZIP_MAGIC:  # a .gz member inside an archive is still packed
        data = gunzip_bytes(data, name, member.budget)
    refuse_blank(data, name)
    if name.lower().removesuffix(".gz").endswith(".jsonl"):
        return _jsonl_documents(data, name, label)
    text = decode_text(data, name)
    try:
        return [(label, load_json(text, name))]
    except json.JSONDecodeError as exc:
        raise json_error(name, exc) from exc


def _jsonl_documents(data: bytes, name: str, label: str) -> list[tuple[str, Any] | Rejected]:
    documents: list[tuple[str, Any] | Rejected] = []
    for number, line in open_text_lines(data, name):
        record = f"{label}:{number}"
        try:
            documents.append((record, load_json(line.strip(), f"{name}:{number}")))
        except json.JSONDecodeError as exc:
            documents.append(Rejected(record, f"not valid JSON at column {exc.colno} ({exc.msg})"))
    return documents


class _Collector:
    """Sorts documents into releases and compiled releases per ocid, remembering first appearance."""

    def __init__(self) -> None:
        self.order: dict[str, None] = {}
        self.releases: dict[str, list[JsonObject]] = {}
        self.compiled: dict[str, JsonObject] = {}
        self.dates: dict[str, list[datetime]] = {}
        self.unusable: dict[str, str] = {}  # ocid -> why, reported only if nothing usable turns up
        self.rejected: list[Rejected] = []
        self.first: dict[tuple[str, ...], tuple[str, JsonObject]] = {}  # each release and record: where first read

    def add(self, where: str, document: Any) -> None:
        if isinstance(document, list):
            for number, item in enumerate(document, start=1):
                self.add(f"{where}#{number}", item)
        elif not isinstance(document, dict):
            self.rejected.append(Rejected(where, f"expected a JSON object, got {type(document).__name__}"))
        elif isinstance(document.get("records"), list):  # located by JSON pointer, counted from 0
            for number, record in enumerate(document["records"]):
                if isinstance(record, dict):
                    self._record(record, f"{where}#/records/{number}")
                else:
                    self.rejected.append(Rejected(f"{where}#/records/{number}", "record is not a JSON object"))
        elif "compiledRelease" in document or "versionedRelease" in document:
            self._record(document, where)
        elif isinstance(document.get("releases"), list):
            for number, release in enumerate(document["releases"]):
                self._release(release, f"{where}#/releases/{number}")
        elif "ocid" in document:
            self._release(document, where)
        else:
            keys = ", ".join(sorted(document)[:6])
            self.rejected.append(Rejected(where, f"not an OCDS release, record or package (keys: {keys})"))

    def _ocid(self, value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return None
        ocid = canonical_id(value.strip())  # one process however its ocid is composed, as its notice id is
        self.order.setdefault(ocid)
        return ocid

    def _seen(self, ocid: str, release: JsonObject) -> None:
        moment = _moment(release.get("date"))
        if moment is not None:
            self.dates.setdefault(ocid, []).append(moment)

    def _release(self, release: Any, where: str) -> None:
        ocid = self._ocid(release.get("ocid")) if isinstance(release, dict) else None
        if ocid is None or not isinstance(release, dict):
            self.rejected.append(Rejected(where, "release without an 'ocid' (expected an OCDS release)"))
            return
        if "releaseTag" in release or "formation" in release:
            self.unusable[ocid] = DRAFT_REASON
            return
        rid, date = release.get("id"), release.get("date")
        if isinstance(rid, str | int) and str(rid).strip():
            dated = f" dated {date}" if isinstance(date, str) else ""
            if self._again(("release", ocid, str(rid), str(date)), release, where, f"release {rid!r} of {ocid}{dated}"):
                return
        self._seen(ocid, release)
        if "compiled" in tags(release):
            self._compiled(ocid, release)
        else:
            self.releases.setdefault(ocid, []).append(release)

    def _compiled(self, ocid: str, release: JsonObject) -> None:
        current = self.compiled.get(ocid)
        later = _moment(release.get("date")) or _EARLIEST
        if current is None or later >= (_moment(current.get("date")) or _EARLIEST):
            self.compiled[ocid] = release

    def _record(self, record: JsonObject, where: str) -> None:
        compiled = record.get("compiledRelease")
        ocid = self._ocid(record.get("ocid") or obj(compiled).get("ocid"))
        if ocid is None:
            self.rejected.append(Rejected(where, "record without an 'ocid'"))
            return
        if self._again(("record", ocid), record, where, f"record of {ocid}"):
            return
        listed = objects(record.get("releases"))
        for release in listed:
            self._seen(ocid, release)  # linked releases (url, date, tag) still date the process
        # Linked releases carry only url/date/tag; anything more is release data (its ocid may be left out).
        embedded = [{"ocid": ocid, **release} for release in listed if set(release) - _LINK_KEYS]
        if isinstance(compiled, dict):
            self._seen(ocid, compiled)
            self._compiled(ocid, compiled)
        elif embedded:
            for release in embedded:
                self._release(release, where)
        else:
            self.unusable[ocid] = "record has no compiledRelease and only linked releases (url, no data)"

    def _again(self, key: tuple[str, ...], document: JsonObject, where: str, what: str) -> bool:
        """Whether ``document`` was read before in this file (then it is rejected as a duplicate), else noted."""
        if key not in self.first:
            self.first[key] = (where, document)
            return False
        first_where, first = self.first[key]
        self.rejected.append(Rejected(where, duplicate_reason(what, first_where, differing(first, document))))
        return True

    def processes(self) -> Iterator[OcdsProcess | Rejected]:
        for ocid in self.order:
            dates = self.dates.get(ocid)
            first = min(dates).date() if dates else None
            if ocid in self.compiled:
                yield OcdsProcess(ocid, self.compiled[ocid], first)
            elif ocid in self.releases:
                yield OcdsProcess(ocid, merge_releases(self.releases[ocid]), first)
            else:
                yield Rejected(ocid, self.unusable.get(ocid, "no usable release"))


def document_processes(document: Any, where: str) -> list[OcdsProcess | Rejected]:
    """The contracting processes in one decoded JSON document (a release or record package fetched from an API,
    or any shape ``load_processes`` reads), merged per ocid as the files are; rejections first.

    A package's releases and records are located by JSON pointer (``<where>#/releases/3``, counted from 0), so
    that one without a usable ocid can still be found in a page of hundreds."""
    collector = _Collector()
    collector.add(where, document)
    return [*collector.rejected, *collector.processes()]

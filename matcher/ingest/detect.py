"""Pick the reader for a tender file by its name and, for JSON, by its shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from matcher.errors import InvalidInput
from matcher.ingest.base import Rejected, read_start
from matcher.ingest.ocds import read_ocds
from matcher.ingest.tabular import read_tender_table
from matcher.ingest.ted import read_ted
from matcher.ingest.worldbank import looks_like_worldbank, read_worldbank
from matcher.paths import existing
from matcher.schema import Tender

ARCHIVES = (".tar.gz", ".tgz", ".tar", ".zip")
JSON_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")


XML_SUFFIXES = (".xml.gz", ".xml")
CSV_SUFFIXES = (".csv.gz", ".csv")


def tender_format(path: Path) -> str:
    """How ``read_tenders`` reads ``path``: 'folder', or the suffix that picks the reader ('.zip',
    '.jsonl.gz', ...). The same bytes read as another format give other records (or none), so the ingest
    ledger keys files by content and this format (issue 15)."""
    if path.is_dir():
        return "folder"
    name = path.name.lower()
    # Longest suffixes first within each family: '.json.gz' before '.json', '.jsonl' before '.json'.
    for suffix in (*ARCHIVES, *XML_SUFFIXES, *sorted(JSON_SUFFIXES, key=len, reverse=True), *CSV_SUFFIXES):
        if name.endswith(suffix):
            return suffix
    raise InvalidInput(
        f"unsupported tender file {path.name!r} (expected .xml, .json, .jsonl, .csv, a .gz of one of "
        "them, a .tar.gz/.zip archive or a folder)"
    )


def read_tenders(path: Path) -> Iterator[Tender | Rejected]:
    """Tenders from any supported file: TED XML, eForms, OCDS JSON, or the tender CSV/JSON table."""
    existing(path)
    kind = tender_format(path)
    if kind == "folder" or kind in ARCHIVES:
        # Folders and archives may hold XML notices and OCDS JSON side by side.
        yield from read_ted(path)
        yield from read_ocds(path)
    elif kind in XML_SUFFIXES:
        yield from read_ted(path)
    elif kind in JSON_SUFFIXES and looks_like_worldbank(path):
        yield from read_worldbank(path)
    elif kind in JSON_SUFFIXES:
        yield from (read_ocds(path) if _looks_like_ocds(path) else read_tender_table(path))
    else:
        yield from read_tender_table(path)


def _looks_like_ocds(path: Path) -> bool:
    """OCDS packages have releases or records and releases have an ocid; a tender table has none."""
    head = read_start(path, 200_000).decode("utf-8", errors="replace")
    return any(marker in head for marker in ('"releases"', '"records"', '"ocid"'))

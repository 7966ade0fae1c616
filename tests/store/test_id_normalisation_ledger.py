"""The ingest ledger after ``matcher store normalize-ids``: it names each file's notices by id with the content hash
the store kept for them (``matcher.store.ingest_ledger``), and skips a file whose notices are all still stored so.
An entry the code before a83e0c1 wrote names a notice by its NFD id and the hash of its NFD record; once the run
gave the notice its NFC id (and so another hash), the entry matched nothing and the file was parsed again at its
next ingest (found so: the spy below saw the file read). The run rewrites such entries in its transaction. On
SQLite and, when MATCHER_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import matcher.services.catalog as catalog
from matcher.ingest.base import Rejected
from matcher.ingest.detect import read_tenders
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.store.ingest_ledger import IngestLedger, LedgerEntry, ingested_files
from tests.store.old_ids import TENDER, TENDER_NFD, age, old_store


@pytest.fixture
def matcher(matcher_on_each_store: Matcher) -> Matcher:
    return matcher_on_each_store


def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the ingest parses from now on (the ledger's point is to parse fewer)."""
    parsed: list[Path] = []

    def spy(path: Path) -> Iterator[Tender | Rejected]:
        parsed.append(path)
        return read_tenders(path)

    monkeypatch.setattr(catalog, "read_tenders", spy)
    return parsed


def old_file(matcher: Matcher, folder: Path) -> Path:
    """A file naming a notice 'api:café-1' as a Mac writes it (NFD), ingested by the code before a83e0c1: the
    notice stored under the NFD id, and the ledger's entry naming that id with the hash of the NFD record."""
    path = folder / "notices.jsonl"
    path.write_text(json.dumps({"tender_id": TENDER_NFD, "source": "api", "title": "Water meters",
                                "published": "2021-05-03", "deadline": "2021-07-01T12:00:00Z",
                                "codes": ["CPV:38421100"], "countries": ["KE"]}, ensure_ascii=False) + "\n")
    assert matcher.ingest_tenders([path], sync=False).report.new == 1  # stored in NFC by the code since
    age(matcher.engine.db, TENDER, TENDER_NFD)
    return path


def entries(matcher: Matcher) -> list[dict[str, str]]:
    with matcher.engine.db.connect() as conn:
        return [json.loads(data) for data in conn.execute(ingested_files.select().with_only_columns(
            ingested_files.c.tenders)).scalars()]


def stored_hashes(matcher: Matcher) -> dict[str, str]:
    with matcher.engine.db.connect() as conn:
        return matcher.catalog.tenders.hashes(conn)


def test_a_file_ingested_before_the_run_is_not_parsed_again(
    matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = old_file(matcher, tmp_path)
    [was] = entries(matcher)
    assert list(was) == [TENDER_NFD] and was[TENDER_NFD] != stored_hashes(matcher).get(TENDER)  # as the old code

    result = matcher.normalize_ids()

    parsed = reads(monkeypatch)
    again = matcher.ingest_tenders([path], sync=False).report
    assert parsed == []  # skipped: the file's notice is stored as it left it
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
    assert result.report.records["ingested_files.tenders"] == 1
    assert entries(matcher) == [{TENDER: stored_hashes(matcher)[TENDER]}]


def test_an_entry_follows_every_record_the_run_rewrites(matcher: Matcher) -> None:
    """A notice whose id stays but whose record names a renamed one (a cancellation) hashes differently after the
    run: its entry is given the new hash, as the entry of a renamed notice is, and stays intact. A hash the entry
    held that was no longer the stored one (the notice since rewritten by another file) stays as it was."""
    old_store(matcher)
    hashes = stored_hashes(matcher)
    ledger = IngestLedger()
    with matcher.engine.db.begin() as conn:
        ledger.record(conn, LedgerEntry("a" * 64, "old.jsonl", {
            "api:cancels-1": hashes["api:cancels-1"], TENDER_NFD: hashes[TENDER_NFD]}, []))
        ledger.record(conn, LedgerEntry("b" * 64, "older.jsonl", {TENDER_NFD: "0" * 64}, []))

    result = matcher.normalize_ids()

    now = stored_hashes(matcher)
    assert hashes["api:cancels-1"] != now["api:cancels-1"]  # its record names TENDER in NFC now
    assert result.report.records["ingested_files.tenders"] == 2
    with matcher.engine.db.connect() as conn:
        entry, older = ledger.get(conn, "a" * 64), ledger.get(conn, "b" * 64)
    assert entry is not None and entry.tenders == {"api:cancels-1": now["api:cancels-1"], TENDER: now[TENDER]}
    assert entry.intact(now)
    assert older is not None and older.tenders == {TENDER: "0" * 64} and not older.intact(now)
    assert matcher.normalize_ids().report.records == {}  # a second run finds nothing to rewrite

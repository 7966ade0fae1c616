"""Two writers storing the same award rows, firms, supplier links, ingest ledger entries or corrected notices'
records at the same moment on PostgreSQL (read committed), as ``test_racing_tender_writes`` does for notices: each
read the rows as not stored, and the later insert broke the key (IntegrityError, its whole command rolled back,
an 87-line traceback), or two batches inserting in opposite orders each held a row the other needed next (a
deadlock PostgreSQL ended by failing one). Each is now answered as if it had written after the other.

The races are forced: the other writer commits right after this one's read, or both read before either writes
(a barrier) and the first to write holds its transaction until the other waits for it. SQLite's writers take
turns, so these run on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event

from matcher.pipeline import Matcher
from matcher.schema import Award, FirmProfile, IngestReport, Tender
from matcher.store import awards, corrections, firms
from matcher.store.awards import AwardRepository
from matcher.store.ingest_ledger import IngestLedger, LedgerEntry
from tests.store import test_racing_tender_writes as racing
from tests.store.test_racing_tender_writes import SEVERAL, _until_waited_for, counts

pytestmark = pytest.mark.postgres

pair = racing.pair  # the fixture: two matchers on one PostgreSQL schema


def award(i: int, supplier: str = "Bluefors Oy", title: str = "Dilution refrigerator") -> Award:
    return Award(award_id=f"A{i:04}", date=date(2021, 3, 1), title=title, supplier=supplier, buyer="University")


def other_first(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, other: Callable[[], object]) -> None:
    """Run ``other`` (which commits) right after the first call of ``module``'s ``name`` (a read); the calls of
    ``other`` itself go through."""
    read, done = getattr(module, name), list[object]()

    def first(*args: Any, **kwargs: Any) -> Any:
        found = read(*args, **kwargs)
        if not done:
            done.append(True)
            other()
        return found

    monkeypatch.setattr(module, name, first)


def both_read_first(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
    """The first call of ``module``'s ``name`` in each of two threads (writers) returns once the other's has."""
    read, read_both, seen = getattr(module, name), threading.Barrier(2, timeout=10), set[int]()

    def first(*args: Any, **kwargs: Any) -> Any:
        found = read(*args, **kwargs)
        if threading.get_ident() not in seen:
            seen.add(threading.get_ident())
            read_both.wait()
        return found

    monkeypatch.setattr(module, name, first)


def ingest(matcher: Matcher, rows: list[Award], folder: Path) -> tuple[IngestReport, int]:
    """``matcher ingest awards`` of a file holding ``rows``."""
    path = folder / f"awards-{threading.get_ident()}-{len(list(folder.iterdir()))}.jsonl"
    path.write_text("\n".join(r.model_dump_json() for r in rows), encoding="utf-8")
    return matcher.awards.ingest([path])


def test_an_award_stored_by_another_writer_meanwhile_is_unchanged_not_new_twice(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Two ``matcher ingest awards`` of one file at once: one said '3312 new', the other broke awards_pkey."""
    mine, theirs = pair
    changed = award(2, title="Dilution refrigerator, 10 mK")
    other_first(monkeypatch, awards, "content_hashes", lambda: ingest(theirs, [award(1), changed], tmp_path))
    report, _ = ingest(mine, [award(1), award(2), award(3)], tmp_path)
    # A0001 the other stored as this writer has it (unchanged), A0002 differently (updated to this writer's
    # record), A0003 new here.
    assert counts(report) == (1, 1, 1)
    with mine.awards.db.connect() as conn:
        assert AwardRepository().count(conn) == 3
        assert [a.title for a in mine.awards.repo.wins(conn, ["sup:bluefors"])] == ["Dilution refrigerator"] * 3


def test_two_writers_storing_the_same_new_awards_in_opposite_orders_at_once_both_succeed(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each inserted its rows one by one in its file's order: a deadlock (or a broken key), one ingest failed."""
    rows = [award(i, supplier=f"Supplier {i % 7}") for i in range(SEVERAL)]
    both_read_first(monkeypatch, awards, "content_hashes")
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda m, b: ingest(m, b, tmp_path)[0], pair, [rows, rows[::-1]]))
    assert sum(r.new for r in reports) == SEVERAL and all(r.new + r.unchanged == SEVERAL for r in reports)
    with pair[0].awards.db.connect() as conn:
        assert AwardRepository().count(conn) == SEVERAL


def test_a_name_link_made_while_link_supplier_links_the_same_pair_keeps_the_explicit_link(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The name rule links a firm without links (``link_by_identity``); a ``link-supplier`` of that firm to that
    identity, committed after the rule read no link, made the rule's insert break the key. (In an ingest the
    awards counter, taken before, makes the two wait for each other instead.)"""
    mine, theirs = pair
    ingest(mine, [award(1)], tmp_path)
    mine.upsert_firms([FirmProfile(firm_id="bf", name="Bluefors Oy", description="cryostats")])
    repository = mine.awards.repo
    other_first(monkeypatch, repository, "links", lambda: theirs.awards.link("bf", "Bluefors Oy"))
    with mine.awards.db.begin() as conn:
        assert repository.link_by_identity(conn, [("bf", "sup:bluefors")]) == 0  # the explicit link came first
    with mine.awards.db.connect() as conn:
        assert repository._source(conn, "bf", "sup:bluefors") == "explicit"


FIRMS = [FirmProfile(firm_id=f"firm-{i:04}", name=f"Firm {i}", description="pumps") for i in range(SEVERAL)]


def test_two_writers_storing_the_same_new_firms_in_opposite_orders_at_once_both_succeed(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each inserted its firms one by one in its batch's order: a deadlock, which no retry caught."""
    both_read_first(monkeypatch, firms, "content_hashes")
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda m, b: m.upsert_firms(b), pair, [FIRMS, FIRMS[::-1]]))
    assert sum(r.new for r in reports) == SEVERAL and all(r.new + r.unchanged == SEVERAL for r in reports)
    assert pair[0].list_firms(limit=1)[0] == SEVERAL


def test_a_firm_changed_by_another_writer_meanwhile_is_updated_to_this_writers_profile(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    mine, theirs = pair
    firm = FIRMS[0]
    other_first(monkeypatch, firms, "content_hashes",
                lambda: theirs.upsert_firms([firm.model_copy(update={"name": "Theirs"})]))
    assert counts(mine.upsert_firms([firm, FIRMS[1]])) == (1, 1, 0)
    assert mine.get_firm(firm.firm_id) == firm


def test_a_firm_changed_meanwhile_to_this_writers_profile_is_unchanged_not_updated(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    """A firms file and another writer (a firm batch, the profile form) both changed the firm to one profile: the
    other committed after this batch read the firm, and the batch counted the firm updated (and wrote it again), as
    if it had changed it."""
    mine, theirs = pair
    mine.upsert_firms([FIRMS[0]])
    renamed = FIRMS[0].model_copy(update={"name": "Renamed"})
    other_first(monkeypatch, firms, "content_hashes", lambda: theirs.upsert_firms([renamed]))
    assert counts(mine.upsert_firms([renamed, FIRMS[1]])) == (1, 0, 1)
    assert mine.get_firm(renamed.firm_id) == renamed


def test_a_firm_deleted_meanwhile_is_stored_again_as_new(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch read the firm, another writer deleted it, and the batch's update wrote no row: 'updated 1', and
    the firm was gone."""
    mine, theirs = pair
    mine.upsert_firms([FIRMS[0]])
    renamed = FIRMS[0].model_copy(update={"name": "Renamed"})

    def delete() -> None:
        with theirs.catalog.db.begin() as conn:
            theirs.catalog.firms.delete(conn, renamed.firm_id)

    other_first(monkeypatch, firms, "content_hashes", delete)
    assert counts(mine.upsert_firms([renamed])) == (1, 0, 0)
    assert mine.get_firm(renamed.firm_id) == renamed


def _entry(name: str) -> LedgerEntry:
    return LedgerEntry("d" * 64, name, {"ted:1": "h1"}, [])


def _held_then_other(pair: tuple[Matcher, Matcher], write: Callable[[Connection], None]) -> None:
    """``write`` in one transaction; the other writer's ``write`` starts, and this commits once the other waits."""
    mine, theirs = pair
    with ThreadPoolExecutor(1) as pool:
        with mine.catalog.db.begin() as conn:
            write(conn)
            later = pool.submit(lambda: _in_transaction(theirs, write))
            _until_waited_for(conn, mine)
        later.result()


def _in_transaction(matcher: Matcher, write: Callable[[Connection], None]) -> None:
    with matcher.catalog.db.begin() as conn:
        write(conn)


def test_one_file_recorded_in_the_ledger_by_two_writers_at_once_keeps_the_later_entry(
        pair: tuple[Matcher, Matcher]) -> None:
    """The ledger deleted the file's entry, then inserted it: the later writer saw no entry to delete and broke
    ingested_files_pkey once the first committed."""
    names = iter(["first.jsonl", "second.jsonl"])
    _held_then_other(pair, lambda conn: IngestLedger().record(conn, _entry(next(names))))
    with pair[0].catalog.db.connect() as conn:
        assert IngestLedger().get(conn, "d" * 64) == _entry("second.jsonl")


def test_a_corrected_notices_record_kept_by_two_writers_at_once_is_the_later_ones(
        pair: tuple[Matcher, Matcher]) -> None:
    """``keep_as_published`` deleted and inserted the record of every notice of a batch: the later writer waited
    for the first's delete, found the row gone and broke the key inserting its own."""
    call = Tender(tender_id="t:call", source="test", title="pump supply")
    pair[0].upsert_tenders([call], sync=False)
    titles = iter(["pump supply, first", "pump supply, second"])

    def keep(conn: Connection) -> None:
        record = call.model_copy(update={"title": next(titles)})
        corrections.keep_as_published(conn, {"t:call": record}, {"t:call"})

    _held_then_other(pair, keep)
    with pair[0].catalog.db.connect() as conn:
        assert corrections.as_published(conn, ["t:call"])["t:call"].title == "pump supply, second"


def test_an_ingest_and_a_link_supplier_of_the_same_pair_at_once_both_succeed(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``link`` wrote the firm's link, then took the awards counter; an ingest took the counter, then waited for
    that link's row to insert its own name link: each waited for the other, a deadlock PostgreSQL ended by failing
    one. The link is held here once it has written its row, until the ingest waits for it."""
    mine, theirs = pair
    ingest(mine, [award(1)], tmp_path)
    mine.upsert_firms([FirmProfile(firm_id="bf", name="Bluefors Oy", description="cryostats")])
    put, linking = awards._put, threading.Event()

    def held(conn: Connection, *args: Any) -> None:
        put(conn, *args)
        linking.set()
        _until_waited_for(conn, mine)

    monkeypatch.setattr(awards, "_put", held)
    with ThreadPoolExecutor(1) as pool:
        link = pool.submit(theirs.awards.link, "bf", "Bluefors Oy")
        assert linking.wait(10)
        _, linked = ingest(mine, [award(2)], tmp_path)
        assert link.result().new
    assert linked == 0  # the link-supplier committed first: the name rule leaves the firm to it
    with mine.awards.db.connect() as conn:
        assert mine.awards.repo._source(conn, "bf", "sup:bluefors") == "explicit"


def test_an_ingest_moving_a_link_and_an_unlink_supplier_of_it_at_once_both_succeed(
        pair: tuple[Matcher, Matcher], tmp_path: Path) -> None:
    """``unlink`` marked the link removed, then took the awards counter; an ingest whose new spelling moves the
    link's identity ('Bluefors' joins 'Bluefors Cryogenics Oy') takes the counter first, then waited for that row to
    move it: a deadlock. The unlink is held here once it has written the row, until the ingest waits for it."""
    mine, theirs = pair
    ingest(mine, [award(1, supplier="Bluefors Cryogenics Oy")], tmp_path)
    mine.upsert_firms([FirmProfile(firm_id="ox", name="Oxford Cryo", description="magnets")])
    mine.awards.link("ox", "Bluefors Cryogenics Oy")
    unlinking = threading.Event()

    def held(conn: Connection, clause: Any, *args: Any) -> None:
        if getattr(clause, "table", None) is awards.firm_suppliers and clause.is_update and not unlinking.is_set():
            unlinking.set()
            _until_waited_for(conn, mine)

    event.listen(theirs.awards.db.engine, "after_execute", held)
    try:
        with ThreadPoolExecutor(1) as pool:
            unlinked = pool.submit(theirs.awards.unlink, "ox", "sup:bluefors-cryogenics")
            assert unlinking.wait(10)
            ingest(mine, [award(2, supplier="Bluefors")], tmp_path)
            assert unlinked.result() == "sup:bluefors-cryogenics"
    finally:
        event.remove(theirs.awards.db.engine, "after_execute", held)
    with mine.awards.db.connect() as conn:  # the removed link followed the identity: not made again by name
        assert mine.awards.repo.links(conn, "ox") == []

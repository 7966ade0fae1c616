"""Two writers storing the same notice at the same moment on PostgreSQL (read committed): each reads it as not
stored (or as stored before the other's change), and the other's write commits before this one writes. Every caller
of the store's upsert (``matcher ingest tenders``, a feed's page, ``Matcher.upsert_tenders``, the API's batch) is
answered as if it had written after the other: the notice is stored once, counted new by one writer only and
unchanged (or updated) by the other, whose batch is stored whole. The insert of the later writer broke the primary
key (IntegrityError, its whole batch rolled back); only the API retried it.

The race is forced, not hoped for: the other writer (a second ``Matcher`` on the same schema, its own connections)
stores its record inside this writer's transaction, right after this writer's first read of the stored hashes.
SQLite's writers take turns (BEGIN IMMEDIATE), so there the race cannot happen and these tests run on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text

from matcher.pipeline import Matcher
from matcher.schema import Correction, FirmProfile, IngestReport, Tender
from matcher.search.encoders import FakeEncoder
from matcher.store import TenderFilter, corrections, firms, versions
from matcher.store._common import content_hashes
from matcher.store.feeds import FeedSpec
from tests.conftest import postgres_schema_url

pytestmark = pytest.mark.postgres

NOTICE = Tender(tender_id="ted:raced-1", source="ted", title="Water meters for Nairobi", codes=["CPV:38421100"],
                buyer_country="KE")
OTHER = NOTICE.model_copy(update={"title": "Water meters for Mombasa", "codes": ["CPV:38421100", "CPV:42122000"]})


@pytest.fixture
def pair(settings: Any) -> Iterator[tuple[Matcher, Matcher]]:
    """Two matchers (two processes' worth of connections) on one PostgreSQL schema."""
    with postgres_schema_url() as url:
        shared = settings.model_copy(update={"database_url": url})
        first, second = Matcher(shared, encoder=FakeEncoder()), Matcher(shared, encoder=FakeEncoder())
        try:
            yield first, second
        finally:
            first.close()
            second.close()


def race(monkeypatch: pytest.MonkeyPatch, matcher: Matcher, other: Callable[[], object]) -> None:
    """Run ``other`` (which commits) right after ``matcher``'s next first read of stored tender hashes."""
    tenders = matcher.catalog.tenders
    read, done = tenders.hashes, list[object]()

    def hashes(*args: Any, **kwargs: Any) -> dict[str, str]:
        found = read(*args, **kwargs)
        if not done:
            done.append(other())
        return found

    monkeypatch.setattr(tenders, "hashes", hashes)


def counts(report: IngestReport) -> tuple[int, int, int]:
    return report.new, report.updated, report.unchanged


def test_a_notice_stored_by_another_writer_meanwhile_is_unchanged_not_new_twice(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    mine, theirs = pair
    race(monkeypatch, mine, lambda: theirs.upsert_tenders([NOTICE], sync=False))
    report = mine.upsert_tenders([NOTICE, OTHER.model_copy(update={"tender_id": "ted:raced-2"})], sync=False).report
    # ted:raced-1 was stored by the other writer (new there): here it is unchanged; ted:raced-2 is new here.
    assert counts(report) == (1, 0, 1)
    assert mine.get_tender("ted:raced-1") == NOTICE
    assert mine.get_tender("ted:raced-2").title == OTHER.title


def test_a_notice_stored_differently_meanwhile_is_updated_to_this_writers_record(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    mine, theirs = pair
    race(monkeypatch, mine, lambda: theirs.upsert_tenders([NOTICE], sync=False))
    assert counts(mine.upsert_tenders([OTHER], sync=False).report) == (0, 1, 0)
    assert mine.get_tender(NOTICE.tender_id) == OTHER
    # Its codes are this writer's, each once (the facet rows were written for the other's record first).
    assert mine.search_tenders(TenderFilter(code_prefix="CPV:42122000"))[0] == 1


def test_a_change_stored_meanwhile_that_equals_this_writers_is_unchanged_and_bumps_nothing(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    mine, theirs = pair
    mine.upsert_tenders([NOTICE], sync=False)
    race(monkeypatch, mine, lambda: theirs.upsert_tenders([OTHER], sync=False))
    assert counts(mine.upsert_tenders([OTHER], sync=False).report) == (0, 0, 1)
    with mine.catalog.db.connect() as conn:
        assert versions.read(conn, "tenders") == 2  # the first store and the other's change; not this one


def test_the_command_lines_ingest_of_a_file_another_writer_stored_meanwhile(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mine, theirs = pair
    path = tmp_path / "notices.jsonl"
    path.write_text(NOTICE.model_dump_json(exclude_none=True) + "\n", encoding="utf-8")
    race(monkeypatch, mine, lambda: theirs.upsert_tenders([NOTICE], sync=False))
    assert counts(mine.ingest_tenders([path], sync=False).report) == (0, 0, 1)
    assert mine.get_tender(NOTICE.tender_id) == NOTICE


def test_a_feeds_page_of_a_notice_another_writer_stored_meanwhile(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    mine, theirs = pair
    mine.add_feed(FeedSpec("ted-water", "ted"), "officer")
    mine.feeds.start_run("ted-water")
    race(monkeypatch, mine, lambda: theirs.upsert_tenders([OTHER], sync=False))
    report = mine.feeds.commit_page("ted-water", [NOTICE], [], {"page": 2})
    assert counts(report) == (0, 1, 0)
    assert mine.get_tender(NOTICE.tender_id) == NOTICE
    assert mine.feed("ted-water").cursor == {"page": 2}


def test_an_ocds_feeds_page_of_a_notice_the_api_stored_meanwhile_leaves_it_and_says_so(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    """In an id space publishers share (OCDS) a feed changes only its own notices: one the API stored between the
    feed's read and its write is the API's, left as stored and reported; the cursor moves on."""
    mine, theirs = pair
    shared = NOTICE.model_copy(update={"tender_id": "ocds:ocds-a1b2c3-raced", "source": "ocds"})
    mine.add_feed(FeedSpec("portal", "ocds", url="https://ocds.portal.example/api/releases"), "officer")
    mine.feeds.start_run("portal")
    race(monkeypatch, mine, lambda: theirs.upsert_tenders([shared.model_copy(update={"title": "Theirs"})],
                                                          sync=False))
    report = mine.feeds.commit_page("portal", [shared], [], {"page": 2})
    assert counts(report) == (0, 0, 0)
    assert report.rejected == [(shared.tender_id, f"{shared.tender_id} was stored through the API; not changed")]
    assert mine.get_tender(shared.tender_id).title == "Theirs"
    assert mine.feed("portal").cursor == {"page": 2}

def test_an_api_batch_merges_onto_the_notice_another_writer_stored_meanwhile(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch item changes only the fields it was given (``update_tenders``): sent after the other's, it changes
    the title of the notice the other stored and keeps the other's codes and country."""
    mine, theirs = pair
    race(monkeypatch, mine, lambda: theirs.upsert_tenders([OTHER], sync=False))
    sent = Tender(tender_id=NOTICE.tender_id, source="ted", title="Water meters for Kisumu")
    assert counts(mine.update_tenders([sent], sync=False).report) == (0, 1, 0)
    assert mine.get_tender(NOTICE.tender_id) == OTHER.model_copy(update={"title": "Water meters for Kisumu"})


FIRM = FirmProfile(firm_id="aqua", name="Aqua Co", description="Borehole pumps and water meters")


def test_a_firm_stored_by_another_writer_meanwhile_is_unchanged_not_new_twice(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    mine, theirs = pair
    read, done = content_hashes, list[object]()

    def hashes(*args: Any, **kwargs: Any) -> dict[str, str]:
        found = read(*args, **kwargs)
        if not done:
            done.append(True)  # the other writer's own read goes through
            theirs.upsert_firms([FIRM])
        return found

    monkeypatch.setattr(firms, "content_hashes", hashes)
    assert counts(mine.upsert_firms([FIRM])) == (0, 0, 1)
    assert mine.get_firm("aqua") == FIRM


def test_two_writers_changing_one_stored_notice_at_once_both_store_and_its_codes_are_the_last_ones(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    """Both read the stored notice's hash, then the first to write holds its transaction open until the second
    waits for a lock. The second deleted the notice's code rows it could see (none: the first had deleted them),
    not the first's new ones, and inserting its own broke the codes' key (IntegrityError). It now locks the
    notice and reads it again before it rewrites it."""
    mine = pair[0]
    mine.upsert_tenders([NOTICE], sync=False)
    mine_changed = NOTICE.model_copy(update={"title": "Water meters for Kisumu"})
    read_both, first = threading.Barrier(2, timeout=10), threading.Lock()
    for matcher in pair:
        tenders = matcher.catalog.tenders
        monkeypatch.setattr(tenders, "hashes", _after_both_read(tenders.hashes, read_both))
        monkeypatch.setattr(tenders, "_write_facets", _held_until_other_waits(tenders._write_facets, first, mine))
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda m, t: m.upsert_tenders([t], sync=False).report, pair, [mine_changed, OTHER]))
    assert [counts(r) for r in reports] == [(0, 1, 0), (0, 1, 0)]
    stored = mine.get_tender(NOTICE.tender_id)
    assert stored in (mine_changed, OTHER)
    assert mine.search_tenders(TenderFilter(code_prefix="CPV:42122000"))[0] == (stored == OTHER)


def _after_both_read(read: Callable[..., dict[str, str]], barrier: threading.Barrier) -> Callable[..., dict[str, str]]:
    """``hashes``, whose first call in each writer waits for the other's."""
    done: list[object] = []

    def hashes(*args: Any, **kwargs: Any) -> dict[str, str]:
        found = read(*args, **kwargs)
        if not done:
            done.append(barrier.wait())
        return found

    return hashes


def _held_until_other_waits(write: Callable[..., None], first: threading.Lock,
                            matcher: Matcher) -> Callable[..., None]:
    """``_write_facets``, which the first writer to reach it runs only once another session waits for its
    transaction (for a row it wrote)."""

    def held(conn: Connection, *args: Any) -> None:
        if first.acquire(blocking=False):
            _until_waited_for(conn, matcher)
        write(conn, *args)

    return held


def _until_waited_for(conn: Connection, matcher: Matcher) -> None:
    """Return once another session waits for ``conn``'s transaction (10 s at most, then go on)."""
    xid = conn.execute(text("SELECT pg_current_xact_id()::xid::text")).scalar()
    with matcher.catalog.db.connect() as watcher:
        for _ in range(200):
            if watcher.execute(text(WAITING), {"xid": xid}).scalar():
                return
            time.sleep(0.05)


WAITING = ("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted "
           "AND transactionid::text = :xid")


def test_two_writers_storing_one_corrected_notice_unchanged_at_once_both_succeed(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    """A corrected notice keeps its source's record beside it (``corrections.keep_as_published``), written again by
    every store of the notice, changed or not: the later of two writers deleted the record it could see (none: the
    first had deleted it) and broke its key inserting its own. A corrected notice is now locked before it is
    stored again, so the later writer waits and then replaces the first's record."""
    mine = pair[0]
    call = Tender(tender_id="t:call", source="test", title="pump supply", published=date(2021, 4, 16),
                  deadline=datetime(2021, 5, 17, 21, tzinfo=UTC))
    extended = datetime(2021, 5, 21, 21, tzinfo=UTC)
    fix = Tender(tender_id="t:fix", source="test", title="pump supply, corrigendum", notice_type="other",
                 published=date(2021, 5, 1), corrects=[Correction(notice="t:call", deadline=extended)])
    mine.upsert_tenders([call, fix], sync=False)
    read_both, first = threading.Barrier(2, timeout=10), threading.Lock()
    for matcher in pair:
        tenders = matcher.catalog.tenders
        monkeypatch.setattr(tenders, "hashes", _after_both_read(tenders.hashes, read_both))
        monkeypatch.setattr(corrections, "drop_as_published", _dropped_then_held(first, mine))
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda m: m.upsert_tenders([call], sync=False).report, pair))
    assert [counts(r) for r in reports] == [(0, 0, 1), (0, 0, 1)]
    assert mine.get_tender("t:call").deadline == extended
    with mine.catalog.db.connect() as conn:
        assert corrections.as_published(conn, ["t:call"]) == {"t:call": call}


def _dropped_then_held(first: threading.Lock, matcher: Matcher) -> Callable[[Connection, list[str]], None]:
    """``corrections.drop_as_published``, after which the first writer to run it waits for another session to
    wait for its transaction."""
    drop = corrections.drop_as_published

    def dropped(conn: Connection, ids: list[str]) -> None:
        drop(conn, ids)
        if first.acquire(blocking=False):
            _until_waited_for(conn, matcher)

    return dropped


def test_one_file_ingested_twice_at_once_after_its_notices_were_stored_both_succeed(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Its notices stored already (sent to the API, say), neither ingest writes a notice nor waits for the other
    until each records the file in the ingest ledger (delete its entry, insert it): the later one could not see the
    first's entry, deleted nothing and broke its key (IntegrityError: the command's error line, nothing stored)."""
    mine = pair[0]
    mine.upsert_tenders([NOTICE], sync=False)
    path = tmp_path / "notices.jsonl"
    path.write_text(NOTICE.model_dump_json(exclude_none=True) + "\n", encoding="utf-8")
    read_both, first = threading.Barrier(2, timeout=10), threading.Lock()
    for matcher in pair:
        tenders = matcher.catalog.tenders
        monkeypatch.setattr(tenders, "hashes", _after_both_read(tenders.hashes, read_both))
        monkeypatch.setattr(matcher.catalog.ledger, "record",
                            _recorded_then_held(matcher.catalog.ledger.record, first, mine))
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda m: m.ingest_tenders([path], sync=False).report, pair))
    assert [counts(r) for r in reports] == [(0, 0, 1), (0, 0, 1)]
    monkeypatch.undo()
    assert counts(mine.ingest_tenders([path], sync=False).report) == (0, 0, 1)  # the file is known: not read again


def _recorded_then_held(record: Callable[[Connection, Any], None], first: threading.Lock,
                        matcher: Matcher) -> Callable[[Connection, Any], None]:
    """``IngestLedger.record``, after which the first writer to run it waits for another session to wait for its
    transaction."""

    def recorded(conn: Connection, entry: Any) -> None:
        record(conn, entry)
        if first.acquire(blocking=False):
            _until_waited_for(conn, matcher)

    return recorded


def test_two_writers_storing_the_same_new_notices_in_opposite_orders_at_once_both_succeed(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each writer inserted its new notices in its batch's order: one held the first notices the other needed next
    and waited for the other's, a deadlock that PostgreSQL ended by failing one batch. The race is started together
    (both past their read), and the batches are long enough for their inserts to overlap."""
    batch = [NOTICE.model_copy(update={"tender_id": f"ted:raced-{i:04}"}) for i in range(SEVERAL)]
    read_both = threading.Barrier(2, timeout=10)
    for matcher in pair:
        tenders = matcher.catalog.tenders
        monkeypatch.setattr(tenders, "hashes", _after_both_read(tenders.hashes, read_both))
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda m, b: m.upsert_tenders(b, sync=False).report, pair, [batch, batch[::-1]]))
    assert sum(r.new for r in reports) == SEVERAL and all(r.new + r.unchanged == SEVERAL for r in reports)
    assert pair[0].search_tenders(TenderFilter(source="ted"))[0] == SEVERAL


#: Notices in each batch of the opposite-order race: enough that the two inserts overlap.
SEVERAL = 1000


def test_a_notice_stored_meanwhile_is_stored_again_before_the_change_counter_is_taken(
        pair: tuple[Matcher, Matcher], monkeypatch: pytest.MonkeyPatch) -> None:
    """This writer's batch holds a new notice and one the other stored meanwhile (stored again, over the other's,
    ``_insert_new``). It bumped the tenders counter, holding the counter's row, before storing that notice again,
    whose row a third writer then held while waiting for the counter: a deadlock, PostgreSQL failing a batch."""
    mine, theirs = pair
    third = Matcher(mine.settings, encoder=FakeEncoder())
    fresh = OTHER.model_copy(update={"tender_id": "ted:raced-new"})
    armed: list[object] = []  # once the other writer has stored its notice
    race(monkeypatch, mine, lambda: armed.append(theirs.upsert_tenders([NOTICE], sync=False)))
    bump, me = versions.bump, threading.get_ident()
    results: list[object] = []

    def bumped(conn: Connection, kind: Any) -> None:
        bump(conn, kind)
        if armed and threading.get_ident() == me and not results:  # this writer holds the counter: the third
            results.append(pool.submit(third.upsert_tenders,  # changes the notice the other stored
                                       [NOTICE.model_copy(update={"title": "Kisumu"})], sync=False))
            _until_waited_for(conn, mine)  # the third waits for this writer (for the counter, or for the notice)

    monkeypatch.setattr(versions, "bump", bumped)
    try:
        with ThreadPoolExecutor(1) as pool:
            report = mine.upsert_tenders([fresh, OTHER], sync=False).report
            other = results[0].result()  # type: ignore[attr-defined]
    finally:
        third.close()
    assert counts(report) == (1, 1, 0) and counts(other.report) == (0, 1, 0)
    assert mine.get_tender(NOTICE.tender_id).title == "Kisumu"  # the third waited for this writer, then wrote

"""``Shortlists.propose_many`` puts several tenders on one firm's shortlist in one transaction, each by
``propose``'s rules: a refusal or a store fault at any one stores none of them (no item, no logged proposal, no
bump of the decisions counter that caches read). Proposing a firm's top recommendations called ``propose`` once
per notice, so a failure at the second kept the first. Run on SQLite and, when MATCHER_TEST_POSTGRES_URL is set,
on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from matcher.config import Settings
from matcher.errors import InvalidInput, NotFound
from matcher.pipeline import Matcher
from matcher.search.encoders import FakeEncoder
from matcher.store import versions
from matcher.store.shortlists import Proposal, ShortlistItem, ShortlistRepository, Status
from tests.conftest import NOW, postgres_schema_url
from tests.services.test_shortlist_entries import FIRM, METERS, PUMPS

CLOSED = PUMPS.model_copy(update={"tender_id": "test:closed", "title": "Borehole drilling",
                                  "published": (NOW - timedelta(days=30)).date(), "deadline": NOW - timedelta(days=1)})
VALVES = PUMPS.model_copy(update={"tender_id": "test:valves", "title": "Gate valves"})


@pytest.fixture
def stocked(matcher_on_each_store: Matcher) -> Matcher:
    matcher_on_each_store.upsert_tenders([PUMPS, METERS, CLOSED, VALVES], sync=False)
    matcher_on_each_store.upsert_firms([FIRM])
    return matcher_on_each_store


def stored(matcher: Matcher) -> tuple[list[tuple[str, Status, str, float | None]], list[tuple[str, Status]], int]:
    """The firm's items, its logged decisions and the decisions counter: what a refused call must leave as it was."""
    items = [(e.tender_id, e.status, e.note, e.score) for e in matcher.shortlist(FIRM.firm_id)]
    events = [(e.tender_id, e.decision) for e in matcher.feedback_events(FIRM.firm_id)]
    with matcher.engine.db.connect() as conn:
        return items, events, versions.read(conn, "decisions")


def test_each_proposal_follows_the_rules_of_one(stocked: Matcher) -> None:
    """New tenders are created with their scores; one on the shortlist already (here one closed since it was
    listed, which ``at`` would refuse as new) is answered as stored, not created, its score kept and its note
    replaced; the entries come in the order proposed, each with its tender's fields."""
    stocked.propose(FIRM.firm_id, CLOSED.tender_id, "partner-a", "listed while open", score=0.4)
    _, _, counter = stored(stocked)
    entries = stocked.propose_many(
        FIRM.firm_id, [Proposal(PUMPS.tender_id, 0.9), Proposal(CLOSED.tender_id, 0.8), Proposal(METERS.tender_id)],
        "partner-b", "batch", at=stocked.open_at())
    assert [(e.tender_id, e.created, e.score, e.note, e.proposed_by, e.title) for e in entries] == [
        (PUMPS.tender_id, True, 0.9, "batch", "partner-b", PUMPS.title),
        (CLOSED.tender_id, False, 0.4, "batch", "partner-a", CLOSED.title),
        (METERS.tender_id, True, None, "batch", "partner-b", METERS.title),
    ]
    items, events, after = stored(stocked)
    assert sorted(items) == sorted([(PUMPS.tender_id, "proposed", "batch", 0.9),
                                    (CLOSED.tender_id, "proposed", "batch", 0.4),
                                    (METERS.tender_id, "proposed", "batch", None)])
    # One logged proposal per item created: the closed one's from its first listing, none for its second.
    assert events == [(CLOSED.tender_id, "proposed"), (PUMPS.tender_id, "proposed"), (METERS.tender_id, "proposed")]
    assert after == counter + 1  # bumped once for the call, after its items


def test_a_closed_notice_at_the_second_refuses_all_naming_it(stocked: Matcher) -> None:
    before = stored(stocked)
    proposals = [Proposal(PUMPS.tender_id, 0.9), Proposal(CLOSED.tender_id, 0.8), Proposal(METERS.tender_id, 0.7)]
    with pytest.raises(InvalidInput) as refused:
        stocked.propose_many(FIRM.firm_id, proposals, "partner-a", at=stocked.open_at())
    assert str(refused.value) == (f"tender {CLOSED.tender_id!r}: CLOSED: the deadline passed on 2021-05-31 00:00 UTC "
                                  "(as of 2021-06-01 00:00 UTC); it cannot be shortlisted")
    assert stored(stocked) == before


def test_a_decision_lists_the_notice_first_by_the_same_rules(stocked: Matcher) -> None:
    """``list_and_decide`` (the workspace's approve and reject): a notice closed before it was listed is refused,
    nothing stored; one listed while open is decided, and a new open one is listed and decided, each logged."""
    at = stocked.open_at()
    before = stored(stocked)
    with pytest.raises(InvalidInput, match="it cannot be shortlisted"):
        stocked.list_and_decide(FIRM.firm_id, CLOSED.tender_id, "approved", "partner-a", at=at)
    assert stored(stocked) == before
    stocked.propose(FIRM.firm_id, CLOSED.tender_id, "partner-a", "listed while open")
    decided = [stocked.list_and_decide(FIRM.firm_id, t, "rejected", "partner-b", "no", at=at)
               for t in (CLOSED.tender_id, PUMPS.tender_id)]
    assert [(e.tender_id, e.status, e.note, e.proposed_by) for e in decided] == [
        (CLOSED.tender_id, "rejected", "no", "partner-a"), (PUMPS.tender_id, "rejected", "no", "partner-b")]
    assert stored(stocked)[1] == [(CLOSED.tender_id, "proposed"), (CLOSED.tender_id, "rejected"),
                                  (PUMPS.tender_id, "proposed"), (PUMPS.tender_id, "rejected")]


@pytest.mark.parametrize(("proposals", "note", "error", "says"), [
    ([PUMPS.tender_id, METERS.tender_id, "test:gone"], "", NotFound, "unknown tender 'test:gone'"),
    ([PUMPS.tender_id, METERS.tender_id], "a\x00b", InvalidInput, "shortlist note holds a NUL character"),
])
def test_an_unknown_notice_or_a_bad_note_refuses_all(
    stocked: Matcher, proposals: list[str], note: str, error: type[Exception], says: str
) -> None:
    before = stored(stocked)
    with pytest.raises(error, match=says):
        stocked.propose_many(FIRM.firm_id, [Proposal(t) for t in proposals], "partner-a", note, stocked.open_at())
    assert stored(stocked) == before


def test_a_store_fault_at_the_second_insert_stores_none_and_is_raised_as_it_is(
    stocked: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    inserted = ShortlistRepository._inserted
    calls: list[object] = []

    def failing_second(self: ShortlistRepository, *args: Any) -> bool:
        calls.append(args)
        if len(calls) == 2:
            raise OperationalError("INSERT INTO shortlist_items", {}, Exception("disk I/O error"))
        return inserted(self, *args)

    monkeypatch.setattr(ShortlistRepository, "_inserted", failing_second)
    before = stored(stocked)
    with pytest.raises(OperationalError, match="disk I/O error"):
        stocked.propose_many(FIRM.firm_id, [Proposal(t) for t in (PUMPS.tender_id, METERS.tender_id,
                                                                   VALVES.tender_id)], "partner-a")
    assert len(calls) == 2
    monkeypatch.undo()
    assert stored(stocked) == before
    # The store is usable after the rollback: the same call goes through.
    again = stocked.propose_many(FIRM.firm_id, [Proposal(PUMPS.tender_id), Proposal(METERS.tender_id)], "partner-a")
    assert [e.created for e in again] == [True, True]


def test_no_proposal_stores_nothing(stocked: Matcher) -> None:
    before = stored(stocked)
    assert stocked.propose_many(FIRM.firm_id, [], "partner-a", at=stocked.open_at()) == []
    assert stored(stocked) == before
    with pytest.raises(NotFound, match="unknown firm 'nobody'"):
        stocked.propose_many("nobody", [], "partner-a")


@pytest.fixture
def on_postgres(settings: Settings) -> Iterator[Matcher]:
    """The stocked matcher on PostgreSQL only: SQLite's writers queue for one lock (BEGIN IMMEDIATE), so two
    transactions there never hold rows the other waits for."""
    with postgres_schema_url() as url:
        matcher = Matcher(settings.model_copy(update={"database_url": url}), encoder=FakeEncoder())
        try:
            matcher.upsert_tenders([PUMPS, METERS], sync=False)
            matcher.upsert_firms([FIRM])
            yield matcher
        finally:
            matcher.close()


@pytest.mark.postgres
def test_a_batch_and_a_single_proposal_of_one_notice_together_both_succeed(
    on_postgres: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch (pumps, meters) has written pumps when a single proposal inserts meters; then the batch reaches
    meters. Had the batch bumped the decisions counter at pumps, it would hold the counter's row that the single
    proposal must write next while waiting for the single proposal's meters row: a deadlock, PostgreSQL failing
    one of them. The batch bumps it after all its items, so it waits, then finds meters stored (not created)."""
    batch_at_meters, single_inserted = threading.Event(), threading.Event()
    role = threading.local()
    get, log = ShortlistRepository.get, ShortlistRepository._log

    def held_get(self: ShortlistRepository, conn: Connection, firm_id: str, tender_id: str) -> ShortlistItem | None:
        if getattr(role, "name", "") == "batch" and tender_id == METERS.tender_id and not batch_at_meters.is_set():
            batch_at_meters.set()
            assert single_inserted.wait(10)
        return get(self, conn, firm_id, tender_id)

    def signalled_log(self: ShortlistRepository, conn: Connection, *args: Any) -> None:
        log(self, conn, *args)
        if getattr(role, "name", "") == "single":
            single_inserted.set()

    monkeypatch.setattr(ShortlistRepository, "get", held_get)
    monkeypatch.setattr(ShortlistRepository, "_log", signalled_log)

    def batch() -> list[tuple[str, bool]]:
        role.name = "batch"
        entries = on_postgres.propose_many(
            FIRM.firm_id, [Proposal(PUMPS.tender_id, 0.9), Proposal(METERS.tender_id, 0.8)], "partner-a")
        return [(e.tender_id, e.created) for e in entries]

    def single() -> list[tuple[str, bool]]:
        role.name = "single"
        assert batch_at_meters.wait(10)
        entry = on_postgres.propose(FIRM.firm_id, METERS.tender_id, "partner-b")
        return [(entry.tender_id, entry.created)]

    with ThreadPoolExecutor(2) as pool:
        batched, alone = pool.submit(batch), pool.submit(single)
        assert alone.result(30) == [(METERS.tender_id, True)]
        assert batched.result(30) == [(PUMPS.tender_id, True), (METERS.tender_id, False)]
    monkeypatch.undo()
    assert sorted((e.tender_id, e.proposed_by) for e in on_postgres.shortlist(FIRM.firm_id)) == [
        (METERS.tender_id, "partner-b"), (PUMPS.tender_id, "partner-a")]
    assert sorted((e.tender_id, e.actor) for e in on_postgres.feedback_events(FIRM.firm_id)) == [
        (METERS.tender_id, "partner-b"), (PUMPS.tender_id, "partner-a")]


@pytest.mark.postgres
def test_two_batches_sharing_notices_in_opposite_orders_both_succeed(
    on_postgres: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two partners propose a firm's top recommendations at the same moment, and the ranking changed between
    the two calls: one batch is (pumps, meters), the other (meters, pumps). Written in the proposals' order,
    the first held pumps and waited for meters while the second held meters and waited for pumps: PostgreSQL
    broke the deadlock by failing one (a 500, nothing of it stored). Items are written in one order whatever
    the proposals' order, so the second waits for the first and finds both stored. The hooks let the first
    batch reach its second item only once the second batch has written its first (or after 2 s: with one
    order the second batch is then waiting on the first's row)."""
    first_written, second_written = threading.Event(), threading.Event()
    role = threading.local()
    put = ShortlistRepository._put

    def paced_put(self: ShortlistRepository, conn: Connection, *args: Any) -> tuple[ShortlistItem, bool]:
        name = getattr(role, "name", "")
        role.calls = getattr(role, "calls", 0) + 1
        if name == "second" and role.calls == 1:
            assert first_written.wait(10)
        if name == "first" and role.calls == 2:
            second_written.wait(2)
        written = put(self, conn, *args)
        if role.calls == 1:
            (first_written if name == "first" else second_written).set()
        return written

    monkeypatch.setattr(ShortlistRepository, "_put", paced_put)

    def batch(name: str, order: tuple[str, ...]) -> list[tuple[str, bool]]:
        role.name = name
        entries = on_postgres.propose_many(FIRM.firm_id, [Proposal(t) for t in order], f"partner-{name}")
        return [(e.tender_id, e.created) for e in entries]

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(batch, "first", (PUMPS.tender_id, METERS.tender_id))
        second = pool.submit(batch, "second", (METERS.tender_id, PUMPS.tender_id))
        firsts, seconds = first.result(30), second.result(30)
    monkeypatch.undo()
    assert [t for t, _ in firsts] == [PUMPS.tender_id, METERS.tender_id]  # each answers in its own order
    assert [t for t, _ in seconds] == [METERS.tender_id, PUMPS.tender_id]
    created = sorted(t for t, made in firsts + seconds if made)
    assert created == sorted([PUMPS.tender_id, METERS.tender_id])  # each notice put on the shortlist once
    assert sorted(e.tender_id for e in on_postgres.shortlist(FIRM.firm_id)) == created
    assert sorted(e.tender_id for e in on_postgres.feedback_events(FIRM.firm_id)) == created

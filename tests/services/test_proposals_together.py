"""One notice proposed for one firm by several callers at the same moment (two partners, a double click) is stored
once, and every caller gets that one item, the first as new (``created``) and the others as already there: what
a proposal made after it answers. It was a check-then-insert: on PostgreSQL every transaction found no item and
inserted one, and all but the first failed on the primary key (IntegrityError, the API's 409). The proposals run
in threads against the store of the test (SQLite, and PostgreSQL when MATCHER_TEST_POSTGRES_URL is set), held at
a barrier (``hold_proposals``) where they race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Connection

from matcher.pipeline import Matcher
from matcher.schema import FirmProfile
from matcher.services.shortlists import Shortlists
from matcher.store.shortlists import ShortlistItem, ShortlistRepository
from tests.services.test_shortlist_entries import FIRM, PUMPS

TOGETHER = 6


def hold_proposals(monkeypatch: pytest.MonkeyPatch, matcher: Matcher, together: int) -> None:
    """Hold ``together`` proposals until all have reached the point where they race. On PostgreSQL (read
    committed) that is inside each one's transaction, once it has found the item absent: each then inserts it. A
    writing transaction on SQLite holds the write lock from its first read (BEGIN IMMEDIATE), so the proposals are
    held as they enter ``Shortlists.propose`` (holding them inside would only wait out the barrier), and then
    queue for the lock."""
    barrier = threading.Barrier(together, timeout=30)  # the timeout only ends a hang
    if matcher.engine.db.engine.dialect.name == "sqlite":
        entered: Callable[..., Any] = Shortlists.propose

        def held_entry(*args: Any, **kwargs: Any) -> Any:
            barrier.wait()
            return entered(*args, **kwargs)

        monkeypatch.setattr(Shortlists, "propose", held_entry)
        return
    read = ShortlistRepository.get
    waited = threading.local()

    def held_read(self: ShortlistRepository, conn: Connection, firm_id: str, tender_id: str) -> ShortlistItem | None:
        found = read(self, conn, firm_id, tender_id)
        if found is None and not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return found

    monkeypatch.setattr(ShortlistRepository, "get", held_read)


@pytest.fixture
def stocked(matcher_on_each_store: Matcher) -> Matcher:
    matcher_on_each_store.upsert_tenders([PUMPS], sync=False)
    matcher_on_each_store.upsert_firms([FIRM, FirmProfile(firm_id="other", name="Other Co", description="Pumps")])
    return matcher_on_each_store


def test_one_notice_proposed_together_is_stored_once(stocked: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    hold_proposals(monkeypatch, stocked, TOGETHER)
    at = stocked.open_at()
    with ThreadPoolExecutor(TOGETHER) as pool:
        entries = list(pool.map(lambda i: stocked.propose(FIRM.firm_id, PUMPS.tender_id, f"partner-{i}", at=at),
                                range(TOGETHER)))
    assert sorted(e.created for e in entries) == [False] * (TOGETHER - 1) + [True]
    first = next(e for e in entries if e.created)
    # Every caller got the one stored item: proposed by the winner, at the winner's moment, with the tender's fields.
    assert {(e.tender_id, e.status, e.proposed_by, e.proposed_at, e.title) for e in entries} == {
        (PUMPS.tender_id, "proposed", first.proposed_by, first.proposed_at, PUMPS.title)}
    monkeypatch.undo()
    assert [(e.tender_id, e.proposed_by) for e in stocked.shortlist(FIRM.firm_id)] == [
        (PUMPS.tender_id, first.proposed_by)]
    assert [(e.decision, e.actor) for e in stocked.feedback_events(FIRM.firm_id)] == [("proposed", first.proposed_by)]


def test_a_proposal_after_another_is_the_same_item_not_created(stocked: Matcher) -> None:
    """The sequential answer the concurrent ones match: the item as stored, its note replaced by a new one."""
    first = stocked.propose(FIRM.firm_id, PUMPS.tender_id, "partner-a", "fits")
    again = stocked.propose(FIRM.firm_id, PUMPS.tender_id, "partner-b", "fits their range")
    other = stocked.propose("other", PUMPS.tender_id, "partner-b")
    assert (first.created, again.created, other.created) == (True, False, True)
    assert (again.proposed_by, again.proposed_at, again.note) == ("partner-a", first.proposed_at, "fits their range")
    assert [e.actor for e in stocked.feedback_events(FIRM.firm_id)] == ["partner-a"]

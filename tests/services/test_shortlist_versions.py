"""A shortlist item has a version (a hash of its stored row, the API's ETag), and a decision may be made on condition
that the item is still a version read before (If-Match): the core compares it in the decision's own transaction,
with the item's row locked (PostgreSQL) or the write lock held (SQLite), so of two decisions made from one read
exactly one is stored, and the other is PreconditionFailed with nothing stored. Before, ``decide`` took no version:
the second decision overwrote the first one without a word. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from matcher.errors import PreconditionFailed
from matcher.pipeline import Matcher
from matcher.services.shortlists import ShortlistEntry
from matcher.store.shortlists import Status
from tests.services.test_shortlist_entries import FIRM, PUMPS
from tests.services.test_shortlist_notes import stocked, stored  # noqa: F401 (the fixture)


def _item(matcher: Matcher) -> ShortlistEntry:
    [item] = [e for e in matcher.shortlist(FIRM.firm_id) if e.tender_id == PUMPS.tender_id]
    return item


@pytest.fixture
def proposed(stocked: Matcher) -> Matcher:  # noqa: F811 (the fixture imported above)
    stocked.propose(FIRM.firm_id, PUMPS.tender_id, "partner")
    return stocked


def test_the_version_changes_exactly_when_the_stored_item_does(proposed: Matcher) -> None:
    first = _item(proposed).version
    assert len(first) == 32 and _item(proposed).version == first
    proposed.propose(FIRM.firm_id, PUMPS.tender_id, "partner")  # proposed again, nothing changed
    assert _item(proposed).version == first
    decided = proposed.shortlists.decide(FIRM.firm_id, PUMPS.tender_id, "approved", "partner", "go")
    assert decided.version == _item(proposed).version != first
    noted = proposed.propose(FIRM.firm_id, PUMPS.tender_id, "partner", "call Monday")
    assert noted.version == _item(proposed).version not in (first, decided.version)


def test_a_decision_on_the_stored_version_is_made(proposed: Matcher) -> None:
    read = _item(proposed).version
    decided = proposed.shortlists.decide(FIRM.firm_id, PUMPS.tender_id, "approved", "partner", "go",
                                         if_version={"other", read})
    assert (decided.status, decided.note) == ("approved", "go")
    assert decided.version == _item(proposed).version


def test_a_decision_on_a_version_no_longer_stored_is_refused_and_stores_nothing(proposed: Matcher) -> None:
    read = _item(proposed).version
    proposed.shortlists.decide(FIRM.firm_id, PUMPS.tender_id, "approved", "alice", "go", if_version={read})
    before = stored(proposed)
    with pytest.raises(PreconditionFailed) as refused:
        proposed.shortlists.decide(FIRM.firm_id, PUMPS.tender_id, "rejected", "bob", "no", if_version={read})
    assert "If-Match" in str(refused.value) and PUMPS.tender_id in str(refused.value)
    assert _item(proposed).version in str(refused.value)  # the version to decide from now
    assert stored(proposed) == before
    assert (_item(proposed).status, _item(proposed).decided_by) == ("approved", "alice")


def _race(matcher: Matcher, version: str) -> dict[str, str]:
    """alice approves and bob rejects, both from ``version``, started together: who was stored, who refused."""
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(who: str, status: Status) -> None:
        start.wait()
        try:
            matcher.shortlists.decide(FIRM.firm_id, PUMPS.tender_id, status, who, who, if_version={version})
            outcomes[who] = "stored"
        except PreconditionFailed:
            outcomes[who] = "refused"

    threads = [threading.Thread(target=decide, args=("alice", "approved")),
               threading.Thread(target=decide, args=("bob", "rejected"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_of_two_decisions_racing_from_one_read_exactly_one_is_stored(proposed: Matcher) -> None:
    """Two people decide at the same moment from the same read: one decision is stored and logged, the other is
    refused, whichever wins. Without the row read locked, PostgreSQL stored both (seen failing each run)."""
    for _ in range(4):
        events = len(proposed.feedback_events(FIRM.firm_id))
        outcomes = _race(proposed, _item(proposed).version)
        assert sorted(outcomes.values()) == ["refused", "stored"], outcomes
        [winner] = [who for who, outcome in outcomes.items() if outcome == "stored"]
        assert (_item(proposed).decided_by, _item(proposed).note) == (winner, winner)
        assert len(proposed.feedback_events(FIRM.firm_id)) == events + 1

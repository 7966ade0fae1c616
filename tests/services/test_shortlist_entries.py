"""Shortlist entries carry their tender's fields, so a partner can review a shortlist without looking up ids."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender
from matcher.services.shortlists import ShortlistEntry
from matcher.store.shortlists import ShortlistItem
from tests.conftest import NOW

DEADLINE = NOW + timedelta(days=12, hours=3)
PUMPS = Tender(
    tender_id="test:pumps", source="test", title="Supply of borehole pumps", buyer="Nairobi Water",
    buyer_country="KE", deadline=DEADLINE, url="https://example.org/pumps",
)
METERS = Tender(tender_id="test:meters", source="test", title="Water meters", buyer_country="TZ")
FIRM = FirmProfile(firm_id="aqua", name="Aqua Co", description="Borehole pumps and water meters")


@pytest.fixture
def stocked(matcher: Matcher) -> Matcher:
    matcher.upsert_tenders([PUMPS, METERS], sync=False)
    matcher.upsert_firms([FIRM])
    return matcher


def test_items_carry_the_tender_fields_and_the_decision(stocked: Matcher) -> None:
    proposed = stocked.propose("aqua", PUMPS.tender_id, "partner-kim", "fits their range", score=0.7)
    stocked.propose("aqua", METERS.tender_id, "partner-kim")
    stocked.decide("aqua", PUMPS.tender_id, "approved", "partner-kim", "go")
    # propose answers with the entry too, fields filled from the tender it checked
    assert isinstance(proposed, ShortlistEntry) and proposed.title == PUMPS.title

    pumps, meters = stocked.shortlist("aqua")
    assert (pumps.tender_id, pumps.title, pumps.buyer, pumps.buyer_country, pumps.deadline, pumps.url) == (
        PUMPS.tender_id, "Supply of borehole pumps", "Nairobi Water", "KE", DEADLINE, "https://example.org/pumps")
    assert (pumps.status, pumps.note, pumps.decided_by, pumps.score) == ("approved", "go", "partner-kim", 0.7)
    assert pumps.decided_at is not None and pumps.tender_known
    # a tender without buyer, deadline or url: those fields are empty, the title is there
    assert (meters.title, meters.buyer, meters.deadline, meters.url, meters.status) == (
        "Water meters", None, None, None, "proposed")
    assert [e.tender_id for e in stocked.shortlist("aqua", "approved")] == [PUMPS.tender_id]


def test_an_entry_is_a_stored_item(stocked: Matcher) -> None:
    """Code written against ShortlistItem (digests, ranking, pages) reads entries unchanged."""
    entry = stocked.decide("aqua", stocked.propose("aqua", PUMPS.tender_id, "p").tender_id, "rejected", "p")
    assert isinstance(entry, ShortlistItem) and entry.status == "rejected" and entry.title == PUMPS.title


def test_a_deleted_tender_shows_with_its_id_and_empty_fields(stocked: Matcher) -> None:
    stocked.propose("aqua", PUMPS.tender_id, "p")
    stocked.decide("aqua", PUMPS.tender_id, "approved", "p")
    stocked.propose("aqua", METERS.tender_id, "p")
    assert stocked.shortlist("aqua")[0].title == PUMPS.title  # read once: now in the tender cache
    stocked.delete_tenders([PUMPS.tender_id], sync=False)

    gone, kept = stocked.shortlist("aqua")
    assert (gone.tender_id, gone.status, gone.title, gone.buyer, gone.buyer_country, gone.deadline, gone.url) == (
        PUMPS.tender_id, "approved", None, None, None, None, None)
    assert not gone.tender_known and kept.title == "Water meters"


def test_a_changed_tender_shows_its_new_fields(stocked: Matcher) -> None:
    stocked.propose("aqua", PUMPS.tender_id, "p")
    assert stocked.shortlist("aqua")[0].deadline == DEADLINE
    later = DEADLINE + timedelta(days=7)
    stocked.upsert_tenders([PUMPS.model_copy(update={"title": "Supply of solar borehole pumps", "deadline": later})],
                           sync=False)
    (entry,) = stocked.shortlist("aqua")
    assert (entry.title, entry.deadline) == ("Supply of solar borehole pumps", later)

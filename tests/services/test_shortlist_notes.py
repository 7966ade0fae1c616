"""A shortlist note is text a person types for others to read, held by the core to ``typed_text``'s rule (no
bidirectional embedding, override or isolate) and to no NUL, whoever calls it: the API and the workspace check it
first, but a script or the CLI calling ``Matcher.propose`` / ``Matcher.decide`` stored 'call \\u202eretaw' as it
was. Refused with InvalidInput naming the field and the character, nothing stored; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from matcher.errors import InvalidInput
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile
from tests.services.test_shortlist_entries import FIRM, METERS, PUMPS

OVERRIDE = "call them \u202eretaw"  # displays as 'call them water'
ISOLATE = "\u2066fits\u2069"


@pytest.fixture
def stocked(matcher_on_each_store: Matcher) -> Matcher:
    matcher_on_each_store.upsert_tenders([PUMPS, METERS], sync=False)
    matcher_on_each_store.upsert_firms([FIRM, FirmProfile(firm_id="other", name="Other Co", description="Pumps")])
    return matcher_on_each_store


def stored(matcher: Matcher) -> list[tuple[str, str, str]]:
    items: list[tuple[str, str, str]] = [(e.tender_id, e.status, e.note) for e in matcher.shortlist(FIRM.firm_id)]
    return items + [(e.tender_id, e.decision, e.note) for e in matcher.feedback_events(FIRM.firm_id)]


@pytest.mark.parametrize(("note", "named"), [
    (OVERRIDE, "U+202E RIGHT-TO-LEFT OVERRIDE at position 11"),
    (ISOLATE, "U+2066 LEFT-TO-RIGHT ISOLATE at position 1"),
    ("fits\x00", "NUL"),
])
def test_a_proposal_with_such_a_note_is_refused_and_stores_nothing(
    stocked: Matcher, note: str, named: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        stocked.propose(FIRM.firm_id, PUMPS.tender_id, "script", note)
    assert str(refused.value).startswith("shortlist note ") and named in str(refused.value)
    assert stored(stocked) == []
    # On the shortlist already: its note is not replaced either.
    stocked.propose(FIRM.firm_id, PUMPS.tender_id, "partner-a", "fits their range")
    before = stored(stocked)
    with pytest.raises(InvalidInput, match=r"^shortlist note "):
        stocked.propose(FIRM.firm_id, PUMPS.tender_id, "script", note)
    assert stored(stocked) == before


@pytest.mark.parametrize("note", [OVERRIDE, ISOLATE, "\x00"])
def test_a_decision_with_such_a_note_is_refused_and_stores_nothing(stocked: Matcher, note: str) -> None:
    stocked.propose(FIRM.firm_id, PUMPS.tender_id, "partner-a", "fits their range")
    before = stored(stocked)
    with pytest.raises(InvalidInput, match=r"^shortlist note "):
        stocked.decide(FIRM.firm_id, PUMPS.tender_id, "approved", "script", note)
    assert stored(stocked) == before  # still proposed, its note kept, no decision logged


def test_notes_people_write_are_taken(stocked: Matcher) -> None:
    """Right-to-left text, the marks U+200E/U+200F, line breaks and no note at all are what notes hold."""
    hebrew = "\u05de\u05ea\u05d0\u05d9\u05dd \u200f(ISO 9001)"
    made = stocked.propose(FIRM.firm_id, PUMPS.tender_id, "partner-a", hebrew)
    decided = stocked.decide(FIRM.firm_id, PUMPS.tender_id, "approved", "partner-a", "ask for\nthe pump curves")
    unnoted = stocked.propose(FIRM.firm_id, METERS.tender_id, "partner-a")
    assert (made.note, decided.note, unnoted.note) == (hebrew, "ask for\nthe pump curves", "")
    assert stocked.decide(FIRM.firm_id, METERS.tender_id, "rejected", "partner-a").note == ""

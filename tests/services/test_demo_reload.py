"""Loading the bundled demo again (``matcher demo``, ``matcher serve --demo``) loads what is missing and keeps
what people did since. An outside trial re-ran it and lost a partner's work on a demo firm: its profile edits
and accepted codes went back to the demo file's. On SQLite and, when MATCHER_TEST_POSTGRES_URL is set,
PostgreSQL."""

from __future__ import annotations

from sqlalchemy import delete

from matcher.demo import demo_data, demo_firms, load_demo
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.store import TenderFilter
from matcher.store.firms import firms as firms_table
from matcher.store.shortlists import Status

ACCEPTED, DECLINED = "CPV:38421100", "CPV:79710000"  # water meters; security (guarding) services


def test_a_second_load_keeps_decisions_notes_profile_edits_and_officers_edits(matcher_on_each_store: Matcher) -> None:
    matcher = matcher_on_each_store
    tenders, firms = load_demo(matcher)
    assert (tenders.report.new, firms.report.new) == (125, 6)
    firm = demo_firms(matcher)[0]
    _, (approved, rejected, edited, deleted) = matcher.search_tenders(
        TenderFilter(open_at=demo_data().as_of), limit=4)
    # A partner's decisions and notes on the firm's shortlist.
    decisions: list[tuple[Tender, Status]] = [(approved, "approved"), (rejected, "rejected")]
    for notice, status in decisions:
        matcher.propose(firm.firm_id, notice.tender_id, "partner-a", "worth a look")
        matcher.decide(firm.firm_id, notice.tender_id, status, "partner-a", f"{status}: see the specs")
    # The profile edited, a code accepted and one declined.
    matcher.upsert_firms([firm.model_copy(update={"description": "Edited by its partner", "keywords": ["meters"]})])
    matcher.accept_codes(firm.firm_id, [ACCEPTED], "partner-a")
    matcher.decline_codes(firm.firm_id, [DECLINED], "partner-a")
    # An officer's change to a demo notice, and a demo notice deleted.
    matcher.update_tenders([edited.model_copy(update={"title": "Renamed by an officer"})])
    matcher.delete_tenders([deleted.tender_id])
    profile, shortlist = matcher.get_firm(firm.firm_id), matcher.shortlist(firm.firm_id)
    events = matcher.feedback_events(firm.firm_id)

    tenders, firms = load_demo(matcher)

    assert (tenders.report.new, tenders.report.updated, tenders.report.unchanged) == (1, 0, 124)
    assert (firms.report.new, firms.report.updated, firms.report.unchanged) == (0, 0, 6)
    kept = matcher.get_firm(firm.firm_id)
    assert kept == profile
    assert (kept.description, kept.keywords) == ("Edited by its partner", ["meters"])
    assert ACCEPTED in kept.codes and ACCEPTED in kept.accepted_codes and DECLINED in kept.declined_codes
    assert matcher.shortlist(firm.firm_id) == shortlist
    assert [(i.tender_id, i.status, i.note) for i in shortlist] == [
        (approved.tender_id, "approved", "approved: see the specs"),
        (rejected.tender_id, "rejected", "rejected: see the specs")]
    assert matcher.feedback_events(firm.firm_id) == events
    assert matcher.get_tender(edited.tender_id).title == "Renamed by an officer"
    assert matcher.get_tender(deleted.tender_id) == deleted  # what was missing is loaded again
    assert matcher.current_index().vectors.manifest.count == 125


def test_a_demo_firm_missing_from_the_store_is_loaded_again(matcher_on_each_store: Matcher) -> None:
    matcher = matcher_on_each_store
    load_demo(matcher)
    gone, *others = demo_firms(matcher)
    with matcher.engine.db.begin() as conn:  # no route deletes a firm: as if it had never been loaded
        conn.execute(delete(firms_table).where(firms_table.c.firm_id == gone.firm_id))
    _, firms = load_demo(matcher)
    assert (firms.report.new, firms.report.updated, firms.report.unchanged) == (1, 0, 5)
    assert demo_firms(matcher) == [gone, *others]

"""Ids a store kept in another Unicode form before a83e0c1 are rewritten to NFC by ``Matcher.normalize_ids`` (the
command ``matcher store normalize-ids``): since ids are bound in NFC, a firm stored as 'kr-café-water' in NFD ('e' and
U+0301) was found by no id at all. On SQLite and, when MATCHER_TEST_POSTGRES_URL is set, on PostgreSQL (a schema each).

The old store is made as the old code wrote it (``tests.store.old_ids``): records written through the product
under an ASCII stand-in, whose id is then rewritten in the old form by raw SQL, past the NFC rule."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import ForeignKey, String

from matcher.errors import NotFound
from matcher.pipeline import Matcher
from matcher.schema import Correction, FirmProfile
from matcher.store.firm_suggestions import KeptSuggestions
from matcher.store.firm_suggestions import write as keep_suggestions
from matcher.store.id_normalisation import ID_COLUMNS, Collision, Rename
from matcher.store.metadata import IdText
from matcher.store.tables import metadata
from tests.store.old_ids import (
    ALIAS,
    ALIAS_NFD,
    CORRECTED,
    FIRM,
    FIRM_NFD,
    HASHES,
    TENDER,
    TENDER_NFD,
    age,
    dump,
    holding,
    notice,
    old_store,
    replaced,
)


@pytest.fixture
def matcher(matcher_on_each_store: Matcher) -> Matcher:
    return matcher_on_each_store


def test_every_id_column_is_normalised() -> None:
    """The migration's list holds every column of a firm's or a notice's id: every IdText column, every column a
    key refers to or refers with to a firm or a notice, and the notices' other names (aliases, corrected ones)."""
    listed = {(c.table.name, c.name) for c in ID_COLUMNS}
    typed = {(t.name, c.name) for t in metadata.tables.values() for c in t.c if isinstance(c.type, IdText)}
    keyed = {(t.name, c.name) for t in metadata.tables.values() for c in t.c
             for fk in c.foreign_keys if isinstance(fk, ForeignKey) and fk.column.table.name in ("firms", "tenders")}
    named = {(t.name, c.name) for t in metadata.tables.values() for c in t.c if c.name in ("firm_id", "tender_id")}
    others = {("tender_corrections", "notice"), ("tender_aliases", "alias")}
    assert typed | keyed | named | others == listed
    assert {c.kind for c in ID_COLUMNS if c.name == "firm_id"} == {"firm"}
    assert all(isinstance(c.column.type, IdText | String) for c in ID_COLUMNS)


def test_ids_stored_in_nfd_are_found_after_the_run(matcher: Matcher) -> None:
    old_store(matcher)
    before = dump(matcher.engine.db, skip_columns=HASHES)
    assert not holding(before, "seed")  # every stand-in is gone: the ids are stored as the old code stored them
    assert {"firms", "shortlist_items", "feedback_events", "subscriptions", "api_keys", "partner_firms", "web_visits",
            "digests", "firm_suppliers", "firm_suggestions"} <= holding(before, FIRM_NFD)
    assert {"tenders", "tender_codes", "tender_countries", "tender_cancellations", "tender_as_published",
            "shortlist_items", "feedback_events", "digest_items", "tender_owners"} <= holding(before, TENDER_NFD)
    assert {"tender_aliases", "tender_corrections", "tenders"} <= holding(before, ALIAS_NFD)
    # unreachable: a lookup binds NFC, whichever form it is given
    for form in (FIRM, FIRM_NFD):
        with pytest.raises(NotFound):
            matcher.get_firm(form)
        assert matcher.shortlist(form) == [] and matcher.firm_subscriptions(form) == []
    with pytest.raises(NotFound):
        matcher.get_tender(TENDER)

    result = matcher.normalize_ids()

    assert not result.dry_run and not result.report.collisions
    assert result.report.renames == [Rename("firm", FIRM_NFD, FIRM), Rename("tender", TENDER_NFD, TENDER),
                                     Rename("tender", ALIAS_NFD, ALIAS)]
    assert result.report.rows == {
        "firms.firm_id": 1, "api_keys.firm_id": 1, "partner_firms.firm_id": 1, "firm_suppliers.firm_id": 1,
        "digests.firm_id": 1, "web_visits.firm_id": 1, "shortlist_items.firm_id": 2,
        "feedback_events.firm_id": 3, "subscriptions.firm_id": 1,
        "tenders.tender_id": 1, "tender_codes.tender_id": 1, "tender_countries.tender_id": 1,
        "tender_cancellations.tender_id": 1, "tender_aliases.alias": 1, "tender_aliases.tender_id": 1,
        "tender_corrections.notice": 1, "tender_as_published.tender_id": 1, "digest_items.tender_id": 1,
        "shortlist_items.tender_id": 2, "feedback_events.tender_id": 3, "tender_owners.tender_id": 1,
    }
    # the records whose JSON names them: the firm, the notice (its id and alias, as stored and as published), the
    # notice that cancels it and the one that corrects it (and that correction's own row)
    assert result.report.records == {"firms.data": 1, "tenders.data": 3, "tender_as_published.data": 1,
                                     "tender_corrections.data": 1}
    assert result.report.dropped == {"firm_suggestions.firm_id": 1}  # a cache, computed again

    after = dump(matcher.engine.db, skip_columns=HASHES)
    expected = before
    for old_form, nfc in ((FIRM_NFD, FIRM), (TENDER_NFD, TENDER), (ALIAS_NFD, ALIAS)):
        expected = replaced(expected, old_form, nfc)
    expected["firm_suggestions"] = []
    assert after == expected  # every row is there, with nothing but the ids changed
    assert not holding(after, FIRM_NFD) and not holding(after, TENDER_NFD) and not holding(after, ALIAS_NFD)

    for form in (FIRM, FIRM_NFD):
        assert matcher.get_firm(form).firm_id == FIRM
        assert [(e.tender_id, e.title) for e in matcher.shortlist(form, status="approved")] == [
            (TENDER, "Water meters")]  # the item's notice is found too
        assert [s.email for s in matcher.firm_subscriptions(form)] == ["cafe@example.com"]
    assert {e.tender_id for e in matcher.shortlist(FIRM)} == {TENDER, "api:other-1"}
    assert [e.firm_id for e in matcher.feedback_events(FIRM)] == [FIRM] * 3
    assert matcher.access.assigned_firms("partner-1") == [FIRM]
    assert [k.firm_id for k in matcher.access.list_keys() if k.role == "firm"] == [FIRM]
    stored = matcher.get_tender(TENDER_NFD)
    assert (stored.tender_id, stored.aliases, stored.deadline) == (TENDER, [ALIAS], CORRECTED)
    assert matcher.get_tender("api:cancels-1").cancels == [TENDER]
    assert matcher.get_tender("api:corrects-1").corrects[0].notice == ALIAS
    with matcher.engine.db.connect() as conn:
        assert TENDER in matcher.catalog.tenders.cancelled_ids(conn, datetime(2021, 6, 21, tzinfo=UTC))
        hashes = matcher.catalog.tenders.hashes(conn)
    assert hashes[TENDER] == stored.content_hash()  # the hash of the record as stored now
    assert all(matcher.fetch_tenders([t])[t].content_hash() == h for t, h in hashes.items())

    snapshot = dump(matcher.engine.db)
    again = matcher.normalize_ids()  # idempotent
    assert (again.report.renames, again.report.rows, again.report.records, again.report.dropped) == ([], {}, {}, {})
    assert dump(matcher.engine.db) == snapshot


def test_a_dry_run_changes_nothing_and_says_what_the_run_does(matcher: Matcher) -> None:
    old_store(matcher)
    before = dump(matcher.engine.db)

    dry = matcher.normalize_ids(dry_run=True)

    assert dry.dry_run and dump(matcher.engine.db) == before
    with pytest.raises(NotFound):
        matcher.get_firm(FIRM)
    done = matcher.normalize_ids()
    assert (dry.report.renames, dry.report.rows, dry.report.records, dry.report.dropped) == (
        done.report.renames, done.report.rows, done.report.records, done.report.dropped)
    assert len(done.report.renames) == 3 and sum(done.report.rows.values()) == 27
    assert dump(matcher.engine.db) != before


def test_a_collision_is_reported_and_its_records_left_as_they_are(matcher: Matcher) -> None:
    """The old code let 'kr-café-water' in NFD and in NFC be two firms (a83e0c1). Made one, the two would
    lose one's rows or mix them: neither changes, the other ids are normalised, and the run says which."""
    old_store(matcher)
    matcher.upsert_firms([FirmProfile(firm_id=FIRM, name="Café water NFC", description="Valves")])
    matcher.propose(FIRM, "api:other-1", actor="officer-2")
    before = dump(matcher.engine.db, skip_columns=HASHES)

    result = matcher.normalize_ids()

    assert result.report.collisions == [Collision("firm", (FIRM_NFD, FIRM), ("firms", "shortlist_items"))]
    assert sorted(result.report.renames) == [Rename("tender", TENDER_NFD, TENDER), Rename("tender", ALIAS_NFD, ALIAS)]
    assert not any(label.endswith(".firm_id") for label in result.report.rows)
    after = dump(matcher.engine.db, skip_columns=HASHES)
    assert after == replaced(replaced(before, TENDER_NFD, TENDER), ALIAS_NFD, ALIAS)  # the firm's rows as stored
    assert result.report.dropped == {}
    assert matcher.get_firm(FIRM_NFD).name == "Café water NFC"  # either form still reads the NFC firm
    assert {e.tender_id for e in matcher.shortlist(FIRM)} == {"api:other-1"}

    again = matcher.normalize_ids()
    assert again.report.collisions == result.report.collisions and again.report.rows == {}


def test_a_reference_to_the_nfc_form_is_not_a_collision(matcher: Matcher) -> None:
    """A notice stored in NFD and cancelled by a notice sent since, which names it in NFC: one notice, two
    spellings until the run, which joins them (the cancellation then closes it)."""
    matcher.upsert_tenders([notice("api:seed-1", "Water meters"),
                            notice("api:cancels-2", "Cancellation", notice_type="other", cancels=[TENDER],
                                   published=date(2021, 6, 20))], sync=False)
    age(matcher.engine.db, "api:seed-1", TENDER_NFD)

    result = matcher.normalize_ids()

    assert result.report.collisions == [] and result.report.renames == [Rename("tender", TENDER_NFD, TENDER)]
    with matcher.engine.db.connect() as conn:
        assert matcher.catalog.tenders.cancelled_ids(conn, datetime(2021, 6, 21, tzinfo=UTC)) == {TENDER}
    assert matcher.get_tender(TENDER).title == "Water meters"


def test_a_correction_naming_the_nfc_form_is_applied_by_the_run(matcher: Matcher) -> None:
    """A notice stored in NFD and corrected by a notice sent since, which names it in NFC: the store applies a
    correction to the notices it names as stored, so it was kept and not applied. Once the notice has its NFC id
    the correction names it, and the run applies it (it rewrote ids only, leaving the old deadline)."""
    matcher.upsert_tenders([notice("api:seed-1", "Water meters")], sync=False)
    age(matcher.engine.db, "api:seed-1", TENDER_NFD)
    matcher.upsert_tenders([notice("api:corrects-2", "Correction", notice_type="other",
                                   corrects=[Correction(notice=TENDER, deadline=CORRECTED)])], sync=False)

    result = matcher.normalize_ids()

    stored = matcher.get_tender(TENDER)
    assert stored.deadline == CORRECTED
    assert result.report.corrected == 1
    with matcher.engine.db.connect() as conn:
        assert matcher.catalog.tenders.hashes(conn, [TENDER]) == {TENDER: stored.content_hash()}
    assert matcher.normalize_ids().report.corrected == 0


def test_a_cache_kept_under_the_nfc_id_is_not_a_collision(matcher: Matcher) -> None:
    """Since a83e0c1 a firm read from its NFD row has its suggestions kept under the NFC id (the column binds NFC):
    the old form's row is dropped, not a collision that would keep the firm unreachable."""
    old_store(matcher)
    with matcher.engine.db.begin() as conn:
        keep_suggestions(conn, {FIRM_NFD: KeptSuggestions("h2", None, (("CPV:38421100", 0.5),), (), 0.5)})

    result = matcher.normalize_ids()

    assert result.report.collisions == [] and Rename("firm", FIRM_NFD, FIRM) in result.report.renames
    assert result.report.dropped == {"firm_suggestions.firm_id": 1}
    assert [row[:2] for row in dump(matcher.engine.db)["firm_suggestions"]] == [(repr(FIRM), "'h2'")]

"""Linking a firm to a supplier identity, and removing the link (``AwardHistory.link`` / ``unlink``), on each store.

Found by the helper's review of link-supplier: a name no stored award names was linked all the same (the resolver
gives any string an identity), and no command removed a link."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from matcher.errors import InvalidInput, NotFound
from matcher.pipeline import Matcher
from matcher.schema import Award, FirmProfile, Tender
from matcher.search.retrieve import MatchQuery
from matcher.store.awards import AwardRepository, firm_suppliers
from matcher.store.db import Database
from tests.conftest import NOW, postgres_schema_url


def award(award_id: str, supplier: str, day: date = date(2020, 3, 1)) -> Award:
    return Award(award_id=award_id, date=day, title="Dilution refrigerator", supplier=supplier, buyer="University",
                 codes=["CPV:38000000"])


def ingest(matcher: Matcher, path: Path, *rows: Award) -> int:
    path.write_text("\n".join(r.model_dump_json() for r in rows))
    return matcher.awards.ingest([path])[1]


def link_rows(matcher: Matcher) -> set[tuple[str, str, str]]:
    with matcher.engine.db.connect() as conn:
        return {(r.firm_id, r.identity, r.source) for r in conn.execute(select(firm_suppliers))}


@pytest.fixture
def stored(matcher_on_each_store: Matcher, tmp_path: Path) -> Matcher:
    """Firm 'cryo' (no name link: its name is no supplier's) and two suppliers: Bluefors (2 wins), Oxford (1)."""
    matcher = matcher_on_each_store
    matcher.upsert_firms([FirmProfile(firm_id="cryo", name="Hanbit Cryogenics", description="cryostats")])
    ingest(matcher, tmp_path / "a.jsonl", award("a1", "Bluefors Oy"), award("a2", "BLUEFORS OY"),
           award("a3", "Oxford Instruments plc"))
    return matcher


def test_a_name_no_stored_award_names_is_refused_and_nothing_is_stored(stored: Matcher) -> None:
    with pytest.raises(NotFound) as refused:
        stored.awards.link("cryo", "Some Name")
    # 2 identities stored: sup:bluefors and sup:oxford-instruments
    assert str(refused.value).startswith("no stored award names a supplier like 'Some Name' (2 suppliers stored")
    assert link_rows(stored) == set()
    assert stored.awards.wins("cryo") == []


def test_a_near_miss_names_the_nearest_stored_suppliers(stored: Matcher) -> None:
    # of two spellings as common, the first in sorted order is shown: 'BLUEFORS OY'
    with pytest.raises(NotFound, match=r"nearest: 'BLUEFORS OY'"):
        stored.awards.link("cryo", "Blueforce")


def test_a_spelling_variant_of_a_stored_supplier_links(stored: Matcher) -> None:
    done = stored.awards.link("cryo", "bluefors limited")  # case and legal form: the resolver joins them
    assert (done.identity, done.new) == ("sup:bluefors", True)
    assert link_rows(stored) == {("cryo", "sup:bluefors", "explicit")}
    assert {w.award_id for w in stored.awards.wins("cryo")} == {"a1", "a2"}


def test_the_identity_as_link_prints_it_links_too(stored: Matcher) -> None:
    assert stored.awards.link("cryo", "sup:oxford-instruments").name == "Oxford Instruments plc"
    with pytest.raises(NotFound, match="no stored award names a supplier like 'sup:nobody'"):
        stored.awards.link("cryo", "sup:nobody")


def test_a_supplier_whose_key_outgrows_the_identity_column_is_stored_and_linked(stored: Matcher,
                                                                                  tmp_path: Path) -> None:
    # U+FDFA folds (NFKD) to 18 characters: a published name of 500 made an identity of about 9,000, and
    # PostgreSQL refused the whole ingest (value too long for character varying(520)).
    name = "\ufdfa" * 500
    assert ingest(stored, tmp_path / "long.jsonl", award("long", name)) == 0
    done = stored.awards.link("cryo", name)
    assert len(done.identity) == 520 and done.wins == 1 and done.name == name
    assert [w.award_id for w in stored.awards.wins("cryo")] == ["long"]
    assert stored.awards.unlink("cryo", name) == done.identity


def test_linking_the_same_identity_twice_says_so_and_keeps_one_link(stored: Matcher) -> None:
    assert stored.awards.link("cryo", "Bluefors Oy").new
    again = stored.awards.link("cryo", "BLUEFORS")
    assert (again.identity, again.new) == ("sup:bluefors", False)
    assert link_rows(stored) == {("cryo", "sup:bluefors", "explicit")}


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "TBC", "No award made"])
def test_a_blank_or_placeholder_name_is_refused(stored: Matcher, name: str) -> None:
    with pytest.raises(InvalidInput, match="is not a supplier name"):
        stored.awards.link("cryo", name)
    assert link_rows(stored) == set()


def test_an_unknown_firm_is_refused_and_nothing_is_stored(stored: Matcher) -> None:
    with pytest.raises(NotFound, match="unknown firm 'nobody'"):
        stored.awards.link("nobody", "Bluefors Oy")
    with pytest.raises(NotFound, match="unknown firm 'nobody'"):
        stored.awards.unlink("nobody", "Bluefors Oy")
    assert link_rows(stored) == set()


def test_unlink_removes_the_link_and_the_wins_no_longer_count(stored: Matcher) -> None:
    stored.awards.link("cryo", "Bluefors Oy")
    stored.awards.link("cryo", "Oxford Instruments")
    assert len(stored.awards.wins("cryo")) == 3
    assert stored.awards.unlink("cryo", "bluefors") == "sup:bluefors"
    assert [w.award_id for w in stored.awards.wins("cryo")] == ["a3"]
    assert stored.awards.wins_many(["cryo"])["cryo"][0].award_id == "a3"
    # by the identity as link-supplier prints it, too
    assert stored.awards.unlink("cryo", "sup:oxford-instruments") == "sup:oxford-instruments"
    assert stored.awards.wins("cryo") == []


def test_unlinking_a_link_that_does_not_exist_is_refused_by_name(stored: Matcher) -> None:
    with pytest.raises(NotFound, match=r"^firm 'cryo' is not linked to a supplier like 'Bluefors Oy' \(it has no "
                                       r"supplier links\)$"):
        stored.awards.unlink("cryo", "Bluefors Oy")
    stored.awards.link("cryo", "Oxford Instruments")
    with pytest.raises(NotFound, match=r"^firm 'cryo' is not linked to a supplier like 'Bluefors Oy' \(its links: "
                                       r"sup:oxford-instruments\)$"):
        stored.awards.unlink("cryo", "Bluefors Oy")
    with pytest.raises(InvalidInput, match="is not a supplier name"):
        stored.awards.unlink("cryo", " ")
    assert link_rows(stored) == {("cryo", "sup:oxford-instruments", "explicit")}


def test_a_removed_name_link_is_not_made_again_by_the_next_ingest(matcher_on_each_store: Matcher,
                                                                   tmp_path: Path) -> None:
    matcher = matcher_on_each_store
    matcher.upsert_firms([FirmProfile(firm_id="bf", name="BLUEFORS OY", description="cryostats")])
    assert ingest(matcher, tmp_path / "a.jsonl", award("a1", "Bluefors Oy")) == 1  # linked by its name
    matcher.awards.unlink("bf", "Bluefors Oy")
    assert ingest(matcher, tmp_path / "b.jsonl", award("a2", "Bluefors Oy")) == 0
    assert matcher.awards.wins("bf") == []
    with pytest.raises(NotFound, match="is not linked"):  # removed is not a link
        matcher.awards.unlink("bf", "Bluefors Oy")
    assert matcher.awards.link("bf", "Bluefors Oy").new  # an explicit link restores it
    assert len(matcher.awards.wins("bf")) == 2


def test_a_firm_with_many_links_unlinks_one_and_a_refusal_lists_the_first_five(stored: Matcher,
                                                                                 tmp_path: Path) -> None:
    ingest(stored, tmp_path / "many.jsonl", *[award(f"m{i}", f"Firm{i:02} Oy") for i in range(60)])
    with stored.engine.db.begin() as conn:  # linked in one statement, for speed
        conn.execute(insert(firm_suppliers), [{"firm_id": "cryo", "identity": f"sup:firm{i:02}", "source": "explicit"}
                                              for i in range(60)])
    assert len(stored.awards.wins("cryo")) == 60
    assert not stored.awards.link("cryo", "FIRM07 OY").new
    assert stored.awards.unlink("cryo", "Firm59 Oy") == "sup:firm59"
    assert len(stored.awards.wins("cryo")) == 59
    with pytest.raises(NotFound, match=r"\(its links: sup:firm00, sup:firm01, sup:firm02, sup:firm03, sup:firm04, "
                                       r"\.\.\. \(59 in all\)\)$"):
        stored.awards.unlink("cryo", "Bluefors Oy")


def test_a_link_follows_its_identity_when_a_later_spelling_joins_it(stored: Matcher, tmp_path: Path) -> None:
    ingest(stored, tmp_path / "c.jsonl", award("c1", "Cryoconcept Systems SAS"))
    stored.awards.link("cryo", "Cryoconcept Systems")
    assert stored.awards.link("cryo", "Cryoconcept Systems").identity == "sup:cryoconcept-systems"
    # rule 4: 'cryoconcept' leads the only longer key, so both become one identity, 'sup:cryoconcept'
    ingest(stored, tmp_path / "d.jsonl", award("c2", "CRYOCONCEPT"))
    assert {w.award_id for w in stored.awards.wins("cryo")} == {"c1", "c2"}
    assert link_rows(stored) == {("cryo", "sup:cryoconcept", "explicit")}


def test_a_link_keeps_every_win_when_its_identity_splits(stored: Matcher, tmp_path: Path) -> None:
    ingest(stored, tmp_path / "c.jsonl", award("c1", "Cryoconcept"), award("c2", "Cryoconcept Systems SAS"))
    assert stored.awards.link("cryo", "CRYOCONCEPT").identity == "sup:cryoconcept"  # both names, rule 4
    # a second longer key of another firm: 'cryoconcept' no longer leads the keys of one firm, so it stands alone
    ingest(stored, tmp_path / "d.jsonl", award("c3", "Cryoconcept Magnets GmbH"))
    assert {w.award_id for w in stored.awards.wins("cryo")} == {"c1", "c2"}
    assert link_rows(stored) == {("cryo", "sup:cryoconcept", "explicit"),
                                 ("cryo", "sup:cryoconcept-systems", "explicit")}


def test_unlinking_drops_the_history_from_cached_recommendations(stored: Matcher) -> None:
    stored.upsert_tenders([Tender(tender_id="t:1", source="t", title="Dilution refrigerator", buyer="University",
                                  codes=["CPV:38000000"], deadline=NOW + timedelta(days=10))])
    stored.build_index()
    stored.awards.link("cryo", "Bluefors Oy")
    assert stored.recommend("cryo", MatchQuery(k=1))[0].parts.history != 0.5
    stored.awards.unlink("cryo", "Bluefors Oy")
    assert stored.recommend("cryo", MatchQuery(k=1))[0].parts.history == 0.5  # neutral: no history


@pytest.mark.postgres
def test_two_writers_linking_at_once_store_one_link_and_no_integrity_error(tmp_path: Path) -> None:
    # Two link-supplier commands at once on PostgreSQL: neither saw the other's row, and the second insert, waiting
    # for the first transaction, then broke the primary key (a traceback).
    with postgres_schema_url() as url:
        db = Database(url)
        with db.begin() as conn:
            AwardRepository().upsert(conn, [award("a1", "Bluefors Oy")])
        errors: list[IntegrityError] = []
        with db.begin() as first:
            assert AwardRepository().link(first, "cryo", "sup:bluefors")

            def second() -> None:
                try:
                    with db.begin() as conn:
                        AwardRepository().link(conn, "cryo", "sup:bluefors")
                except IntegrityError as exc:  # asserted below
                    errors.append(exc)

            thread = threading.Thread(target=second)
            thread.start()
            while thread.is_alive() and not _waiting_on_a_lock(db):  # the second insert waits for this transaction
                thread.join(0.01)
        thread.join()
        with db.connect() as conn:
            rows = {(r.firm_id, r.identity, r.source) for r in conn.execute(select(firm_suppliers))}
        db.dispose()
    assert errors == [] and rows == {("cryo", "sup:bluefors", "explicit")}


def _waiting_on_a_lock(db: Database) -> bool:
    with db.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
                    .scalar_one())

"""Supplier identities are resolved by the award service and only persisted by the store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from matcher.errors import InvalidInput
from matcher.schema import Award, FirmProfile
from matcher.services.awards import AwardHistory
from matcher.store.awards import AwardRepository, awards
from matcher.store.db import Database
from matcher.store.firms import FirmRepository


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'awards.db'}")
    database.create_all()
    return database


def award(award_id: str, supplier: str) -> Award:
    return Award(award_id=award_id, date=date(2021, 3, 1), title="Dilution refrigerator", supplier=supplier,
                 buyer="University")


def write(path: Path, *rows: Award) -> Path:
    path.write_text("\n".join(r.model_dump_json() for r in rows))
    return path


def identities(db: Database) -> dict[str, str | None]:
    with db.connect() as conn:
        return {r.supplier: r.identity for r in conn.execute(select(awards.c.supplier, awards.c.identity))}


def test_a_later_spelling_re_resolves_the_rows_stored_before(db: Database, tmp_path: Path) -> None:
    history = AwardHistory(db)
    history.ingest([write(tmp_path / "a.jsonl", award("a1", "Bluefors Cryogenics Oy"))])
    assert identities(db) == {"Bluefors Cryogenics Oy": "sup:bluefors-cryogenics"}
    # rule 4: 'bluefors' is the leading word of the only longer key, so both become one firm
    history.ingest([write(tmp_path / "b.jsonl", award("a2", "Bluefors"))])
    assert identities(db) == {"Bluefors Cryogenics Oy": "sup:bluefors", "Bluefors": "sup:bluefors"}


def test_firms_are_linked_by_name_and_explicitly(db: Database, tmp_path: Path) -> None:
    with db.begin() as conn:
        FirmRepository().upsert(conn, [FirmProfile(firm_id="bf", name="BLUEFORS OY", description="cryostats"),
                                       FirmProfile(firm_id="ox", name="Oxford Cryo", description="magnets")])
    history = AwardHistory(db)
    file = write(tmp_path / "a.jsonl", award("a1", "Bluefors Oy"), award("a2", "TBC"),
                 award("a3", "Oxford Instruments plc"))
    _, linked = history.ingest([file])
    repo = AwardRepository()
    with db.connect() as conn:
        assert linked == 1 and repo.links(conn, "bf") == ["sup:bluefors"] and repo.links(conn, "ox") == []
    for firm_id, placeholder in (("ox", "No award made"), ("bf", "TBC")):  # no identity: nothing linked
        with pytest.raises(InvalidInput, match="is not a supplier name"):
            history.link(firm_id, placeholder)
    assert history.link("ox", "bluefors").identity == "sup:bluefors"
    with db.connect() as conn:
        assert repo.links(conn, "ox") == ["sup:bluefors"] and repo.links(conn, "bf") == ["sup:bluefors"]
    assert history.link("bf", "OXFORD INSTRUMENTS").identity == "sup:oxford-instruments"  # replaces the name link
    with db.connect() as conn:
        assert repo.links(conn, "bf") == ["sup:oxford-instruments"]


def test_the_store_keeps_the_identities_it_is_given(db: Database) -> None:
    repo = AwardRepository()
    with db.begin() as conn:
        repo.upsert(conn, [award("a1", "Bluefors Oy"), award("a2", "TBC")])
        assert sorted(repo.supplier_names(conn)) == ["Bluefors Oy", "TBC"]
    assert identities(db) == {"Bluefors Oy": None, "TBC": None}  # unresolved until the caller says
    with db.begin() as conn:
        repo.set_identities(conn, {"Bluefors Oy": "sup:chosen-by-caller", "TBC": None})
        assert repo.link_by_identity(conn, [("f1", "sup:chosen-by-caller"), ("f2", "sup:no-awards")]) == 1
    assert identities(db) == {"Bluefors Oy": "sup:chosen-by-caller", "TBC": None}
    with db.connect() as conn:
        assert repo.wins(conn, ["sup:chosen-by-caller"])[0].award_id == "a1"
        assert repo.links(conn, "f1") == ["sup:chosen-by-caller"] and repo.links(conn, "f2") == []


def test_a_placeholder_supplier_and_an_unresolvable_firm_name_do_not_abort_the_ingest(
    db: Database, tmp_path: Path
) -> None:
    # Found in review (issue 12): an award whose supplier is a placeholder ('TBC') stores no identity, and a
    # firm whose name resolves to none made `None in known` true: a NULL link, IntegrityError, nothing stored.
    with db.begin() as conn:
        FirmRepository().upsert(conn, [FirmProfile(firm_id="f", name="TBC", description="cryostats")])
    history = AwardHistory(db)
    report, linked = history.ingest([write(tmp_path / "a.jsonl", award("a1", "TBC"), award("a2", "Bluefors Oy"))])
    assert (report.new, linked) == (2, 0)
    assert identities(db) == {"TBC": None, "Bluefors Oy": "sup:bluefors"}
    assert history.wins("f") == []


def test_the_market_follows_a_rewritten_award_with_the_same_count(db: Database, tmp_path: Path) -> None:
    # Found in review (issue 12): the market was keyed by (day, award count), so an award rewritten in place
    # (same count) kept yesterday's buyer counts until the day turned; the awards change counter is the key.
    history = AwardHistory(db)
    history.ingest([write(tmp_path / "a.jsonl", award("a1", "Bluefors Oy"))])
    before = date(2022, 1, 1)
    assert history.market(before).titles == {"Dilution refrigerator": 1}
    renamed = award("a1", "Bluefors Oy").model_copy(update={"title": "Cryostat"})
    history.ingest([write(tmp_path / "b.jsonl", renamed)])
    assert history.market(before).titles == {"Cryostat": 1}

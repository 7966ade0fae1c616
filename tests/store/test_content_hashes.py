"""The stored content hashes of a batch's keys (``matcher.store._common.content_hashes``), which the award and firm
upserts (and the notices') read before they write, on both stores: a firm id typed in another normal form finds its
row under its stored id, and an award key is found only with its own supplier."""

from __future__ import annotations

import unicodedata
from datetime import date

from matcher.pipeline import Matcher
from matcher.schema import Award, FirmProfile
from matcher.store._common import content_hashes
from matcher.store.awards import AwardRepository, awards
from matcher.store.firms import firms


def test_firm_hashes_are_keyed_by_the_stored_id_whichever_normal_form_asked(matcher_on_each_store: Matcher) -> None:
    cafe = FirmProfile(firm_id="café-pumps", name="Café Pumps", description="pumps")
    other = FirmProfile(firm_id="b-pumps", name="B Pumps", description="pumps")
    matcher_on_each_store.upsert_firms([cafe, other])
    asked = [unicodedata.normalize("NFD", cafe.firm_id), "missing"]
    with matcher_on_each_store.catalog.db.begin() as conn:
        assert content_hashes(conn, firms.c.firm_id, asked) == {cafe.firm_id: cafe.content_hash()}
        assert content_hashes(conn, firms.c.firm_id, asked, lock=True) == {cafe.firm_id: cafe.content_hash()}
        assert content_hashes(conn, firms.c.firm_id) == {f.firm_id: f.content_hash() for f in (cafe, other)}


def test_award_hashes_are_those_of_the_keys_asked_not_of_every_supplier_of_the_award(
        matcher_on_each_store: Matcher) -> None:
    rows = [Award(award_id="A1", date=date(2021, 3, 1), title="Pumps", supplier=name, buyer="City")
            for name in ("Alpha Oy", "Beta AB")]
    with matcher_on_each_store.catalog.db.begin() as conn:
        AwardRepository().upsert(conn, rows)
        key = (awards.c.award_id, awards.c.supplier)
        expected = {("A1", "Beta AB"): rows[1].content_hash()}
        assert content_hashes(conn, key, [("A1", "Beta AB"), ("A2", "Alpha Oy")]) == expected
        assert content_hashes(conn, key, [("A1", "Beta AB")], lock=True) == expected

"""A currency is an ISO 4217 code, not only three letters: 'XXQ' has the shape of one, was stored, and a value in it
never compared with another (an adversarial test found it). Withdrawn codes stay (notices before the euro state
DEM or FRF); a record stored before the rule still reads."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from matcher.pipeline import Matcher
from matcher.schema import Award, FirmProfile, Tender
from tests.store.hand_edits import Edit, _set, hand_edit


@pytest.mark.parametrize("code", ["XXQ", "ABC", "XXX", "XTS"])
def test_a_code_of_three_letters_that_is_no_currency_is_refused_by_name(code: str) -> None:
    with pytest.raises(ValidationError, match=rf"unknown currency '{code}' \(expected ISO 4217"):
        Tender(tender_id="api:t1", source="api", title="Pumps", value=100.0, currency=code)
    with pytest.raises(ValidationError, match=rf"unknown currency '{code}'"):
        Award(award_id="a1", date="2020-01-01", supplier="S", title="Pumps", currency=code)


@pytest.mark.parametrize(("given", "kept"), [("EUR", "EUR"), ("krw", "KRW"), ("DEM", "DEM"), (" frf ", "FRF")])
def test_current_and_withdrawn_codes_are_kept(given: str, kept: str) -> None:
    assert Tender(tender_id="api:t1", source="api", title="Pumps", value=100.0, currency=given).currency == kept


def test_a_value_range_in_a_currency_without_a_rate_still_says_so() -> None:
    with pytest.raises(ValidationError, match="unknown currency 'XYZ' for a value range"):
        FirmProfile(firm_id="kr-a", name="A", description="Pumps", min_value=1, currency="XYZ")
    with pytest.raises(ValidationError, match=r"unknown currency 'EU' \(expected ISO 4217"):
        FirmProfile(firm_id="kr-a", name="A", description="Pumps", min_value=1, currency="EU")


def test_a_notice_stored_before_the_rule_still_reads(matcher_on_each_store: Matcher) -> None:
    matcher = matcher_on_each_store
    matcher.upsert_tenders([Tender(tender_id="api:t1", source="api", title="Pumps", value=100.0, currency="EUR")],
                           sync=False)
    hand_edit(matcher.engine.db, "tenders", "api:t1", Edit(_set(currency="XXQ"), ""))
    assert matcher.get_tender("api:t1").currency == "XXQ"

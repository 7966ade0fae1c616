"""Cached recommendations are served only while nothing they depend on has changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matcher.config import Settings
from matcher.embed import FakeEncoder
from matcher.pipeline import Matcher
from matcher.retrieve import MatchQuery
from matcher.schema import Award, FirmProfile, Tender
from matcher.store.awards import AwardRepository
from tests.conftest import NOW

FIRM = FirmProfile(firm_id="medi", name="Medi Co", description="ultrasound scanners and probes",
                   keywords=["ultrasound"], target_countries=["KE"])


def tender(tid: str, title: str, days: float = 20) -> Tender:
    return Tender(tender_id=f"t:{tid}", source="test", title=title, buyer_country="KE",
                  deadline=NOW + timedelta(days=days))


@pytest.fixture
def ready(matcher: Matcher) -> Matcher:
    matcher.upsert_tenders([tender("1", "Ultrasound scanners"), tender("2", "Ultrasound probes", days=0.5),
                            tender("3", "Road works"), tender("4", "Portable ultrasound units")])
    matcher.upsert_firms([FIRM])
    matcher.build_index()
    return matcher


def ids(matcher: Matcher) -> list[str]:
    return [m.tender_id for m in matcher.recommend("medi", MatchQuery(k=3))]


def test_repeats_are_served_from_the_cache_until_a_decision_changes_the_ranking(ready: Matcher) -> None:
    first = ids(ready)
    assert ids(ready) == first and ready._results.hits == 1
    ready.propose("medi", first[0], "partner")
    ready.decide("medi", first[0], "rejected", "partner")
    assert first[0] not in ids(ready)


def test_tender_firm_and_award_writes_from_another_process_invalidate(ready: Matcher, settings: Settings) -> None:
    before = ready.recommend("medi", MatchQuery(k=3))
    other = Matcher(settings, encoder=FakeEncoder())  # another worker
    other.upsert_tenders([tender("1", "Ultrasound scanners, lot 2")], sync=False)
    assert {m.title for m in ready.recommend("medi", MatchQuery(k=3))} != {m.title for m in before}
    other.upsert_firms([FIRM.model_copy(update={"description": "road works and paving"})])
    assert ids(ready)[0] == "t:3"
    misses = ready._results.misses
    with other.db.begin() as conn:
        AwardRepository().upsert(conn, [Award(award_id="a1", date=NOW.date() - timedelta(days=30),
                                              title="Road works", supplier="Medi Co", buyer="City")])
    ids(ready)
    assert ready._results.misses == misses + 1
    other.close()


def test_a_cached_list_holding_a_tender_that_has_since_closed_is_ranked_again(ready: Matcher) -> None:
    assert "t:2" in ids(ready)
    ready.settings.clock = NOW + timedelta(hours=13)  # t:2 closed an hour ago, same index, same data
    assert "t:2" not in ids(ready)


def test_size_zero_turns_the_cache_off(matcher: Matcher, settings: Settings) -> None:
    off = Matcher(settings.model_copy(update={"result_cache_size": 0}), encoder=FakeEncoder())
    off.upsert_tenders([tender("1", "Ultrasound scanners")])
    off.upsert_firms([FIRM])
    off.build_index()
    ids(off), ids(off)
    assert off._results.hits == 0
    off.close()

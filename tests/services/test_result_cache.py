"""Cached recommendations are served only while nothing they depend on has changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import Award, Explanation, FirmProfile, Match, ScoreParts, Tender
from matcher.search.encoders import FakeEncoder
from matcher.search.retrieve import MatchQuery
from matcher.services.result_cache import fresh_until
from matcher.store.awards import AwardRepository
from tests.conftest import NOW

FIRM = FirmProfile(firm_id="medi", name="Medi Co", description="ultrasound scanners and probes",
                   keywords=["ultrasound"], target_countries=["KE"])


def tender(tid: str, title: str, days: float = 20) -> Tender:
    return Tender(tender_id=f"t:{tid}", source="test", title=title, buyer_country="KE",
                  deadline=NOW + timedelta(days=days))


def stock(matcher: Matcher) -> Matcher:
    matcher.upsert_tenders([tender("1", "Ultrasound scanners"), tender("2", "Ultrasound probes", days=0.5),
                            tender("3", "Road works"), tender("4", "Portable ultrasound units")])
    matcher.upsert_firms([FIRM])
    matcher.build_index()
    return matcher


@pytest.fixture
def ready(matcher: Matcher) -> Matcher:
    return stock(matcher)


@pytest.fixture
def ready_on_each_store(matcher_on_each_store: Matcher) -> Matcher:
    return stock(matcher_on_each_store)


def ids(matcher: Matcher) -> list[str]:
    return [m.tender_id for m in matcher.recommend("medi", MatchQuery(k=3))]


def test_repeats_are_served_from_the_cache_until_a_decision_changes_the_ranking(ready: Matcher) -> None:
    first = ids(ready)
    assert ids(ready) == first and ready.recommender._results.hits == 1
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
    misses = ready.recommender._results.misses
    with other.engine.db.begin() as conn:
        AwardRepository().upsert(conn, [Award(award_id="a1", date=NOW.date() - timedelta(days=30),
                                              title="Road works", supplier="Medi Co", buyer="City")])
    ids(ready)
    assert ready.recommender._results.misses == misses + 1
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
    assert off.recommender._results.hits == 0
    off.close()


def test_a_cached_list_is_served_until_its_days_left_tick_then_ranked_again(ready: Matcher) -> None:
    ready.settings.result_cache_max_age = 7 * 86400
    ready.settings.clock = NOW + timedelta(hours=1)  # t:1 closes in 19 days 23 h

    def deadline_note() -> str:
        (top,) = ready.recommend("medi", MatchQuery(k=1))
        assert top.tender_id == "t:1"
        return top.reasons.deadline

    assert deadline_note().endswith("(19 days left)")
    ready.settings.clock = NOW + timedelta(hours=24)  # the last moment it still has 19 whole days left
    assert deadline_note().endswith("(19 days left)") and ready.recommender._results.hits == 1
    ready.settings.clock = NOW + timedelta(hours=24, seconds=1)
    assert deadline_note().endswith("(18 days left)") and ready.recommender._results.hits == 1


def test_a_list_served_as_the_closing_soon_week_begins_carries_the_concern_a_new_ranking_would(ready: Matcher) -> None:
    """Ranked 7.5 days before t:1's deadline and served at exactly 7 (the last moment the cache keeps it), the
    list had no "closes in 7 days" concern; ranked afresh at that moment it had one."""
    ready.settings.result_cache_max_age = 7 * 86400
    deadline = NOW + timedelta(days=20)

    def concerns() -> list[str]:
        (top,) = ready.recommend("medi", MatchQuery(k=1))
        assert top.tender_id == "t:1"
        return [r.kind for r in top.reasons.concerns]

    ready.settings.clock = deadline - timedelta(days=8)  # 8 whole days left: not yet
    assert "closing_soon" not in concerns()
    ready.settings.clock = deadline - timedelta(days=7, hours=12)
    assert "closing_soon" in concerns()
    ready.settings.clock = deadline - timedelta(days=7)
    assert "closing_soon" in concerns() and ready.recommender._results.hits == 1


def test_the_cache_serves_nothing_older_than_its_max_age(ready: Matcher) -> None:
    ready.settings.result_cache_max_age = 60
    ids(ready)
    ready.settings.clock = NOW + timedelta(seconds=60)
    ids(ready)
    ready.settings.clock = NOW + timedelta(seconds=61)
    ids(ready)
    assert (ready.recommender._results.hits, ready.recommender._results.misses) == (1, 2)


def test_fresh_until_is_the_first_deadline_or_day_tick_among_the_listed_tenders_capped_by_max_age() -> None:
    def match(days: float | None) -> Match:
        deadline = None if days is None else NOW + timedelta(days=days)
        return Match(tender_id=f"t:{days}", firm_id="f", title="x", score=0.5, rank=1, deadline=deadline,
                     parts=ScoreParts(), reasons=Explanation())

    hour = timedelta(hours=1)
    assert fresh_until([], NOW, hour) == NOW + hour
    assert fresh_until([match(None), match(-3)], NOW, hour) == NOW + hour  # no deadline / already closed
    assert fresh_until([match(0.01)], NOW, hour) == NOW + timedelta(days=0.01)  # closes first
    assert fresh_until([match(12.5), match(30.7)], NOW, timedelta(days=2)) == NOW + timedelta(days=0.5)
    assert fresh_until([match(12.5)], NOW, hour) == NOW + hour


def test_a_notice_whose_cancellation_is_deleted_is_recommended_again_before_any_index_sync(
    ready_on_each_store: Matcher,
) -> None:
    """Deleting the notice that cancelled t:1 re-opens t:1 at once, as the tender page and search then say: t:1
    itself is indexed as stored, so no index job is needed for it (only the deleted notice leaves the index)."""
    cancelling = Tender(tender_id="t:award", source="test", notice_type="award", title="Ultrasound scanners: "
                        "discontinued", buyer_country="KE", published=NOW.date(), cancels=["t:1"])
    ready = ready_on_each_store
    ready.upsert_tenders([cancelling])  # indexed with it
    assert "t:1" not in ids(ready)
    ready.delete_tenders(["t:award"], sync=False)  # an API delete: its index job runs later
    assert "t:1" in ids(ready)


def test_a_list_ranked_at_a_later_clock_is_not_served_at_an_earlier_one(ready: Matcher) -> None:
    """A clock moved back (a replay, a test, the wall clock stepped back) must not see its future: a list ranked
    the day t:5 was published is not served the day before, when t:5 was not yet published."""
    ready.upsert_tenders([Tender(tender_id="t:5", source="test", title="Ultrasound scanners, lot 5",
                                 buyer_country="KE", published=NOW.date() + timedelta(days=1),
                                 deadline=NOW + timedelta(days=20))])
    ready.settings.clock = NOW + timedelta(days=1)
    assert "t:5" in ids(ready)
    ready.settings.clock = NOW
    assert "t:5" not in ids(ready)

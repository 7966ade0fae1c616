"""Pure digest rules: what goes in, in which order, and when a subscription is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from matcher.digest.build import build_items, is_due, subscription_query
from matcher.schema import Explanation, Match, ScoreParts
from matcher.store.subscriptions import Subscription

NOW = datetime(2021, 4, 28, 8, tzinfo=UTC)


def match(tid: str, score: float) -> Match:
    return Match(tender_id=tid, firm_id="f", rank=1, score=score, parts=ScoreParts(), reasons=Explanation(),
                 title=f"Tender {tid}")


def sub(**extra: object) -> Subscription:
    values: dict[str, object] = {"firm_id": "f", "email": "a@example.org", "subscription_id": "s1"}
    values.update(extra)
    return Subscription(**values)  # type: ignore[arg-type]


MATCHES = [match("a", 0.9), match("b", 0.8), match("c", 0.5), match("d", 0.3), match("e", 0.1)]


def test_approved_first_and_marked_rejected_never_sent_never_again() -> None:
    statuses = {"e": "approved", "b": "rejected"}
    items = build_items(sub(max_items=10), MATCHES, held={"a"}, statuses=statuses)
    assert [(i.match.tender_id, i.approved) for i in items] == [("e", True), ("c", False), ("d", False)]
    assert [i.match.rank for i in items] == [1, 2, 3]


def test_min_score_spares_approved_and_max_items_caps() -> None:
    items = build_items(sub(min_score=0.6, max_items=2), MATCHES, held=set(), statuses={"e": "approved"})
    assert [i.match.tender_id for i in items] == ["e", "a"]
    assert build_items(sub(min_score=0.95), MATCHES, set(), {}) == ()


def test_first_digest_covers_everything_ranked() -> None:
    assert [i.match.tender_id for i in build_items(sub(), MATCHES, set(), {})] == ["a", "b", "c", "d", "e"]


def test_due_rules() -> None:
    daily, weekly = sub(frequency="daily"), sub(frequency="weekly")
    assert is_due(daily, None, NOW) and is_due(weekly, None, NOW)
    # a daily job that starts a few minutes earlier than yesterday is still due
    assert is_due(daily, NOW - timedelta(hours=23, minutes=50), NOW)
    assert not is_due(daily, NOW - timedelta(hours=12), NOW)
    assert not is_due(weekly, NOW - timedelta(days=3), NOW)
    assert is_due(weekly, NOW - timedelta(days=7), NOW)
    assert not is_due(sub(active=False), None, NOW)
    assert not is_due(daily, NOW + timedelta(days=1), NOW)  # --as-of before the last digest


def test_query_carries_filters_exclusions_and_room_for_approved() -> None:
    query = subscription_query(sub(max_items=5, countries=("FR",), max_value=1e6), {"x"}, approved_open=2)
    assert query.k == 7 and query.countries == ("FR",) and query.max_value == 1e6
    assert query.exclude == frozenset({"x"}) and not query.include_closed

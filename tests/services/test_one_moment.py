"""A list is ranked and explained at one moment: each step of a batch read the clock again, so a notice found
open could be explained as closed, and every firm of firms-for read the store's cancellations once more."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

import pytest

from matcher.normalize.openness import OpenAt
from matcher.pipeline import Matcher
from matcher.search.retrieve import MatchQuery
from tests.conftest import NOW
from tests.services.test_result_cache import stock


@pytest.fixture
def ticking(matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> Matcher:
    """The clock moves 18 hours at each read: the probe notice (12 hours left at the first read) is past its
    deadline at the second."""
    stock(matcher)
    reads = count()

    def now() -> datetime:
        return NOW + timedelta(hours=18) * next(reads)

    monkeypatch.setattr(matcher.recommender.engine, "now", now)
    return matcher


def test_a_batch_finds_and_explains_its_notices_at_one_moment(ticking: Matcher) -> None:
    [matches] = ticking.recommender.recommend_many(["medi"], MatchQuery(k=4))
    probe = next(m for m in matches if m.tender_id == "t:2")
    assert probe.reasons.deadline.endswith("(less than a day left)"), probe.reasons.deadline


@pytest.mark.parametrize("view", ["partner", "firm"])
def test_a_list_is_ranked_at_the_moment_it_is_cached_from(ticking: Matcher, view: str) -> None:
    """``recommend`` read the clock for the cache, then ranked at a second reading: the list kept from the
    first moment was ranked at another, without the notice open at the first."""
    recommend = ticking.recommend if view == "partner" else ticking.recommend_as_firm
    listed = {m.tender_id: m for m in recommend("medi", MatchQuery(k=4))}
    assert listed["t:2"].reasons.deadline.endswith("(less than a day left)")


def test_firms_for_reads_the_clock_once_for_every_firm(ticking: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[datetime] = []
    at = ticking.recommender.open_now.at

    def counted(now: datetime) -> OpenAt:
        reads.append(now)
        return at(now)

    monkeypatch.setattr(ticking.recommender.open_now, "at", counted)
    [match] = ticking.recommender.firms_for("t:2")
    assert match.reasons.deadline.endswith("(less than a day left)") and reads == [NOW]

"""Do partner decisions visibly teach? Measured on judged profiles.

For each profile: rank; approve its best judged notice outside the top 10 (the highest grade, then the best
rank) and reject its worst result inside the top 10 (the lowest grade, then the lowest rank); rank again with
those two decisions. Both decided notices are left out of the before and the after lists, so the change
measures how notices *like* them moved, not the approved one jumping to the top (which it always does).
The same with no decisions is the "before" figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.evaluate.judged import DEPTH, JudgedProfile, counted, profile_metrics
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile
from matcher.search.retrieve import MatchQuery
from matcher.store.shortlists import Status

TOP = 10


@dataclass(frozen=True)
class DecisionEffect:
    profiles: int
    decided: int  # profiles that had a notice to approve and one to reject
    ndcg_before: float
    ndcg_after: float
    other_relevant_rank_before: float  # median rank of the other notices graded 2
    other_relevant_rank_after: float

    def to_json(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def ranked_ids(matcher: Matcher, profile: FirmProfile, decisions: Mapping[str, Status]) -> list[str]:
    """The profile's ranking (tender ids, best first, open or not), with these partner decisions in place of
    any stored for its firm id."""
    query = MatchQuery(k=DEPTH + 2, include_closed=True)
    found = matcher.recommend_many([profile], query, decisions={profile.firm_id: decisions})[0]
    return [m.tender_id for m in found]


def pick_decisions(ranking: Sequence[str], grades: Mapping[str, int]) -> tuple[str | None, str | None]:
    """(the notice to approve, the notice to reject) for one profile, or None where there is none."""
    top = ranking[:TOP]
    outside = [t for t, g in grades.items() if g >= 1 and t not in top]
    position = {t: i for i, t in enumerate(ranking)}
    approve = min(outside, key=lambda t: (-grades[t], position.get(t, len(ranking)), t), default=None)
    inside = [t for t in top if grades.get(t, 0) == 0]
    reject = max(inside, key=lambda t: position[t], default=None)
    return approve, reject


def decision_effect(matcher: Matcher, judged: Sequence[JudgedProfile], bar: bool = False) -> DecisionEffect:
    before: list[float] = []
    after: list[float] = []
    like_before: list[float] = []
    like_after: list[float] = []
    for item in counted(judged, "decisions", bar):
        ranking = ranked_ids(matcher, item.profile, {})
        approve, reject = pick_decisions(ranking, item.grades)
        if approve is None or reject is None:
            continue
        decided: dict[str, Status] = {approve: "approved", reject: "rejected"}
        changed = ranked_ids(matcher, item.profile, decided)
        grades = {t: g for t, g in item.grades.items() if t not in decided}
        kept_before = [t for t in ranking if t not in decided]
        kept_after = [t for t in changed if t not in decided]
        before.append(profile_metrics(kept_before, grades)["ndcg@10"])
        after.append(profile_metrics(kept_after, grades)["ndcg@10"])
        like = [t for t, g in grades.items() if g == 2]
        like_before.append(_median_rank(kept_before, like))
        like_after.append(_median_rank(kept_after, like))
    return DecisionEffect(len(judged), len(before), mean_or_nan(before), mean_or_nan(after), mean_or_nan(like_before),
                          mean_or_nan(like_after))


def _median_rank(ranking: Sequence[str], wanted: Sequence[str]) -> float:
    position = {t: i + 1 for i, t in enumerate(ranking)}
    ranks = [position.get(t, len(ranking) + 1) for t in wanted]
    return float(np.median(ranks)) if ranks else float("nan")


def mean_or_nan(values: Sequence[float]) -> float:
    """The mean of per-profile figures to three places (NaN ones skipped), NaN when there are none."""
    return round(float(np.nanmean(values)), 3) if values else float("nan")


def band_shares(matcher: Matcher, judged: Sequence[JudgedProfile], depth: int = 20,
                bar: bool = False) -> dict[str, dict[str, float]]:
    """Per fit band, over the judged matches in each profile's top ``depth``: how many, and the share graded
    2 (relevant) and 1 or 2 (useful): whether a band means on these profiles what the calibration says."""
    found: dict[str, list[int]] = {}
    for item in counted(judged, "fit bands", bar):
        for match in matcher.recommend(item.profile, MatchQuery(k=depth, include_closed=True)):
            if match.fit_band is not None and match.tender_id in item.grades:
                found.setdefault(match.fit_band, []).append(item.grades[match.tender_id])
    return {band: {"judged": len(grades), "relevant": round(sum(g == 2 for g in grades) / len(grades), 3),
                   "useful": round(sum(g >= 1 for g in grades) / len(grades), 3)}
            for band, grades in sorted(found.items())}

"""How right is "worth declining" (``matcher.services.code_suggestions.CodeSuggestion``), and what does following it do?

A simulated partner reviews each judged profile's shipped top 10: a notice graded 0 is rejected, one graded 1
or 2 approved, an unjudged one left alone. The profile's suggested codes (as many as its profile page shows)
are then read: for each code marked ``worth_declining``, the judged notices of the store under it (its class
or below, ``brings``) that are relevant (graded 1 or 2) and not (graded 0). Finally the partner follows every
piece of advice (declines those codes) and the profile is ranked again: nDCG@10 and p@5 before and after,
both with the decisions in place, so the difference is the declines' alone.

It writes decisions and declined codes into the store it is given: run it on a copy of the judged store.

    cp -r $JUDGED_HOME /tmp/judged-copy
    MATCHER_HOME=/tmp/judged-copy MATCHER_ENCODER=use-multilingual \
        python scripts/simulate_decline_advice.py evaluation/judged.json --split tune

Results in evaluation/CODE_INFERENCE.md ("Which code to decline: the partner's decisions").
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from api.web.views import SUGGESTIONS
from matcher.config import get_settings
from matcher.evaluate.judged import JudgedProfile, Ranker, load_judged, profile_metrics
from matcher.evaluate.judged_methods import shipped
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.services.code_suggestions import brings

REVIEWED = 10
ACTOR = "simulated-partner"


@dataclass(frozen=True)
class Advice:
    code: str
    label: str
    rejected: int
    relevant_under: int  # judged notices under the code graded 1 or 2
    irrelevant_under: int  # graded 0


@dataclass(frozen=True)
class Outcome:
    firm_id: str
    group: str
    advice: list[Advice]
    before: dict[str, float]
    after: dict[str, float]


def review(matcher: Matcher, rank: Ranker, judged: JudgedProfile, notices: dict[str, Tender]) -> Outcome:
    firm = judged.profile
    matcher.upsert_firms([firm])
    for tender_id in rank(firm)[:REVIEWED]:
        grade = judged.grades.get(tender_id)
        if grade is not None:
            matcher.propose(firm.firm_id, tender_id, ACTOR)
            matcher.decide(firm.firm_id, tender_id, "rejected" if grade == 0 else "approved", ACTOR)
    before = profile_metrics(rank(firm), judged.grades)
    advised = [s for s in matcher.suggest_codes(firm.firm_id, SUGGESTIONS) if s.worth_declining]
    advice = []
    for s in advised:
        under = [tid for tid, t in notices.items() if any(brings(s.code, c) for c in t.codes)]
        advice.append(Advice(s.code, s.label, s.rejected, sum(judged.grades.get(t, 0) >= 1 for t in under),
                             sum(judged.grades.get(t) == 0 for t in under)))
    after = before
    if advised:
        declined = matcher.decline_codes(firm.firm_id, [s.code for s in advised], ACTOR)
        after = profile_metrics(rank(declined), judged.grades)
    return Outcome(firm.firm_id, judged.group, advice, before, after)


def mean(outcomes: list[Outcome], when: str, metric: str) -> float:
    return round(float(np.mean([getattr(o, when)[metric] for o in outcomes])), 3) if outcomes else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("judged", type=Path)
    parser.add_argument("--split", choices=["tune", "report", "all"], default="tune")
    args = parser.parse_args()
    matcher = Matcher(get_settings())
    notices = {t.tender_id: t for t in matcher.all_tenders()}
    chosen = [j for j in load_judged(args.judged) if args.split == "all" or j.split == args.split]
    rank = shipped(matcher)
    outcomes = [review(matcher, rank, j, notices) for j in chosen]
    for o in outcomes:
        said = "; ".join(f"{a.code} {a.label[:40]} (rejected {a.rejected}; under it {a.relevant_under} relevant, "
                         f"{a.irrelevant_under} not)" for a in o.advice)
        print(f"{o.firm_id:<22} {o.group:<15} nDCG@10 {o.before['ndcg@10']:.3f} -> {o.after['ndcg@10']:.3f}  {said}")
    advised = [o for o in outcomes if o.advice]
    codes = [a for o in advised for a in o.advice]
    print(f"\n{len(outcomes)} profiles, {len(advised)} with advice, {len(codes)} codes advised, "
          f"{sum(a.relevant_under == 0 for a in codes)} of them with no relevant judged notice under them")
    for name, group in (("all profiles", outcomes), ("advised profiles", advised)):
        print(f"{name}: nDCG@10 {mean(group, 'before', 'ndcg@10')} -> {mean(group, 'after', 'ndcg@10')}, "
              f"p@5 {mean(group, 'before', 'p@5')} -> {mean(group, 'after', 'p@5')}")
    matcher.close()


if __name__ == "__main__":
    main()

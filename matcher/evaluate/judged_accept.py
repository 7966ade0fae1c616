"""What accepting one suggested code does, measured on judged profiles.

The product asks a firm's partner to read its suggested codes and accept the right ones (``matcher firms
suggest-codes``, ``accept-codes``). For each judged profile without codes, a partner who knows the firm's line
is simulated: they read the first ``SHOWN`` codes shown and accept the first of the same CPV category as a code
of a notice judged relevant (2) for it (``same_category``), or nothing when none is. The profile is ranked
again with that code accepted (``accept-codes``: confirmed, and marked as accepted), and nDCG@10 before and
after is reported, beside how many of the top 10 were judged before and after (an unjudged notice counts as not
relevant, so a lower judged share after makes the "after" a lower bound).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from matcher.evaluate.judged import JudgedProfile, counted, profile_metrics
from matcher.evaluate.judged_decisions import mean_or_nan, ranked_ids
from matcher.pipeline import Matcher
from matcher.search.code_inference import SuggestedCode
from matcher.search.code_labels import significant

#: The suggestions a partner reads (the profile page and ``suggest-codes`` show at least these).
SHOWN = 5
#: How fine a code must agree with a relevant notice's to be one the partner accepts: the CPV category. A class
#: (four digits) is too coarse for a person reading labels: 4523 holds roads, railways, pipelines and
#: communication lines, and an FTTH builder's partner would not accept "Slip road construction work".
CATEGORY_DIGITS = 5


@dataclass(frozen=True)
class Accepted:
    """One profile: the code accepted (None: no code of a relevant category was shown) and the figures before
    and after."""

    group: str
    code: str | None
    ndcg_before: float
    ndcg_after: float
    judged_before: float  # share of the top 10 judged
    judged_after: float


@dataclass(frozen=True)
class AcceptEffect:
    rows: tuple[Accepted, ...]  # one per judged profile without codes

    def summaries(self) -> dict[str, dict[str, float | int]]:
        """Profiles, codes accepted and the mean figures, over all ("all") and per profile group."""
        groups = sorted({r.group for r in self.rows})
        return {"all": _summary(self.rows), **{g: _summary([r for r in self.rows if r.group == g]) for g in groups}}

    def to_json(self) -> dict[str, dict[str, float | int]]:
        return self.summaries()


def _summary(rows: Sequence[Accepted]) -> dict[str, float | int]:
    return {"profiles": len(rows), "accepted": sum(r.code is not None for r in rows),
            **{name: mean_or_nan([getattr(r, name) for r in rows])
               for name in ("ndcg_before", "ndcg_after", "judged_before", "judged_after")}}


def relevant_codes(grades: Mapping[str, int], codes_of: Mapping[str, Sequence[str]]) -> set[str]:
    """The CPV codes of the notices graded 2."""
    return {code for tid, grade in grades.items() if grade == 2 for code in codes_of.get(tid, ())
            if code.startswith("CPV:")}


def same_category(code: str, other: str) -> bool:
    """The same code, or two codes of one CPV category (their first five digits, both at least that fine):
    45233227 slip roads and 45233140 roadworks are, 45233227 and 45231600 communication lines (one class,
    4523) are not."""
    if code == other:
        return True
    digits, others = significant(code), significant(other)
    return len(digits) >= CATEGORY_DIGITS and len(others) >= CATEGORY_DIGITS and (
        digits[:CATEGORY_DIGITS] == others[:CATEGORY_DIGITS])


def pick_accepted(shown: Iterable[SuggestedCode], relevant: Collection[str]) -> str | None:
    """The first shown code of a category some code in ``relevant`` has, else None."""
    return next((s.code for s in shown if any(same_category(s.code, r) for r in relevant)), None)


def accept_effect(matcher: Matcher, judged: Sequence[JudgedProfile], bar: bool = False) -> AcceptEffect:
    rows = []
    for item in counted(judged, "accepting a code", bar):
        if item.profile.codes:
            continue
        relevant = [tid for tid, grade in item.grades.items() if grade == 2]
        codes_of = {tid: notice.codes for tid, notice in matcher.catalog.fetch_tenders(relevant).items()}
        code = pick_accepted(matcher.suggest_codes(item.profile, SHOWN), relevant_codes(item.grades, codes_of))
        before = profile_metrics(ranked_ids(matcher, item.profile, {}), item.grades)
        after = before if code is None else profile_metrics(ranked_ids(
            matcher, item.profile.model_copy(update={"codes": [code], "accepted_codes": [code]}), {}), item.grades)
        rows.append(Accepted(item.group, code, before["ndcg@10"], after["ndcg@10"], before["judged@10"],
                             after["judged@10"]))
    return AcceptEffect(tuple(rows))

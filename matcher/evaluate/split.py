"""The time-split protocol of ``../shared/data/README.md``.

Cut at a date (given, or the q-quantile of award dates). A supplier identity counts if it has at least
``min_before`` distinct wins (award ids) before the cut and ``min_after`` after it; its earlier wins are its
profile. The candidates are all distinct awards on or after the cut; the relevant ones for a supplier are
those it won. Nothing dated on or after the cut reaches ``history`` or ``profiles``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from matcher.errors import InvalidInput
from matcher.normalize.suppliers import SupplierResolver
from matcher.schema import Award

#: The protocol's thresholds: distinct wins before the cut and on or after it.
MIN_BEFORE, MIN_AFTER = 3, 1


@dataclass(frozen=True)
class TimeSplit:
    cutoff: date
    #: every award row dated before the cut (what profiles, lexical fitting and training may see)
    history: list[Award]
    #: identity -> its distinct wins before the cut, oldest first
    profiles: dict[str, list[Award]]
    #: one row per distinct award id dated on or after the cut
    candidates: list[Award]
    #: identity -> indices into ``candidates`` of the awards it won
    relevant: dict[str, list[int]]
    resolver: SupplierResolver

    @property
    def firms(self) -> list[str]:
        return sorted(self.profiles)

    @property
    def positives(self) -> int:
        return sum(len(v) for v in self.relevant.values())


def cutoff_at_quantile(awards: Sequence[Award], quantile: float) -> date:
    """The ``quantile`` of award dates (0.7: the 70th percentile), as a date."""
    if not awards:
        raise InvalidInput("no awards to split")
    if not 0.0 < quantile < 1.0:
        raise InvalidInput(f"bad cutoff quantile {quantile} (expected a number between 0 and 1, e.g. 0.7)")
    days = np.array([a.date.toordinal() for a in awards], dtype=np.float64)
    return date.fromordinal(int(np.quantile(days, quantile)))


def _distinct(awards: Sequence[Award]) -> list[Award]:
    """First row per award id, in date order (several rows share an id when several suppliers won)."""
    seen: dict[str, Award] = {}
    for award in sorted(awards, key=lambda a: (a.date, a.award_id)):
        seen.setdefault(award.award_id, award)
    return list(seen.values())


def time_split(
    awards: Sequence[Award],
    cutoff: date,
    resolver: SupplierResolver | None = None,
    min_before: int = MIN_BEFORE,
    min_after: int = MIN_AFTER,
) -> TimeSplit:
    resolver = resolver or SupplierResolver().fit(a.supplier for a in awards)
    history = [a for a in awards if a.date < cutoff]
    candidates = _distinct([a for a in awards if a.date >= cutoff])
    position = {a.award_id: i for i, a in enumerate(candidates)}
    before: dict[str, list[Award]] = defaultdict(list)
    after: dict[str, set[int]] = defaultdict(set)
    for award in history:
        identity = resolver.resolve(award.supplier)
        if identity is not None:
            before[identity].append(award)
    for award in awards:
        identity = resolver.resolve(award.supplier)
        if identity is not None and award.date >= cutoff:
            after[identity].add(position[award.award_id])
    profiles = {
        identity: _distinct(wins) for identity, wins in before.items()
        if len({w.award_id for w in wins}) >= min_before and len(after.get(identity, ())) >= min_after
    }
    relevant = {identity: sorted(after[identity]) for identity in profiles}
    return TimeSplit(cutoff, history, profiles, candidates, relevant, resolver)

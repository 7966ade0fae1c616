"""When a notice counts as open: the one rule behind every "open now" in the product.

A notice is open at a moment ``now`` when all of these hold:

1. it is an opportunity: an open call or a prior-information notice (award notices are history);
2. it is published: its publication day is on or before ``now``'s day (UTC). A replay at a fixed clock
   (``--as-of``, ``MATCHER_CLOCK``) must not see notices from its future;
3. its deadline has not passed; a notice without a deadline is open through the day ``published + N``,
   with N per notice type (``MATCHER_OPEN_CALL_WINDOW_DAYS``, ``MATCHER_PRIOR_INFORMATION_WINDOW_DAYS``;
   the defaults and their reasons are in ``matcher.config``);
4. no later notice ended its procedure without an award (a TED award notice whose every lot was
   discontinued or unsuccessful names it: ``Tender.cancels``). Only the store knows this, since the
   cancelling notice may arrive before or after the one it cancels (``matcher.store.cancellations``);
   a notice that itself says it was cancelled (OCDS tender.status cancelled/unsuccessful) is read as
   notice type "other" and fails rule 1.

A notice with neither a deadline nor a publication date stays open. Every feed the project reads dates its
notices (TED's DATE_PUB, the OCDS release date: all 3,476 notices of the TED sample and every OCDS example
have one), so an undated notice was typed in by an officer (a CSV or the API), who can see it, knows
whether it is current and can delete it; closing it would hide the officer's own entry without any
evidence that it is stale.

The rule is pure (no clock, no settings, no I/O): the Matcher builds it from Settings and passes it down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from matcher.schema import OPPORTUNITY_TYPES, Tender

if TYPE_CHECKING:
    from matcher.config import Settings


#: Why a notice is not open, by the first rule it fails (rule 4 first: a cancelled award-less procedure is named
#: so whatever its type): cancelled, an award notice or another non-opportunity (rule 1), published after now
#: (rule 2), its deadline passed or, without one, its window ended (rule 3).
Closure = Literal["cancelled", "award", "other", "unpublished", "deadline", "window"]


def today(now: datetime) -> date:
    """The UTC day of ``now``: publication dates are days, compared with the day of the clock."""
    return now.astimezone(UTC).date() if now.tzinfo is not None else now.date()


def next_day(now: datetime) -> datetime:
    """The next UTC midnight: the only moment, deadlines aside, when the set of open notices changes."""
    return datetime.combine(today(now) + timedelta(days=1), time(), tzinfo=UTC)


@dataclass(frozen=True)
class OpenRule:
    """How long a notice without a deadline counts as open after its publication day, per notice type."""

    open_call_days: int
    prior_information_days: int

    def __post_init__(self) -> None:
        for name in ("open_call_days", "prior_information_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1 day, not {getattr(self, name)}")

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenRule:
        return cls(settings.open_call_window_days, settings.prior_information_window_days)

    def window(self, notice_type: str) -> int | None:
        """Days a notice of this type without a deadline stays open; None for non-opportunities."""
        return {"open_call": self.open_call_days, "prior_information": self.prior_information_days}.get(notice_type)

    def visible(self, published: date | None, now: datetime) -> bool:
        """Rule 2: published on or before the day of ``now`` (an undated notice is visible)."""
        return published is None or published <= today(now)

    def current(self, tender: Tender, now: datetime) -> bool:
        """Rule 3 alone: the deadline has not passed, or without one the window has not; says nothing about
        the notice type, its publication being in the future, or a cancellation."""
        if tender.deadline is not None:
            return tender.deadline >= now
        days = self.window(tender.notice_type)
        if tender.published is None or days is None:
            return True
        return today(now) <= tender.published + timedelta(days=days)

    def is_open(self, tender: Tender, now: datetime) -> bool:
        """Rules 1-3 (rule 4 needs the store: ``OpenAt``)."""
        return (
            tender.notice_type in OPPORTUNITY_TYPES
            and self.visible(tender.published, now)
            and self.current(tender, now)
        )

    def first_day(self, notice_type: str, now: datetime) -> date | None:
        """The earliest publication day of a notice of this type without a deadline still open at ``now``."""
        days = self.window(notice_type)
        return None if days is None else today(now) - timedelta(days=days)


@dataclass(frozen=True)
class OpenAt:
    """The rule at one moment, with the notices the store knows to be cancelled (rule 4)."""

    rule: OpenRule
    now: datetime
    cancelled: frozenset[str] = field(default_factory=frozenset)

    def visible(self, tender: Tender) -> bool:
        return self.rule.visible(tender.published, self.now)

    def closed(self, tender: Tender) -> bool:
        """Past its deadline or window, or cancelled by a later notice (whatever its type)."""
        return tender.tender_id in self.cancelled or not self.rule.current(tender, self.now)

    def is_open(self, tender: Tender) -> bool:
        return self.closure(tender) is None

    def closure(self, tender: Tender) -> Closure | None:
        """Why the notice is not open at ``now`` (``Closure``), or None while it is: the one reading that the
        shortlists' refusal, the workspace and ``firms-for``'s status line word each in their own way."""
        if tender.tender_id in self.cancelled:
            return "cancelled"
        if tender.notice_type not in OPPORTUNITY_TYPES:
            return "award" if tender.notice_type == "award" else "other"
        if not self.visible(tender):
            return "unpublished"
        if not self.rule.current(tender, self.now):
            return "deadline" if tender.deadline is not None else "window"
        return None

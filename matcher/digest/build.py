"""Which tenders go into which subscription's digest. Pure: no I/O, no clock; the caller passes ``as_of``.

Rules, in order:
- a tender a partner rejected for the firm never appears;
- a tender already in an earlier digest of the same subscription (sent, or pending delivery) never appears
  again; a subscription's first digest therefore covers everything open at that moment;
- tenders a partner approved come first and are marked, whatever their score;
- the rest must reach the subscription's minimum score; the digest holds at most ``max_items``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from matcher.schema import Match
from matcher.search.retrieve import MatchQuery
from matcher.store.subscriptions import Frequency, Subscription

PERIODS: dict[Frequency, timedelta] = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
#: A job scheduled daily never starts at exactly the same second: a digest is due this much early.
DUE_SLACK = timedelta(hours=2)


@dataclass(frozen=True)
class DigestItem:
    match: Match
    approved: bool


@dataclass(frozen=True)
class DigestPlan:
    """One email to be: the subscription, the moment it describes and the items, best first."""

    subscription: Subscription
    firm_name: str
    as_of: datetime
    items: tuple[DigestItem, ...]

    @property
    def empty(self) -> bool:
        return not self.items


def is_due(subscription: Subscription, last_sent: datetime | None, as_of: datetime) -> bool:
    """Due when active and never sent, or when a period (less the slack) has passed since the last one."""
    if not subscription.active:
        return False
    if last_sent is None:
        return True
    return as_of - last_sent >= PERIODS[subscription.frequency] - DUE_SLACK


def subscription_query(subscription: Subscription, held: set[str], approved_open: int = 0) -> MatchQuery:
    """The ranking query for one subscription: its filters, the tenders it already got excluded, and room
    for the partner-approved tenders on top of ``max_items``."""
    return MatchQuery(
        k=subscription.max_items + approved_open,
        countries=subscription.countries,
        min_value=subscription.min_value,
        max_value=subscription.max_value,
        value_currency=subscription.currency,
        exclude=frozenset(held),
    )


def _fit(match: Match) -> float:
    """What a subscription's minimum is compared with: the calibrated fit, or the raw score without one."""
    return match.fit if match.fit is not None else match.score


def build_items(
    subscription: Subscription,
    matches: Sequence[Match],
    held: set[str],
    statuses: Mapping[str, str],
) -> tuple[DigestItem, ...]:
    """The digest's items: approved first (marked), then the best others at or above the minimum fit."""
    fresh = [m for m in matches if m.tender_id not in held and statuses.get(m.tender_id) != "rejected"]
    approved = [m for m in fresh if statuses.get(m.tender_id) == "approved"]
    others = [
        m for m in fresh
        if statuses.get(m.tender_id) != "approved" and _fit(m) >= subscription.min_score
    ]
    chosen = [DigestItem(m, True) for m in approved] + [DigestItem(m, False) for m in others]
    chosen = chosen[: subscription.max_items]
    return tuple(
        DigestItem(item.match.model_copy(update={"rank": position}), item.approved)
        for position, item in enumerate(chosen, start=1)
    )


def build_digest(
    subscription: Subscription,
    firm_name: str,
    matches: Sequence[Match],
    held: set[str],
    statuses: Mapping[str, str],
    as_of: datetime,
) -> DigestPlan:
    return DigestPlan(subscription, firm_name, as_of, build_items(subscription, matches, held, statuses))

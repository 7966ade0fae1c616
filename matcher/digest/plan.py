"""Planning digests: rank a batch of subscriptions' firms at once, build and render each next digest.

Nothing here writes: ``matcher.digest.run`` records and sends, the preview route shows, and
``matcher.digest.workers`` runs these same functions in worker processes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from matcher.digest.build import DigestPlan, build_digest, subscription_query
from matcher.digest.render import RenderedDigest, render_digest
from matcher.errors import IndexNotReady
from matcher.pipeline import Matcher
from matcher.store.subscriptions import Subscription, one_per_address

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    plan: DigestPlan
    rendered: RenderedDigest


def prepare(
    matcher: Matcher, batch: Sequence[Subscription], as_of: datetime, *, live_token: bool = True
) -> list[Prepared]:
    """Rank, build and render the next digest of each subscription (nothing is written)."""
    return [Prepared(plan, render_digest(plan, matcher.settings, live_token=live_token))
            for plan in plan_digests(matcher, batch, as_of)]


@dataclass(frozen=True)
class Failed:
    """A subscription whose next digest could not be ranked, built or rendered, and why."""

    subscription: Subscription
    error: str


def prepare_each(
    matcher: Matcher, batch: Sequence[Subscription], as_of: datetime
) -> tuple[list[Prepared], list[Failed]]:
    """``prepare`` for a digest run, where one subscription's failure must never stop the others (issue 15: a
    query whose filters left no candidate crashed ranking, and so every digest, on every rerun). The batch is
    ranked at once, the fast path; if that fails it is halved and each half tried again, down to the single
    subscriptions that fail, so the rest go out at a cost of about log2(batch) extra rankings per failure.
    No index yet is the run's failure, not a subscription's: it propagates."""
    try:
        return prepare(matcher, batch, as_of), []
    except IndexNotReady:
        raise
    except Exception as exc:  # the one place a subscription's job runs: a failure alone is logged and kept
        if len(batch) == 1:
            (subscription,) = batch
            error = f"{type(exc).__name__}: {exc}"
            log.error("digest of subscription %s (firm %r) failed: %s", subscription.subscription_id,
                      subscription.firm_id, error, exc_info=True)
            return [], [Failed(subscription, error)]
        log.info("a batch of %d digests failed (%s); trying each half", len(batch), type(exc).__name__)
    middle = len(batch) // 2
    first, first_failed = prepare_each(matcher, batch[:middle], as_of)
    second, second_failed = prepare_each(matcher, batch[middle:], as_of)
    return first + second, first_failed + second_failed


def plan_digests(matcher: Matcher, batch: Sequence[Subscription], as_of: datetime) -> list[DigestPlan]:
    """The next digest of each subscription: one batched ranking for all of them."""
    firm_ids = sorted({s.firm_id for s in batch})
    firms = matcher.get_firms(firm_ids)
    held = matcher.digests.held_items([s.subscription_id for s in batch])
    missing = [s for s in batch if s.firm_id not in firms]
    for sub in missing:
        log.warning("subscription %s names unknown firm %r: skipped", sub.subscription_id, sub.firm_id)
    known = [s for s in batch if s.firm_id in firms]
    statuses = matcher.decisions(firm_ids)
    queries = [
        subscription_query(s, held[s.subscription_id], _approved_open(statuses[s.firm_id], held[s.subscription_id]))
        for s in known
    ]
    ranked = matcher.recommend_many([firms[s.firm_id] for s in known], queries, decisions=statuses) if known else []
    return [
        build_digest(s, firms[s.firm_id].name, matches, held[s.subscription_id], statuses[s.firm_id], as_of)
        for s, matches in zip(known, ranked, strict=True)
    ]


def preview(matcher: Matcher, firm_id: str) -> list[Prepared]:
    """What the next digest of each of the firm's active subscriptions would hold, as of now, rendered.
    Reads only: nothing is sent or recorded, and whether the subscription is due is not considered. An address
    subscribed more than once (a store written before that was refused) shows once, as the run sends it.

    Previews never carry a live unsubscribe token, whoever asks: a token is a bearer credential that never
    expires and outlives the key that read it (a partner withdrawn from the firm would keep it). Whoever may
    manage the subscription ends it with their key (DELETE on the subscription) instead."""
    matcher.get_firm(firm_id)
    subscriptions = one_per_address(matcher.firm_subscriptions(firm_id, active_only=True))
    return prepare(matcher, subscriptions, matcher.settings.now(), live_token=False)


def _approved_open(statuses: Mapping[str, str], held: set[str]) -> int:
    return sum(1 for tender_id, status in statuses.items() if status == "approved" and tender_id not in held)

"""One digest per firm and address: a second active subscription of an address (in any case) is refused, and
a store that already holds such duplicates (written before the rule) still opens, and its digest run sends
each address one digest per firm."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from matcher.digest.plan import prepare, preview
from matcher.digest.run import DigestRun, RunSummary
from matcher.digest.send import SmtpSender
from matcher.errors import Conflict, InvalidInput
from matcher.pipeline import Matcher
from matcher.search.encoders import FakeEncoder
from matcher.store.subscriptions import Subscription, SubscriptionSpec, one_per_address
from tests.digest.conftest import EN_FIRM, KO_FIRM, SmtpServer, subscribe


def run(matcher: Matcher) -> RunSummary:
    with SmtpSender(matcher.settings) as sender:
        return DigestRun(matcher, sender).run()


def as_an_old_store(matcher: Matcher) -> None:
    """Drop the unique index, as in a store created before it (``create_all`` adds no index to a table)."""
    with matcher.engine.db.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS uq_subscriptions_active_address"))


@pytest.fixture
def duplicates(demo: Matcher) -> dict[str, Subscription]:
    """What the old code let through: one address subscribed three times to one firm (by three people, in two
    spellings), another address of that firm, and the same address for a second firm."""
    as_an_old_store(demo)
    return {
        "first": subscribe(demo, KO_FIRM, "dup@example.org", min_score=0.0, max_items=3),
        "upper": subscribe(demo, KO_FIRM, "DUP@Example.org", min_score=0.0, max_items=3),
        "again": subscribe(demo, KO_FIRM, "dup@example.org", min_score=0.0, max_items=3),
        "other": subscribe(demo, KO_FIRM, "other@example.org", min_score=0.0, max_items=3),
        "en": subscribe(demo, EN_FIRM, "dup@example.org", min_score=0.0, max_items=3),
    }


def received(smtp: SmtpServer) -> Counter[tuple[str, str]]:
    """(address in lower case, firm's subject) -> how many emails."""
    return Counter((str(m["To"]).lower(), str(m["Subject"])) for m in smtp.inbox.messages)


def test_the_service_refuses_a_second_subscription_of_an_address(demo: Matcher) -> None:
    first = demo.subscribe(SubscriptionSpec(KO_FIRM, "a@b.com"), actor="cli")
    for address in ("a@b.com", "A@B.com", " a@B.COM "):
        with pytest.raises(Conflict, match=f"already receives .* \\(subscription {first.subscription_id}\\)"):
            demo.subscribe(SubscriptionSpec(KO_FIRM, address, language="ko"), actor="partner")
    assert demo.firm_subscriptions(KO_FIRM) == [first]
    assert demo.subscribe(SubscriptionSpec(EN_FIRM, "A@B.com"), actor="cli").email == "A@B.com"
    demo.unsubscribe(first.subscription_id)
    assert demo.subscribe(SubscriptionSpec(KO_FIRM, "A@b.com"), actor="cli").active


def test_the_database_refuses_a_duplicate_the_check_did_not_see(demo: Matcher) -> None:
    """Two requests at once both pass the check; the unique index (stores created since) stops the second."""
    subscribe(demo, KO_FIRM, "race@example.org")
    with pytest.raises(Conflict, match=r"race@example\.org already receives"), demo.engine.db.begin() as conn:
        demo.subscriptions.repository.add(conn, SubscriptionSpec(KO_FIRM, "RACE@example.org"), "api")
    assert len(demo.firm_subscriptions(KO_FIRM)) == 1


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        (SubscriptionSpec(KO_FIRM, "a@b.com", min_value=10, max_value=1), "min_value 10 is greater than max_value 1"),
        (SubscriptionSpec(KO_FIRM, "a@b.com", min_value=1, currency="XYZ"), "unknown currency 'XYZ'"),
    ],
)
def test_the_service_refuses_a_value_range_it_cannot_apply(demo: Matcher, spec: SubscriptionSpec, said: str) -> None:
    with pytest.raises(InvalidInput, match=said):
        demo.subscribe(spec, actor="cli")
    assert demo.firm_subscriptions(KO_FIRM) == []


@pytest.mark.parametrize(("spec", "said"), [
    (SubscriptionSpec(KO_FIRM, "a@b.com", max_items=0), "max_items: Input should be greater than or equal to 1"),
    (SubscriptionSpec(KO_FIRM, "a@b.com", min_score=2.0), "min_score: Input should be less than or equal to 1"),
    (SubscriptionSpec(KO_FIRM, "a@b.com", min_value=-5), "min_value: Input should be greater than or equal to 0"),
    (SubscriptionSpec(KO_FIRM, "a,b@b.com"), "bad email address 'a,b@b.com'"),
])
def test_the_service_refuses_what_a_stored_row_is_refused_for(
    demo: Matcher, spec: SubscriptionSpec, said: str
) -> None:
    """The rules a stored row is read against (``store.subscriptions.SPEC``), checked before it is stored: the API
    and the CLI check them first, but a caller of the service stored a row every read then refused."""
    with pytest.raises(InvalidInput, match=said):
        demo.subscribe(spec, actor="cli")
    assert demo.firm_subscriptions(KO_FIRM) == []


def test_a_store_with_duplicates_opens_and_sends_each_address_one_digest_per_firm(
    demo: Matcher, smtp: SmtpServer, duplicates: dict[str, Subscription]
) -> None:
    reopened = Matcher(demo.settings, encoder=FakeEncoder())  # create_all again: the index is not forced on it
    assert len(reopened.firm_subscriptions(KO_FIRM)) == 4  # every row still loads and is listed
    reopened.close()
    summary = run(demo)
    assert (summary.due, summary.sent, summary.failed) == (3, 3, 0)
    counts = received(smtp)
    assert sorted(counts.values()) == [1, 1, 1]
    assert Counter(address for address, _ in counts) == {"dup@example.org": 2, "other@example.org": 1}
    # The digest goes out as the oldest of the duplicates, which alone records it.
    assert [m["To"] for m in smtp.inbox.messages if "dup@" in str(m["To"]).lower()] == ["dup@example.org"] * 2
    assert demo.digest_records(duplicates["first"].subscription_id)
    assert not demo.digest_records(duplicates["upper"].subscription_id)
    assert not demo.digest_records(duplicates["again"].subscription_id)
    demo.settings.clock = demo.settings.now() + timedelta(days=7)  # due again: still one each
    smtp.inbox.messages.clear()
    assert run(demo).sent <= 3 and max(received(smtp).values(), default=1) == 1


def test_pending_digests_of_duplicates_left_by_an_old_run_are_cancelled_not_sent(
    demo: Matcher, smtp: SmtpServer, duplicates: dict[str, Subscription]
) -> None:
    # An old run recorded a digest for each duplicate and died before sending them.
    old = DigestRun(demo, None)
    old._record(prepare(demo, [duplicates["first"], duplicates["upper"], duplicates["again"]], demo.settings.now()))
    summary = run(demo)
    assert summary.resent == 1 and max(received(smtp).values()) == 1
    assert [m["To"] for m in smtp.inbox.messages if "한빛" in str(m["Subject"])] == [
        "dup@example.org", "other@example.org"]
    statuses = [r.status for key in ("upper", "again") for r in demo.digest_records(duplicates[key].subscription_id)]
    assert statuses == ["cancelled", "cancelled"]


def test_the_preview_and_a_dry_run_count_an_address_once(demo: Matcher, duplicates: dict[str, Subscription]) -> None:
    assert [p.plan.subscription.subscription_id for p in preview(demo, KO_FIRM)] == [
        duplicates["first"].subscription_id, duplicates["other"].subscription_id]
    summary = DigestRun(demo, None, dry_run=True).run()
    assert summary.due == 3 and summary.sent == 3


def test_ending_one_duplicate_ends_them_all(demo: Matcher, duplicates: dict[str, Subscription]) -> None:
    """The unsubscribe link of the one digest the address gets must stop it: the others would take over."""
    assert demo.unsubscribe(duplicates["first"].subscription_id) is True
    active = {s.subscription_id for s in demo.firm_subscriptions(KO_FIRM, active_only=True)}
    assert active == {duplicates["other"].subscription_id}
    assert [s.active for s in demo.firm_subscriptions(EN_FIRM)] == [True]  # another firm's digest stays


def test_one_per_address_keeps_the_oldest_in_order() -> None:
    def sub(sid: str, firm: str, email: str, minute: int) -> Subscription:
        return Subscription(firm, email, subscription_id=sid, created_at=datetime(2026, 1, 1, 0, minute, tzinfo=UTC))

    subs = [sub("b", "f", "X@a.org", 2), sub("a", "f", "x@a.org", 3), sub("c", "g", "x@a.org", 1),
            sub("d", "f", "y@a.org", 0), sub("e", "f", "x@A.org", 1)]
    assert [s.subscription_id for s in one_per_address(subs)] == ["c", "d", "e"]

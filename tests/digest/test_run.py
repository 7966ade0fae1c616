"""``matcher digest run`` end to end on the demo notices, against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from matcher.digest.plan import plan_digests
from matcher.digest.run import DigestRun, RunSummary
from matcher.digest.send import SmtpSender
from matcher.errors import Conflict, InvalidInput
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.store.digests import DigestRepository, digest_items, digests
from matcher.store.subscriptions import Subscription, SubscriptionRepository
from tests.digest.conftest import EN_FIRM, KO_FIRM, SmtpServer, subscribe


def run(matcher: Matcher) -> RunSummary:
    with SmtpSender(matcher.settings) as sender:
        return DigestRun(matcher, sender).run()


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def digest_count(matcher: Matcher, status: str | None = None) -> int:
    query = select(func.count()).select_from(digests)
    if status:
        query = query.where(digests.c.status == status)
    with matcher.engine.db.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_emails_are_multipart_with_items_headers_and_language(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription]
) -> None:
    summary = run(demo)
    assert summary.line().startswith("6 subscriptions due, sent 6")
    assert Counter(m["To"] for m in smtp.inbox.messages) == Counter(s.email for s in subscribed.values())

    ko = smtp.inbox.to("ko@example.org")[0]
    assert re.fullmatch(r"\[해외입찰 알림\] 한빛수처리 \(Hanbit Water Solutions\) 맞춤 신규 입찰 \d건", ko["Subject"])
    assert ko.get_content_type() == "multipart/alternative"
    assert ko["List-Unsubscribe"].startswith("<https://matcher.test/unsubscribe?token=")
    assert ko["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<digest\.[0-9a-f]{32}@tender-matcher\.local>", ko["Message-ID"])
    text, html = bodies(ko)
    assert "발주기관" in text and "마감" in text and "일 남음" in text and "적합도" in text and "수신 거부" in text
    assert "ultrafiltration" in text.lower()  # the Doran ultrafiltration notice is the water firm's best match
    # Countries by their Korean names, the fit's evidence after a comma (once "국가: FR", "(0.30): 이런 추천").
    assert "   국가: 프랑스\n" in text and not re.search(r"국가: [A-Z]{2}\b", text)
    band = r"(매우 적합|적합|검토 가능|낮음)"
    assert re.search(rf"적합도: {band} \(0\.\d\d\), 이런 추천 10건 중 \d+건이 적합으로 판정됨", text)
    assert 'lang="ko"' in html and "공고 보기" in html

    en = smtp.inbox.to("en@example.org")[0]
    count = int(en["Subject"].split()[0])
    text, html = bodies(en)
    assert count == text.count("View notice: ") == html.count("View notice")
    for label in ("Buyer: ", "Country: ", "Deadline: ", "Value: ", "Fit: ", "Why it matched:"):
        assert text.count(label) == count
    # the calibrated fit in words with its evidence, e.g. "Fit: possible fit (0.21): 3 in 10 such matches ..."
    fits = re.findall(r"Fit: (strong|good|possible|weak) fit \(0\.\d\d\): (\d+) in 10 such matches", text)
    assert len(fits) == count
    assert "https://ted.europa.eu/" in text and "Unsubscribe: https://matcher.test/unsubscribe?token=" in text


def test_each_tender_reaches_a_subscription_once_and_new_ones_come_later(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription]
) -> None:
    run(demo)
    first = len(smtp.inbox.messages)
    assert run(demo).sent == 0  # (nothing is due the same day)
    as_of = demo.settings.now()
    new = Tender(tender_id="test:new-uf", source="test", title="Ultrafiltration membrane filtration for drinking water",
                 description="membrane ultrafiltration drinking water treatment plant", buyer="Ville de Lyon",
                 buyer_country="FR", codes=["CPV:45252126"], deadline=as_of + timedelta(days=30))
    demo.upsert_tenders([new])
    demo.settings.clock = as_of + timedelta(days=7)
    run(demo)
    assert len(smtp.inbox.messages) == first + len(subscribed)
    with demo.engine.db.connect() as conn:
        per_sub = conn.execute(
            select(digest_items.c.subscription_id, digest_items.c.tender_id, func.count())
            .group_by(digest_items.c.subscription_id, digest_items.c.tender_id).having(func.count() > 1)
        ).all()
    assert per_sub == []
    week2 = smtp.inbox.to("ko@example.org")[1]
    assert "Ultrafiltration membrane filtration for drinking water" in bodies(week2)[0]


def test_partner_decisions_approved_first_and_marked_rejected_never(
    demo: Matcher, smtp: SmtpServer
) -> None:
    subscribe(demo, EN_FIRM, "en@example.org", max_items=4)
    ranked = [m.tender_id for m in demo.recommend(EN_FIRM)]
    approved, rejected = ranked[3], ranked[0]
    for tender_id, status in ((approved, "approved"), (rejected, "rejected")):
        demo.propose(EN_FIRM, tender_id, "partner")
        demo.decide(EN_FIRM, tender_id, status, "partner")  # type: ignore[arg-type]
    run(demo)
    text, _ = bodies(smtp.inbox.to("en@example.org")[0])
    first_item = text.split("\n1. ", 1)[1].split("\n", 1)[0]
    assert first_item.startswith("★ Recommended by your partner | ")
    assert demo.get_tender(approved).title in first_item
    assert demo.get_tender(rejected).title not in text


def test_empty_digest_sends_nothing(demo: Matcher, smtp: SmtpServer) -> None:
    subscribe(demo, KO_FIRM, "picky@example.org", min_score=0.99)
    summary = run(demo)
    assert (summary.due, summary.sent, summary.skipped_empty) == (1, 0, 1)
    assert smtp.inbox.messages == [] and digest_count(demo) == 0


def test_dry_run_sends_and_records_nothing(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription]
) -> None:
    summary = DigestRun(demo, None, dry_run=True).run()
    assert summary.due == 6 and summary.sent == 6 and summary.line().startswith("6 subscriptions due, would send 6")
    assert smtp.inbox.messages == [] and digest_count(demo) == 0
    assert run(demo).sent == 6  # (and the real run still has everything to send)


def test_refusing_then_accepting_server_is_retried(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription]
) -> None:
    smtp.inbox.refuse = 2
    summary = run(demo)
    assert summary.sent == 6 and summary.failed == 0
    assert len(smtp.inbox.messages) == 6


def test_a_permanent_refusal_fails_the_digest_and_frees_its_items(
    demo: Matcher, smtp: SmtpServer
) -> None:
    sub = subscribe(demo, KO_FIRM, "gone@example.org")
    smtp.inbox.refuse, smtp.inbox.refusal = 1, "550 5.1.1 No such user"
    summary = run(demo)
    assert summary.failed == 1 and summary.sent == 0
    with demo.engine.db.connect() as conn:
        (record,) = DigestRepository().for_subscription(conn, sub.subscription_id)
    assert record.status == "failed" and record.items == () and "550" in (record.last_error or "")
    assert run(demo).sent == 1  # (the same tenders go out once it works)


def test_server_gone_midway_then_rerun_delivers_each_once(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription]
) -> None:
    class StopAfter(SmtpSender):
        def send(self, message: EmailMessage) -> None:
            if len(smtp.inbox.messages) == 2:
                smtp.stop()
            super().send(message)

    summary = DigestRun(demo, StopAfter(demo.settings, sleep=lambda _: None)).run()
    assert summary.sent == 2 and summary.stopped and summary.failed == 4
    assert digest_count(demo, "pending") == 4
    received = list(smtp.inbox.messages)
    smtp.start()
    smtp.inbox.messages = received
    summary = run(demo)
    assert summary.sent == 4 and summary.resent == 4 and summary.due == 0
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(s.email for s in subscribed.values())
    assert digest_count(demo, "sent") == 6


def test_unsubscribed_before_resend_gets_nothing(demo: Matcher, smtp: SmtpServer) -> None:
    sub = subscribe(demo, KO_FIRM, "leaving@example.org")
    smtp.stop()
    DigestRun(demo, SmtpSender(demo.settings, sleep=lambda _: None)).run()
    assert digest_count(demo, "pending") == 1
    with demo.engine.db.begin() as conn:
        SubscriptionRepository().unsubscribe(conn, sub.subscription_id)
    smtp.start()
    run(demo)
    assert smtp.inbox.messages == [] and digest_count(demo, "cancelled") == 1


def test_a_run_holding_the_lock_keeps_a_second_one_out(demo: Matcher, subscribed: dict[str, Subscription]) -> None:
    holder = DigestRun(demo, None)
    assert holder.lease.acquire()
    with pytest.raises(Conflict, match="another digest run holds the lock"):
        run(demo)
    holder.lease.release()
    assert run(demo).sent == 6


@pytest.mark.slow  # spawns two interpreters
def test_worker_processes_send_the_same_digests_as_one_process(
    demo: Matcher, smtp: SmtpServer, subscribed: dict[str, Subscription]
) -> None:
    """Batches of two ranked in two spawned workers: same items, in the same order, each sent once."""
    expected = DigestRun(demo, None, dry_run=True, batch_size=2).run().planned
    sender = SmtpSender(demo.settings)
    summary = DigestRun(demo, sender, batch_size=2, workers=2).run()
    sender.close()
    assert summary.sent == 6 and summary.failed == 0 and len(smtp.inbox.messages) == 6
    with demo.engine.db.connect() as conn:
        sent = {s.subscription_id: [i.tender_id for d in DigestRepository().for_subscription(conn, s.subscription_id)
                                    for i in d.items] for s in subscribed.values()}
    assert sent == {p.subscription.subscription_id: [i.match.tender_id for i in p.items] for p in expected}


def test_a_batch_reads_the_partner_decisions_once(
    demo: Matcher, subscribed: dict[str, Subscription], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planning a batch reads the firms' decisions once and ranks with what it read (the digest's approved items and
    the ranking's feedback agree); a second read cost about 80 ms a batch at 30,000 shortlist rows."""
    ranked = [m.tender_id for m in demo.recommend(EN_FIRM)]
    demo.propose(EN_FIRM, ranked[2], "partner")
    demo.decide(EN_FIRM, ranked[2], "approved", "partner")
    reads: list[list[str]] = []
    read = demo.shortlists.decisions

    def counted(firm_ids: list[str], published_by: object = None) -> object:
        reads.append(sorted(firm_ids))
        return read(firm_ids, published_by)  # type: ignore[arg-type]

    monkeypatch.setattr(demo.shortlists, "decisions", counted)
    plans = plan_digests(demo, list(subscribed.values()), demo.settings.now())
    assert reads == [sorted({s.firm_id for s in subscribed.values()})]
    en = next(p for p in plans if p.subscription.firm_id == EN_FIRM)
    assert en.items[0].approved and en.items[0].match.tender_id == ranked[2]


def test_unsubscribed_while_the_run_sends_others_gets_nothing(demo: Matcher, smtp: SmtpServer) -> None:
    # The run read which subscriptions were active once per batch, before sending its (up to 500) digests: one
    # ended while the server took the others (a slow server, backoffs) was still sent its digest.
    leaving = {"en@example.org": subscribe(demo, EN_FIRM, "en@example.org"),
               "ko@example.org": subscribe(demo, KO_FIRM, "ko@example.org")}

    class EndsTheOther(SmtpSender):
        def send(self, message: EmailMessage) -> None:
            if not smtp.inbox.messages:  # while the first digest goes out, the other recipient unsubscribes
                (other,) = [s for address, s in leaving.items() if address != message["To"]]
                demo.unsubscribe(other.subscription_id)
            super().send(message)

    with EndsTheOther(demo.settings) as sender:
        summary = DigestRun(demo, sender).run()
    assert len(smtp.inbox.messages) == 1 and summary.sent == 1
    assert digest_count(demo, "sent") == 1 and digest_count(demo, "cancelled") == 1


def test_a_run_as_of_a_future_moment_is_refused_and_sends_nothing(demo: Matcher, smtp: SmtpServer) -> None:
    # Its digests were recorded as of that moment, and a subscription is due a period after its last digest's
    # moment: `digest run --as-of 2030-01-01` sent them, then held every subscription silent until 2030.
    subscribe(demo, EN_FIRM, "en@example.org")
    later = datetime.now(UTC) + timedelta(days=30)
    demo.settings.clock = later
    with pytest.raises(InvalidInput, match=re.escape(
            f"a digest run as of {later:%Y-%m-%d %H:%M} UTC is later than now") + r".* use --dry-run"):
        run(demo)
    assert smtp.inbox.messages == [] and digest_count(demo) == 0
    assert DigestRun(demo, None, dry_run=True).run().sent == 1  # what it would send can still be seen

"""``matcher digest run``: rank every due subscription in batches, then deliver each digest exactly once.

Exactly once, step by step:

1. The run takes the ``digest-run`` lease (``matcher.store.locks``): a second run started at the same time
   is refused with ``Conflict``. A run killed on this machine (its process gone) leaves a lease the next run
   takes at once; one that died where its death cannot be seen (another machine) blocks for at most
   ``LOCK_TTL``. A heartbeat thread renews the lease for as long as the process lives, whatever the run is
   waiting on (a slow SMTP server, a long batch), and the run stops before its next step if the lease was
   ever lost.
2. For a batch of due subscriptions it ranks the firms (batched FAISS search), builds and renders each
   digest and writes it to the digest log as ``pending``, with its items and the full rendered message, in
   one transaction, before sending anything. The items' unique key (subscription, tender) makes the database
   refuse a tender that is already in an earlier digest of that subscription.
3. It sends every ``pending`` digest (this run's, and any an earlier run left behind) and marks it ``sent``
   in its own transaction right after the server (or the outbox) accepted it.

A run that dies anywhere before 3 leaves pending digests, which the next run sends as they were rendered
(same Message-ID, same items); a pending digest makes its subscription "not due", so nothing is re-ranked
into a second email. A 4xx or a vanished server leaves the digest pending for the next run; a 5xx marks it
failed and frees its items. The one window left is a crash between the server's accept and the commit of
``sent``: the next run sends that one digest again. Its Message-ID (``<digest.<id>@domain>``) is the same
in both copies, so the duplicate is detectable (and many mail systems drop it). Its twin is a server that took
the whole message and never confirmed it: that digest stays pending (``SmtpSender`` does not retry it within
the run) and the next run sends it once more, with the same Message-ID. Nothing else is ever sent twice.
"""

from __future__ import annotations

import email
import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Literal

from tqdm import tqdm

from matcher.digest.build import DUE_SLACK, DigestPlan, is_due
from matcher.digest.collect import batch_collection
from matcher.digest.headers import message_policy
from matcher.digest.plan import Failed, Prepared, prepare_each
from matcher.digest.render import message_id, to_message
from matcher.digest.send import PermanentFailure, Sender, TemporaryFailure
from matcher.digest.workers import PlanningPool
from matcher.errors import Conflict, InvalidInput, NotFound, StoredRecordInvalid
from matcher.pipeline import Matcher
from matcher.store.digests import DigestItemRecord, DigestRecord
from matcher.store.locks import Heartbeat
from matcher.store.subscriptions import Subscription

log = logging.getLogger(__name__)

LOCK_NAME = "digest-run"
#: Renewed every quarter of it by the heartbeat, so a live run survives three missed beats (a database busy
#: for its 30 s timeout included); a run that died where its death cannot be proven blocks the next this long.
LOCK_TTL = timedelta(minutes=2)
BATCH_SIZE = 500
#: After this many digests in a row fail temporarily the server is taken to be gone: stop, keep them pending.
MAX_CONSECUTIVE_TEMPORARY = 3


@dataclass
class RunSummary:
    due: int = 0
    sent: int = 0
    skipped_empty: int = 0
    failed: int = 0
    resent: int = 0
    dry_run: bool = False
    stopped: str = ""
    #: The active subscriptions whose row does not read, as ``matcher store check`` names them: not sent, and
    #: counted in ``failed``.
    unreadable: list[str] = field(default_factory=list)
    planned: list[DigestPlan] = field(default_factory=list, repr=False)

    def line(self) -> str:
        verb = "would send" if self.dry_run else "sent"
        text = (f"{self.due} subscriptions due, {verb} {self.sent}, skipped {self.skipped_empty} empty, "
                f"{self.failed} failed")
        if self.resent:
            text += f" ({self.resent} left pending by an earlier run)"
        if self.unreadable:
            rows = "subscription" if len(self.unreadable) == 1 else "subscriptions"
            text += (f"; {len(self.unreadable)} {rows} unreadable, not sent (run 'matcher store check'): "
                     + "; ".join(self.unreadable))
        return text + (f"; stopped early: {self.stopped}" if self.stopped else "")


class DigestRun:
    """One run. ``sender`` is an SmtpSender or an OutboxSender; unused for a dry run."""

    def __init__(
        self, matcher: Matcher, sender: Sender | None, dry_run: bool = False, progress: bool = False,
        batch_size: int = BATCH_SIZE, lock_ttl: timedelta = LOCK_TTL, workers: int = 1,
    ) -> None:
        self.matcher = matcher
        self.sender = sender
        self.dry_run = dry_run
        self.progress = progress
        self.batch_size = batch_size
        self.workers = workers
        self.lease = matcher.digest_lease(LOCK_NAME, lock_ttl)
        self.ledger = matcher.digests
        self.summary = RunSummary(dry_run=dry_run)
        self._temporary_in_row = 0
        self._heartbeat: Heartbeat | None = None

    def run(self) -> RunSummary:
        as_of = self.matcher.settings.now()
        if self.dry_run:
            return self._dry_run(as_of)
        _not_ahead(as_of, datetime.now(UTC))
        if not self.lease.acquire():
            raise Conflict(f"another digest run holds the lock ({self.lease.state().describe()})")
        try:
            with self.lease.heartbeat() as self._heartbeat:
                self._deliver_pending(resent=True)
                due = self.due(as_of)
                self.summary.due = len(due)
                self._process(due, as_of)
        finally:
            self.lease.release()
        log.info("digest run: %s", self.summary.line())
        return self.summary

    def due(self, as_of: datetime) -> list[Subscription]:
        """The subscriptions due at ``as_of``. A row edited by hand to break a rule is named in the summary and
        counted as failed, never sent: one such row used to stop every digest of the run, on every run."""
        active, last, unreadable = self.ledger.active_with_last()
        for subscription_id, problem in unreadable.items():
            log.error("subscription %s is not sent: %s", subscription_id, problem)
        self.summary.unreadable = [problem.line for problem in unreadable.values()]
        self.summary.failed += len(unreadable)
        return [s for s in active if is_due(s, last.get(s.subscription_id), as_of)]

    def _dry_run(self, as_of: datetime) -> RunSummary:
        due = self.due(as_of)
        self.summary.due = len(due)
        for _, prepared_batch, failed in self._prepared(due, as_of, "digests (dry run)"):
            self.summary.failed += len(failed)
            for prepared in prepared_batch:
                if prepared.plan.empty:
                    self.summary.skipped_empty += 1
                else:
                    self.summary.sent += 1
                    self.summary.planned.append(prepared.plan)
        return self.summary

    def _prepared(
        self, due: list[Subscription], as_of: datetime, desc: str
    ) -> Iterator[tuple[list[Subscription], list[Prepared], list[Failed]]]:
        """Each batch of due subscriptions with its prepared digests and the subscriptions that failed, in
        order, with a progress bar. With several workers the batches are ranked in worker processes while
        earlier ones are recorded and sent."""
        batches = [due[start : start + self.batch_size] for start in range(0, len(due), self.batch_size)]
        with tqdm(total=len(due), desc=desc, unit="subscription", disable=not self.progress) as bar:
            if self.workers > 1 and len(batches) > 1:
                with PlanningPool(self.matcher.settings, min(self.workers, len(batches))) as pool:
                    for batch, (prepared, failed) in zip(batches, pool.prepare(batches, as_of), strict=True):
                        yield batch, prepared, failed
                        bar.update(len(batch))
                return
            for batch in batches:
                with batch_collection():
                    prepared, failed = prepare_each(self.matcher, batch, as_of)
                yield batch, prepared, failed
                bar.update(len(batch))

    def _process(self, due: list[Subscription], as_of: datetime) -> None:
        for batch, prepared, failed in self._prepared(due, as_of, "digests"):
            if self.summary.stopped:
                self.summary.failed += len(batch)  # not attempted: still due next run
                continue
            self._check_lease()
            self.summary.failed += len(batch) - len(prepared)  # unknown firms (logged in plan_digests), failures
            self.summary.skipped_empty += sum(1 for p in prepared if p.plan.empty)
            unsendable = self._record([p for p in prepared if not p.plan.empty])
            self.summary.failed += len(unsendable)
            self._record_failures([*failed, *unsendable], as_of)
            self._deliver_pending(resent=False)

    def _record(self, prepared: Sequence[Prepared]) -> list[Failed]:
        """Every digest of the batch as pending, in one transaction, before any is sent; those whose message cannot
        be written (``to_message`` refuses an address it cannot put in a header) are returned, each failing alone:
        one such address stopped the run with a traceback, every digest of the batch unsent, on every run."""
        settings = self.matcher.settings
        records, unsendable = [], []
        for item in prepared:
            digest_id = uuid.uuid4().hex
            subscription = item.plan.subscription
            try:
                message = to_message(item.rendered, subscription.email, settings, digest_id)
            except ValueError as exc:
                log.error("digest of subscription %s (firm %r) failed: %s", subscription.subscription_id,
                          subscription.firm_id, exc)
                unsendable.append(Failed(subscription, str(exc)))
                continue
            records.append(_record(item, digest_id, message_id(settings, digest_id), message))
        self.ledger.record_pending(records)
        return unsendable

    def _record_failures(self, failed: Sequence[Failed], as_of: datetime) -> None:
        """A digest that could not be prepared is kept as ``failed`` with its error, holding no tenders, so
        the subscription stays due and the next run tries it again."""
        if not failed:
            return
        records = []
        for item in failed:
            sub, digest_id = item.subscription, uuid.uuid4().hex
            records.append(DigestRecord(
                digest_id=digest_id, subscription_id=sub.subscription_id, firm_id=sub.firm_id, email=sub.email,
                as_of=as_of, message_id=message_id(self.matcher.settings, digest_id), subject="", message=None,
                status="failed", last_error=item.error,
            ))
        self.ledger.record_failed(records)

    def _deliver_pending(self, resent: bool) -> None:
        assert self.sender is not None  # a real run always has one
        pending, active, unreadable = self.ledger.pending()
        for record in pending:
            if record.subscription_id in unreadable:
                continue  # kept for when its row is mended; the row is counted and named once, by ``due``
            if self.summary.stopped:
                self.summary.failed += 1
                continue
            self._check_lease()
            state = self._state(record.subscription_id) if record.subscription_id in active else "ended"
            if state == "ended":
                self.ledger.cancel(record.digest_id)
                continue
            if state == "unreadable":
                continue  # edited by hand since the list was read: kept pending, as ``pending`` keeps such rows
            if self._deliver(record) and resent:
                self.summary.resent += 1

    def _state(self, subscription_id: str) -> Literal["active", "ended", "unreadable"]:
        """The subscription as it is now: the active ones were read once for all the pending digests, and the
        server may take minutes over them (a batch of 500, backoffs); one ended meanwhile must get nothing."""
        try:
            return "active" if self.matcher.subscription(subscription_id).active else "ended"
        except NotFound:
            return "ended"
        except StoredRecordInvalid:
            return "unreadable"

    def _deliver(self, record: DigestRecord) -> bool:
        assert self.sender is not None and record.message is not None
        message = email.message_from_string(record.message, _class=EmailMessage,
                                            policy=message_policy(record.email))
        try:
            self.sender.send(message)
        except (TemporaryFailure, PermanentFailure) as exc:
            self._failed(record, exc)
            return False
        self.ledger.mark_sent(record.digest_id)
        self.summary.sent += 1
        self._temporary_in_row = 0
        return True

    def _failed(self, record: DigestRecord, exc: TemporaryFailure | PermanentFailure) -> None:
        final = isinstance(exc, PermanentFailure)
        log.warning("digest %s to %s failed (%s): %s", record.digest_id, record.email,
                    "permanent" if final else "will retry next run", exc)
        self.ledger.note_failure(record.digest_id, str(exc), final=final)
        self.summary.failed += 1
        self._temporary_in_row = 0 if final else self._temporary_in_row + 1
        if self._temporary_in_row >= MAX_CONSECUTIVE_TEMPORARY:
            self.summary.stopped = f"{self._temporary_in_row} digests in a row failed temporarily ({exc})"

    def _check_lease(self) -> None:
        if (self._heartbeat is not None and self._heartbeat.lost) or not self.lease.renew_if_due():
            raise Conflict("lost the digest lock (lease expired and another run took it); stopping")


def _not_ahead(as_of: datetime, now: datetime) -> None:
    """Refuse to send digests as of a moment ahead of the real time (``--as-of``, MATCHER_CLOCK): each digest is
    recorded as of that moment, and a subscription is due only a period after its last digest's moment, so every
    subscription sent to would get nothing until then. ``DUE_SLACK`` allows for a clock a little ahead."""
    if as_of > now + DUE_SLACK:
        raise InvalidInput(
            f"a digest run as of {as_of:%Y-%m-%d %H:%M} UTC is later than now ({now:%Y-%m-%d %H:%M} UTC): its digests "
            "would hold each subscription sent to until then; use --dry-run to see what it would send")


def _record(item: Prepared, digest_id: str, msg_id: str, message: EmailMessage) -> DigestRecord:
    plan = item.plan
    return DigestRecord(
        digest_id=digest_id, subscription_id=plan.subscription.subscription_id,
        firm_id=plan.subscription.firm_id, email=plan.subscription.email, as_of=plan.as_of,
        message_id=msg_id, subject=item.rendered.subject, message=message.as_string(),
        items=tuple(DigestItemRecord(i.match.tender_id, i.match.rank, i.match.score, i.approved) for i in plan.items),
    )

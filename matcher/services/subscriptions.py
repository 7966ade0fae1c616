"""Digest subscriptions and the digest ledger: who receives which firm's digest, and every digest recorded
before it is sent (write-then-send, so a crash never sends one twice nor loses one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime, timedelta

from pydantic import ValidationError

from matcher.errors import InvalidInput, NotFound, StoredRecordInvalid
from matcher.ingest.base import describe_validation_error
from matcher.schema import email_address, email_refusal, quoted, range_currency
from matcher.services.catalog import Catalog
from matcher.store.digests import DigestRecord, DigestRepository
from matcher.store.locks import Lease
from matcher.store.subscriptions import (
    SPEC,
    Subscription,
    SubscriptionRepository,
    SubscriptionSpec,
    already_subscribed,
    one_per_address,
)


def checked(spec: SubscriptionSpec) -> SubscriptionSpec:
    """``spec`` with its address trimmed and its currency normalised, or InvalidInput naming what breaks a rule a
    stored row is read against (``store.subscriptions.SPEC``: an address, a fit floor, an item count, amounts, a
    value range upside down; such a row was stored and every read then refused it), or a currency without an
    exchange rate (it would silently let every tender through the value filter)."""
    address = spec.email.strip()
    try:
        email_address(address)
    except ValueError:
        raise InvalidInput(f"bad email address {spec.email!r}{email_refusal(address)}") from None
    spec = replace(spec, email=address)
    try:
        SPEC.validate_python(asdict(spec))
    except ValidationError as exc:
        raise InvalidInput(describe_validation_error(exc)) from None
    try:
        currency = range_currency(spec.currency)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return replace(spec, currency=currency)


class Subscriptions:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.db = catalog.db
        self.repository = SubscriptionRepository()

    def add(self, spec: SubscriptionSpec, actor: str) -> Subscription:
        """Subscribe an address to a firm's digest; the firm must exist. An address the firm's digest already
        goes to (in any case) is a Conflict naming that subscription: it is not changed (end it first)."""
        self.catalog.get_firm(spec.firm_id)
        spec = checked(spec)
        with self.db.begin() as conn:
            existing = self.repository.active_for_address(conn, spec.firm_id, spec.email)
            if existing:
                raise already_subscribed(existing[0])
            return self.repository.add(conn, spec, actor=actor)

    def get(self, subscription_id: str) -> Subscription:
        with self.db.connect() as conn:
            found = self.repository.get(conn, subscription_id)
        if found is None:
            raise NotFound("unknown subscription (it may have been deleted)")
        return found

    def for_firm(self, firm_id: str, active_only: bool = False) -> list[Subscription]:
        with self.db.connect() as conn:
            return self.repository.for_firm(conn, firm_id, active_only=active_only)

    def unsubscribe(self, subscription_id: str, firm_id: str | None = None) -> bool:
        """End a subscription (True if it was active). With ``firm_id``, it must be that firm's.

        Any other active subscription of the same firm and address (a store written before duplicates were
        refused) ends with it: the digest run sends as the oldest of them, so ending only the one whose link
        was followed would let the next take over and keep mailing the address. One made after this one ended
        is no duplicate but the address subscribing again, and an old email's link leaves it alone."""
        with self.db.begin() as conn:
            found = self.repository.get(conn, subscription_id)
            if found is None or (firm_id is not None and found.firm_id != firm_id):
                raise NotFound(f"unknown subscription {quoted(subscription_id)}"
                               + (f" for firm {quoted(firm_id)}" if firm_id is not None else ""))
            ended = self.repository.unsubscribe(conn, subscription_id)
            for twin in self.repository.active_for_address(conn, found.firm_id, found.email):
                if not _subscribed_again(found, twin):
                    ended = self.repository.unsubscribe(conn, twin.subscription_id) or ended
            return ended


def _subscribed_again(ended: Subscription, twin: Subscription) -> bool:
    """Whether ``twin`` was subscribed after ``ended`` had ended (times unknown in an old row: a duplicate)."""
    return (not ended.active and ended.unsubscribed_at is not None and twin.created_at is not None
            and twin.created_at > ended.unsubscribed_at)


class DigestLedger:
    """What the digest job reads and writes: active subscriptions, held and pending digests, the run lock."""

    def __init__(self, catalog: Catalog) -> None:
        self.db = catalog.db
        self.subscriptions = SubscriptionRepository()
        self.digests = DigestRepository()

    def lease(self, name: str, ttl: timedelta) -> Lease:
        """The lock one digest run holds at a time (renewed while it works, expiring if it dies)."""
        return Lease(self.db, name, ttl)

    def active_with_last(self) -> tuple[list[Subscription], dict[str, datetime], dict[str, StoredRecordInvalid]]:
        """The active subscriptions, one per firm and address (``one_per_address``), the as-of moment of each
        one's last digest, and the active rows that do not read, by id (``SubscriptionRepository.active``)."""
        with self.db.connect() as conn:
            found, unreadable = self.subscriptions.active(conn)
            active = one_per_address(found)
            return active, self.digests.last_as_of(conn, [s.subscription_id for s in active]), unreadable

    def held_items(self, subscription_ids: Sequence[str]) -> dict[str, set[str]]:
        """subscription_id -> the tenders its digests already hold (each tender reaches it once)."""
        with self.db.connect() as conn:
            return self.digests.held_items(conn, subscription_ids)

    def record_pending(self, records: Sequence[DigestRecord]) -> None:
        """Every digest of a batch as pending, in one transaction, before any is sent."""
        with self.db.begin() as conn:
            for record in records:
                self.digests.record_pending(conn, record)

    def record_failed(self, records: Sequence[DigestRecord]) -> None:
        with self.db.begin() as conn:
            for record in records:
                self.digests.record_failed(conn, record)

    def pending(self) -> tuple[list[DigestRecord], set[str], set[str]]:
        """The digests recorded but not yet sent, the ids of the subscriptions still active and sent to (one per
        firm and address: a pending digest of a duplicate left by an older run is cancelled), and the ids of the
        active ones whose row does not read (their digests wait for the row to be mended)."""
        with self.db.connect() as conn:
            found, unreadable = self.subscriptions.active(conn)
            active = one_per_address(found)
            return self.digests.pending(conn), {s.subscription_id for s in active}, set(unreadable)

    def cancel(self, digest_id: str) -> None:
        with self.db.begin() as conn:
            self.digests.cancel(conn, digest_id)

    def mark_sent(self, digest_id: str) -> None:
        with self.db.begin() as conn:
            self.digests.mark_sent(conn, digest_id)

    def note_failure(self, digest_id: str, error: str, final: bool) -> None:
        with self.db.begin() as conn:
            self.digests.note_failure(conn, digest_id, error, final=final)

    def for_subscription(self, subscription_id: str) -> list[DigestRecord]:
        with self.db.connect() as conn:
            return self.digests.for_subscription(conn, subscription_id)

"""Digest subscriptions: who gets which firm's new tenders, how often, in which language.

An address has at most one active subscription per firm, addresses compared case-insensitively
(``address_key``). The service checks it before adding; a unique partial index on (firm, lower(email)) of the
active rows makes the database refuse the one a concurrent request slips past. ``create_all`` adds no index to
a table that exists, so a store created before the rule keeps its duplicate rows and loads them as they are:
the digest run reads its active subscriptions through ``one_per_address``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, Field, TypeAdapter
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from matcher.errors import Conflict, StoredRecordInvalid
from matcher.schema import EmailAddress, check_value_range
from matcher.store import records
from matcher.store._common import utcnow
from matcher.store.metadata import IdText, UTCDateTime, metadata

Frequency = Literal["daily", "weekly"]
DigestLanguage = Literal["ko", "en"]

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("subscription_id", String(32), primary_key=True),
    Column("firm_id", IdText(), nullable=False),
    Column("email", String(320), nullable=False),
    Column("frequency", String(10), nullable=False),
    Column("min_score", Float, nullable=False),
    Column("max_items", Integer, nullable=False),
    Column("language", String(2), nullable=False),
    Column("countries", Text, nullable=False),
    Column("min_value", Float),
    Column("max_value", Float),
    Column("currency", String(3), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("unsubscribed_at", UTCDateTime),
    Index("ix_subscriptions_firm", "firm_id"),
)
#: One active subscription per firm and address (SQL's lower() folds ASCII only; ``address_key`` in the
#: service's check folds the rest). Declared apart: a partial index needs the table's columns.
Index(
    "uq_subscriptions_active_address", subscriptions.c.firm_id, func.lower(subscriptions.c.email), unique=True,
    sqlite_where=subscriptions.c.active.is_(True), postgresql_where=subscriptions.c.active.is_(True),
)


#: The ranges the API and the CLI take: what a stored row is read against (``from_row``).
Fit = Annotated[float, Field(ge=0.0, le=1.0)]
ItemCount = Annotated[int, Field(ge=1, le=100)]
Amount = Annotated[float, Field(ge=0.0)]


@dataclass(frozen=True)
class SubscriptionSpec:
    """What a caller asks for; the repository adds the id, state and timestamps. The annotations are the rules a
    stored row is read against (``from_row``); the service checks a spec by them before it is stored (``SPEC``),
    after the API and the CLI have checked them in their own words."""

    firm_id: str
    email: EmailAddress
    frequency: Frequency = "weekly"
    min_score: Fit = 0.0
    max_items: ItemCount = 10
    language: DigestLanguage = "en"
    countries: tuple[str, ...] = ()
    min_value: Amount | None = None
    max_value: Amount | None = None
    currency: str = "EUR"


@dataclass(frozen=True)
class Subscription(SubscriptionSpec):
    subscription_id: str = ""
    active: bool = True
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    unsubscribed_at: datetime | None = None


def address_key(email: str) -> str:
    """How addresses are compared: 'A@B.com' and 'a@b.com' are one recipient."""
    return email.strip().lower()


def already_subscribed(existing: Subscription) -> Conflict:
    return Conflict(
        f"{existing.email} already receives the digest of firm {existing.firm_id!r} (subscription "
        f"{existing.subscription_id}); end that subscription first to change its settings")


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def one_per_address(subs: Sequence[Subscription]) -> list[Subscription]:
    """The oldest of each firm's subscriptions of one address, in the given order: a store written before
    duplicates were refused may hold several, and the address must still get one digest per firm."""
    oldest: dict[tuple[str, str], Subscription] = {}
    for sub in subs:
        key = (sub.firm_id, address_key(sub.email))
        kept = oldest.get(key)
        if kept is None or _age(sub) < _age(kept):
            oldest[key] = sub
    kept_ids = {s.subscription_id for s in oldest.values()}
    return [s for s in subs if s.subscription_id in kept_ids]


def _age(sub: Subscription) -> tuple[datetime, str]:
    return sub.created_at or _EARLIEST, sub.subscription_id


_COUNTRIES = TypeAdapter(tuple[str, ...])
Spec = TypeVar("Spec", bound=SubscriptionSpec)


def _value_range(spec: Spec) -> Spec:
    check_value_range(spec.min_value, spec.max_value)
    return spec


#: A stored row's columns as a subscription: the fields' rules, and its value range the right way up.
_SUBSCRIPTION = TypeAdapter(Annotated[Subscription, AfterValidator(_value_range)])
#: The same rules for what a caller asks for, checked before it is stored (``services.subscriptions.checked``).
SPEC = TypeAdapter(Annotated[SubscriptionSpec, AfterValidator(_value_range)])


def from_row(row: Row[tuple[object, ...]]) -> Subscription:
    """A stored subscription (``matcher.store.records``: a row edited by hand to break a rule, a frequency or
    language the digests do not know, countries that are not a JSON list of codes, is named)."""
    values = dict(row._mapping)
    key = {"subscription_id": values["subscription_id"]}
    values["countries"] = records.json_column(subscriptions, key, "countries", _COUNTRIES, str(values["countries"]))
    return records.columns(subscriptions, key, _SUBSCRIPTION, values)


class SubscriptionRepository:
    """Queries over subscriptions. Every method takes the connection of the caller's transaction."""

    def add(self, conn: Connection, spec: SubscriptionSpec, actor: str) -> Subscription:
        """Insert an active subscription; Conflict when the unique index finds the address subscribed already
        (the caller's check, ``active_for_address``, names the existing one in the usual case)."""
        now = utcnow()
        subscription_id = uuid.uuid4().hex
        try:
            with conn.begin_nested():
                conn.execute(insert(subscriptions).values(
                    subscription_id=subscription_id, firm_id=spec.firm_id, email=spec.email,
                    frequency=spec.frequency, min_score=spec.min_score, max_items=spec.max_items,
                    language=spec.language, countries=json.dumps(list(spec.countries)), min_value=spec.min_value,
                    max_value=spec.max_value, currency=spec.currency, active=True, created_by=actor,
                    created_at=now, updated_at=now,
                ))
        except IntegrityError as exc:
            existing = self.active_for_address(conn, spec.firm_id, spec.email)
            if not existing:  # not the address index: some other constraint, not ours to explain
                raise
            raise already_subscribed(existing[0]) from exc
        found = self.get(conn, subscription_id)
        assert found is not None  # written above in this transaction
        return found

    def get(self, conn: Connection, subscription_id: str) -> Subscription | None:
        row = conn.execute(select(subscriptions).where(subscriptions.c.subscription_id == subscription_id)).first()
        return from_row(row) if row is not None else None

    def for_firm(self, conn: Connection, firm_id: str, active_only: bool = False) -> list[Subscription]:
        query = select(subscriptions).where(subscriptions.c.firm_id == firm_id)
        if active_only:
            query = query.where(subscriptions.c.active.is_(True))
        query = query.order_by(subscriptions.c.created_at, subscriptions.c.subscription_id)
        return [from_row(r) for r in conn.execute(query)]

    def active_for_address(self, conn: Connection, firm_id: str, email: str) -> list[Subscription]:
        """The firm's active subscriptions of this address in any case, oldest first (more than one only in a
        store written before duplicates were refused)."""
        found = self.for_firm(conn, firm_id, active_only=True)
        return sorted((s for s in found if address_key(s.email) == address_key(email)), key=_age)

    def active(self, conn: Connection) -> tuple[list[Subscription], dict[str, StoredRecordInvalid]]:
        """The active subscriptions, and those whose row does not read (edited by hand to break a rule: ``from_row``)
        by id, each with its problem: a digest run names them and sends the others."""
        query = (
            select(subscriptions).where(subscriptions.c.active.is_(True))
            .order_by(subscriptions.c.firm_id, subscriptions.c.subscription_id)
        )
        found: list[Subscription] = []
        unreadable: dict[str, StoredRecordInvalid] = {}
        for row in conn.execute(query):
            try:
                found.append(from_row(row))
            except StoredRecordInvalid as exc:
                unreadable[str(row.subscription_id)] = exc
        return found, unreadable

    def unsubscribe(self, conn: Connection, subscription_id: str) -> bool:
        """Deactivate; True when it was active (unsubscribing twice is harmless)."""
        now = utcnow()
        result = conn.execute(
            update(subscriptions)
            .where(subscriptions.c.subscription_id == subscription_id, subscriptions.c.active.is_(True))
            .values(active=False, unsubscribed_at=now, updated_at=now)
        )
        return result.rowcount > 0

"""Digest subscriptions: who gets which firm's new tenders, how often, in which language."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Boolean, Column, Connection, Float, Index, Integer, String, Table, Text, insert, select, update
from sqlalchemy.engine import Row

from matcher.store._common import utcnow
from matcher.store.metadata import UTCDateTime, metadata

Frequency = Literal["daily", "weekly"]
DigestLanguage = Literal["ko", "en"]

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("subscription_id", String(32), primary_key=True),
    Column("firm_id", String(200), nullable=False),
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


@dataclass(frozen=True)
class SubscriptionSpec:
    """What a caller asks for; the repository adds the id, state and timestamps."""

    firm_id: str
    email: str
    frequency: Frequency = "weekly"
    min_score: float = 0.0
    max_items: int = 10
    language: DigestLanguage = "en"
    countries: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    currency: str = "EUR"


@dataclass(frozen=True)
class Subscription(SubscriptionSpec):
    subscription_id: str = ""
    active: bool = True
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    unsubscribed_at: datetime | None = None


def _subscription(row: Row[tuple[object, ...]]) -> Subscription:
    values = dict(row._mapping)
    values["countries"] = tuple(json.loads(str(values["countries"])))
    return Subscription(**values)


class SubscriptionRepository:
    """Queries over subscriptions. Every method takes the connection of the caller's transaction."""

    def add(self, conn: Connection, spec: SubscriptionSpec, actor: str) -> Subscription:
        now = utcnow()
        subscription_id = uuid.uuid4().hex
        conn.execute(insert(subscriptions).values(
            subscription_id=subscription_id, firm_id=spec.firm_id, email=spec.email, frequency=spec.frequency,
            min_score=spec.min_score, max_items=spec.max_items, language=spec.language,
            countries=json.dumps(list(spec.countries)), min_value=spec.min_value, max_value=spec.max_value,
            currency=spec.currency, active=True, created_by=actor, created_at=now, updated_at=now,
        ))
        found = self.get(conn, subscription_id)
        assert found is not None  # written above in this transaction
        return found

    def get(self, conn: Connection, subscription_id: str) -> Subscription | None:
        row = conn.execute(select(subscriptions).where(subscriptions.c.subscription_id == subscription_id)).first()
        return _subscription(row) if row is not None else None

    def for_firm(self, conn: Connection, firm_id: str, active_only: bool = False) -> list[Subscription]:
        query = select(subscriptions).where(subscriptions.c.firm_id == firm_id)
        if active_only:
            query = query.where(subscriptions.c.active.is_(True))
        query = query.order_by(subscriptions.c.created_at, subscriptions.c.subscription_id)
        return [_subscription(r) for r in conn.execute(query)]

    def active(self, conn: Connection) -> list[Subscription]:
        query = (
            select(subscriptions).where(subscriptions.c.active.is_(True))
            .order_by(subscriptions.c.firm_id, subscriptions.c.subscription_id)
        )
        return [_subscription(r) for r in conn.execute(query)]

    def unsubscribe(self, conn: Connection, subscription_id: str) -> bool:
        """Deactivate; True when it was active (unsubscribing twice is harmless)."""
        now = utcnow()
        result = conn.execute(
            update(subscriptions)
            .where(subscriptions.c.subscription_id == subscription_id, subscriptions.c.active.is_(True))
            .values(active=False, unsubscribed_at=now, updated_at=now)
        )
        return result.rowcount > 0

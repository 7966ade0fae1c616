"""The tender tables: one row per notice (its full record as JSON, and the columns filters read), and its code and
country rows; with the conversions between a notice and its row."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, Float, ForeignKey, Index, String, Table, Text, or_
from sqlalchemy.sql.elements import ColumnElement

from matcher.schema import Tender
from matcher.store import records
from matcher.store.metadata import IdText, UTCDateTime, metadata

tenders = Table(
    "tenders",
    metadata,
    Column("tender_id", IdText(), primary_key=True),
    Column("source", String(40), nullable=False),
    Column("notice_type", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("buyer", String(500)),
    Column("buyer_country", String(2)),
    Column("value", Float),
    Column("currency", String(3)),
    Column("published", Date),
    Column("deadline", UTCDateTime),
    Column("content_hash", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_tenders_deadline", "deadline"),
    Index("ix_tenders_published", "published"),
)

tender_codes = Table(
    "tender_codes",
    metadata,
    Column("tender_id", IdText(), ForeignKey("tenders.tender_id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(40), primary_key=True),
    Index("ix_tender_codes_code", "code"),
)

tender_countries = Table(
    "tender_countries",
    metadata,
    Column("tender_id", IdText(), ForeignKey("tenders.tender_id", ondelete="CASCADE"), primary_key=True),
    Column("country", String(2), primary_key=True),
    Index("ix_tender_countries_country", "country"),
)


def published_by_day(day: date) -> ColumnElement[bool]:
    """Published on or before ``day``, or undated (``OpenRule.visible``, rule 2 of the open rule)."""
    return or_(tenders.c.published.is_(None), tenders.c.published <= day)


def notice(tender_id: str, data: str) -> Tender:
    """A stored notice, or the error naming its row (``matcher.store.records``)."""
    return records.read(Tender, tenders, {"tender_id": tender_id}, data)


def stored_row(tender: Tender, content_hash: str) -> dict[str, object]:
    return {
        "tender_id": tender.tender_id,
        "source": tender.source,
        "notice_type": tender.notice_type,
        "title": tender.title,
        "buyer": tender.buyer,
        "buyer_country": tender.buyer_country,
        "value": tender.value,
        "currency": tender.currency,
        "published": tender.published,
        "deadline": tender.deadline,
        "content_hash": content_hash,
        "data": tender.model_dump_json(),
    }

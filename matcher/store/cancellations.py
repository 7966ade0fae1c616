"""Which notices a later notice cancelled (``Tender.cancels``), kept apart from the notices themselves.

A TED award notice whose every lot was discontinued names the contract notice it ends; either one may be
stored first, or the earlier one never (a feed that starts after it). So the link is kept as a row per
(cancelled id, cancelling id), written with the cancelling notice and removed with it, whether or not the
cancelled notice is stored: when it arrives later it is closed at once. A cancellation counts from the day
the cancelling notice is published (``TenderRepository.cancelled_ids``), so a replay at an earlier clock
still sees the notice open as it was then. A table of its own (rather than a
column on ``tenders``) also lets databases created before it open unchanged: ``create_all`` adds tables,
not columns.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, Connection, ForeignKey, Index, String, Table, delete, insert

from matcher.schema import Tender
from matcher.store._common import chunks
from matcher.store.metadata import IdText, metadata

tender_cancellations = Table(
    "tender_cancellations",
    metadata,
    Column("tender_id", IdText(), primary_key=True),  # the cancelled notice; need not be stored
    Column(
        "cancelled_by", String(200), ForeignKey("tenders.tender_id", ondelete="CASCADE"), primary_key=True
    ),
    Index("ix_tender_cancellations_cancelled_by", "cancelled_by"),
)


def write(conn: Connection, written: Iterable[Tender]) -> None:
    """The links of notices just inserted or rewritten (their old links are gone: ``forget``)."""
    rows = [{"tender_id": cancelled, "cancelled_by": t.tender_id} for t in written for cancelled in t.cancels]
    if rows:
        conn.execute(insert(tender_cancellations), rows)


def forget(conn: Connection, cancelling_ids: list[str]) -> None:
    """Drop the links these notices made (before they are rewritten or deleted)."""
    for part in chunks(cancelling_ids):
        conn.execute(delete(tender_cancellations).where(tender_cancellations.c.cancelled_by.in_(part)))

"""Configured live feeds, each with its cursor and the result of its latest run.

A feed is a row: what to fetch (kind, URL, query, page size), where the last committed page left off (the
cursor, a JSON object only its connector reads), and how the latest run went (started, finished, status,
new / updated / unchanged / rejected counts, the last error, the latest rejections with their reasons).

The cursor is written in the same transaction as the notices of the page it follows (``record_page``), so
a crash or a kill at any moment leaves the cursor on the last page whose notices are stored: the next run
fetches the following page again, never skips one, and re-stores nothing twice (upserts are idempotent).
A run's counts accumulate page by page in that same transaction; a run killed half-way shows
``running`` with the pages it committed, and the next run starts from there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import TypeAdapter
from sqlalchemy import Column, Connection, Integer, String, Table, Text, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from matcher.errors import Conflict, NotFound
from matcher.schema import IngestReport, quoted
from matcher.store import records
from matcher.store._common import utcnow
from matcher.store.metadata import UTCDateTime, metadata

RunStatus = Literal["running", "ok", "failed"]
#: Rejections kept per feed (the latest run's first ones): enough to see the pattern without growing a row.
MAX_KEPT_REJECTIONS = 100

feeds = Table(
    "feeds",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("url", Text),
    Column("query", Text),
    Column("page_size", Integer),
    Column("cursor", Text, nullable=False),  # JSON object, read only by the feed's connector
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("run_started_at", UTCDateTime),
    Column("run_finished_at", UTCDateTime),
    Column("run_status", String(20)),
    Column("run_pages", Integer, nullable=False, default=0),
    Column("run_new", Integer, nullable=False, default=0),
    Column("run_updated", Integer, nullable=False, default=0),
    Column("run_unchanged", Integer, nullable=False, default=0),
    Column("run_rejected", Integer, nullable=False, default=0),
    Column("run_error", Text),
    Column("run_rejections", Text, nullable=False, default="[]"),  # JSON [[record, reason], ...]
    Column("cursor_at", UTCDateTime),  # when the cursor last moved
)


@dataclass(frozen=True)
class FeedSpec:
    """What to fetch. ``url`` None means the connector's public default endpoint."""

    name: str
    kind: str
    url: str | None = None
    query: str | None = None
    page_size: int | None = None


@dataclass(frozen=True)
class FeedRun:
    """The latest run of a feed (all zeros and None before the first)."""

    started_at: datetime | None = None
    finished_at: datetime | None = None
    status: RunStatus | None = None
    pages: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    error: str | None = None
    rejections: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Feed:
    spec: FeedSpec
    cursor: dict[str, Any]
    cursor_at: datetime | None
    created_at: datetime
    created_by: str
    last_run: FeedRun

    @property
    def name(self) -> str:
        return self.spec.name


class FeedRepository:
    def add(self, conn: Connection, spec: FeedSpec, actor: str) -> None:
        try:
            with conn.begin_nested():
                conn.execute(insert(feeds).values(
                    name=spec.name, kind=spec.kind, url=spec.url, query=spec.query, page_size=spec.page_size,
                    cursor="{}", created_at=utcnow(), created_by=actor, run_pages=0, run_new=0, run_updated=0,
                    run_unchanged=0, run_rejected=0, run_rejections="[]",
                ))
        except IntegrityError as exc:
            raise Conflict(f"a feed named {spec.name!r} already exists") from exc

    def get(self, conn: Connection, name: str) -> Feed:
        row = conn.execute(select(feeds).where(feeds.c.name == name)).first()
        if row is None:
            raise NotFound(f"unknown feed {quoted(name)}")
        return from_row(row)

    def list(self, conn: Connection) -> list[Feed]:
        return [from_row(row) for row in conn.execute(select(feeds).order_by(feeds.c.name))]

    def remove(self, conn: Connection, name: str) -> None:
        if not conn.execute(delete(feeds).where(feeds.c.name == name)).rowcount:
            raise NotFound(f"unknown feed {quoted(name)}")

    def start_run(self, conn: Connection, name: str) -> None:
        """A run begins: its counts start from zero (the cursor stays where the last committed page left it)."""
        self._update(conn, name, run_started_at=utcnow(), run_finished_at=None, run_status="running",
                     run_pages=0, run_new=0, run_updated=0, run_unchanged=0, run_rejected=0, run_error=None,
                     run_rejections="[]")

    def record_page(
        self, conn: Connection, name: str, cursor: dict[str, Any], report: IngestReport,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Move the cursor past a page and add its counts, in the caller's transaction (the one that stored
        the page's notices). ``after``: the cursor the page follows, as its run last stored it; a feed whose
        cursor is no longer that one was reset during the run, and the page is refused (Conflict: the caller's
        transaction rolls back) rather than written over the reset."""
        row = conn.execute(select(feeds.c.run_rejections, feeds.c.cursor).where(feeds.c.name == name)
                           .with_for_update()).first()
        if row is None:
            raise NotFound(f"unknown feed {quoted(name)}")
        # Compared as stored (JSON): a connector's tuple is stored as a list.
        expected = None if after is None else json.loads(json.dumps(after, sort_keys=True))
        stored = records.json_column(feeds, {"name": name}, "cursor", _CURSOR, row.cursor)
        if expected is not None and stored != expected:
            raise Conflict(f"feed {quoted(name)} was reset during this run: pages read before were kept, and its next "
                           "run reads it from its start")
        kept = [list(r) for r in _rejections(name, row.run_rejections)]
        kept.extend([list(r) for r in report.rejected][: max(0, MAX_KEPT_REJECTIONS - len(kept))])
        self._update(
            conn, name, cursor=json.dumps(cursor, sort_keys=True), cursor_at=utcnow(),
            run_pages=feeds.c.run_pages + 1, run_new=feeds.c.run_new + report.new,
            run_updated=feeds.c.run_updated + report.updated, run_unchanged=feeds.c.run_unchanged + report.unchanged,
            run_rejected=feeds.c.run_rejected + len(report.rejected),
            run_rejections=json.dumps(kept, ensure_ascii=False),
        )

    def finish_run(self, conn: Connection, name: str, error: str | None) -> None:
        self._update(conn, name, run_finished_at=utcnow(), run_status="failed" if error else "ok",
                     run_error=error)

    def reset_cursor(self, conn: Connection, name: str) -> None:
        """Forget where the feed was: its next run starts from the connector's default starting point."""
        self._update(conn, name, cursor="{}", cursor_at=utcnow())

    def _update(self, conn: Connection, name: str, **values: Any) -> None:
        if not conn.execute(update(feeds).where(feeds.c.name == name).values(**values)).rowcount:
            raise NotFound(f"unknown feed {quoted(name)}")


_CURSOR = TypeAdapter(dict[str, Any])
_REJECTIONS = TypeAdapter(list[tuple[str, str]])


def _rejections(name: str, data: str | None) -> list[tuple[str, str]]:
    return records.json_column(feeds, {"name": name}, "run_rejections", _REJECTIONS, data or "[]")


def from_row(row: Any) -> Feed:
    """A stored feed (``matcher.store.records``: a cursor or kept rejections edited by hand to break JSON or their
    shape are named)."""
    run = FeedRun(
        started_at=row.run_started_at, finished_at=row.run_finished_at, status=row.run_status,
        pages=row.run_pages or 0, new=row.run_new or 0, updated=row.run_updated or 0,
        unchanged=row.run_unchanged or 0, rejected=row.run_rejected or 0, error=row.run_error,
        rejections=_rejections(row.name, row.run_rejections),
    )
    spec = FeedSpec(row.name, row.kind, row.url, row.query, row.page_size)
    cursor = records.json_column(feeds, {"name": row.name}, "cursor", _CURSOR, row.cursor)
    return Feed(spec, cursor, row.cursor_at, row.created_at, row.created_by, run)

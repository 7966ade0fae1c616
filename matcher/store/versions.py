"""A change counter per kind of data, bumped inside every transaction that writes that kind.

Caches in any process (parsed tenders, ranked recommendations) compare the counters they were built
under with one primary-key read, instead of re-checking what they hold item by item. A counter only ever
grows; a cache keyed by it is stale exactly when a write committed since.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import DDL, Column, Connection, Integer, String, Table, event, select, update

from matcher.store.metadata import metadata

Kind = Literal["tenders", "firms", "decisions", "awards"]
KINDS: tuple[Kind, ...] = ("tenders", "firms", "decisions", "awards")

data_versions = Table(
    "data_versions",
    metadata,
    Column("kind", String(20), primary_key=True),
    Column("version", Integer, nullable=False),
)
event.listen(data_versions, "after_create", DDL(  # type: ignore[no-untyped-call]
    "INSERT INTO data_versions (kind, version) VALUES "
    + ", ".join(f"('{kind}', 0)" for kind in KINDS)
))


def bump(conn: Connection, kind: Kind) -> None:
    conn.execute(update(data_versions).where(data_versions.c.kind == kind)
                 .values(version=data_versions.c.version + 1))


def read(conn: Connection, kind: Kind) -> int:
    return int(conn.execute(select(data_versions.c.version).where(data_versions.c.kind == kind)).scalar_one())


def read_all(conn: Connection) -> tuple[int, ...]:
    """Every counter, in ``KINDS`` order."""
    found = {row.kind: row.version for row in conn.execute(select(data_versions.c.kind, data_versions.c.version))}
    return tuple(int(found[kind]) for kind in KINDS)

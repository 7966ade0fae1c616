"""Each firm's suggested codes as ranking reads them, kept so that firms-for's first stage can read them for
every firm of a register without computing them (benchmark part 8: computing them took 49 s over 10,214 firms,
where a firms-for call takes 1.7 s).

A row is derived data: it records the profile's ``content_hash`` and the index build it was computed under.
``read`` returns a row only while the stored profile still has that hash (a changed profile's codes are computed
again; a deleted firm's row is never read and ``prune`` drops it). Writes do not bump the "firms" version:
nothing a cache keys on changes. Above ``firms`` in the store's order: it reads that table, not the reverse.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Column, Connection, String, Table, Text, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from matcher.store._common import chunks, utcnow
from matcher.store.firms import firms
from matcher.store.metadata import UTCDateTime, metadata

log = logging.getLogger(__name__)

firm_suggestions = Table(
    "firm_suggestions",
    metadata,
    Column("firm_id", String(200), primary_key=True),
    Column("firm_hash", String(64), nullable=False),  # the profile's content_hash the codes were computed from
    Column("build_id", String(64)),  # the index build they were computed under (None: before any build)
    Column("codes", Text, nullable=False),  # JSON [[code, weight], ...], best first
    Column("computed_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class KeptSuggestions:
    """A firm's ranked suggestions as kept: (code, weight) pairs, and what they were computed from."""

    firm_hash: str
    build_id: str | None
    codes: tuple[tuple[str, float], ...]


def read(conn: Connection, firm_ids: Sequence[str] | None = None) -> dict[str, KeptSuggestions]:
    """The kept suggestions of these firms (every firm's with None) whose profile has not changed since."""
    found: dict[str, KeptSuggestions] = {}
    table = firm_suggestions
    query = (select(table.c.firm_id, table.c.firm_hash, table.c.build_id, table.c.codes)
             .join(firms, (firms.c.firm_id == table.c.firm_id) & (firms.c.content_hash == table.c.firm_hash)))
    for part in [None] if firm_ids is None else chunks(list(firm_ids)):
        rows = conn.execute(query if part is None else query.where(table.c.firm_id.in_(part)))
        for row in rows:
            codes = tuple((str(code), float(weight)) for code, weight in json.loads(row.codes))
            found[row.firm_id] = KeptSuggestions(row.firm_hash, row.build_id, codes)
    return found


def write(conn: Connection, kept: Mapping[str, KeptSuggestions]) -> None:
    """Keep these firms' suggestions, replacing what was kept. Two processes may compute the same firm at
    once: the insert that loses (IntegrityError, in its own savepoint) becomes an update."""
    table = firm_suggestions
    now = utcnow()
    for firm_id, item in kept.items():
        values = {"firm_hash": item.firm_hash, "build_id": item.build_id, "computed_at": now,
                  "codes": json.dumps([[code, weight] for code, weight in item.codes])}
        where = table.c.firm_id == firm_id
        if conn.execute(update(table).where(where).values(**values)).rowcount:
            continue
        try:
            with conn.begin_nested():
                conn.execute(insert(table).values(firm_id=firm_id, **values))
        except IntegrityError:
            log.debug("suggestions of firm %s kept concurrently", firm_id)
            conn.execute(update(table).where(where).values(**values))


def prune(conn: Connection) -> int:
    """Drop the rows of firms no longer stored; how many."""
    table = firm_suggestions
    gone = select(firms.c.firm_id).where(firms.c.firm_id == table.c.firm_id).exists()
    return int(conn.execute(delete(table).where(~gone)).rowcount)

"""Each firm's suggested codes as ranking reads them, kept so that firms-for's first stage can read them for
every firm of a register without computing them (benchmark part 8: computing them took 49 s over 10,214 firms,
where a firms-for call takes 1.4 s), and the firms it scores in full can read them with their keywords'
translations and best confidence (``CodeSuggestions.for_scoring``).

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
from matcher.store.metadata import IdText, UTCDateTime, metadata

log = logging.getLogger(__name__)

firm_suggestions = Table(
    "firm_suggestions",
    metadata,
    Column("firm_id", IdText(), primary_key=True),
    Column("firm_hash", String(64), nullable=False),  # the profile's content_hash the codes were computed from
    Column("build_id", String(64)),  # the index build they were computed under (None: before any build)
    # JSON {"codes": [[code, weight], ...] best first, "keywords": [[code, keyword], ...], "best": confidence};
    # a row kept before keywords were recorded holds the codes' list alone (``KeptSuggestions.from_json``)
    Column("codes", Text, nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class KeptSuggestions:
    """A firm's ranked suggestions as kept: (code, weight) pairs, and what they were computed from; with what
    the scoring of its list reads besides, the (code, keyword) translations among them and the best confidence
    (None in a row kept before they were)."""

    firm_hash: str
    build_id: str | None
    codes: tuple[tuple[str, float], ...]
    keywords: tuple[tuple[str, str], ...] | None = None
    best: float | None = None

    def current(self, build: str | None) -> bool:
        """Kept under this index build, with everything a firm's list reads (not a row of the first format)."""
        return self.build_id == build and self.keywords is not None

    def to_json(self) -> str:
        codes = [[code, weight] for code, weight in self.codes]
        if self.keywords is None or self.best is None:
            return json.dumps(codes)
        return json.dumps({"codes": codes, "keywords": [list(pair) for pair in self.keywords], "best": self.best},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, firm_hash: str, build_id: str | None, text: str) -> KeptSuggestions:
        """A row as written: a list of codes (the first rows kept), or codes with keywords and best confidence."""
        raw = json.loads(text)
        if isinstance(raw, list):
            return cls(firm_hash, build_id, tuple((str(c), float(w)) for c, w in raw))
        return cls(firm_hash, build_id, tuple((str(c), float(w)) for c, w in raw["codes"]),
                   tuple((str(c), str(k)) for c, k in raw["keywords"]), float(raw["best"]))


def read(conn: Connection, firm_ids: Sequence[str] | None = None) -> dict[str, KeptSuggestions]:
    """The kept suggestions of these firms (every firm's with None) whose profile has not changed since."""
    found: dict[str, KeptSuggestions] = {}
    table = firm_suggestions
    query = (select(table.c.firm_id, table.c.firm_hash, table.c.build_id, table.c.codes)
             .join(firms, (firms.c.firm_id == table.c.firm_id) & (firms.c.content_hash == table.c.firm_hash)))
    for part in [None] if firm_ids is None else chunks(list(firm_ids)):
        rows = conn.execute(query if part is None else query.where(table.c.firm_id.in_(part)))
        for row in rows:
            try:
                found[row.firm_id] = KeptSuggestions.from_json(row.firm_hash, row.build_id, row.codes)
            except (ValueError, KeyError, TypeError) as exc:  # derived data: a row that does not read is computed
                log.warning("kept suggestions of firm %s do not read (%s); they are computed again", row.firm_id, exc)
    return found


def write(conn: Connection, kept: Mapping[str, KeptSuggestions]) -> None:
    """Keep these firms' suggestions, replacing what was kept. Two processes may compute the same firm at
    once: the insert that loses (IntegrityError, in its own savepoint) becomes an update."""
    table = firm_suggestions
    now = utcnow()
    for firm_id, item in kept.items():
        values = {"firm_hash": item.firm_hash, "build_id": item.build_id, "computed_at": now,
                  "codes": item.to_json()}
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

"""The literal search's index on SQLite: titles and buyers folded (``fold``: no case, no accents) in an FTS5 trigram
table, so that the words typed find their candidate notices without reading every title and buyer.

The search stays the one rule of ``spelled``: a word is found however a title or buyer cases or accents it. That
regular expression is still what decides (``literal``); the index only narrows the notices it runs on, and narrows
to a superset: a title that the pattern of a word matches holds that word's fold as a substring of its own fold
(the fold of a text is the folds of its characters, one after another, and each character the pattern accepts
folds as the one typed), and the trigram tokenizer finds any substring of three characters or more. A word whose
fold is shorter than that (trigrams cannot find it) narrows nothing: those words are read as before.

SQLite's trigram tokenizer folds no accents before 3.45 (``remove_diacritics``) and its case folding is not
``fold``'s, so the index holds the text folded in Python. A trigger cannot call Python (a writer without the app's
functions, such as the sqlite3 shell, would fail), so the triggers on ``tenders`` only mark a notice's row stale,
in SQL, in the writer's transaction; ``refresh`` folds the stale ones, and the search reads every stale notice as a
candidate, so it is exact whatever is left to refresh: staleness costs speed, never a result.

Measured with benchmarks/literal_search.py on 100,000 real notices (count and first page of 50), 2026-12-08, two
cores under a load average of 14 (every figure about ten times an idle machine's): a word of three letters or
more took 5.3-18 s reading every row and 0.002-0.48 s with the index (17-200 times faster; a word no notice writes
10,000 times); 'de' (two letters) 5.3 s both ways. Indexing the 100,000 of an existing store took 112 s, once.
PostgreSQL has no such index: ``candidates`` is true there and the pattern reads every row (0.2-0.3 s a word).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Table,
    and_,
    bindparam,
    column,
    event,
    false,
    or_,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from matcher.normalize.text import fold
from matcher.store._common import chunks, spelled
from matcher.store.metadata import metadata

#: Shortest fold a trigram index finds.
TRIGRAM = 3

_rows = table("notice_text_rows", column("id"), column("tender_id"), column("stale"))
_index = table("notice_text", column("rowid"))

_CREATE = (
    # One row a notice: the id of its text in the index (FTS5 rowids are integers; a tender's SQLite rowid is not
    # stable across VACUUM), and whether the index lags its title and buyer.
    "CREATE TABLE IF NOT EXISTS notice_text_rows (id INTEGER PRIMARY KEY, tender_id TEXT NOT NULL UNIQUE,"
    " stale INTEGER NOT NULL DEFAULT 1)",
    "CREATE INDEX IF NOT EXISTS ix_notice_text_rows_stale ON notice_text_rows (tender_id) WHERE stale = 1",
    "CREATE VIRTUAL TABLE IF NOT EXISTS notice_text USING fts5(title, buyer, tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER IF NOT EXISTS notice_text_inserted AFTER INSERT ON tenders BEGIN"
    " INSERT INTO notice_text_rows (tender_id, stale) VALUES (new.tender_id, 1)"
    " ON CONFLICT (tender_id) DO UPDATE SET stale = 1; END",
    "CREATE TRIGGER IF NOT EXISTS notice_text_updated AFTER UPDATE OF tender_id, title, buyer ON tenders BEGIN"
    " INSERT INTO notice_text_rows (tender_id, stale) VALUES (old.tender_id, 1)"
    " ON CONFLICT (tender_id) DO UPDATE SET stale = 1;"
    " INSERT INTO notice_text_rows (tender_id, stale) VALUES (new.tender_id, 1)"
    " ON CONFLICT (tender_id) DO UPDATE SET stale = 1; END",
    "CREATE TRIGGER IF NOT EXISTS notice_text_deleted AFTER DELETE ON tenders BEGIN"
    " UPDATE notice_text_rows SET stale = 1 WHERE tender_id = old.tender_id; END",
)


def create(conn: Connection) -> None:
    """The index, its rows and the triggers on ``tenders``, on SQLite; a store made before them gets every notice
    indexed now (all marked stale, then refreshed). Nothing on another backend."""
    if conn.dialect.name != "sqlite":
        return
    existed = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'notice_text_rows'")).first() is not None
    for statement in _CREATE:
        conn.execute(text(statement))
    if not existed:
        conn.execute(text("INSERT INTO notice_text_rows (tender_id, stale) SELECT tender_id, 1 FROM tenders"))
    refresh(conn)


def _created(target: object, conn: Connection, **_: Any) -> None:
    create(conn)


# ``Database.create_all`` creates the tables of ``metadata`` on every start (a metadata's after_create fires
# whether or not it created a table): new stores and upgraded ones alike.
event.listen(metadata, "after_create", _created)


def settled(value: str) -> str:
    """``fold`` again until it changes nothing: '㎁' folds to 'nA' (case goes before compatibility letters appear)
    and its pattern takes an 'A' as written, so a title writing 'nAtional' is found by '㎁tional' though the fold
    'nAtional' is no part of the title's 'national'; both fold on to 'national'. Two rounds settle every character
    of the Basic Multilingual Plane, and a fold of a text is the folds of its characters."""
    while (again := fold(value)) != value:
        value = again
    return value


def refresh(conn: Connection) -> int:
    """Index the folded title and buyer of every stale notice and forget the deleted ones; how many were stale.
    Call it in the transaction that wrote them (SQLite: nothing on another backend)."""
    if conn.dialect.name != "sqlite":
        return 0
    stale = conn.execute(text(
        "SELECT r.id, t.tender_id IS NOT NULL AS stored, t.title, t.buyer FROM notice_text_rows r"
        " LEFT JOIN tenders t ON t.tender_id = r.tender_id WHERE r.stale = 1")).all()
    for part in chunks([str(row.id) for row in stale]):
        ids = ",".join(part)  # integers read from the store
        conn.execute(text(f"DELETE FROM notice_text WHERE rowid IN ({ids})"))
    kept = [{"id": row.id, "title": settled(row.title), "buyer": settled(row.buyer or "")}
            for row in stale if row.stored]
    if kept:
        conn.execute(text("INSERT INTO notice_text (rowid, title, buyer) VALUES (:id, :title, :buyer)"), kept)
        conn.execute(text("UPDATE notice_text_rows SET stale = 0 WHERE id = :id"), [{"id": r["id"]} for r in kept])
    gone = [{"id": row.id} for row in stale if not row.stored]
    if gone:
        conn.execute(text("DELETE FROM notice_text_rows WHERE id = :id"), gone)
    return len(stale)


def query(words: list[str]) -> str | None:
    """The FTS5 query that every notice some of whose titles or buyers the words' patterns all match passes: each
    word's settled fold as a phrase, those of three characters or more; None when no word is that long."""
    long = [f for f in (settled(w) for w in words) if len(f) >= TRIGRAM]
    return " AND ".join('"' + f.replace('"', '""') + '"' for f in long) if long else None


class Candidates(ColumnElement[bool]):
    """``tender_id IN (the notices the index finds, and the stale ones)`` on SQLite; true on other backends."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a comparison (IN): no "= 1" after it, which kept SQLite from reading it as one
    _traverse_internals = [("within", InternalTraversal.dp_clauseelement)]  # noqa: RUF012 (SQLAlchemy types it so)

    def __init__(self, tender_id: ColumnElement[str], found: str) -> None:
        matched = select(_index.c.rowid).where(text("notice_text MATCH :notice_text_query").bindparams(
            bindparam("notice_text_query", found)))
        listed = union_all(
            select(_rows.c.tender_id).where(_rows.c.id.in_(matched)),
            select(_rows.c.tender_id).where(_rows.c.stale == 1),
        )
        self.within = tender_id.in_(listed)


@compiles(Candidates, "sqlite")
def _on_sqlite(element: Candidates, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.within, **kw)


@compiles(Candidates)
def _elsewhere(element: Candidates, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(true(), **kw)


def candidates(tender_id: ColumnElement[str], words: list[str]) -> ColumnElement[bool]:
    """What the index narrows a literal search of ``words`` to (``query``): a condition on ``tender_id`` to AND
    with the words' patterns, which decide; true when no word is long enough for the index."""
    found = query(words)
    return true() if found is None else Candidates(tender_id, found)


def literal(tenders: Table, words: list[str]) -> ColumnElement[bool]:
    """Notices whose title or buyer writes each of ``words``, however it cases or accents it (``spelled``); no
    notice for no word (an AND of no condition would be every notice). The index narrows, the patterns decide."""
    if not words:
        return false()
    return and_(candidates(tenders.c.tender_id, words),
                *[or_(tenders.c.title.regexp_match(spelled(w)), tenders.c.buyer.regexp_match(spelled(w)))
                  for w in words])

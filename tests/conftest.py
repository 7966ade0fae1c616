"""Shared fixtures: an isolated MATCHER_HOME per test and a fast deterministic encoder."""

from __future__ import annotations

import atexit
import gc
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from _pytest.mark.expression import Expression
from sqlalchemy import Engine, create_engine, delete, insert, select, text
from sqlalchemy.engine import make_url

from matcher.config import Settings
from matcher.ingest.base import Rejected
from matcher.schema import Award, Tender
from matcher.search.encoders import FakeEncoder
from matcher.store.db import Database
from matcher.store.metadata import metadata

if TYPE_CHECKING:
    from matcher.pipeline import Matcher

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = datetime(2021, 6, 1, tzinfo=UTC)
POSTGRES_ENV = "MATCHER_TEST_POSTGRES_URL"


#: Modules every test of which is marked slow and whose collection alone is slow: schemathesis builds each
#: operation's coverage cases while collecting (about 30 s per worker on two cores, 21 s of it for POST /tenders;
#: measured with cProfile), which a run deselecting the slow tests would pay for nothing.
WHOLLY_SLOW = frozenset({Path(__file__).resolve().parent / "api" / "test_schemathesis.py"})


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip collecting ``WHOLLY_SLOW`` modules when the mark expression (``-m``) leaves out slow tests."""
    if collection_path in WHOLLY_SLOW and config.option.markexpr:
        return not Expression.compile(config.option.markexpr).evaluate(_only_slow)
    return None


def _only_slow(name: str, /, **kwargs: str | int | bool | None) -> bool:
    """The marks of a test marked slow and nothing else, as ``Expression.evaluate`` asks them."""
    return name == "slow"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything alive once the tests are collected (the imported libraries: torch, FAISS, scikit-learn; the
    contract test's schemas) lives to the end, so the collector stops walking it: without this each full
    collection took up to 1.3 s on the contract run's 800,000 objects, in the middle of whatever request was
    being served. Measured on tests/api/test_schemathesis.py (234 tests, two cores): 395 s -> 334 s, the
    slowest request 1.31 s -> 0.78 s, the longest collection 1.26 s -> 0.60 s."""
    gc.collect()
    gc.freeze()


@contextmanager
def postgres_schema_url(fresh: bool = False) -> Iterator[str]:
    """The URL of a schema of its own in the test PostgreSQL, its tables made and empty; or a skip naming the
    variable to set. Every PostgreSQL test isolates itself this way, so runs repeat and never see each other.
    ``fresh``: a schema with nothing in it yet, for a test of making the tables."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"needs a PostgreSQL server: set {POSTGRES_ENV}=postgresql+psycopg://user:pw@host/db")
    schema = _SCHEMAS.take(base, fresh)
    try:
        yield _in_schema(base, schema)
    finally:
        _SCHEMAS.give_back(schema)


def copy_rows(source_url: str, target_url: str) -> None:
    """Every row of the schema of ``source_url`` into the tables of ``target_url`` (both from
    ``postgres_schema_url``; the target's own rows, those ``create_all`` writes, go first)."""
    source, target = _schema_of(source_url), _schema_of(target_url)
    _SCHEMAS.run_script([
        *(statement for table in metadata.sorted_tables  # the same columns in the same order: one create_all
          for statement in (f'DELETE FROM "{target}"."{table.name}"',
                            f'INSERT INTO "{target}"."{table.name}" SELECT * FROM "{source}"."{table.name}"')),
        f"SELECT setval(pg_get_serial_sequence('\"{target}\".feedback_events', 'event_id'), "
        f'(SELECT max(event_id) FROM "{target}".feedback_events))',
    ])


def _schema_of(url: str) -> str:
    return str(make_url(url).query["options"]).removeprefix("-csearch_path=")


def _in_schema(base: str, schema: str) -> str:
    return make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


#: A schema's structure as the catalog holds it (tables, columns, sequences, constraints, indexes), with the
#: schema's own name written as ``:schema``: compared with the structure ``create_all`` makes.
_STRUCTURE = """
SELECT c.relname::text || ':' || c.relkind::text || ':' || coalesce(a.attname::text, '') || ':'
       || coalesce(format_type(a.atttypid, a.atttypmod), '') || ':' || coalesce(a.attnotnull::text, '')
FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = to_regnamespace(:schema)
UNION ALL SELECT conname::text || ':' || pg_get_constraintdef(oid) FROM pg_constraint
WHERE connamespace = to_regnamespace(:schema)
UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = :schema
"""


class _SchemaPool:
    """The schemas this worker process made, kept for the next test instead of dropped: making one (its tables
    and indexes) took about 0.12 s of each PostgreSQL test's time, emptying one takes about 0.02 s (measured on
    the CI machine, about 1,300 PostgreSQL tests). A schema goes back only when its structure is still what
    ``create_all`` made (a test that dropped an index or added a table had it dropped instead); its rows are
    deleted, its sequences restarted and the rows ``create_all`` writes written again. The schemas left are
    dropped when the process ends."""

    def __init__(self) -> None:
        self.free: list[str] = []
        self.made: set[str] = set()
        self.structure: frozenset[str] | None = None
        #: The rows ``create_all`` writes (``matcher.store.versions``: a counter per kind), by table.
        self.seeds: dict[str, list[dict[str, Any]]] = {}
        self.admin: Engine | None = None

    def take(self, base: str, fresh: bool) -> str:
        if self.admin is None:
            self.admin = create_engine(base)
            atexit.register(self.close)
        if self.free and not fresh:
            return self.free.pop()
        schema = f"test_{secrets.token_hex(6)}"
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.made.add(schema)
        if not fresh:
            database = Database(_in_schema(base, schema))
            database.create_all()
            database.dispose()
            if self.structure is None:
                self.structure = self._structure(schema)
                with self.admin.begin() as conn:
                    conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
                    found = {t.name: [dict(r._mapping) for r in conn.execute(select(t))]
                             for t in metadata.sorted_tables}
                self.seeds = {name: rows for name, rows in found.items() if rows}
        return schema

    def give_back(self, schema: str) -> None:
        assert self.admin is not None
        if self.structure is None or self._structure(schema) != self.structure:
            self._drop(schema)
            return
        sequences = [row.split(":")[0] for row in self.structure if row.split(":")[1] == "S"]
        dialect = self.admin.dialect
        self.run_script([
            f'SET LOCAL search_path TO "{schema}"',
            # DELETE: TRUNCATE took 0.11 s on empty tables
            *(str(delete(table).compile(dialect=dialect)) for table in reversed(metadata.sorted_tables)),
            *(f'ALTER SEQUENCE "{sequence}" RESTART' for sequence in sequences),
            *(str(insert(table).values(self.seeds[table.name]).compile(
                dialect=dialect, compile_kwargs={"literal_binds": True}))
              for table in metadata.sorted_tables if table.name in self.seeds),
        ])
        self.free.append(schema)

    def run_script(self, statements: list[str]) -> None:
        """``statements`` in one transaction and one round trip to the server: one statement a round trip took
        about 0.06 s of each test's giving back and 0.12 s of each world's copy (some 60 statements each)."""
        assert self.admin is not None
        with self.admin.begin() as conn:
            conn.exec_driver_sql(";\n".join(statements))

    def _structure(self, schema: str) -> frozenset[str]:
        assert self.admin is not None
        with self.admin.connect() as conn:
            rows = conn.execute(text(_STRUCTURE), {"schema": schema}).scalars()
            return frozenset(str(row).replace(f'"{schema}".', ":schema.").replace(f"{schema}.", ":schema.")
                             for row in rows)

    def _drop(self, schema: str) -> None:
        assert self.admin is not None
        with self.admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        self.made.discard(schema)

    def close(self) -> None:
        if self.admin is None:
            return
        for schema in sorted(self.made):
            self._drop(schema)
        self.admin.dispose()


_SCHEMAS = _SchemaPool()


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data, or a skip naming what is missing (users' clones do not have it)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data folder beside the project), which is absent")
    return path


@cache
def _ted_sample() -> tuple[Tender | Rejected, ...]:
    from matcher.ingest.ted import read_ted

    return tuple(read_ted(SHARED_DATA / "ted_xml_sample" / "ted_xml_notices_3476.tar.gz"))


def ted_sample() -> tuple[Tender | Rejected, ...]:
    """What ``read_ted`` reads from the shared TED sample (3,476 notices), read once per worker process (about 9 s
    each time: four modules read it whole), or a skip when the shared data folder is absent. Read only."""
    shared_path("ted_xml_sample", "ted_xml_notices_3476.tar.gz")
    return _ted_sample()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", encoder="fake", clock=NOW, min_candidates=50)


@pytest.fixture
def matcher(settings: Settings) -> Iterator[Matcher]:
    from matcher.pipeline import Matcher

    instance = Matcher(settings, encoder=FakeEncoder())
    yield instance
    instance.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def matcher_on_each_store(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Matcher]:
    """``matcher`` on SQLite and, when MATCHER_TEST_POSTGRES_URL is set, on PostgreSQL (a schema of its own)."""
    from matcher.pipeline import Matcher

    if request.param == "sqlite":
        instance = Matcher(settings, encoder=FakeEncoder())
        yield instance
        instance.close()
        return
    with postgres_schema_url() as url:
        instance = Matcher(settings.model_copy(update={"database_url": url}), encoder=FakeEncoder())
        try:
            yield instance
        finally:
            instance.close()


# Small real award rows (Canada PWGSC, real spellings) for the ranking, supplier and evaluation tests.
def award(i: int, day: date, supplier: str, title: str, buyer: str, code: str, value: float) -> Award:
    return Award(award_id=f"A{i}", date=day, title=title, buyer=buyer, buyer_country="CA", codes=[code],
                 supplier=supplier, value=value, currency="CAD")


@pytest.fixture
def awards() -> list[Award]:
    """Two suppliers with a clear specialty each, plus noise, over 2012-2013 (24 months); cut 2013-06-01."""
    start = date(2012, 1, 1)
    rows: list[Award] = []
    kinds = [
        ("GETINGE CANADA LIMITED", "Getinge Canada Ltd.", "STERILIZER", "Canadian Food Inspection Agency",
         "GSIN:N6530SB", 200_000.0),
        ("Version Plus", "VERSION PLUS INC", "Translation Services", "Public Works & Government Services Canada",
         "GSIN:R109D", 30_000.0),
        ("Bristol Aerospace Limited", "Bristol Aerospace Ltd", "Miscellaneous Weapons",
         "Canadian Commercial Corporation", "GSIN:N1095", 4_000_000.0),
    ]
    i = 0
    for month in range(24):
        for n, (spelling, other, title, buyer, code, value) in enumerate(kinds):
            supplier = spelling if month % 2 else other
            rows.append(award(i, start + timedelta(days=30 * month + n), supplier, title, buyer, code, value))
            i += 1
        rows.append(award(i, start + timedelta(days=30 * month + 5), f"One-off Supplier {month}",
                          "Office Furniture", "Public Works & Government Services Canada", "GSIN:N7110", 9_000.0))
        i += 1
    return rows

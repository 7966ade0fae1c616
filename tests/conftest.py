"""Shared fixtures: an isolated MATCHER_HOME per test and a fast deterministic encoder."""

from __future__ import annotations

import gc
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from matcher.config import Settings
from matcher.schema import Award
from matcher.search.encoders import FakeEncoder

if TYPE_CHECKING:
    from matcher.pipeline import Matcher

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = datetime(2021, 6, 1, tzinfo=UTC)
POSTGRES_ENV = "MATCHER_TEST_POSTGRES_URL"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything alive once the tests are collected (the imported libraries: torch, FAISS, scikit-learn; the
    contract test's schemas) lives to the end, so the collector stops walking it: without this each full
    collection took up to 1.3 s on the contract run's 800,000 objects, in the middle of whatever request was
    being served. Measured on tests/api/test_schemathesis.py (234 tests, two cores): 395 s -> 334 s, the
    slowest request 1.31 s -> 0.78 s, the longest collection 1.26 s -> 0.60 s."""
    gc.collect()
    gc.freeze()


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """The URL of a fresh schema in the test PostgreSQL (dropped afterwards), or a skip naming the variable
    to set. Every PostgreSQL test isolates itself this way, so runs repeat and never see each other."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"needs a PostgreSQL server: set {POSTGRES_ENV}=postgresql+psycopg://user:pw@host/db")
    schema = f"test_{secrets.token_hex(6)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data, or a skip naming what is missing (users' clones do not have it)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data folder beside the project), which is absent")
    return path


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

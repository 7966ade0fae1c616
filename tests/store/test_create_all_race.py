"""Processes that start together on a new PostgreSQL database all find the tables (found with issue 15's two
replicas: all but one failed with a UniqueViolation on pg_type while each created the tables)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, inspect

from matcher.store.metadata import metadata
from tests.conftest import postgres_schema_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def fresh_schema_url() -> Iterator[str]:
    with postgres_schema_url(fresh=True) as url:
        yield url


@pytest.mark.slow
def test_processes_creating_the_tables_at_once_all_succeed(fresh_schema_url: str) -> None:
    code = "import sys; from matcher.store.db import Database; Database(sys.argv[1]).create_all()"
    starts = [subprocess.Popen([sys.executable, "-c", code, fresh_schema_url], stderr=subprocess.PIPE, text=True)
              for _ in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in starts]
    assert [code for code, _ in results] == [0, 0, 0, 0], [err[-500:] for _, err in results]
    engine = create_engine(fresh_schema_url)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()

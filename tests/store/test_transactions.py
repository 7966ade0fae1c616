"""``Database.begin()`` is one transaction on SQLite too, from its first statement: Python's sqlite3 driver, left
to itself, opens a transaction only at the first INSERT/UPDATE/DELETE, so what a block read before its first
write was read outside it, and a savepoint opened before any write started SQLite's transaction on its own and
its release committed it, whatever the block did next."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update

from matcher.store.db import Database

scratch = MetaData()
counters = Table("counters", scratch, Column("name", String(20), primary_key=True), Column("value", Integer))


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'matcher.db'}")
    scratch.create_all(database.engine)
    with database.begin() as conn:
        conn.execute(insert(counters).values(name="n", value=0))
    return database


def value(db: Database) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(counters.c.value)).scalar_one())


def test_a_savepoint_before_any_write_is_undone_with_its_transaction(db: Database) -> None:
    """Was: the row inserted in the savepoint stayed although the block failed after it."""
    with pytest.raises(RuntimeError), db.begin() as conn:
        conn.execute(select(counters.c.value)).scalar_one()
        with conn.begin_nested():
            conn.execute(insert(counters).values(name="m", value=1))
        raise RuntimeError("the rest of the block fails")
    with db.connect() as conn:
        assert [row.name for row in conn.execute(select(counters.c.name))] == ["n"]


def test_a_read_then_write_block_is_not_interleaved_with_another_writer(db: Database) -> None:
    """Two blocks that each read the counter and write it plus one, the second starting while the first sits
    between its read and its write: was 1 (the first's write lost), now 2 (the second waits for the first)."""
    first_read, second_started = threading.Event(), threading.Event()

    def increment(after_read: threading.Event | None, before: threading.Event | None) -> None:
        if before is not None:
            before.wait(5)
        with db.begin() as conn:
            seen = int(conn.execute(select(counters.c.value)).scalar_one())
            if after_read is not None:
                after_read.set()
                second_started.wait(0.5)  # the other block is waiting on the lock, or has read already
            conn.execute(update(counters).values(value=seen + 1))

    def second() -> None:
        first_read.wait(5)
        second_started.set()
        increment(None, None)

    threads = [threading.Thread(target=increment, args=(first_read, None)), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert value(db) == 2


def test_reads_run_concurrently_with_a_writer(db: Database) -> None:
    """A reader is not held up by an open write transaction (WAL): it reads what was committed."""
    with db.begin() as conn:
        conn.execute(update(counters).values(value=5))
        assert value(db) == 0  # another connection, while this block holds the write lock
    assert value(db) == 5

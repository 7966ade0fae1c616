"""The engine, and ``Database``, which owns it and creates every table (``matcher.store.tables``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DatabaseError, DBAPIError, OperationalError

from matcher.errors import InvalidInput, MatcherError
from matcher.store.tables import metadata

__all__ = ["Database", "metadata"]


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while an import writes; busy_timeout waits instead of failing on a lock.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


#: Execution option that makes ``Database.begin`` take SQLite's write lock when its transaction starts.
_IMMEDIATE = "matcher_begin_immediate"


def _sqlite_driver_transactions_off(dbapi_connection: Any, _record: object) -> None:
    """Left to itself, Python's sqlite3 driver opens a transaction only at the first INSERT/UPDATE/DELETE: what a
    block read before its first write was read outside its transaction, and a savepoint opened before any write
    began SQLite's transaction on its own, its release committing it whatever the block did next. With the
    driver's own handling off, ``_sqlite_begin`` begins every transaction where SQLAlchemy does (the recipe of
    SQLAlchemy's pysqlite dialect documentation, "Serializable isolation / Savepoints / Transactional DDL")."""
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Connection) -> None:
    """BEGIN IMMEDIATE for ``Database.begin``, a block that writes: it holds the write lock from its first read,
    so another writer waits (busy_timeout) instead of committing between its read and its write, and it never
    fails upgrading a read snapshot another writer has moved on from. A plain BEGIN for ``Database.connect``, a
    read: a consistent snapshot that neither waits for a writer nor holds one up (WAL)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_IMMEDIATE) else "BEGIN")


def _create_private(database: str | None) -> None:
    """Create a new SQLite database file readable by its owner only (0600, whatever the umask): it will hold
    API key hashes, subscriber addresses and digest bodies. SQLite gives its -wal and -shm files the mode of
    the database file. An existing file keeps its mode (``Settings.ensure_home`` tightens the home's own);
    in-memory and URI databases, or a folder that does not exist, are left to SQLite."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        fd = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return  # it exists, or SQLite will name the problem when it opens the file
    try:
        os.fchmod(fd, 0o600)  # exactly: os.open's mode passes through the umask
    finally:
        os.close(fd)


def shown_url(url: str) -> str:
    """A database URL as an error may quote it: its password hidden, parsed or not ('sqlite://user:secret@/x',
    which SQLAlchemy refuses, was quoted whole)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def first_line(error: BaseException) -> str:
    """An error's first line: the driver's and SQLAlchemy's messages run over several (a hint, a link)."""
    return next(iter(str(error).strip().splitlines()), type(error).__name__)


def unusable(error: Exception) -> bool:
    """The database itself failed: the driver's DatabaseError ('file is not a database', 'database disk image is
    malformed') or an OperationalError (locked, unreachable, disk full), not the app's statement: a constraint the
    app broke (IntegrityError), bad SQL or a value a column refuses stay the bugs they are."""
    return isinstance(error, OperationalError) or type(error) is DatabaseError


def unusable_line(error: DBAPIError, where: str | None) -> str:
    """``the database /home/x/matcher.db cannot be used: database disk image is malformed``: the driver's own
    words, on one line (psycopg's run over two)."""
    said = " ".join(str(error.orig if error.orig is not None else error).split())
    return f"the database {where} cannot be used: {said}" if where else f"the database cannot be used: {said}"


class Database:
    """Owns the engine. Tables are created on first use so a fresh ``MATCHER_HOME`` just works."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            # Pre-ping guards pooled connections a network server may have dropped; a SQLite file has none,
            # and the extra round trip on every checkout was visible in request profiles.
            self.engine: Engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
        except (ArgumentError, ImportError) as exc:
            raise InvalidInput(f"bad database URL {shown_url(url)!r}: {first_line(exc)}") from exc
        if self.engine.dialect.name == "sqlite":
            _create_private(self.engine.url.database)
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "connect", _sqlite_driver_transactions_off)
            event.listen(self.engine, "begin", _sqlite_begin)

    def create_all(self) -> None:
        try:
            with self.begin() as conn:
                if self.engine.dialect.name == "postgresql":
                    # Processes starting together on a new database (workers, replicas, a CLI command) would
                    # each create the tables and all but one fail on PostgreSQL's catalog (UniqueViolation on
                    # pg_type); this lock, held until the transaction ends, lets one create them and the
                    # others then find them. The key is an arbitrary constant: "matcher create_all".
                    conn.execute(text("SELECT pg_advisory_xact_lock(7310258412)"))
                metadata.create_all(conn)
        except DatabaseError as exc:
            if not unusable(exc):
                raise
            raise MatcherError(unusable_line(exc, self.named)) from exc

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def named(self) -> str:
        """The database as an error names it: a SQLite file by its path, a server by its URL without the password
        (as the command line's error lines name it: ``matcher.cli.database``)."""
        database = self.engine.url.database
        if self.engine.dialect.name == "sqlite" and database and database != ":memory:":
            return str(Path(database).absolute())
        return self.safe_url

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: everything inside commits together or not at all (on SQLite it holds the write lock
        from its first statement: ``_sqlite_begin``)."""
        with self.engine.connect() as connection, connection.execution_options(**{_IMMEDIATE: True}).begin():
            yield connection

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()

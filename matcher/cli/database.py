"""A store's database the command cannot use (a truncated file, a file that is not a database, a lock held past
SQLite's wait, a server gone mid-command) as one line naming the database: SQLAlchemy's error was a traceback.

SQLAlchemy is loaded only when a command opens the pipeline (tests/cli/test_startup.py), so these read it from
``sys.modules``: before that, nothing can raise its errors."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeGuard

from matcher.config import DATABASE_FILE, Settings
from matcher.errors import InvalidInput
from matcher.paths import LOOP, broken_link

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError

#: The database the running command opened (``remember``), for the error line; one command runs per process,
#: and ``forget`` clears it as a command line starts (tests run many in one).
_opened: dict[str, str] = {}


class _NotLoaded(Exception):
    """Stands for SQLAlchemy's DatabaseError before SQLAlchemy is loaded: never raised."""


def database_error() -> type[Exception]:
    """The class to catch: SQLAlchemy's DatabaseError once loaded (an ``except`` clause evaluates it when an
    exception passes, so after the command ran)."""
    module = sys.modules.get("sqlalchemy.exc")
    return module.DatabaseError if module is not None else _NotLoaded


def unusable(error: Exception) -> TypeGuard[DBAPIError]:
    """The database itself failed, not the app's statement (``matcher.store.db.unusable``)."""
    from matcher.store.db import unusable as failed

    return failed(error)


def remember(settings: Settings) -> None:
    """Note the database ``settings`` name for the error line: the SQLite file, or the URL without its password."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    if settings.database_url is None:
        _opened["where"] = str(settings.home.absolute() / DATABASE_FILE)
        return
    try:
        _opened["where"] = make_url(settings.database_url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL: opening it says so (``matcher.store.db``)
        return


def reachable(settings: Settings) -> None:
    """The home's database file, unless it is a loop of symbolic links: then an InvalidInput naming it
    (``Settings.db_url`` resolves the path, which raised a RuntimeError: a traceback). A home that is no folder
    is the home's own error (``Settings.ensure_home``)."""
    database = settings.home.absolute() / DATABASE_FILE
    if settings.database_url is None and settings.home.is_dir() and broken_link(database) == LOOP:
        raise InvalidInput(f"the database {database} cannot be used: {LOOP}")


def forget() -> None:
    _opened.clear()


def database_line(error: DBAPIError) -> str:
    """The store's line for an unusable database (``matcher.store.db.unusable_line``), naming the one opened."""
    from matcher.store.db import unusable_line

    return unusable_line(error, _opened.get("where"))

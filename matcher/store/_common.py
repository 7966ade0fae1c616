"""Helpers shared by the repositories: the clock, id lists cut to a size every backend accepts, and a lowercase
that reads every alphabet on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction


def utcnow() -> datetime:
    return datetime.now(UTC)


def chunks(items: list[str], size: int = 500) -> list[list[str]]:
    """Split id lists so IN (...) stays under every backend's parameter limit."""
    return [items[i : i + size] for i in range(0, len(items), size)]


#: The SQLite function ``folded`` calls there; ``matcher.store.db`` registers it on every connection.
UNICODE_LOWER = "unicode_lower"


def unicode_lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


class folded(GenericFunction[str]):  # noqa: N801 (an SQL function, named as SQLAlchemy's are)
    """``lower(text)`` as Python lowercases, in every alphabet: PostgreSQL's lower() does (a UTF-8 database);
    SQLite's lowercases the ASCII letters only ('ÉTUDES' stayed 'ÉTUDES'), so there it is ``unicode_lower``."""

    type = Text()
    name = "lower"
    inherit_cache = True


@compiles(folded, "sqlite")
def _folded_on_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    return f"{UNICODE_LOWER}({compiler.process(element.clauses, **kw)})"

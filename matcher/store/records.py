"""Stored records read back through their model: the one place a row whose JSON does not validate becomes
``StoredRecordInvalid``, naming its table, its key and the first rule it breaks.

The app writes only records its models made, and reads them back with ``from_stored``, which leaves out the rules
added since a record was written (``matcher.schema.STORED``). What still fails is a rule that has always held: a
value range, a date's form, a length, a type, JSON itself, so the row was changed outside the app. Every
repository's read of a record comes here, and so does ``matcher store check`` (``matcher.store.record_check``),
so an error met by a request names the row exactly as the check lists it. So do the rows whose columns make a model
(``columns``: a subscription) and the columns holding JSON outside any model (``json_column``: a subscription's
countries, a feed's cursor and kept rejections, an ingest ledger entry's notices).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, Self, TypeVar

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table

from matcher.errors import StoredRecordInvalid


class Stored(Protocol):
    """A model the store keeps records of (``matcher.schema``: a firm profile, a notice, a correction, an award)."""

    @classmethod
    def from_stored(cls, data: str | bytes) -> Self: ...


Record = TypeVar("Record", bound=Stored)
Value = TypeVar("Value")

#: A stored value short enough to quote in a problem (a date, a number, a code), not a title or description.
SHOWN_VALUE = 40


def read(model: type[Record], table: Table, key: Mapping[str, Any], data: str | bytes) -> Record:
    """``data``, a row of ``table`` whose primary key is ``key`` (column -> value), as its ``model``: or a
    ``StoredRecordInvalid`` naming the row and the first rule it breaks."""
    try:
        return model.from_stored(data)
    except ValidationError as exc:
        raise StoredRecordInvalid(table.name, shown_key(key), problem(exc)) from None


def columns(table: Table, key: Mapping[str, Any], shape: TypeAdapter[Value], values: Mapping[str, Any]) -> Value:
    """A row of ``table`` whose columns make a model that no ``data`` column holds whole (a subscription), read as
    ``shape``: or a ``StoredRecordInvalid`` naming the row, the column and the first rule it breaks."""
    try:
        return shape.validate_python(values)
    except ValidationError as exc:
        raise StoredRecordInvalid(table.name, shown_key(key), problem(exc)) from None


def json_column(table: Table, key: Mapping[str, Any], column: str, shape: TypeAdapter[Value], data: str | bytes
                ) -> Value:
    """A column of a row of ``table`` holding JSON that no model reads whole (a subscription's countries, a
    feed's cursor and kept rejections, an ingest ledger entry's notices), read as ``shape``: or a
    ``StoredRecordInvalid`` naming the row, the column and the first rule it breaks."""
    try:
        return shape.validate_json(data)
    except ValidationError as exc:
        raise StoredRecordInvalid(table.name, shown_key(key), problem(exc, column)) from None


def shown_key(key: Mapping[str, Any]) -> str:
    """A row's primary key as its columns and values: ``firm_id='kr-hanbit-water'``, ``award_id='A1' supplier='X'``."""
    return " ".join(f"{column}={value!r}" for column, value in key.items())


def problem(exc: ValidationError, column: str = "") -> str:
    """The first error of ``exc`` on one line: the field (``record`` for a rule across fields; within ``column``,
    for a JSON column), the rule, the value stored when it is short; the API's words for JSON that does not parse,
    and how many more errors there are."""
    first = exc.errors()[0]
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    if first["type"] == "json_invalid":
        within = f"{column}: " if column else ""
        return f"{within}not valid JSON: {first.get('ctx', {}).get('error', 'cannot be parsed')}{more}"
    field = ".".join(str(part) for part in [column, *first["loc"]] if part != "") or "record"
    message = " ".join(str(first["msg"]).removeprefix("Value error, ").split())
    value = first.get("input")
    shown = isinstance(value, int | float | bool) or (isinstance(value, str) and len(value) <= SHOWN_VALUE)
    stored = f" (stored: {value!r})" if shown else ""
    return f"{field}: {message}{stored}{more}"

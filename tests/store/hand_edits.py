"""Stored records edited by hand (raw SQL on a ``data`` column) to break a rule that has always held: a value
range, a date's form, a length, a type, a required field, JSON itself. The app stores none of these (each record
it writes is one its model made), so each is a row changed outside it; the store, the API, the workspace and the
CLI must name it, and ``matcher store check`` list it.

Each edit takes the stored record (its JSON, as a dict) and gives the text written in its place, with the problem
that reading it must name (the field, the rule and, when short, the value stored). ``JSON_EDITS`` do the same to
the columns holding JSON outside any model (a subscription's countries, a feed's cursor and kept rejections, an
ingest ledger entry's notices and rejections), whose problem names the column."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from matcher.store import Database


@dataclass(frozen=True)
class Edit:
    change: Callable[[dict[str, Any]], str]
    problem: str


def _set(**fields: Any) -> Callable[[dict[str, Any]], str]:
    return lambda record: json.dumps({**record, **fields})


def _without(field: str) -> Callable[[dict[str, Any]], str]:
    return lambda record: json.dumps({k: v for k, v in record.items() if k != field})


def _cut(record: dict[str, Any]) -> str:
    return json.dumps(record)[:20]  # a write that stopped half way: '{"firm_id": "kr-hanb'


FIRM_EDITS: dict[str, Edit] = {
    "negative-min-value": Edit(_set(min_value=-5, currency="EUR"),
                               "min_value: Input should be greater than or equal to 0 (stored: -5)"),
    "min-above-max": Edit(_set(min_value=10, max_value=5, currency="EUR"),
                          "record: min_value 10 is greater than max_value 5"),
    "name-too-long": Edit(_set(name="x" * 301), "name: String should have at most 300 characters"),
    "keywords-not-a-list": Edit(_set(keywords="pumps"), "keywords: Input should be a valid array (stored: 'pumps')"),
    "name-missing": Edit(_without("name"), "name: Field required"),
    "not-json": Edit(_cut, "not valid JSON: EOF while parsing a string at line 1 column 20"),
}

TENDER_EDITS: dict[str, Edit] = {
    "negative-value": Edit(_set(value=-1), "value: Input should be greater than or equal to 0 (stored: -1)"),
    "malformed-date": Edit(_set(published="2021-13-45"), "published: Input should be a valid date or datetime, "
                                                         "month value is outside expected range of 1-12 "
                                                         "(stored: '2021-13-45')"),
    "title-too-long": Edit(_set(title="x" * 2001), "title: String should have at most 2000 characters"),
    "two-problems": Edit(_set(value="much", countries=["KR", 5]), "countries.1: Input should be a valid string "
                                                                  "(stored: 5) (and 1 more)"),
    "not-json": Edit(_cut, "not valid JSON: EOF while parsing a string at line 1 column 20"),
}

#: (table, column) -> an edit of that JSON column and what reading it must say.
JSON_EDITS: dict[tuple[str, str], Edit] = {
    ("subscriptions", "countries"): Edit(lambda countries: json.dumps([*countries, 5]),
                                         "countries.1: Input should be a valid string (stored: 5)"),
    ("feeds", "cursor"): Edit(lambda cursor: '{"page": ', "cursor: not valid JSON: EOF while parsing a value at line 1 "
                                                         "column 9"),
    ("feeds", "run_rejections"): Edit(lambda kept: '[["record 1"]]',
                                      "run_rejections.0.1: Field required"),
    ("ingested_files", "tenders"): Edit(lambda notices: json.dumps(list(notices)),
                                        "tenders: Input should be an object"),
    ("ingested_files", "rejected"): Edit(lambda rejected: "", "rejected: not valid JSON: EOF while parsing a value at "
                                                               "line 1 column 0"),
}

#: The key column of the tables whose rows a test names by one id.
KEYS = {"firms": "firm_id", "tenders": "tender_id", "tender_as_published": "tender_id",
        "subscriptions": "subscription_id", "feeds": "name", "ingested_files": "digest"}

Key = str | Mapping[str, object]


def _columns(table: str, key: Key) -> dict[str, object]:
    return {KEYS[table]: key} if isinstance(key, str) else dict(key)


def hand_edit(db: Database, table: str, key: Key, edit: Edit, column: str = "data") -> None:
    """Write ``edit`` over the JSON stored in ``column`` (the record, or one of the JSON columns outside any model) of
    ``key`` (an id, or column -> value) in ``table`` by raw SQL, past every model."""
    columns = _columns(table, key)
    where = " AND ".join(f"{name} = :{name}" for name in columns)
    with db.begin() as conn:
        stored = conn.execute(text(f"SELECT {column} FROM {table} WHERE {where}"), columns).scalar_one()
        written = conn.execute(text(f"UPDATE {table} SET {column} = :value WHERE {where}"),
                               {**columns, "value": edit.change(json.loads(stored))})
        assert written.rowcount == 1


def shown_line(table: str, key: Key, edit: Edit) -> str:
    """How a bad row is named, by ``matcher store check`` and inside every error that meets it."""
    shown = " ".join(f"{column}={value!r}" for column, value in _columns(table, key).items())
    return f"{table} {shown}: {edit.problem}"

"""Firm profiles from a JSON array, JSONL or CSV file whose keys/columns are FirmProfile field names.

Only firm_id, name and description are required. In CSV, list fields (keywords, codes, target_countries,
languages, certifications, offers) are ``;``-separated and min_value / max_value are read with
``normalize.parse_amount`` ('1 234,50' and '1,234.50' both work); empty cells are absent. Text is kept as
written (UTF-8, Korean included). ``offers`` (what the firm sells: supplies, services, works; 'goods' reads
as supplies) is optional. A key that is not a FirmProfile field rejects that record, naming the
key, because the schema forbids extra fields. See docs/formats.md for an example.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from matcher.ingest.base import Rejected, Row, describe_validation_error, first_of_each, read_table
from matcher.normalize.nature import parse_nature
from matcher.normalize.text import parse_amount, split_list
from matcher.schema import FirmProfile

FIELDS = tuple(FirmProfile.model_fields)
_LISTS = ("keywords", "codes", "accepted_codes", "declined_codes", "target_countries", "languages", "certifications",
          "offers")
_AMOUNTS = ("min_value", "max_value")


def read_firms(path: Path) -> Iterator[FirmProfile | Rejected]:
    """Firm profiles from a file; a bad record is Rejected as ``file.csv:<line>`` with the reason."""
    rows = ((row.record, row if isinstance(row, Rejected) else _firm(row)) for row in read_table(path).rows)
    yield from first_of_each(rows, "firm_id")


def _firm(row: Row) -> FirmProfile | Rejected:
    unknown = [key for key in row.fields if key.strip() not in FIELDS]
    if unknown:
        return Rejected(row.record, f"unknown field {unknown[0]!r} (expected: {', '.join(FIELDS)})")
    fields: dict[str, Any] = {}
    for key, value in row.fields.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        fields[key.strip()] = value
    for key in _LISTS:
        if key in fields:
            fields[key] = split_list(fields[key])
    if "offers" in fields:  # 'Goods' reads as supplies; an unknown word stays for validation to name
        fields["offers"] = [parse_nature(item) or item for item in fields["offers"]]
    for key in _AMOUNTS:
        if isinstance(fields.get(key), str):  # an unparseable amount stays and fails validation
            amount = parse_amount(fields[key])
            fields[key] = fields[key] if amount is None else amount
    try:
        return FirmProfile.model_validate(fields)
    except ValidationError as exc:
        return Rejected(row.record, describe_validation_error(exc))

"""Tender tables from "other sources" (UNGM, World Bank and similar exports): CSV, JSON array or JSONL.

Columns (CSV) or keys (JSON) are the Tender field names: tender_id, source, notice_type, title,
description, language, buyer, buyer_country, countries, codes, value, currency, published, deadline, url
(and titles, a JSON object of title per language). Names are matched case-insensitively, with spaces and
hyphens read as underscores. In CSV, list fields (countries, codes) are ``;``-separated; empty cells are
absent. See docs/formats.md for an example.

Aliases seen in UNGM and World Bank exports, mapped explicitly:

    reference, id, notice_id                -> tender_id
    deadline_date, submission_deadline      -> deadline
    published_date, publication_date        -> published
    country                                 -> countries (place of performance)
    agency, un_organization, organization   -> buyer
    link                                    -> url
    unspsc                                  -> codes, each prefixed 'UNSPSC:' unless already prefixed
    cpv                                     -> codes, each prefixed 'CPV:' unless already prefixed
    contract_type, procurement_category,
    main_procurement_category               -> contract_nature
    type_of_opportunity, opportunity_type,
    notice_type                             -> notice_type (UNGM's wording read as below)
    beneficiary_country, beneficiary_countries,
    beneficiary_country/territory           -> countries
    title_of_notice                         -> title

UNGM (the UN Global Marketplace) publishes no public API: an officer exports the notice list from
ungm.org as CSV (or saves the result table as CSV) and loads it with ``matcher ingest ungm FILE``, which
reads it here with source ``ungm`` (README, "UNGM"). Its opportunity types are read as notice types: a
request for proposal / quotation / expression of interest, an invitation to bid and a call for proposals
are open calls, a pre-bid or prior notice is prior information, a contract award an award; "Not set"
leaves the default (open call); any other wording is left for validation to name.

contract_nature (optional) is supplies, services or works; 'Goods', 'Non-consulting Services', 'Consultant
Services' and 'Civil Works' as World Bank and UNGM write them are read as those.

A tender_id without its ``<source>:`` prefix gets one (source defaults to ``csv``); whitespace, '/', '?'
and '#' in ids are percent-encoded. Country names that ``normalize.country_code`` knows become ISO codes;
any other value is left for validation to reject. An unknown column is a file-level UnreadableFile
(every row would be wrong); a bad row is Rejected as ``file.csv:<line>``.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from matcher.errors import UnreadableFile
from matcher.ingest.base import (
    Rejected,
    Row,
    describe_validation_error,
    first_of_each,
    parse_json,
    read_table,
    screen,
)
from matcher.normalize.nature import parse_nature
from matcher.normalize.text import country_code, parse_amount, parse_date, parse_datetime, safe_id, split_list
from matcher.schema import Tender

DEFAULT_SOURCE = "csv"
FIELDS = tuple(Tender.model_fields)
ALIASES: dict[str, str] = {
    "reference": "tender_id",
    "id": "tender_id",
    "notice_id": "tender_id",
    "deadline_date": "deadline",
    "submission_deadline": "deadline",
    "published_date": "published",
    "publication_date": "published",
    "country": "countries",
    "agency": "buyer",
    "un_organization": "buyer",
    "organization": "buyer",
    "link": "url",
    "unspsc": "codes",
    "cpv": "codes",
    "contract_type": "contract_nature",
    "procurement_category": "contract_nature",
    "main_procurement_category": "contract_nature",
    "type_of_opportunity": "notice_type",
    "opportunity_type": "notice_type",
    "beneficiary_country": "countries",
    "beneficiary_countries": "countries",
    "beneficiary_country/territory": "countries",
    "title_of_notice": "title",
}
#: UNGM's opportunity types (and similar wording from other exports), by a phrase they contain.
_NOTICE_WORDING: tuple[tuple[str, str], ...] = (
    ("award", "award"),
    ("pre-bid", "prior_information"), ("prior", "prior_information"), ("pre-qualification", "open_call"),
    ("request for", "open_call"), ("invitation to", "open_call"), ("call for", "open_call"),
    ("expression of interest", "open_call"), ("tender", "open_call"),
)
_CODE_PREFIX = {"unspsc": "UNSPSC", "cpv": "CPV"}
_SCHEME = re.compile(r"^[A-Za-z]+:")


def read_tender_table(path: Path, source: str = DEFAULT_SOURCE) -> Iterator[Tender | Rejected]:
    """Tenders from a CSV / JSON / JSONL tender table; the whole file is checked before the first row.
    ``source`` is the source of rows that do not name one (``ungm`` for a UNGM export)."""
    table = read_table(path)
    columns = column_map(table.columns, path)
    rows = ((row.record, row if isinstance(row, Rejected) else _tender(row, columns, source)) for row in table.rows)
    yield from first_of_each(rows, "tender_id")


def _key(column: str) -> str:
    return re.sub(r"[\s\-]+", "_", column.strip().lower())


def column_map(columns: list[str], path: Path) -> dict[str, str]:
    """Column -> normalised column name (a Tender field or a code alias); unknown columns raise."""
    mapping: dict[str, str] = {}
    targets: dict[str, str] = {}
    for column in columns:
        key = _key(column)
        target = key if key in FIELDS else ALIASES.get(key)
        if target is None:
            raise UnreadableFile(
                f"{path}: unknown column {column!r} (accepted: {', '.join(FIELDS)}; "
                f"aliases: {', '.join(ALIASES)})"
            )
        if target in targets and target != "codes":
            raise UnreadableFile(f"{path}: columns {targets[target]!r} and {column!r} both give {target}")
        targets[target] = column
        mapping[column] = key if key in _CODE_PREFIX else target
    return mapping


def _notice_type(text: str) -> str | None:
    """A notice type from its field value or an export's wording; None for "not set"; the text itself when
    nothing matches (validation then names it)."""
    words = text.strip().lower()
    if words in ("not set", "n/a", "none"):
        return None
    if words.replace(" ", "_") in ("open_call", "prior_information", "award", "other"):
        return words.replace(" ", "_")
    return next((kind for phrase, kind in _NOTICE_WORDING if phrase in words), text)


def _blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _codes(value: Any, prefix: str | None) -> list[str]:
    codes = split_list(value)
    return [code if prefix is None or _SCHEME.match(code) else f"{prefix}:{code}" for code in codes]


def _tender(row: Row, columns: dict[str, str], source: str) -> Tender | Rejected:
    fields: dict[str, Any] = {}
    codes: list[str] = []
    for column, raw in row.fields.items():
        name = columns[column]
        if _blank(raw):
            continue
        if name == "codes" or name in _CODE_PREFIX:
            codes += _codes(raw, _CODE_PREFIX.get(name))
        else:
            fields[name] = raw.strip() if isinstance(raw, str) else raw
    if codes:
        fields["codes"] = codes
    try:
        return screen(Tender.model_validate(_converted(fields, source)), row.record)
    except ValidationError as exc:
        return Rejected(row.record, describe_validation_error(exc))


def _converted(fields: dict[str, Any], default_source: str) -> dict[str, Any]:
    """Text cells turned into typed values; a value that does not convert is kept for validation to name."""
    out = dict(fields)
    source = str(out.get("source") or default_source)
    out["source"] = source
    if isinstance(out.get("notice_type"), str):
        kind = _notice_type(out["notice_type"])
        if kind is None:
            del out["notice_type"]
        else:
            out["notice_type"] = kind
    if isinstance(out.get("tender_id"), str | int):
        ident = str(out["tender_id"])
        out["tender_id"] = safe_id(ident if ident.startswith(f"{source}:") else f"{source}:{ident}")
    if "countries" in out:
        out["countries"] = [country_code(c) or c for c in split_list(out["countries"])]
    if isinstance(out.get("buyer_country"), str):
        out["buyer_country"] = country_code(out["buyer_country"]) or out["buyer_country"]
    converters = (("value", parse_amount), ("published", parse_date), ("deadline", parse_datetime))
    for key, convert in converters:
        if isinstance(out.get(key), str):
            converted = convert(out[key])
            out[key] = out[key] if converted is None else converted
    if isinstance(out.get("contract_nature"), str):  # an unknown word stays for validation to name
        out["contract_nature"] = parse_nature(out["contract_nature"]) or out["contract_nature"]
    if isinstance(out.get("titles"), str):
        # Text that is not JSON (or nested past the parser's depth) stays text: validation then says "titles:
        # Input should be a valid dictionary". A lone surrogate is read as U+FFFD (``parse_json``).
        with contextlib.suppress(json.JSONDecodeError, RecursionError):
            out["titles"] = parse_json(out["titles"])
    return out

"""Award history: the award-history JSONL format and OCDS awards, as ``Award`` rows (award x supplier).

``read_awards`` reads the award-history format (one JSON object per line, plain or gzip; a JSON array or a
CSV with the same columns also works, CSV lists ``;``-separated). Published files mark "absent" in two
ways that are normalised here, never by loosening the schema:

- an empty string in an optional field (buyer, buyer_country, supplier_country, currency, language,
  value) means absent -> None;
- a ``Missing: ...`` placeholder (the TED cryogenics file writes ``"currency": "Missing: Value"``, always
  with ``"value": null``, and ``"title": "Missing: Title"``, ``"description": "Missing: Description"``)
  means absent -> None, or '' for title and description, so the placeholder never becomes searchable text.

``awards_from_ocds`` turns each OCDS award into one row per supplier, using the same loading and merging
as the tender reader. Awards with status cancelled or unsuccessful are skipped (they are not wins);
an award without suppliers or without any date is Rejected. award_id is ``<ocid>/<award id>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from matcher.ingest.base import Rejected, Row, describe_validation_error, read_table
from matcher.ingest.ocds import (
    item_codes,
    language_code,
    money,
    organisation_country,
    organisation_name,
    release_buyer,
    release_description,
    release_items,
    release_title,
    text_field,
)
from matcher.ingest.ocds_package import JsonObject, OcdsProcess, load_processes, objects
from matcher.normalize.text import parse_amount, parse_date, split_list
from matcher.schema import Award

_OPTIONAL = ("buyer", "buyer_country", "supplier_country", "currency", "language", "value")
_TEXT = ("title", "description")
_PLACEHOLDER = "missing:"


def read_awards(path: Path) -> Iterator[Award | Rejected]:
    """Award rows from an award-history file; a bad row is Rejected as ``file.jsonl:<line>``."""
    for row in read_table(path).rows:
        yield row if isinstance(row, Rejected) else _award_row(row)


def _absent(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, str) and (not value.strip() or value.strip().lower().startswith(_PLACEHOLDER))


def _award_row(row: Row) -> Award | Rejected:
    fields = dict(row.fields)
    for key in _OPTIONAL:
        if key in fields and _absent(fields[key]):
            fields[key] = None
    for key in _TEXT:
        if key in fields and _absent(fields[key]):
            fields[key] = ""
    if isinstance(fields.get("codes"), str):
        fields["codes"] = split_list(fields["codes"])
    if isinstance(fields.get("value"), str):  # CSV; an unparseable value stays and fails validation
        amount = parse_amount(fields["value"])
        fields["value"] = fields["value"] if amount is None else amount
    try:
        return Award.model_validate(fields)
    except ValidationError as exc:
        return Rejected(row.record, describe_validation_error(exc))


def awards_from_ocds(path: Path) -> Iterator[Award | Rejected]:
    """One Award per (OCDS award x supplier) in a file, folder or archive of OCDS data."""
    for process in load_processes(path):
        if isinstance(process, Rejected):
            yield process
        else:
            yield from _process_awards(process)


def _process_awards(process: OcdsProcess) -> Iterator[Award | Rejected]:
    release = process.release
    language = language_code(release.get("language"))
    title = release_title(release, language)
    buyer, buyer_country = release_buyer(release, language)
    shared = {
        "title": title,
        "description": release_description(release, title, language),
        "buyer": buyer,
        "buyer_country": buyer_country,
        "codes": item_codes(release_items(release)),
        "language": language,
    }
    for award in objects(release.get("awards")):
        if str(award.get("status") or "").lower() in ("cancelled", "unsuccessful"):
            continue
        yield from _award_suppliers(process, award, shared)


def _award_date(process: OcdsProcess, award: JsonObject) -> str | None:
    """award.date, else dateSigned of its contract, else the release date."""
    contracts = [c for c in objects(process.release.get("contracts")) if c.get("awardID") == award.get("id")]
    for value in [award.get("date"), *(c.get("dateSigned") for c in contracts), process.release.get("date")]:
        moment = parse_date(value) if isinstance(value, str) else None
        if moment is not None:
            return moment.isoformat()
    return None


def _award_suppliers(
    process: OcdsProcess, award: JsonObject, shared: dict[str, Any]
) -> Iterator[Award | Rejected]:
    award_id = f"{process.ocid}/{award['id']}" if award.get("id") is not None else process.ocid
    suppliers = objects(award.get("suppliers"))
    when = _award_date(process, award)
    if not suppliers or when is None:
        yield Rejected(award_id, "award has no suppliers" if not suppliers else "award has no date")
        return
    language = shared["language"]
    value, currency = money(award.get("value"))
    fields = {
        **shared,
        "award_id": award_id,
        "date": when,
        "title": text_field(award, "title", language) or shared["title"],
        "description": text_field(award, "description", language) or shared["description"],
        "value": value,
        "currency": currency,
    }
    if objects(award.get("items")):
        fields["codes"] = item_codes(objects(award.get("items"))) or shared["codes"]
    parties = objects(process.release.get("parties"))
    for supplier in suppliers:
        row = {**fields, "supplier": _supplier_name(supplier, parties, language)}
        row["supplier_country"] = organisation_country(supplier, parties)
        try:
            yield Award.model_validate(row)
        except ValidationError as exc:
            yield Rejected(award_id, describe_validation_error(exc))


def _supplier_name(supplier: JsonObject, parties: list[JsonObject], language: str | None) -> str | None:
    """The supplier's own name, else the name of the party it points to by id."""
    named = organisation_name(supplier, language)
    if named or supplier.get("id") is None:
        return named
    matches = (organisation_name(p, language) for p in parties if p.get("id") == supplier.get("id"))
    return next((name for name in matches if name), None)

"""OCDS 1.0/1.1 releases and records -> Tender, one per ocid (loading and merging: ``ocds_package.py``).

Field mapping (first non-empty source wins; ``title_<lang>`` language variants count as the field):

- tender_id ``ocds:<ocid>`` (whitespace, ``/``, ``?``, ``#`` percent-encoded); source ``ocds``.
- title: tender.title, award titles, contract titles, the first item description,
  planning.budget.description; none of them -> Rejected.
- description: tender.description plus the item descriptions that differ from the title.
- language: release.language ('en-GB' -> 'en', 'English' -> 'en'); anything else -> None.
- buyer / buyer_country: buyer, parties with role buyer, tender.procuringEntity, parties with role
  procuringEntity; name or identifier.legalName; country from the organisation's address or its party.
- countries: items' deliveryAddress.countryName (and tender.deliveryAddress).
- codes: items' classification and additionalClassifications (tender items, else award items, else
  contract items); CPV, UNSPSC, GSIN and NAICS keep their scheme, other schemes become ``OTHER:<id>``;
  codes that fail validation are dropped.
- value / currency: tender.value, else planning.budget.amount. published: earliest release date.
  deadline: tender.tenderPeriod.endDate. url: the first tender document url.
- contract_nature: tender.mainProcurementCategory (goods -> supplies, works, services), else the
  additionalProcurementCategories when they name a single nature.

notice_type, checked in this order:

1. tender.status cancelled/withdrawn, or a tenderCancellation tag        -> other
2. an award/contract/implementation tag, an award not cancelled or
   unsuccessful, or a contract not cancelled                              -> award
3. tender.status complete/unsuccessful (no award)                         -> other
4. tender.status planning/planned, or a planning tag                      -> prior_information
5. tender.status active, or a tender/tenderUpdate/tenderAmendment tag     -> open_call
6. otherwise by content: a tender section -> open_call, planning -> prior_information, else other.

The 2014 Canada buyandsell tender file (near-1.0 shape) is supported: language 'English', GSIN codes
written in the classification description ('F029: Animal Care, 5131C: Highways'), deadlines with a
time-zone name ('2014-04-15 14:00 Eastern Daylight Time (EDT)'). An endDate written but unreadable (no such
day, year 0) rejects the release, naming it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from matcher.ingest.base import Rejected, describe_validation_error, first_of_each, screen
from matcher.ingest.ocds_package import JsonObject, OcdsProcess, load_processes, obj, objects, tags
from matcher.normalize.nature import parse_nature
from matcher.normalize.text import clean_text, country_code, in_utc, parse_amount, parse_datetime, safe_id
from matcher.schema import AS_PUBLISHED, Code, Nature, Tender

_CODE: TypeAdapter[str] = TypeAdapter(Code)
_SCHEMES = {"CPV": "CPV", "UNSPSC": "UNSPSC", "GSIN": "GSIN", "NAICS": "NAICS"}
_CODE_IN_TEXT = re.compile(r"(?:^|,\s*)([A-Z0-9]{1,10}):\s")
_LANGUAGE_NAMES = {"english": "en", "french": "fr"}
_TZ_NAMED = re.compile(r"^(\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2})\s+[A-Za-z ]*\(([A-Z]{2,4})\)$")
# Offsets of the zone names in the 2014 Canada file (North American and Central European zones only).
_TZ_HOURS = dict(
    NDT=-2.5,
    NST=-3.5,
    ADT=-3,
    AST=-4,
    EDT=-4,
    EST=-5,
    CDT=-5,
    CST=-6,
    MDT=-6,
    MST=-7,
    PDT=-7,
    PST=-8,
    CET=1,
    CEST=2,
)
_AWARD_TAGS = {
    "award",
    "awardUpdate",
    "awardNotice",
    "contract",
    "contractUpdate",
    "contractAmendment",
    "contractTermination",
    "implementation",
    "implementationUpdate",
}
_TENDER_TAGS = {"tender", "tenderUpdate", "tenderAmendment"}
_PLANNING_TAGS = {"planning", "planningUpdate"}
_MAX_TITLE, _MAX_DESCRIPTION, _MAX_BUYER = 2000, 100_000, 500
_NO_TITLE = (
    "no title (tender.title, award and contract titles, item descriptions and planning.budget.description "
    "are all empty)"
)


def read_ocds(path: Path) -> Iterator[Tender | Rejected]:
    """One Tender per ocid from an OCDS file, folder or archive; bad processes are Rejected by ocid. Two ocids
    that make one notice id ('a/1' and 'a%2F1': ``safe_id``) keep the first, as one id twice in any file does."""
    read = ((item.record, item) if isinstance(item, Rejected) else (item.ocid, tender_from_process(item))
            for item in load_processes(path))
    yield from first_of_each(read, "tender_id")


def tender_from_process(process: OcdsProcess) -> Tender | Rejected:
    """The Tender of one merged or compiled release, or why it cannot be one."""
    release = process.release
    language = language_code(release.get("language"))
    title = release_title(release, language)
    if not title:
        return Rejected(process.ocid, _NO_TITLE)
    tender = obj(release.get("tender"))
    buyer, buyer_country = release_buyer(release, language)
    value, currency = release_value(release)
    end = obj(tender.get("tenderPeriod")).get("endDate")
    deadline = parse_deadline(end)
    if deadline is None and end is not None and str(end).strip():
        # Read as none, a notice due in year 0 counted as open for 60 days after publication.
        return Rejected(process.ocid, f"tender.tenderPeriod.endDate: cannot read {str(end)[:100]!r} (expected an ISO "
                                      "8601 date-time such as 2021-05-01T10:00:00Z)")
    fields = {
        "tender_id": f"ocds:{safe_id(process.ocid)}",
        "source": "ocds",
        "notice_type": notice_type(release),
        "title": title,
        "description": release_description(release, title, language),
        "language": language,
        "buyer": buyer,
        "buyer_country": buyer_country,
        "countries": delivery_countries(release),
        "codes": item_codes(release_items(release)),
        "value": value,
        "currency": currency,
        "published": process.first_seen,
        "deadline": deadline,
        "url": next((u for u in (_text(d.get("url")) for d in objects(tender.get("documents"))) if u), None),
        "contract_nature": tender_nature(tender),
    }
    try:
        return screen(Tender.model_validate(fields, context=AS_PUBLISHED), process.ocid)
    except ValidationError as exc:
        return Rejected(process.ocid, describe_validation_error(exc))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def text_field(source: JsonObject, key: str, language: str | None) -> str:
    """``source[key]``, else its ``key_<language>`` variant, else any ``key_<xx>`` variant; cleaned."""
    candidates = [source.get(key), source.get(f"{key}_{language}") if language else None]
    candidates += [value for name, value in source.items() if name.startswith(f"{key}_")]
    return next((text for text in (clean_text(_text(c)) for c in candidates) if text), "")


def language_code(value: Any) -> str | None:
    """ISO 639 code from 'en', 'EN', 'en-GB' or 'English'; None when it is not recognisable."""
    text = _LANGUAGE_NAMES.get(_text(value).lower(), _text(value).lower())
    code = re.split(r"[-_]", text, maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def release_items(release: JsonObject) -> list[JsonObject]:
    """Tender items, else the items of the awards, else the items of the contracts."""
    candidates = [
        objects(obj(release.get("tender")).get("items")),
        [item for award in objects(release.get("awards")) for item in objects(award.get("items"))],
        [item for contract in objects(release.get("contracts")) for item in objects(contract.get("items"))],
    ]
    return next((items for items in candidates if items), [])


def release_title(release: JsonObject, language: str | None) -> str:
    """The best title the release offers (see the module docstring for the order); '' when none."""
    sources: list[tuple[JsonObject, str]] = [(obj(release.get("tender")), "title")]
    sources += [(award, "title") for award in objects(release.get("awards"))]
    sources += [(contract, "title") for contract in objects(release.get("contracts"))]
    sources += [(item, "description") for item in release_items(release)[:1]]
    sources.append((obj(obj(release.get("planning")).get("budget")), "description"))
    for source, key in sources:
        title = " ".join(text_field(source, key, language).split())
        if any(char.isalnum() for char in title):  # some publishers fill the title with '.'
            return title[:_MAX_TITLE]
    return ""


def release_description(release: JsonObject, title: str, language: str | None) -> str:
    """tender.description followed by the item descriptions, without repeats or a copy of the title."""
    parts = [text_field(obj(release.get("tender")), "description", language)]
    parts += [text_field(item, "description", language) for item in release_items(release)]
    kept = dict.fromkeys(part for part in parts if part and " ".join(part.split()) != title)
    return "\n".join(kept)[:_MAX_DESCRIPTION]


def organisation_name(organisation: JsonObject, language: str | None = None) -> str | None:
    """name (or its name_<language> variant), else identifier.legalName (OCDS 1.0 publishers)."""
    legal_name = _text(obj(organisation.get("identifier")).get("legalName"))
    name = text_field(organisation, "name", language) or legal_name
    return " ".join(name.split())[:_MAX_BUYER] or None


def organisation_country(organisation: JsonObject, parties: list[JsonObject]) -> str | None:
    """ISO country of the organisation's address, or of the party with the same id."""
    addresses = [obj(organisation.get("address"))]
    if organisation.get("id") is not None:
        addresses += [obj(p.get("address")) for p in parties if p.get("id") == organisation.get("id")]
    return next((c for c in (country_code(_text(a.get("countryName"))) for a in addresses) if c), None)


def release_buyer(release: JsonObject, language: str | None = None) -> tuple[str | None, str | None]:
    """(buyer name, buyer country) from buyer, then parties and the procuring entity."""
    parties = objects(release.get("parties"))
    candidates = [obj(release.get("buyer"))]
    candidates += [p for p in parties if "buyer" in (p.get("roles") or [])]
    candidates.append(obj(obj(release.get("tender")).get("procuringEntity")))
    candidates += [p for p in parties if "procuringEntity" in (p.get("roles") or [])]
    name = next((n for n in (organisation_name(c, language) for c in candidates) if n), None)
    country = next((c for c in (organisation_country(o, parties) for o in candidates) if c), None)
    return name, country


def delivery_countries(release: JsonObject) -> list[str]:
    """Countries of the items' delivery addresses (and a tender-level deliveryAddress)."""
    addresses = [obj(item.get("deliveryAddress")) for item in release_items(release)]
    addresses.append(obj(obj(release.get("tender")).get("deliveryAddress")))
    found = (country_code(_text(address.get("countryName"))) for address in addresses)
    return list(dict.fromkeys(code for code in found if code))


def item_codes(items: list[JsonObject]) -> list[str]:
    """Scheme-prefixed codes of the items' classifications; codes that do not validate are dropped."""
    codes: list[str] = []
    for item in items:
        extra = objects(item.get("additionalClassifications"))
        for classification in [obj(item.get("classification")), *extra]:
            for code in _classification_codes(classification):
                try:
                    codes.append(_CODE.validate_python(code))
                except ValidationError:
                    continue
    return list(dict.fromkeys(codes))


def _classification_codes(classification: JsonObject) -> list[str]:
    scheme = _text(classification.get("scheme")).upper()
    prefix = _SCHEMES.get(scheme, "OTHER")
    ident = classification.get("id")
    if isinstance(ident, int | str) and str(ident).strip():
        return [f"{prefix}:{str(ident).strip()}"]
    if scheme == "GSIN":  # 2014 Canada draft: 'F029: Other Animal Care, 5131C: Highways, ...'
        return [f"GSIN:{code}" for code in _CODE_IN_TEXT.findall(_text(classification.get("description")))]
    return []


def money(value: Any) -> tuple[float | None, str | None]:
    """(amount, currency) of an OCDS Value; a missing or negative amount gives (None, None). A NaN amount
    (JSON ``NaN``) is kept, as infinity is, and so is a currency that is no ISO 4217 code, so that validation
    rejects the release by name."""
    amount_raw = obj(value).get("amount")
    amount = parse_amount(amount_raw) if isinstance(amount_raw, int | float | str) else None
    if isinstance(amount_raw, float) and math.isnan(amount_raw):
        amount = amount_raw
    if amount is None:
        return None, None
    return amount, _text(obj(value).get("currency")).upper() or None


def release_value(release: JsonObject) -> tuple[float | None, str | None]:
    """tender.value, else planning.budget.amount."""
    tender_value = money(obj(release.get("tender")).get("value"))
    if tender_value[0] is not None:
        return tender_value
    return money(obj(obj(release.get("planning")).get("budget")).get("amount"))


def parse_deadline(value: Any) -> datetime | None:
    """An ISO date-time, or the 2014 Canada shape '2014-04-15 14:00 Eastern Daylight Time (EDT)'."""
    text = _text(value)
    named = _TZ_NAMED.match(text)
    if named and named.group(2) in _TZ_HOURS:
        try:  # strptime also takes '9:00'; an impossible day ('2014-02-30') is no deadline, as TED's
            local = datetime.strptime(named.group(1).replace("T", " "), "%Y-%m-%d %H:%M")
        except ValueError:
            return None
        zone = timezone(timedelta(hours=_TZ_HOURS[named.group(2)]))
        return in_utc(local.replace(tzinfo=zone))
    return parse_datetime(text) if text else None


def tender_nature(tender: JsonObject) -> Nature | None:
    """tender.mainProcurementCategory (goods -> supplies, works, services); without it, the additional
    categories when they all name one nature (consultingServices is a service)."""
    main = parse_nature(tender.get("mainProcurementCategory"))
    if main is not None:
        return main
    listed = tender.get("additionalProcurementCategories")
    additional = {n for c in listed if (n := parse_nature(c))} if isinstance(listed, list) else set()
    return additional.pop() if len(additional) == 1 else None


def notice_type(release: JsonObject) -> str:
    """open_call / prior_information / award / other, by the rules in the module docstring."""
    tender = obj(release.get("tender"))
    status = _text(tender.get("status")).lower()
    tagged = set(tags(release))
    if status in ("cancelled", "withdrawn") or "tenderCancellation" in tagged:
        return "other"
    awards = [_text(award.get("status")).lower() for award in objects(release.get("awards"))]
    contracts = [_text(contract.get("status")).lower() for contract in objects(release.get("contracts"))]
    awarded = any(s not in ("cancelled", "unsuccessful") for s in awards)
    awarded = awarded or any(s != "cancelled" for s in contracts)
    if tagged & _AWARD_TAGS or awarded:
        return "award"
    if status in ("complete", "unsuccessful"):
        return "other"
    if status in ("planning", "planned") or tagged & _PLANNING_TAGS:
        return "prior_information"
    if status == "active" or tagged & _TENDER_TAGS:
        return "open_call"
    if tender:
        return "open_call"
    return "prior_information" if release.get("planning") else "other"

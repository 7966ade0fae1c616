"""Read eForms notices (UBL ``ContractNotice``, ``ContractAwardNotice``, ``PriorInformationNotice``) into
the fields of a Tender; ``matcher.ingest.ted`` reads the files, dispatches on the root element and validates.

eForms lists every organisation once (in the extension) and refers to it by id, writes ISO 639-2 languages
and ISO 3166 alpha-3 countries, and gives times with their own offset, which is used as written (a time
without one is the buyer's local time, as in TED-XML).

Change notices. A notice is changed by a new notice, with its own id, that restates it whole as changed and
carries efac:Changes (BT-758 ChangedNoticeIdentifier, the changed notice's cbc:ID and cbc:VersionID,
'<uuid>-01'; BT-140 the reason; eForms SDK 1.2 typed it NoticeTypeCode "corr", later SDKs keep the changed
notice's type). Our ids are TED's publication numbers, which the change notice does not know, so every
eForms notice records its own '<uuid>-<version>' as an alias (``Tender.aliases``, 'eforms:...') and a change
notice corrects that alias (``Tender.corrects``) with the fields it restates: title and its translations,
description, codes and deadline; the store finds the changed notice by the alias, whichever arrives first.
A change notice with the reason "cancel" (notice cancelled) cancels the alias instead (``Tender.cancels``)
and is itself nothing to bid on ("other"). The TED sample's 12 eForms notices hold three change notices
(the SDK 1.2 examples), each changing one of the others: a deadline moved from 3 April to 12 June 2020, a
description "modified" with the same text, and a cancellation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from lxml import etree

from matcher.ingest.ted_common import (
    MAX_DESCRIPTION,
    Element,
    NotUsableError,
    clean,
    first_amount,
    iso_country,
    local_deadline,
    unique,
)
from matcher.normalize.nature import parse_nature
from matcher.normalize.text import parse_date, parse_datetime
from matcher.schema import Correction, Nature, NoticeType

#: eForms notice-type codes that the prefix rule in ``_eforms_notice_type`` would get wrong or cannot see.
_EFORMS_NOTICE_TYPES: dict[str, NoticeType] = {
    "can-modif": "other",  # a modification, like TED-XML "K"
    "veat": "award",
    "qu-sy": "open_call",
    "subco": "open_call",  # a call for subcontractors
    "pmc": "prior_information",  # pre-market consultation
}
#: eForms notice-type codes of design contests: the contest notice and its results (subtypes 23-24, 36-37).
_EFORMS_DESIGN_CONTESTS = frozenset({"cn-desg", "can-desg"})
_EFORMS_PREFIXES: tuple[tuple[str, NoticeType], ...] = (
    ("cn-", "open_call"),  # cn-standard, cn-social, cn-desg
    ("pin-", "prior_information"),  # pin-only, pin-buyer, pin-cfc-standard, ...
    ("can-", "award"),  # can-standard, can-social, can-desg, can-tran
)

_EFORMS_ROOTS = frozenset({"ContractNotice", "ContractAwardNotice", "PriorInformationNotice"})
_UBL_PREFIX = "urn:oasis:names:specification:ubl:schema:xsd:"
_NS = {
    "cbc": _UBL_PREFIX + "CommonBasicComponents-2",
    "cac": _UBL_PREFIX + "CommonAggregateComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
}
#: eForms writes ISO 639-2 language codes; the schema speaks ISO 639-1. The EU languages plus EEA ones.
_LANGUAGES_639_2 = {
    "BUL": "bg", "CES": "cs", "DAN": "da", "DEU": "de", "ELL": "el", "ENG": "en", "EST": "et", "FIN": "fi",
    "FRA": "fr", "GLE": "ga", "HRV": "hr", "HUN": "hu", "ITA": "it", "LAV": "lv", "LIT": "lt", "MLT": "mt",
    "NLD": "nl", "POL": "pl", "POR": "pt", "RON": "ro", "SLK": "sk", "SLV": "sl", "SPA": "es", "SWE": "sv",
    "NOR": "no", "ISL": "is",
}  # fmt: skip
#: eForms writes ISO 3166 alpha-3 country codes; European ones here, others fall back to the NUTS code.
_COUNTRIES_ALPHA3 = {
    "AUT": "AT", "BEL": "BE", "BGR": "BG", "HRV": "HR", "CYP": "CY", "CZE": "CZ", "DNK": "DK", "EST": "EE",
    "FIN": "FI", "FRA": "FR", "DEU": "DE", "GRC": "GR", "HUN": "HU", "IRL": "IE", "ITA": "IT", "LVA": "LV",
    "LTU": "LT", "LUX": "LU", "MLT": "MT", "NLD": "NL", "POL": "PL", "PRT": "PT", "ROU": "RO", "SVK": "SK",
    "SVN": "SI", "ESP": "ES", "SWE": "SE", "GBR": "GB", "NOR": "NO", "ISL": "IS", "LIE": "LI", "CHE": "CH",
    "ALB": "AL", "MKD": "MK", "MNE": "ME", "SRB": "RS", "TUR": "TR", "BIH": "BA", "MDA": "MD", "UKR": "UA",
}  # fmt: skip
_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")
#: BT-140 Change Reason Code (change-corrig-justification) "cancel": the notice is cancelled.
_CANCELLED = "cancel"


def is_eforms(root: Element) -> bool:
    """Whether the root element is one of the eForms notices read here, in the UBL namespace."""
    qname = etree.QName(root)
    return qname.localname in _EFORMS_ROOTS and (qname.namespace or "").startswith(_UBL_PREFIX)


def eforms_fields(root: Element) -> dict[str, Any]:
    """The Tender fields of an eForms notice; raises NotUsableError for a notice without an id."""
    language = _eforms_language(_ef_text(root, "cbc:NoticeLanguageCode")) or "en"
    project = root.find("cac:ProcurementProject", _NS)
    lots = root.findall("cac:ProcurementProjectLot/cac:ProcurementProject", _NS)
    parts = [p for p in (project, *lots) if p is not None]
    titles = _eforms_texts(parts[:1], "cbc:Name", language) or _eforms_texts(lots, "cbc:Name", language)
    descriptions = [_eforms_texts([p], "cbc:Description", language) for p in parts]
    buyer, buyer_country = _eforms_buyer(root, language)
    value, currency = _eforms_value(root, project, lots)
    publication_id = _ef_text(root, ".//efac:Publication/efbc:NoticePublicationID")
    published = _ef_text(root, ".//efac:Publication/efbc:PublicationDate") or _ef_text(root, "cbc:IssueDate")
    contest = _ef_text(root, "cbc:NoticeTypeCode").lower() in _EFORMS_DESIGN_CONTESTS
    fields = {
        "tender_id": f"ted:{_eforms_id(root, publication_id)}",
        "source": "ted",
        "notice_type": _eforms_notice_type(root),
        "title": _pick(titles, language),
        "description": "\n".join(unique(_pick(d, language) for d in descriptions))[:MAX_DESCRIPTION],
        "language": language,
        "buyer": buyer,
        "buyer_country": buyer_country,
        "countries": unique(_eforms_country(a) for p in parts for a in p.iterfind(".//cac:Address", _NS)),
        "codes": _eforms_codes(parts),
        "value": value,
        "currency": currency,
        "published": _eforms_day(published),
        "deadline": _eforms_deadline(root, buyer_country),
        "url": f"https://ted.europa.eu/en/notice/-/detail/{publication_id}" if publication_id else None,
        "titles": titles,
        # A design contest buys a design (a service), as TED-XML's forms F12/F13 are read (``matcher.ingest.ted``).
        "contract_nature": "services" if contest else _eforms_nature(parts),
        "design_contest": contest,
        "aliases": _eforms_aliases(_ef_text(root, "cbc:ID"), _ef_text(root, "cbc:VersionID")),
    }
    return {**fields, **_eforms_changes(root, fields)}


def _ef_text(parent: Element, path: str) -> str:
    """Stripped text at a namespaced eForms path, '' when absent."""
    return str(parent.findtext(path, namespaces=_NS) or "").strip()


def _eforms_id(root: Element, publication_id: str) -> str:
    """TED's publication number once published; before that the notice UUID and its version."""
    if publication_id:
        return publication_id
    notice_id = _ef_text(root, "cbc:ID")
    if not notice_id:
        raise NotUsableError("eForms notice without a cbc:ID")
    version = _ef_text(root, "cbc:VersionID")
    return f"{notice_id}-{version}" if version else notice_id


def _eforms_aliases(notice_id: str, version: str) -> list[str]:
    """['eforms:<uuid>-<version>']: the notice as a change notice names it (BT-758 is BT-701 '-' BT-757)."""
    if not notice_id:
        return []
    return [f"eforms:{notice_id}-{version}" if version else f"eforms:{notice_id}"]


def _eforms_changes(root: Element, fields: dict[str, Any]) -> dict[str, Any]:
    """For a change notice: the notice it changes, corrected with the restated fields (or cancelled)."""
    changed = _ef_text(root, ".//efac:Changes/efbc:ChangedNoticeIdentifier")
    if not changed:
        return {}
    notice = f"eforms:{changed}"
    if _ef_text(root, ".//efac:Changes/efac:ChangeReason/cbc:ReasonCode") == _CANCELLED:
        return {"cancels": [notice], "notice_type": "other"}
    restated = {
        "title": fields["title"] or None,
        "titles": fields["titles"] or None,
        "description": fields["description"] or None,
        "codes": fields["codes"] or None,
        "deadline": fields["deadline"],
    }
    return {"corrects": [Correction(notice=notice, **restated)]}


def _eforms_notice_type(root: Element) -> NoticeType:
    code = _ef_text(root, "cbc:NoticeTypeCode").lower()
    if code in _EFORMS_NOTICE_TYPES:
        return _EFORMS_NOTICE_TYPES[code]
    for prefix, kind in _EFORMS_PREFIXES:
        if code.startswith(prefix):
            return kind
    return "other"  # corr (corrigendum), compl, brin-*: nothing to bid on


def _eforms_language(code: str | None) -> str | None:
    text = (code or "").strip().upper()
    return _LANGUAGES_639_2.get(text, text.lower() or None)


def _eforms_texts(parents: Iterable[Element], path: str, default: str) -> dict[str, str]:
    """Multilingual text (one element per languageID) keyed by ISO 639-1; the first per language wins."""
    texts: dict[str, str] = {}
    for parent in parents:
        for element in parent.iterfind(path, _NS):
            text = clean("".join(element.itertext()))
            if text:
                texts.setdefault(_eforms_language(element.get("languageID")) or default, text)
    return texts


def _pick(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or next(iter(texts.values()), "")


def _eforms_country(address: Element) -> str | None:
    """ISO alpha-2 from an address: the alpha-3 country code, else the NUTS code."""
    alpha3 = _ef_text(address, "cac:Country/cbc:IdentificationCode").upper()
    if alpha3 in _COUNTRIES_ALPHA3:
        return _COUNTRIES_ALPHA3[alpha3]
    return iso_country(_ef_text(address, "cbc:CountrySubentityCode"))


def _eforms_buyer(root: Element, language: str) -> tuple[str | None, str | None]:
    """Name and country of the organisation the ContractingParty points to (eForms lists every
    organisation once, in the extension, and refers to them by id)."""
    ref = _ef_text(root, "cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID")
    if not ref:
        return None, None
    for company in root.iterfind(".//efac:Organizations/efac:Organization/efac:Company", _NS):
        if _ef_text(company, "cac:PartyIdentification/cbc:ID") == ref:
            name = _pick(_eforms_texts([company], "cac:PartyName/cbc:Name", language), language) or None
            address = company.find("cac:PostalAddress", _NS)
            return name, _eforms_country(address) if address is not None else None
    return None, None


def _eforms_nature(parts: list[Element]) -> Nature | None:
    """The main contract nature (BT-23) of the procedure, else of its first lot that states one; the
    additional natures under cac:ProcurementAdditionalType (BT-531) are not the main one."""
    for part in parts:
        for code in part.iterfind("cbc:ProcurementTypeCode", _NS):
            if code.get("listName") == "contract-nature" and (nature := parse_nature(code.text)) is not None:
                return nature
    return None


def _eforms_codes(parts: list[Element]) -> list[str]:
    """CPV codes of the procedure then of each lot, main code first."""
    codes: list[str | None] = []
    for path in ("cac:MainCommodityClassification", "cac:AdditionalCommodityClassification"):
        for part in parts:
            for code in part.iterfind(f"{path}/cbc:ItemClassificationCode", _NS):
                if (code.get("listName") or "cpv").lower() == "cpv" and code.text:
                    codes.append(code.text.strip())
    return [f"CPV:{code}" for code in unique(codes)]


def _eforms_value(
    root: Element, project: Element | None, lots: list[Element]
) -> tuple[float | None, str | None]:
    """The awarded total when the notice has results, else the procedure's (or the only lot's) estimate."""
    path = "cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"
    candidates = [root.find(".//efac:NoticeResult/cbc:TotalAmount", _NS)]
    candidates.append(project.find(path, _NS) if project is not None else None)
    candidates.append(lots[0].find(path, _NS) if len(lots) == 1 else None)
    return first_amount(candidates)


def _eforms_day(published: str) -> date | None:
    """The publication day ('2020-04-09+01:00': the offset is not part of a date). One written but unreadable
    (year 0 or 10000) refuses the notice: read as none, one without a deadline would stay open for ever."""
    if not published:
        return None
    day = parse_date(published[:10])
    if day is None:
        raise NotUsableError(f"published: cannot read {published!r} (expected a date such as 2020-04-09+01:00)")
    return day


def _eforms_deadline(root: Element, country: str | None) -> datetime | None:
    """The latest lot deadline, so a notice stays open while any of its lots is. One written but unreadable
    refuses the notice: read as none, a notice due in year 0 counted as open for 60 days after publication."""
    found = []
    for period in root.iterfind(".//cac:TenderSubmissionDeadlinePeriod", _NS):
        day, clock = _ef_text(period, "cbc:EndDate"), _ef_text(period, "cbc:EndTime")
        moment = _eforms_moment(day, clock, country)
        if moment is None and day:
            raise NotUsableError(f"deadline: cannot read cbc:EndDate {day!r} at cbc:EndTime {clock!r} (expected a "
                                 "date such as 2020-05-18+01:00 and a time such as 18:00:00+01:00)")
        if moment is not None:
            found.append(moment)
    return max(found) if found else None


def _eforms_moment(day: str, clock: str, country: str | None) -> datetime | None:
    """'2020-05-11+01:00' and '10:00:00+01:00' -> an aware UTC datetime; no offset means local time."""
    offset = _OFFSET.search(clock) or _OFFSET.search(day)
    if not day or offset is None:
        return local_deadline(day[:10], clock[:5], country)
    core = _OFFSET.sub("", clock) or "23:59:00"
    return parse_datetime(f"{day[:10]}T{core}{offset.group(1)}")

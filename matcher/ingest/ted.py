"""Read TED notices into Tenders: TED-XML ``TED_EXPORT`` documents (R2.0.8 and R2.0.9, forms F01-F25, the
defence forms and the public-transport ``MOVE`` forms) and eForms UBL notices.

One XML document is one notice. Where things fail, and why there:

* A single ``.xml`` file that is not well-formed raises ``UnreadableFile`` with one line naming the file and
  the XML error (line, column): the user pointed at that file, so the run stops with a clear message.
* Inside a folder or an archive of many notices the same problem is yielded as ``Rejected(member, reason)``
  and the other notices still load: one broken member must not throw away a day's feed.
* A well-formed document that is not a TED notice, a notice with no id or no title, and a notice whose values
  fail the schema are ``Rejected`` with the reason.

Deadlines: TED-XML gives the deadline as the buyer's local time without a zone. We read it in the buyer
country's zone (Central European Time unless the country is listed in ``_BUYER_ZONES``) and convert to UTC;
a deadline given as a day only is taken as 23:59 local, so the notice stays open through that day. eForms
times carry their own offset, which is used as written.

Values: the awarded total when there is one, else the estimate; 1 and 0.01 are placeholders for "not
disclosed" and count as no value.

The parser never resolves entities, never touches the network and keeps lxml's size limits (no huge_tree).
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cachetools import LRUCache, cached
from lxml import etree
from pydantic import ValidationError

from matcher.errors import UnreadableFile
from matcher.ingest.base import Rejected, describe_validation_error, iter_members, screen
from matcher.ingest.ted_cancel import ted_cancels
from matcher.normalize.nature import parse_nature
from matcher.normalize.text import clean_text, nuts_country, parse_amount, parse_date, parse_datetime
from matcher.schema import Nature, NoticeType, Tender

log = logging.getLogger(__name__)

#: lxml ships no type information (mypy is told to ignore it), so elements are plain ``Any``.
_Element = Any

_ARCHIVES = (".tar.gz", ".tgz", ".tar", ".zip")
_PLACEHOLDER_VALUE = 1.0
_MAX_DESCRIPTION = 100_000  # the schema's limit; a 100-lot notice can exceed it and is still worth keeping

#: TD_DOCUMENT_TYPE codes found in the TED-XML sample (3,464 notices), with TED's labels. Calls a firm can
#: answer now are open calls; announcements of future calls are prior information; anything else is "other".
_TED_NOTICE_TYPES: dict[str, NoticeType] = {
    "3": "open_call",  # Contract notice
    "Y": "open_call",  # Dynamic purchasing system
    "D": "open_call",  # Design contest (a call for entries)
    "C": "open_call",  # Works concession (concession notice)
    "H": "open_call",  # Services concession (concession notice)
    "O": "open_call",  # Qualification system with call for competition
    "Q": "open_call",  # Qualification system without call for competition: firms can still apply to qualify
    "0": "prior_information",  # Prior information notice without call for competition
    "A": "prior_information",  # Prior information notice with call for competition
    "P": "prior_information",  # Periodic indicative notice without call for competition (utilities)
    "M": "prior_information",  # Periodic indicative notice with call for competition (utilities)
    "B": "prior_information",  # Buyer profile: announces a prior information notice on the buyer's profile
    "7": "award",  # Contract award notice
    "V": "award",  # Voluntary ex ante transparency notice: a direct award, made public
    "J": "award",  # Concession award notice
    "R": "award",  # Results of design contests
    "K": "other",  # Modification of a contract/concession during its term
    "2": "other",  # Additional information (corrigendum, form F14)
}

#: eForms notice-type codes that the prefix rule in ``_eforms_notice_type`` would get wrong or cannot see.
_EFORMS_NOTICE_TYPES: dict[str, NoticeType] = {
    "can-modif": "other",  # a modification, like TED-XML "K"
    "veat": "award",
    "qu-sy": "open_call",
    "subco": "open_call",  # a call for subcontractors
    "pmc": "prior_information",  # pre-market consultation
}
_EFORMS_PREFIXES: tuple[tuple[str, NoticeType], ...] = (
    ("cn-", "open_call"),  # cn-standard, cn-social, cn-desg
    ("pin-", "prior_information"),  # pin-only, pin-buyer, pin-cfc-standard, ...
    ("can-", "award"),  # can-standard, can-social, can-desg, can-tran
)

#: Buyer countries whose clocks are not on Central European Time (the default, as Europe/Brussels).
_BUYER_ZONES = {
    "GB": "Europe/London", "IE": "Europe/Dublin", "PT": "Europe/Lisbon", "IS": "Atlantic/Reykjavik",
    "FI": "Europe/Helsinki", "EE": "Europe/Tallinn", "LV": "Europe/Riga", "LT": "Europe/Vilnius",
    "BG": "Europe/Sofia", "RO": "Europe/Bucharest", "GR": "Europe/Athens", "CY": "Asia/Nicosia",
    "MD": "Europe/Chisinau", "TR": "Europe/Istanbul",
}  # fmt: skip
_DEFAULT_ZONE = "Europe/Brussels"

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

_DAY = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


#: NC_CONTRACT_NATURE codes with one contract type (every notice of the sample has one of these three).
_TED_NATURES: dict[str, Nature] = {"1": "works", "2": "supplies", "4": "services"}
_DESIGN_CONTESTS = frozenset({"D", "R"})  # TD_DOCUMENT_TYPE: design contest, results of a design contest


class _NotUsableError(Exception):
    """A well-formed document that cannot become a Tender; the message is the Rejected reason."""


# ----------------------------------------------------------------------------- public API


def read_ted(path: Path) -> Iterator[Tender | Rejected]:
    """Tenders from one notice file, a folder of them (recursive) or a .tar(.gz)/.tgz/.zip archive.

    Malformed XML raises UnreadableFile for a single file, and is a Rejected member in a folder or archive
    (see the module docstring)."""
    single = not path.is_dir() and not path.name.lower().endswith(_ARCHIVES)
    for member in iter_members(path, (".xml",)):
        if single:
            yield parse_ted_document(member.data, member.name)
            continue
        try:
            root = _parse_xml(member.data)
        except etree.XMLSyntaxError as exc:
            yield Rejected(member.name, _syntax_problem(exc))
            continue
        yield _notice(root, member.name)


def parse_ted_document(data: bytes, name: str) -> Tender | Rejected:
    """One TED_EXPORT or eForms notice. Bytes that are not well-formed XML raise UnreadableFile naming
    ``name``; a document that cannot become a Tender is returned as Rejected."""
    try:
        root = _parse_xml(data)
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile(f"{name}: {_syntax_problem(exc)}") from exc
    return _notice(root, name)


# ----------------------------------------------------------------------------- parsing and dispatch


def _parse_xml(data: bytes) -> _Element:
    """The root element, parsed without entity expansion or network access (notices come from outside)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True, remove_pis=True
    )
    return etree.fromstring(data, parser)


def _syntax_problem(exc: Any) -> str:
    """One line, where and what: ``not well-formed XML (line 1, column 1): Document is empty``."""
    line, column = exc.position
    message = re.sub(r", line \d+, column \d+$", "", " ".join(str(exc.msg).split()))
    return f"not well-formed XML (line {line}, column {column}): {message}"


def _notice(root: _Element, name: str) -> Tender | Rejected:
    """Dispatch on the root element, then validate; every refusal becomes a Rejected with its reason."""
    qname = etree.QName(root)
    try:
        if qname.localname == "TED_EXPORT":
            fields = _ted_export_fields(root)
        elif qname.localname in _EFORMS_ROOTS and (qname.namespace or "").startswith(_UBL_PREFIX):
            fields = _eforms_fields(root)
        else:
            raise _NotUsableError(
                f"not a TED notice: root element <{qname.localname}> (expected TED_EXPORT or an eForms "
                "ContractNotice, ContractAwardNotice or PriorInformationNotice)"
            )
        if not fields["title"]:
            raise _NotUsableError(f"{fields['tender_id']} has no title")
        return screen(Tender(**fields), name, _notes(root))
    except _NotUsableError as exc:
        return Rejected(name, str(exc))
    except ValidationError as exc:
        return Rejected(name, describe_validation_error(exc))


# ----------------------------------------------------------------------------- shared helpers


def _notes(root: _Element) -> list[str]:
    """TED's "additional information" paragraphs: where a test notice says "Test." (base.is_test_notice)."""
    return [_paragraphs(element) for element in _iter(root, "INFO_ADD")]


def _clean(text: str | None) -> str:
    """clean_text for text that lxml has already unescaped: a literal '<' (as in 'U < 0,037 W/mK') is
    escaped first so clean_text's markup stripping cannot swallow the words after it."""
    return clean_text(html.escape(text, quote=False)) if text else ""


def _flat(element: _Element) -> str:
    """All text of an element on one line: line breaks inside a TED element are the layout of
    pretty-printed files (a buyer's name wrapped over two lines), not content."""
    return " ".join("".join(element.itertext()).split())


def _paragraphs(element: _Element | None) -> str:
    """The text of a TED text block: one line per <P> paragraph, inline markup (<FT>) kept as text."""
    if element is None:
        return ""
    paragraphs = _findall(element, "P") or [element]
    return _clean("\n".join(_flat(p) for p in paragraphs))


def _unique(items: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def _country(code: str | None) -> str | None:
    """An ISO alpha-2 code from TED's country or NUTS codes ('1A' is TED's code for Kosovo, 'XK')."""
    if code and code.strip().upper().startswith("1A"):
        return "XK"
    return nuts_country(code.strip() if code else None)


def _zone(country: str | None) -> ZoneInfo:
    return ZoneInfo(_BUYER_ZONES.get(country or "", _DEFAULT_ZONE))


def _local_deadline(day: str | None, clock: str | None, country: str | None) -> datetime | None:
    """A deadline published as the buyer's local wall time ('20220208', '16:00'), in UTC."""
    day_match = _DAY.fullmatch((day or "").strip())
    if day_match is None:
        return None
    clock_match = _CLOCK.fullmatch((clock or "").strip())
    hour, minute = (int(clock_match[1]), int(clock_match[2])) if clock_match else (23, 59)
    if (hour, minute) == (24, 0):
        hour, minute = 23, 59
    year, month, dom = (int(part) for part in day_match.groups())
    try:
        local = datetime(year, month, dom, hour, minute, tzinfo=_zone(country))
    except ValueError:
        log.debug("ignoring impossible deadline %r %r", day, clock)
        return None
    return local.astimezone(UTC)


def _amount(element: _Element | None) -> tuple[float | None, str | None]:
    """(value, currency) of a money element such as ``<VALUE CURRENCY="EUR">1 234,50</VALUE>``.

    Buyers who do not disclose a value often write 1 or 0.01 (95 notices of the sample): no procurement is
    worth that, and a firm's value filter must not see it, so amounts of at most 1 count as absent."""
    if element is None:
        return None, None
    value = parse_amount(element.text)
    if value is None or value <= _PLACEHOLDER_VALUE:
        return None, None
    currency = (element.get("CURRENCY") or element.get("currencyID") or "").strip().upper()
    return value, currency or None


# ----------------------------------------------------------------------------- TED-XML (TED_EXPORT)


@dataclass(frozen=True)
class _TedExport:
    """The parts of a TED_EXPORT document that the fields are read from."""

    root: _Element
    notice: _Element  # CODED_DATA_SECTION/NOTICE_DATA
    codif: _Element  # CODED_DATA_SECTION/CODIF_DATA
    form: _Element  # the form in the original language
    obj: _Element  # that form's object-of-contract section
    language: str  # of that form (LG_ORIG unless the document has only translations), upper case


# _any_ns is keyed by the path literals of this module (27 distinct on the 3,476-notice TED sample), so it never
# evicts in practice; the bound only guards against computed paths. Nothing invalidates it: the rewrite is pure.
_NS_PATHS_CACHED = 256


@cached(LRUCache(maxsize=_NS_PATHS_CACHED), key=lambda path: path, lock=threading.Lock())
def _any_ns(path: str) -> str:
    """``'A/.//B'`` -> ``'{*}A/.//{*}B'``. TED_EXPORT comes in five namespaces (R2.0.8, R2.0.9 and its
    variants, none) and NUTS elements in others; element names are the same in all, so match local names."""
    return re.sub(r"(^|/)([A-Za-z_])", r"\1{*}\2", path)


def _find(parent: _Element, path: str) -> _Element | None:
    return parent.find(_any_ns(path))


def _findall(parent: _Element, path: str) -> list[_Element]:
    return list(parent.iterfind(_any_ns(path)))


def _text(parent: _Element, path: str) -> str:
    return str(parent.findtext(_any_ns(path)) or "").strip()


def _iter(parent: _Element, *names: str) -> Iterator[_Element]:
    """Descendants (and ``parent`` itself) with one of these local names, in document order."""
    yield from parent.iter(*(f"{{*}}{name}" for name in names))


def _local(element: _Element) -> str:
    return str(etree.QName(element).localname)


def _section(parent: _Element, path: str) -> _Element:
    """The element at ``path``, or an empty stand-in so that lookups below it find nothing."""
    found = _find(parent, path)
    return etree.Element("missing") if found is None else found


def _ted_export_parts(root: _Element) -> _TedExport:
    notice = _section(root, "CODED_DATA_SECTION/NOTICE_DATA")
    # Bilingual originals list two languages ('FR NL', or two LG_ORIG elements): the first one leads.
    original = _text(notice, "LG_ORIG").upper().split(" ")[0]
    form = _form(root, original)
    # OBJECT_CONTRACT in the 2014 forms and MOVE; OBJECT_CONTRACT_INFORMATION_DEFENCE, OBJECT_WORKS_... in
    # the defence forms. It is the first OBJECT_* element in document order in every form of the sample.
    objects = (e for e in form.iter(etree.Element) if _local(e).startswith("OBJECT_"))
    obj = next(objects, etree.Element("missing"))
    # The language is that of the text we take, which is the original one unless the document carries
    # only translations (one example file in the sample holds just the Danish form of an English notice).
    language = (form.get("LG") or original).strip().upper()
    return _TedExport(root, notice, _section(root, "CODED_DATA_SECTION/CODIF_DATA"), form, obj, language)


def _form(root: _Element, language: str) -> _Element:
    """The form in the original language: FORM_SECTION may hold one form per EU language."""
    forms = [f for f in _section(root, "FORM_SECTION") if _local(f) != "NOTICE_UUID"]
    for attribute, wanted in (("LG", language), ("CATEGORY", "ORIGINAL")):
        found = next((f for f in forms if f.get(attribute) == wanted), None)
        if found is not None:
            return found
    return forms[0] if forms else etree.Element("missing")


def _ted_export_fields(root: _Element) -> dict[str, Any]:
    doc = _ted_export_parts(root)
    doc_id = (root.get("DOC_ID") or "").strip()
    if not doc_id:
        raise _NotUsableError("TED_EXPORT without a DOC_ID attribute")
    buyer_country = _country(_section(doc.notice, "ISO_COUNTRY").get("VALUE"))
    titles = _ted_titles(root)
    value, currency = _ted_value(doc)
    return {
        "tender_id": f"ted:{doc_id}",
        "source": "ted",
        "notice_type": _ted_notice_type(doc.codif),
        "title": _ted_title(doc, titles),
        "description": _ted_description(doc.obj),
        "language": doc.language.lower() or None,
        "buyer": _ted_buyer(doc),
        "buyer_country": buyer_country,
        "countries": _ted_countries(doc),
        "codes": _ted_codes(doc),
        "value": value,
        "currency": currency,
        "published": parse_date(_text(root, "CODED_DATA_SECTION/REF_OJS/DATE_PUB")),
        "deadline": _ted_deadline(doc, buyer_country),
        "cancels": ted_cancels(doc.form, doc.notice),
        "url": _ted_url(doc, doc_id),
        "titles": titles,
        "contract_nature": _ted_nature(doc),
    }


def _ted_notice_type(codif: _Element) -> NoticeType:
    code = (_section(codif, "TD_DOCUMENT_TYPE").get("CODE") or "").strip().upper()
    if code not in _TED_NOTICE_TYPES:
        log.debug("TD_DOCUMENT_TYPE %r is not mapped; reading it as 'other'", code)
    return _TED_NOTICE_TYPES.get(code, "other")


def _ted_nature(doc: _TedExport) -> Nature | None:
    """TED's coded contract nature (1 works, 2 supplies, 4 services); any other code (TED's list also has
    combined, other and not-applicable values) defers to the form's TYPE_CONTRACT (CTYPE in the 2014
    forms, VALUE in the defence forms). Design contests (D, R; forms F12/F13) buy a design: services."""
    if (_section(doc.codif, "TD_DOCUMENT_TYPE").get("CODE") or "").strip().upper() in _DESIGN_CONTESTS:
        return "services"
    coded = _TED_NATURES.get((_section(doc.codif, "NC_CONTRACT_NATURE").get("CODE") or "").strip())
    if coded is not None:
        return coded
    for element in _iter(doc.obj, "TYPE_CONTRACT"):
        nature = parse_nature(element.get("CTYPE") or element.get("VALUE"))
        if nature is not None:
            return nature
    return None


def _ted_titles(root: _Element) -> dict[str, str]:
    """The title TED publishes in every EU language (TRANSLATION_SECTION), keyed by ISO 639-1."""
    titles: dict[str, str] = {}
    for translation in _findall(root, "TRANSLATION_SECTION/ML_TITLES/ML_TI_DOC"):
        language = (translation.get("LG") or "").strip().lower()
        text = _paragraphs(_find(translation, "TI_TEXT"))
        if len(language) == 2 and text:
            titles[language] = text
    return titles


def _ted_title(doc: _TedExport, titles: dict[str, str]) -> str:
    """The buyer's own title; TED's translated heading (often just 'town: CPV label') only as a fallback."""
    title = _paragraphs(_find(doc.obj, "TITLE")) or _paragraphs(next(_iter(doc.obj, "TITLE_CONTRACT"), None))
    return title or titles.get(doc.language.lower()) or titles.get("en", "")


def _ted_description(obj: _Element) -> str:
    """The short description of the whole procurement, then each lot's, without repeats."""
    blocks = _iter(obj, "SHORT_DESCR", "SHORT_CONTRACT_DESCRIPTION", "LOT_DESCRIPTION")
    parts = _unique(_paragraphs(block) for block in blocks)
    if not parts:  # the defence prior information form (F16) has only a "total quantity or scope"
        parts = _unique(_paragraphs(block) for block in _iter(obj, "TOTAL_QUANTITY_OR_SCOPE"))
    return "\n".join(parts)[:_MAX_DESCRIPTION]


def _ted_buyer(doc: _TedExport) -> str | None:
    """The contracting body's official name (2014 forms, MOVE, defence), else the translated name list."""
    for holder in _iter(doc.form, "ADDRESS_CONTRACTING_BODY", "CA_CE_CONCESSIONAIRE_PROFILE"):
        name = _clean(_flat(_section(holder, ".//OFFICIALNAME")))
        if name:
            return name
    names = _findall(doc.root, "TRANSLATION_SECTION/ML_AA_NAMES/AA_NAME")
    by_language = {name.get("LG"): _clean(_flat(name)) for name in names}
    return by_language.get(doc.language) or next((n for n in by_language.values() if n), None)


def _ted_countries(doc: _TedExport) -> list[str]:
    """Places of performance: the coded NUTS list (PERFORMANCE_NUTS, called ORIGINAL_NUTS before 2018),
    else the NUTS codes written in the form's object section."""
    codes = [e.get("CODE") for e in _iter(doc.notice, "PERFORMANCE_NUTS", "ORIGINAL_NUTS")]
    if not codes:
        codes = [e.get("CODE") for e in _iter(doc.obj, "NUTS")]
    return _unique(_country(code) for code in codes)


def _ted_codes(doc: _TedExport) -> list[str]:
    """CPV codes, main code first: the form's CPV_MAIN, TED's coded list, then the form's additional codes.
    Only the object section is read, so a corrigendum's old values do not count."""
    mains = [e.get("CODE") for e in _findall(doc.obj, ".//CPV_MAIN/CPV_CODE")]  # the first is the notice's
    coded = [e.get("CODE") for e in _findall(doc.notice, "ORIGINAL_CPV")]
    additional = [e.get("CODE") for e in _findall(doc.obj, ".//CPV_ADDITIONAL/CPV_CODE")]
    return [f"CPV:{code.strip()}" for code in _unique(mains[:1] + coded + mains[1:] + additional)]


def _ted_value(doc: _TedExport) -> tuple[float | None, str | None]:
    """The total value: the awarded total when there is one, else the estimate; from TED's coded data
    (R2.0.9 VALUES, R2.0.8 VALUES_LIST) first, then from the form. Ranges (lowest-highest offer) are
    skipped: neither end is the value of the procurement."""
    candidates = [
        *_findall(doc.notice, "VALUES/VALUE[@TYPE='PROCUREMENT_TOTAL']"),
        *_findall(doc.notice, "VALUES/VALUE[@TYPE='ESTIMATED_TOTAL']"),
        *_findall(doc.notice, "VALUES_LIST/VALUES[@TYPE='GLOBAL']/SINGLE_VALUE/VALUE"),
        *_findall(doc.notice, "VALUES_LIST/VALUES[@TYPE='CONTRACT']/SINGLE_VALUE/VALUE"),
        *_findall(doc.obj, "VAL_TOTAL"),
        *_findall(doc.obj, "VAL_ESTIMATED_TOTAL"),
    ]
    for element in candidates:
        value, currency = _amount(element)
        if value is not None:
            return value, currency
    return None, None


def _ted_deadline(doc: _TedExport, country: str | None) -> datetime | None:
    """The submission deadline: TED's coded DT_DATE_FOR_SUBMISSION ('20220208 16:00'), else the form's
    DATE_RECEIPT_TENDERS + TIME_RECEIPT_TENDERS, else the defence forms' RECEIPT_LIMIT_DATE."""
    coded = _text(doc.codif, "DT_DATE_FOR_SUBMISSION")
    if coded:
        day, _, clock = coded.partition(" ")
        return _local_deadline(day, clock, country)
    day = _text(doc.form, ".//DATE_RECEIPT_TENDERS")
    if day:
        return _local_deadline(day, _text(doc.form, ".//TIME_RECEIPT_TENDERS"), country)
    limit = _find(doc.form, ".//RECEIPT_LIMIT_DATE")
    if limit is None:
        return None
    parts = [_text(limit, tag) for tag in ("YEAR", "MONTH", "DAY")]
    return _local_deadline("-".join(p.zfill(2) for p in parts), _text(limit, "TIME"), country)


def _ted_url(doc: _TedExport, doc_id: str) -> str:
    """TED's page for the notice in its language, else in the first language listed, else in English."""
    uris = {uri.get("LG"): _flat(uri) for uri in _findall(doc.notice, "URI_LIST/URI_DOC")}
    url = uris.get(doc.language) or next((u for u in uris.values() if u), None)
    return url or f"https://ted.europa.eu/udl?uri=TED:NOTICE:{doc_id}:TEXT:EN:HTML"


# ----------------------------------------------------------------------------- eForms (UBL)


def _eforms_fields(root: _Element) -> dict[str, Any]:
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
    return {
        "tender_id": f"ted:{_eforms_id(root, publication_id)}",
        "source": "ted",
        "notice_type": _eforms_notice_type(root),
        "title": _pick(titles, language),
        "description": "\n".join(_unique(_pick(d, language) for d in descriptions))[:_MAX_DESCRIPTION],
        "language": language,
        "buyer": buyer,
        "buyer_country": buyer_country,
        "countries": _unique(_eforms_country(a) for p in parts for a in p.iterfind(".//cac:Address", _NS)),
        "codes": _eforms_codes(parts),
        "value": value,
        "currency": currency,
        "published": parse_date(published[:10]),  # '2020-04-09+01:00': the offset is not part of a date
        "deadline": _eforms_deadline(root, buyer_country),
        "url": f"https://ted.europa.eu/en/notice/-/detail/{publication_id}" if publication_id else None,
        "titles": titles,
        "contract_nature": _eforms_nature(parts),
    }


def _ef_text(parent: _Element, path: str) -> str:
    """Stripped text at a namespaced eForms path, '' when absent."""
    return str(parent.findtext(path, namespaces=_NS) or "").strip()


def _eforms_id(root: _Element, publication_id: str) -> str:
    """TED's publication number once published; before that the notice UUID and its version."""
    if publication_id:
        return publication_id
    notice_id = _ef_text(root, "cbc:ID")
    if not notice_id:
        raise _NotUsableError("eForms notice without a cbc:ID")
    version = _ef_text(root, "cbc:VersionID")
    return f"{notice_id}-{version}" if version else notice_id


def _eforms_notice_type(root: _Element) -> NoticeType:
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


def _eforms_texts(parents: Iterable[_Element], path: str, default: str) -> dict[str, str]:
    """Multilingual text (one element per languageID) keyed by ISO 639-1; the first per language wins."""
    texts: dict[str, str] = {}
    for parent in parents:
        for element in parent.iterfind(path, _NS):
            text = _clean("".join(element.itertext()))
            if text:
                texts.setdefault(_eforms_language(element.get("languageID")) or default, text)
    return texts


def _pick(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or next(iter(texts.values()), "")


def _eforms_country(address: _Element) -> str | None:
    """ISO alpha-2 from an address: the alpha-3 country code, else the NUTS code."""
    alpha3 = _ef_text(address, "cac:Country/cbc:IdentificationCode").upper()
    if alpha3 in _COUNTRIES_ALPHA3:
        return _COUNTRIES_ALPHA3[alpha3]
    return _country(_ef_text(address, "cbc:CountrySubentityCode"))


def _eforms_buyer(root: _Element, language: str) -> tuple[str | None, str | None]:
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


def _eforms_nature(parts: list[_Element]) -> Nature | None:
    """The main contract nature (BT-23) of the procedure, else of its first lot that states one; the
    additional natures under cac:ProcurementAdditionalType (BT-531) are not the main one."""
    for part in parts:
        for code in part.iterfind("cbc:ProcurementTypeCode", _NS):
            if code.get("listName") == "contract-nature" and (nature := parse_nature(code.text)) is not None:
                return nature
    return None


def _eforms_codes(parts: list[_Element]) -> list[str]:
    """CPV codes of the procedure then of each lot, main code first."""
    codes: list[str | None] = []
    for path in ("cac:MainCommodityClassification", "cac:AdditionalCommodityClassification"):
        for part in parts:
            for code in part.iterfind(f"{path}/cbc:ItemClassificationCode", _NS):
                if (code.get("listName") or "cpv").lower() == "cpv" and code.text:
                    codes.append(code.text.strip())
    return [f"CPV:{code}" for code in _unique(codes)]


def _eforms_value(
    root: _Element, project: _Element | None, lots: list[_Element]
) -> tuple[float | None, str | None]:
    """The awarded total when the notice has results, else the procedure's (or the only lot's) estimate."""
    path = "cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"
    candidates = [root.find(".//efac:NoticeResult/cbc:TotalAmount", _NS)]
    candidates.append(project.find(path, _NS) if project is not None else None)
    candidates.append(lots[0].find(path, _NS) if len(lots) == 1 else None)
    for element in candidates:
        value, currency = _amount(element)
        if value is not None:
            return value, currency
    return None, None


def _eforms_deadline(root: _Element, country: str | None) -> datetime | None:
    """The latest lot deadline, so a notice stays open while any of its lots is."""
    moments = [
        _eforms_moment(_ef_text(period, "cbc:EndDate"), _ef_text(period, "cbc:EndTime"), country)
        for period in root.iterfind(".//cac:TenderSubmissionDeadlinePeriod", _NS)
    ]
    found = [moment for moment in moments if moment is not None]
    return max(found) if found else None


def _eforms_moment(day: str, clock: str, country: str | None) -> datetime | None:
    """'2020-05-11+01:00' and '10:00:00+01:00' -> an aware UTC datetime; no offset means local time."""
    offset = _OFFSET.search(clock) or _OFFSET.search(day)
    if not day or offset is None:
        return _local_deadline(day[:10], clock[:5], country)
    core = _OFFSET.sub("", clock) or "23:59:00"
    return parse_datetime(f"{day[:10]}T{core}{offset.group(1)}")

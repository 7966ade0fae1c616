"""Read TED notices into Tenders: notice files, folders and archives, the dispatch on the root element, and
TED-XML ``TED_EXPORT`` documents (R2.0.8 and R2.0.9, forms F01-F25, the defence forms and the public-transport
``MOVE`` forms). eForms UBL notices are read by ``matcher.ingest.eforms``; what both readers share is in
``matcher.ingest.ted_common``.

One XML document is one notice. Where things fail, and why there:

* A single ``.xml`` file that is not well-formed raises ``UnreadableFile`` with one line naming the file and
  the XML error (line, column): the user pointed at that file, so the run stops with a clear message.
* Inside a folder or an archive of many notices the same problem is yielded as ``Rejected(member, reason)``
  and the other notices still load: one broken member must not throw away a day's feed.
* A well-formed document that is not a TED notice, a notice with no id or no title, and a notice whose values
  fail the schema are ``Rejected`` with the reason.
* One notice (one TED document id) in two members is loaded from the first and the later member is rejected as
  a duplicate naming the first (``base.first_of_each``): the TED sample holds 7 such pairs, TED's exports of one
  notice, five parsing the same. A corrigendum or a cancellation is a notice of its own that names another
  (``ted_corrections``, ``ted_cancel``), never a duplicate.

Deadlines: TED-XML gives the deadline as the buyer's local time without a zone. We read it in the buyer
country's zone (Central European Time unless ``ted_common`` lists the country) and convert to UTC; a deadline
given as a day only is taken as 23:59 local, so the notice stays open through that day. eForms times carry
their own offset, which is used as written.

Values: the awarded total when there is one, else the estimate; 1 and 0.01 are placeholders for "not
disclosed" and count as no value.

The parser never resolves entities, never touches the network and keeps lxml's size limits (no huge_tree).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cachetools import LRUCache, cached
from lxml import etree
from pydantic import ValidationError

from matcher.errors import UnreadableFile
from matcher.ingest.base import (
    NO_RECORDS,
    Member,
    Rejected,
    describe_validation_error,
    first_of_each,
    is_blank,
    iter_members,
    refuse_blank,
    screen,
)
from matcher.ingest.eforms import eforms_fields, is_eforms
from matcher.ingest.ted_cancel import ted_cancels
from matcher.ingest.ted_common import (
    MAX_DESCRIPTION,
    Element,
    NotUsableError,
    clean,
    first_amount,
    iso_country,
    local_deadline,
    parse_xml,
    syntax_problem,
    unique,
)
from matcher.ingest.ted_corrections import ted_corrections
from matcher.normalize.nature import parse_nature
from matcher.normalize.text import parse_date
from matcher.schema import AS_PUBLISHED, Nature, NoticeType, Tender

log = logging.getLogger(__name__)

_ARCHIVES = (".tar.gz", ".tgz", ".tar", ".zip")

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
    "2": "other",  # Additional information (corrigendum, form F14): it corrects its notice (ted_corrections)
}


#: NC_CONTRACT_NATURE codes with one contract type (every notice of the sample has one of these three).
_TED_NATURES: dict[str, Nature] = {"1": "works", "2": "supplies", "4": "services"}
_DESIGN_CONTESTS = frozenset({"D", "R"})  # TD_DOCUMENT_TYPE: design contest, results of a design contest


# ----------------------------------------------------------------------------- public API


def read_ted(path: Path) -> Iterator[Tender | Rejected]:
    """Tenders from one notice file, a folder of them (recursive) or a .tar(.gz)/.tgz/.zip archive.

    Malformed XML raises UnreadableFile for a single file, and is a Rejected member in a folder or archive
    (see the module docstring)."""
    single = not path.is_dir() and not path.name.lower().endswith(_ARCHIVES)
    if single:
        for member in iter_members(path, (".xml",)):
            yield parse_ted_document(refuse_blank(member.data, member.name), member.name)
        return
    yield from first_of_each(((member.name, _member_notice(member)) for member in iter_members(path, (".xml",))),
                             "tender_id")


def _member_notice(member: Member) -> Tender | Rejected:
    """One notice of a folder or an archive; malformed XML rejects that member only."""
    if is_blank(member.data):
        return Rejected(member.name, NO_RECORDS)
    try:
        root = parse_xml(member.data)
    except etree.XMLSyntaxError as exc:
        return Rejected(member.name, syntax_problem(exc))
    return _notice(root, member.name)


def parse_ted_document(data: bytes, name: str) -> Tender | Rejected:
    """One TED_EXPORT or eForms notice. Bytes that are not well-formed XML raise UnreadableFile naming
    ``name``; a document that cannot become a Tender is returned as Rejected."""
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile(f"{name}: {syntax_problem(exc)}") from exc
    return _notice(root, name)


# ----------------------------------------------------------------------------- dispatch


def _notice(root: Element, name: str) -> Tender | Rejected:
    """Dispatch on the root element, then validate; every refusal becomes a Rejected with its reason."""
    qname = etree.QName(root)
    try:
        if qname.localname == "TED_EXPORT":
            fields = _ted_export_fields(root)
        elif is_eforms(root):
            fields = eforms_fields(root)
        else:
            raise NotUsableError(
                f"not a TED notice: root element <{qname.localname}> (expected TED_EXPORT or an eForms "
                "ContractNotice, ContractAwardNotice or PriorInformationNotice)"
            )
        if not fields["title"]:
            raise NotUsableError(f"{fields['tender_id']} has no title")
        return screen(Tender.model_validate(fields, context=AS_PUBLISHED), name, _notes(root))
    except NotUsableError as exc:
        return Rejected(name, str(exc))
    except ValidationError as exc:
        return Rejected(name, describe_validation_error(exc))


# ----------------------------------------------------------------------------- TED-XML (TED_EXPORT)


def _notes(root: Element) -> list[str]:
    """TED's "additional information" paragraphs: where a test notice says "Test." (base.is_test_notice)."""
    return [_paragraphs(element) for element in _iter(root, "INFO_ADD")]


def _flat(element: Element) -> str:
    """All text of an element on one line: line breaks inside a TED element are the layout of
    pretty-printed files (a buyer's name wrapped over two lines), not content."""
    return " ".join("".join(element.itertext()).split())


def _paragraphs(element: Element | None) -> str:
    """The text of a TED text block: one line per <P> paragraph, inline markup (<FT>) kept as text."""
    if element is None:
        return ""
    paragraphs = _findall(element, "P") or [element]
    return clean("\n".join(_flat(p) for p in paragraphs))


@dataclass(frozen=True)
class _TedExport:
    """The parts of a TED_EXPORT document that the fields are read from."""

    root: Element
    notice: Element  # CODED_DATA_SECTION/NOTICE_DATA
    codif: Element  # CODED_DATA_SECTION/CODIF_DATA
    form: Element  # the form in the original language
    obj: Element  # that form's object-of-contract section
    language: str  # of that form (LG_ORIG unless the document has only translations), upper case


# _any_ns is keyed by the path literals of this module (27 distinct on the 3,476-notice TED sample), so it never
# evicts in practice; the bound only guards against computed paths. Nothing invalidates it: the rewrite is pure.
_NS_PATHS_CACHED = 256


@cached(LRUCache(maxsize=_NS_PATHS_CACHED), key=lambda path: path, lock=threading.Lock())
def _any_ns(path: str) -> str:
    """``'A/.//B'`` -> ``'{*}A/.//{*}B'``. TED_EXPORT comes in five namespaces (R2.0.8, R2.0.9 and its
    variants, none) and NUTS elements in others; element names are the same in all, so match local names."""
    return re.sub(r"(^|/)([A-Za-z_])", r"\1{*}\2", path)


def _find(parent: Element, path: str) -> Element | None:
    return parent.find(_any_ns(path))


def _findall(parent: Element, path: str) -> list[Element]:
    return list(parent.iterfind(_any_ns(path)))


def _text(parent: Element, path: str) -> str:
    return str(parent.findtext(_any_ns(path)) or "").strip()


def _iter(parent: Element, *names: str) -> Iterator[Element]:
    """Descendants (and ``parent`` itself) with one of these local names, in document order."""
    yield from parent.iter(*(f"{{*}}{name}" for name in names))


def _local(element: Element) -> str:
    return str(etree.QName(element).localname)


def _section(parent: Element, path: str) -> Element:
    """The element at ``path``, or an empty stand-in so that lookups below it find nothing."""
    found = _find(parent, path)
    return etree.Element("missing") if found is None else found


def _ted_export_parts(root: Element) -> _TedExport:
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


def _form(root: Element, language: str) -> Element:
    """The form in the original language: FORM_SECTION may hold one form per EU language."""
    forms = [f for f in _section(root, "FORM_SECTION") if _local(f) != "NOTICE_UUID"]
    for attribute, wanted in (("LG", language), ("CATEGORY", "ORIGINAL")):
        found = next((f for f in forms if f.get(attribute) == wanted), None)
        if found is not None:
            return found
    return forms[0] if forms else etree.Element("missing")


def _ted_export_fields(root: Element) -> dict[str, Any]:
    doc = _ted_export_parts(root)
    doc_id = (root.get("DOC_ID") or "").strip()
    if not doc_id:
        raise NotUsableError("TED_EXPORT without a DOC_ID attribute")
    buyer_country = iso_country(_section(doc.notice, "ISO_COUNTRY").get("VALUE"))
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
        "published": _ted_published(root),
        "deadline": _ted_deadline(doc, buyer_country),
        "cancels": ted_cancels(doc.form, doc.notice),
        "corrects": ted_corrections(doc.form, doc.notice, titles, buyer_country),
        "url": _ted_url(doc, doc_id),
        "titles": titles,
        "contract_nature": _ted_nature(doc),
        "design_contest": _ted_document_type(doc.codif) in _DESIGN_CONTESTS,
    }


def _ted_document_type(codif: Element) -> str:
    return (_section(codif, "TD_DOCUMENT_TYPE").get("CODE") or "").strip().upper()


def _ted_notice_type(codif: Element) -> NoticeType:
    code = _ted_document_type(codif)
    if code not in _TED_NOTICE_TYPES:
        log.debug("TD_DOCUMENT_TYPE %r is not mapped; reading it as 'other'", code)
    return _TED_NOTICE_TYPES.get(code, "other")


def _ted_nature(doc: _TedExport) -> Nature | None:
    """TED's coded contract nature (1 works, 2 supplies, 4 services); any other code (TED's list also has
    combined, other and not-applicable values) defers to the form's TYPE_CONTRACT (CTYPE in the 2014
    forms, VALUE in the defence forms). Design contests (D, R; forms F12/F13) buy a design: services."""
    if _ted_document_type(doc.codif) in _DESIGN_CONTESTS:
        return "services"
    coded = _TED_NATURES.get((_section(doc.codif, "NC_CONTRACT_NATURE").get("CODE") or "").strip())
    if coded is not None:
        return coded
    for element in _iter(doc.obj, "TYPE_CONTRACT"):
        nature = parse_nature(element.get("CTYPE") or element.get("VALUE"))
        if nature is not None:
            return nature
    return None


def _ted_titles(root: Element) -> dict[str, str]:
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


def _ted_description(obj: Element) -> str:
    """The short description of the whole procurement, then each lot's, without repeats."""
    blocks = _iter(obj, "SHORT_DESCR", "SHORT_CONTRACT_DESCRIPTION", "LOT_DESCRIPTION")
    parts = unique(_paragraphs(block) for block in blocks)
    if not parts:  # the defence prior information form (F16) has only a "total quantity or scope"
        parts = unique(_paragraphs(block) for block in _iter(obj, "TOTAL_QUANTITY_OR_SCOPE"))
    return "\n".join(parts)[:MAX_DESCRIPTION]


def _ted_buyer(doc: _TedExport) -> str | None:
    """The contracting body's official name (2014 forms, MOVE, defence), else the translated name list."""
    for holder in _iter(doc.form, "ADDRESS_CONTRACTING_BODY", "CA_CE_CONCESSIONAIRE_PROFILE"):
        name = clean(_flat(_section(holder, ".//OFFICIALNAME")))
        if name:
            return name
    names = _findall(doc.root, "TRANSLATION_SECTION/ML_AA_NAMES/AA_NAME")
    by_language = {name.get("LG"): clean(_flat(name)) for name in names}
    return by_language.get(doc.language) or next((n for n in by_language.values() if n), None)


def _ted_countries(doc: _TedExport) -> list[str]:
    """Places of performance: the coded NUTS list (PERFORMANCE_NUTS, called ORIGINAL_NUTS before 2018),
    else the NUTS codes written in the form's object section."""
    codes = [e.get("CODE") for e in _iter(doc.notice, "PERFORMANCE_NUTS", "ORIGINAL_NUTS")]
    if not codes:
        codes = [e.get("CODE") for e in _iter(doc.obj, "NUTS")]
    return unique(iso_country(code) for code in codes)


def _ted_codes(doc: _TedExport) -> list[str]:
    """CPV codes, main code first: the form's CPV_MAIN, TED's coded list, then the form's additional codes.
    Only the object section is read, so a corrigendum's old values do not count."""
    mains = [e.get("CODE") for e in _findall(doc.obj, ".//CPV_MAIN/CPV_CODE")]  # the first is the notice's
    coded = [e.get("CODE") for e in _findall(doc.notice, "ORIGINAL_CPV")]
    additional = [e.get("CODE") for e in _findall(doc.obj, ".//CPV_ADDITIONAL/CPV_CODE")]
    return [f"CPV:{code.strip()}" for code in unique(mains[:1] + coded + mains[1:] + additional)]


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
    return first_amount(candidates)


def _ted_deadline(doc: _TedExport, country: str | None) -> datetime | None:
    """The submission deadline: TED's coded DT_DATE_FOR_SUBMISSION ('20220208 16:00'), else the form's
    DATE_RECEIPT_TENDERS + TIME_RECEIPT_TENDERS, else the defence forms' RECEIPT_LIMIT_DATE."""
    coded = _text(doc.codif, "DT_DATE_FOR_SUBMISSION")
    if coded:
        day, _, clock = coded.partition(" ")
        return _read_deadline(local_deadline(day, clock, country), "DT_DATE_FOR_SUBMISSION", coded)
    day = _text(doc.form, ".//DATE_RECEIPT_TENDERS")
    if day:
        clock = _text(doc.form, ".//TIME_RECEIPT_TENDERS")
        return _read_deadline(local_deadline(day, clock, country), "DATE_RECEIPT_TENDERS", f"{day} {clock}".strip())
    limit = _find(doc.form, ".//RECEIPT_LIMIT_DATE")
    if limit is None:
        return None
    day = "-".join(_text(limit, tag).zfill(2) for tag in ("YEAR", "MONTH", "DAY"))
    clock = _text(limit, "TIME")
    return _read_deadline(local_deadline(day, clock, country), "RECEIPT_LIMIT_DATE", f"{day} {clock}".strip())


def _read_deadline(moment: datetime | None, element: str, written: str) -> datetime:
    """A deadline written but unreadable (year 0, hour 25) refuses the notice: read as none, a notice due in
    year 0 counted as open for 60 days after publication."""
    if moment is None:
        raise NotUsableError(f"deadline: cannot read {element} {written!r} (expected a day such as 20220627 or "
                             "2022-06-27 and a time such as 09:00)")
    return moment


def _ted_published(root: Element) -> date | None:
    """The publication day, DATE_PUB; one written but unreadable refuses the notice, as a deadline does."""
    written = _text(root, "CODED_DATA_SECTION/REF_OJS/DATE_PUB")
    day = parse_date(written)
    if written and day is None:
        raise NotUsableError(f"published: cannot read DATE_PUB {written!r} (expected a day such as 20220607)")
    return day


def _ted_url(doc: _TedExport, doc_id: str) -> str:
    """TED's page for the notice in its language, else in the first language listed, else in English."""
    uris = {uri.get("LG"): _flat(uri) for uri in _findall(doc.notice, "URI_LIST/URI_DOC")}
    url = uris.get(doc.language) or next((u for u in uris.values() if u), None)
    return url or f"https://ted.europa.eu/udl?uri=TED:NOTICE:{doc_id}:TEXT:EN:HTML"

"""World Bank procurement notices (the procurement notices API, ``search.worldbank.org/api/v2/procnotices``)
-> Tender: one notice at a time, and saved API responses read as files.

The API answers ``{"rows": .., "os": .., "total": "419278", "procnotices": [...]}``; some answers key the
notices by id instead (``"procnotices": {"OP00467118": {...}}``), so both shapes are read
(``response_notices``). Field mapping, one notice:

- tender_id ``wb:<id>`` ('OP00467118'); source ``worldbank``; url the notice's public page
  ``https://projects.worldbank.org/en/projects-operations/procurement-detail/<id>``.
- notice_type from ``notice_type``: Invitation for Bids, Request for Bids / Proposals / Quotations,
  Invitation for Prequalification, Specific Procurement Notice and Request for Expression of Interest are
  calls a firm answers by a deadline -> open_call (an expression of interest is how consultants compete:
  the shortlist is drawn from it); General Procurement Notice announces a project's coming procurement ->
  prior_information; Contract Award -> award; anything else -> other. A notice whose ``notice_status``
  says it was cancelled -> other, whatever its type: not an opportunity, so it is open nowhere
  (``matcher.normalize.openness`` rule 1, as OCDS reads a cancelled tender). The API corrects a notice in
  place under the same id, so a cancellation or a corrigendum replaces the stored notice.
- title: ``bid_description``, else ``project_name``; neither -> Rejected.
- description: ``notice_text`` (HTML) as text, through lxml's HTML parser (scripts, styles and comments
  dropped, block elements on their own lines), at most ``MAX_DESCRIPTION`` characters; plus a
  "Project: <name> (<id>)" line when the text does not name the project.
- countries: ``project_ctry_name`` (World Bank short names: 'Congo, Democratic Republic of', 'Viet Nam',
  'West Bank and Gaza', matched against CLDR's English names through babel plus the Bank's own forms,
  ``worldbank_names``), else ``project_ctry_code`` when it is an ISO code. A region or multi-country label
  ('Western and Central Africa', 'World': ``reference.worldbank_names.BANK_REGIONS``) names no single country,
  deliberately. Any other name ('Keyna', 'Republic of Atlantis') rejects the notice naming the field and the
  value, as a tender table's unknown country does, unless the ISO code names the country; so does a code of two
  letters that is no country, given without a name (the Bank's region codes, '3A', have a digit). Several names
  come as a list or joined by ';' or ',' (``worldbank_names.split_names``).
- buyer: ``contact_organization`` (the implementing agency), else ``implementing_agency`` or ``borrower``;
  buyer_country: ``contact_ctry_name`` (a region: none; an unknown name rejects the notice, as above).
- published: ``noticedate`` ('05-Sep-2026'), else ``submission_date``, which in every published example is
  the day the notice was submitted for publication (equal to noticedate), not a bid deadline. A notice with
  neither -> Rejected: an undated notice without a deadline would count as open forever.
- deadline: ``submission_deadline_date`` ('2026-10-06T00:00:00Z') with ``submission_deadline_time``
  ('10:00'). Assumption, because the API gives no zone: the 'Z' midnight is a day, not an instant, and the
  time is the borrower's wall clock (notices say "local time"); we read that wall time as UTC. Borrowers lie
  between UTC-6 and UTC+8 for the most part, so the stored instant can be up to ~8 hours late or ~6 hours
  early on the closing day. A deadline with no time is 23:59 UTC of its day, so the notice stays open
  through that day (as TED deadlines given as a day are).
- language: ``notice_lang_name`` ('English', 'French') -> ISO 639-1 through babel's English names.
- contract_nature: ``procurement_group`` (GO -> supplies; CW, WK -> works; CS, NC -> services) or its
  words ('Goods', 'Consultant Services', 'Non-consulting Services') via ``normalize.nature``.
- value, currency, codes: the API publishes none.

A value of the wrong JSON type (a list where text belongs, JSON's ``NaN`` or ``Infinity``), a key named twice
in one notice (as a tender table's JSON record), a missing id or title, or values the schema refuses make the
notice a ``Rejected`` with the reason; nothing here raises for a bad notice. In a saved answer, a notice id keyed
twice rejects the notice kept under it, and ``procnotices`` named twice refuses the file: json.loads keeps the
last of each without a word.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import lxml.html
from lxml import etree
from pydantic import ValidationError

from matcher.errors import UnreadableFile
from matcher.ingest.base import (
    Rejected,
    Repeated,
    decode_text,
    describe_validation_error,
    first_of_each,
    json_error,
    load_json,
    read_bytes,
    refuse_blank,
    repeated_keys,
    repeated_reason,
    screen,
)
from matcher.ingest.worldbank_names import country_of, is_region, language_code, split_names
from matcher.normalize.nature import parse_nature
from matcher.normalize.text import parse_date, parse_datetime, safe_id
from matcher.reference.countries import ISO_COUNTRIES
from matcher.schema import AS_PUBLISHED, Nature, NoticeType, Tender

log = logging.getLogger(__name__)

SOURCE = "worldbank"
NOTICE_PAGE = "https://projects.worldbank.org/en/projects-operations/procurement-detail/"
MAX_DESCRIPTION = 100_000  # the schema's limit, as for TED: a long notice is still worth keeping
#: Markup parsed per notice. Real notice texts are a few to tens of kB; this only bounds a hostile one.
MAX_MARKUP = 2_000_000
MAX_TITLE = 2000
MAX_BUYER = 500

_NOTICE_TYPES: dict[str, NoticeType] = {
    "invitation for bids": "open_call", "request for bids": "open_call", "request for proposals": "open_call",
    "request for quotations": "open_call", "invitation for prequalification": "open_call",
    "specific procurement notice": "open_call", "request for expression of interest": "open_call",
    "request for expressions of interest": "open_call",
    "general procurement notice": "prior_information",
    "contract award": "award",
}  # fmt: skip
_GROUPS: dict[str, Nature] = {"GO": "supplies", "CW": "works", "WK": "works", "CS": "services", "NC": "services"}
_BLOCK_TAGS = ("p", "div", "br", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4",
               "h5", "h6", "section", "article", "header", "footer", "blockquote", "pre", "hr", "address")
_DROPPED_TAGS = ("script", "style", "head", "title", "noscript", "template", "object", "iframe")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?\s*([AaPp][Mm])?")
_TWO_LETTERS = re.compile(r"[a-z]{2}")


class NotAResponse(ValueError):
    """The JSON is not a procurement notices answer (the message says what was found instead)."""


# ----------------------------------------------------------------------------- responses and files


def response_notices(payload: object) -> tuple[list[tuple[str | None, object]], int | None]:
    """The notices of one API answer as (key, record) pairs, in the answer's order, and its ``total``
    (None when absent or not a number). ``key`` is the id the notices are keyed by in the object shape."""
    if not isinstance(payload, dict):
        raise NotAResponse(f"expected a JSON object with 'procnotices', got {type(payload).__name__}")
    if isinstance(payload, Repeated) and "procnotices" in payload.repeated:  # json.loads kept the last list only
        raise NotAResponse("it names 'procnotices' more than once (which list was meant is unknown)")
    total = _integer(payload.get("total"))
    notices = payload.get("procnotices")
    if notices is None and total == 0:
        return [], 0  # an empty answer may leave the list out
    if isinstance(notices, list):
        return [(None, item) for item in notices], total
    if isinstance(notices, dict):
        return [(str(key), item) for key, item in notices.items()], total
    if notices is None:
        raise NotAResponse("no 'procnotices' in the answer")
    raise NotAResponse(f"'procnotices' is a {type(notices).__name__}, expected a list or an object")


def looks_like_worldbank(path: Path) -> bool:
    """A saved API answer names its notices 'procnotices' near the start; no other format the readers know
    does."""
    return '"procnotices"' in read_bytes(path)[:4096].decode("utf-8", errors="replace")


def read_worldbank(path: Path) -> Iterator[Tender | Rejected]:
    """Tenders from a saved API answer (``...procnotices?format=json&...`` written to a file, .gz allowed).
    A file that is not JSON or not such an answer raises UnreadableFile; a bad notice is Rejected."""
    text = decode_text(refuse_blank(read_bytes(path), str(path)), str(path))
    try:
        payload = load_json(text, str(path), marks_repeats=True)
    except json.JSONDecodeError as exc:
        raise json_error(str(path), exc) from exc
    try:
        notices, _ = response_notices(payload)
    except NotAResponse as exc:
        raise UnreadableFile(f"{path}: not a World Bank procurement notices answer ({exc})") from exc
    twice = keyed_twice(payload)
    yield from first_of_each(_named(path.name, notices, twice), "tender_id")


def keyed_twice(payload: object) -> set[str]:
    """The ids an answer parsed with ``marks_repeats`` keys its notices by more than once (the object shape)."""
    keyed = payload.get("procnotices") if isinstance(payload, dict) else None
    return set(keyed.repeated) if isinstance(keyed, Repeated) else set()


def map_keyed(raw: object, record: str, key: str | None, twice: set[str]) -> Tender | Rejected:
    """``map_notice``; a notice keyed by an id the answer keys twice (``keyed_twice``) is rejected: the parser
    kept the last of them, and which was meant is unknown."""
    if key is not None and key in twice:
        return Rejected(record, f"the answer keys notice {key[:100]!r} more than once: give each notice once (which "
                                "was meant is unknown)")
    return map_notice(raw, record, key)


def _named(where: str, notices: list[tuple[str | None, object]], twice: set[str]) -> Iterator[
        tuple[str, Tender | Rejected]]:
    """Each notice with its record name, read (``map_keyed``)."""
    for position, (key, raw) in enumerate(notices, start=1):
        name = record_name(where, position, key, raw)
        yield name, map_keyed(raw, name, key, twice)


def record_name(where: str, position: int, key: str | None, raw: object) -> str:
    """How a rejected notice is named: its id where it has one, and where it came from."""
    ident = raw.get("id") if isinstance(raw, dict) else None
    ident = ident if isinstance(ident, str) and ident.strip() else key
    return f"{where} notice {ident.strip()[:100]}" if ident else f"{where} #{position}"


def notice_day(raw: object) -> date | None:
    """The publication day of a raw notice (``noticedate``, else ``submission_date``), or None."""
    if not isinstance(raw, dict):
        return None
    for name in ("noticedate", "submission_date"):
        value = raw.get(name)
        if isinstance(value, str) and (day := parse_date(value)) is not None:
            return day
    return None


# ----------------------------------------------------------------------------- one notice


class _Refused(ValueError):
    """A notice that cannot become a Tender; the message is the reason."""


def map_notice(raw: object, record: str, key: str | None = None) -> Tender | Rejected:
    """One notice of the API as a Tender, or Rejected(record, reason). ``key``: the id the answer keyed it
    by, used when the notice itself has no id."""
    if not isinstance(raw, dict):
        return Rejected(record, f"expected a JSON object, got {type(raw).__name__}")
    if repeated := repeated_keys(raw):
        return Rejected(record, repeated_reason(repeated))
    try:
        fields = _fields(raw, key)
        tender = Tender.model_validate(fields, context=AS_PUBLISHED)
    except _Refused as exc:
        return Rejected(record, str(exc))
    except ValidationError as exc:
        return Rejected(record, describe_validation_error(exc))
    return screen(tender, record)


def _fields(raw: dict[str, Any], key: str | None) -> dict[str, Any]:
    ident = _text(raw, "id") or (key or "").strip()
    if not ident:
        raise _Refused("no id")
    title = " ".join((_text(raw, "bid_description") or _text(raw, "project_name")).split())
    if not title:
        raise _Refused("no title (bid_description or project_name)")
    published = parse_date(_text(raw, "noticedate")) or parse_date(_text(raw, "submission_date"))
    if published is None:
        dates = ("noticedate", "submission_date")
        written = [f"{name} {_text(raw, name)[:100]!r}" for name in dates if _text(raw, name)]
        unread = f": cannot read {', '.join(written)}" if written else ""  # a year 0 said only "no publication date"
        raise _Refused(f"no publication date (noticedate or submission_date){unread}")
    status = _text(raw, "notice_status")
    kind = _text(raw, "notice_type")
    project = _text(raw, "project_name")
    description = html_text(_text(raw, "notice_text", limit=MAX_MARKUP))
    if project and project != title and project.casefold() not in description.casefold():
        project_id = _text(raw, "project_id")
        line = f"Project: {project} ({project_id})" if project_id else f"Project: {project}"
        description = _truncate(f"{description}\n{line}" if description else line, MAX_DESCRIPTION)
    buyer = _text(raw, "contact_organization") or _text(raw, "implementing_agency") or _text(raw, "borrower")
    return {
        "tender_id": f"wb:{safe_id(ident)}",
        "source": SOURCE,
        "notice_type": notice_type(kind, status),
        "title": _truncate(title, MAX_TITLE),
        "description": description,
        "language": language_code(_text(raw, "notice_lang_name")),
        "buyer": _truncate(buyer, MAX_BUYER) or None,
        "buyer_country": _buyer_country(raw),
        "countries": _countries(raw),
        "published": published,
        "deadline": _deadline(raw),
        "url": NOTICE_PAGE + quote(ident, safe=""),
        "contract_nature": nature(_text(raw, "procurement_group") or _text(raw, "procurement_group_desc")),
    }


def _text(raw: dict[str, Any], name: str, limit: int = 100_000) -> str:
    """A text field, stripped ('' when absent or null). Numbers are text the API happened to send bare;
    any other type is a malformed notice."""
    value = raw.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Refused(f"{name}: expected text, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):  # JSON's NaN and Infinity, which json.loads reads
        raise _Refused(f"{name}: expected text, got {value!r}")
    return str(value)[:limit].strip()


def _countries(raw: dict[str, Any]) -> list[str]:
    """The project's countries by name; the Bank's ISO code when no name names one (a misspelt name then
    stands for the code's country). A region names none; an unknown name or code refuses the notice."""
    names = raw.get("project_ctry_name")
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        names = [_text(raw, "project_ctry_name")]
    listed = [n for name in names for n in split_names(name)]
    codes = [code for code in (country_of(n) for n in listed) if code]
    unknown = [n for n in listed if country_of(n) is None and not is_region(n)]
    code = _text(raw, "project_ctry_code").upper()
    if not codes and code in ISO_COUNTRIES:
        return [code]
    if unknown:
        raise _Refused(_unknown("project_ctry_name", unknown[0]))
    if not listed and _TWO_LETTERS.fullmatch(code.lower()):
        raise _Refused(f"project_ctry_code: unknown country {code[:100]!r} (expected ISO 3166 alpha-2, e.g. 'KE', "
                       "or a World Bank region code such as '3A')")
    return list(dict.fromkeys(codes))


def _buyer_country(raw: dict[str, Any]) -> str | None:
    name = _text(raw, "contact_ctry_name")
    code = country_of(name)
    if name and code is None and not is_region(name):
        raise _Refused(_unknown("contact_ctry_name", name))
    return code


def _unknown(field: str, name: str) -> str:
    return (f"{field}: unknown country {name[:100]!r} (expected a World Bank country name such as 'Kenya' or "
            "'Congo, Democratic Republic of', or a region such as 'Eastern and Southern Africa')")


def notice_type(kind: str, status: str = "") -> NoticeType:
    """The schema's notice type for the Bank's notice type and status (module docstring)."""
    if "cancel" in status.casefold() or "cancel" in kind.casefold():
        return "other"
    return _NOTICE_TYPES.get(" ".join(kind.casefold().split()), "other")


def nature(group: str) -> Nature | None:
    """'GO', 'CW', 'CS', 'NC' or the group's words ('Goods', 'Consultant Services') -> the schema's nature."""
    return _GROUPS.get(group.strip().upper()) or parse_nature(group)


def _deadline(raw: dict[str, Any]) -> datetime | None:
    """``deadline`` of the notice's fields; one written but unreadable (year 0, 'soon') refuses the notice: read
    as none, the notice counted as open for 60 days after publication."""
    day = _text(raw, "submission_deadline_date")
    moment = deadline(day, _text(raw, "submission_deadline_time"))
    if day and moment is None:
        raise _Refused(f"submission_deadline_date: cannot read {day!r} (expected a date such as 2026-10-06T00:00:00Z)")
    return moment


def deadline(day: str, clock: str) -> datetime | None:
    """The submission deadline in UTC under the module docstring's assumption (the wall time read as UTC)."""
    moment = parse_datetime(day) if day else None
    if moment is None:
        return None
    match = _CLOCK.fullmatch(clock.strip())
    if match:
        hour, minute = int(match[1]) % 12 if match[3] else int(match[1]), int(match[2])
        hour += 12 if match[3] and match[3].lower() == "pm" else 0
        if (hour, minute) == (24, 0):
            hour, minute = 23, 59
        if hour < 24 and minute < 60:
            return datetime.combine(moment.date(), time(hour, minute), UTC)
    if moment.time() == time(0, 0):
        return datetime.combine(moment.date(), time(23, 59), UTC)  # a day: open through that day
    return moment


def html_text(markup: str, limit: int = MAX_DESCRIPTION) -> str:
    """Readable text of an HTML fragment: lxml's HTML parser (no network, comments and processing
    instructions dropped), scripts and styles removed, one line per block, spaces folded, at most
    ``limit`` characters. Markup lxml cannot parse gives '' (logged), never an exception."""
    markup = _CONTROL.sub(" ", markup)
    if not markup.strip():
        return ""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)
    try:
        root = lxml.html.document_fromstring(markup.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        log.debug("unreadable notice_text (%s); description left empty", exc)
        return ""
    for element in list(root.iter(*_DROPPED_TAGS)):
        element.drop_tree()
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
    for element in root.iter("td", "th"):
        element.tail = " " + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return _truncate("\n".join(line for line in lines if line), limit)


def _truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a space when one is near the end."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ", limit - 200)
    return (cut[:space] if space > 0 else cut).rstrip()


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    # isdecimal, not isdigit: '²' is a digit that int() refuses; and int() refuses more than 4,300 digits,
    # where no count has more than 18.
    if isinstance(value, str) and (text := value.strip()).isdecimal() and len(text) <= 18:
        return int(text)
    return None

"""The nouns every stage speaks: tenders, firm profiles, awards, matches and their explanations.

Ingest readers produce these, the store persists them, ranking and explanation consume them, and the
API and CLI render them. Validation lives here so that every entry point rejects bad input the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from matcher.characters import (
    ABOVE_BMP,
    BIDI_CONTROL,
    BIDI_CONTROLS,
    JOINERS,
    LINE_CONTROL,
    LINE_CONTROLS,
    character_name,
    first_invisible,
    invisible,
    shown_text,
)
from matcher.characters import SPACE_OR_CONTROL as SPACE_OR_CONTROL
from matcher.dates import LATEST_YEAR, D, checked, utc_year
from matcher.feature_set import FEATURE_SET
from matcher.reference.codebook import codebook
from matcher.reference.countries import ISO_COUNTRIES
from matcher.reference.currencies import ISO_CURRENCIES
from matcher.reference.exchange_rates import PER_EUR
from matcher.reference.hierarchy import covers
from matcher.reference.languages import ISO_LANGUAGES

NoticeType = Literal["open_call", "prior_information", "award", "other"]
#: What a notice buys, or what a firm sells: the EU directives' three contract types (docs/formats.md).
Nature = Literal["supplies", "services", "works"]
NATURES: tuple[Nature, ...] = ("supplies", "services", "works")
#: Who holds an API key or a workspace session (``matcher.services.access``).
Role = Literal["officer", "partner", "firm"]
ROLES: tuple[Role, ...] = get_args(Role)
#: The sources a feed can read (each has a connector in ``matcher.feeds``).
FeedKind = Literal["ted", "worldbank", "ocds"]
FEED_KINDS: tuple[FeedKind, ...] = get_args(FeedKind)
#: Notice types a firm can still bid on; award notices are history, not opportunities.
OPPORTUNITY_TYPES: frozenset[str] = frozenset({"open_call", "prior_information"})
#: A deadline this many years after publication is a placeholder, not a date.
MAX_DEADLINE_YEARS = 10
#: The calibrated fit's bands, best first (``matcher.ranking.calibration``: their floors).
BandName = Literal["strong", "good", "possible", "weak"]
#: Codes suggested per profile (``matcher.search.code_inference``): callers take the first k of them.
MAX_SUGGESTIONS = 50
#: Labels of at most this many codes go into a notice's text: the main code comes first, and notices with
#: dozens of additional codes (one per lot) would otherwise drown their own words.
MAX_LABELLED_CODES = 6
#: The most countries and languages a firm profile may list, on every path (POST and PATCH /firms, a firms file, the
#: workspace's form): a creation was unbounded where an edit was held to these.
MAX_TARGET_COUNTRIES = 250
MAX_PROFILE_LANGUAGES = 50

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_CODE = re.compile(r"^(CPV|UNSPSC|GSIN|NAICS|OTHER):[A-Za-z0-9.\-]+$")
#: An id: 1-200 characters, no whitespace, '/', '?', '#', control or invisible character, and not '.' or '..'
#: (a path segment as it is: a client resolves /firms/.. to /, RFC 3986 section 5.2.4).
#: Spelt out without a look-ahead, which the pattern engines of pydantic and of many JSON-schema readers lack: a
#: first character that is not a dot; or one dot, then one that is not; or two dots, then anything.
ID_MAX = 200
_ID_CHAR = rf"[^{SPACE_OR_CONTROL}/?#]"
_ID_NOT_DOT = rf"[^{SPACE_OR_CONTROL}/?#.]"
ID_PATTERN = (rf"^(?:{_ID_NOT_DOT}{_ID_CHAR}{{0,{ID_MAX - 1}}}|\.{_ID_NOT_DOT}{_ID_CHAR}{{0,{ID_MAX - 2}}}|"
              rf"\.\.{_ID_CHAR}{{1,{ID_MAX - 2}}})$")
_ID = re.compile(ID_PATTERN)
#: An email address: one '@', a dot in the domain, no whitespace, control or invisible character (a NUL was a 500
#: on PostgreSQL) and none of the characters a mail header reads as structure (RFC 5322 section 3.2.3: written into
#: To, 'a,b@x.org' named a local user 'a' and 'b@x.org', and the relay delivered to both); spelt out like the id
#: pattern (a JSON-schema reader takes ``\s`` without U+0085). The API's field, the CLI's option and a stored
#: subscription's address all follow it (``email_address``).
_EMAIL_CHAR = rf'[^@{SPACE_OR_CONTROL},;:<>()\[\]\\"]'
#: The rule a subscription stored before ``EMAIL_PATTERN`` is read against (``EmailAddress``).
STORED_EMAIL_PATTERN = rf"^{_EMAIL_CHAR}+@{_EMAIL_CHAR}+\.{_EMAIL_CHAR}+$"
#: A local part is dot-separated runs (RFC 5322 dot-atom: no leading, trailing or doubled dot), and a domain is
#: dot-separated labels of letters and digits (any script: an IDN) joined by hyphens, none at either end (RFC 1035,
#: RFC 5890): 'a@b..c', '.a@b.org', 'a@-b.org' and 'a@b.org%0a' were subscribed, and no server delivers to them.
_NOT_LOCAL = rf'@.{SPACE_OR_CONTROL},;:<>()\[\]\\"'
#: A run of the local part without '=?' (see ``EMAIL_PATTERN``), spelt without a look-ahead (pydantic's regex engine
#: has none): a '?' never follows an '=', so a run of '=' is followed by another character or ends the run.
_LOCAL_RUN = rf"(?:(?:[^={_NOT_LOCAL}]|=+[^=?{_NOT_LOCAL}])+=*|=+)"
_LABEL_CHAR = rf"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f{SPACE_OR_CONTROL}]"
_LABEL = rf"{_LABEL_CHAR}+(?:-+{_LABEL_CHAR}+)*"
#: Nor '=?' anywhere (``_LOCAL_RUN``; a domain holds neither): it starts an RFC 2047 encoded word, which the email
#: package decodes wherever a header holds it, so such an address cannot be written in a To header as itself
#: (``matcher.digest.headers.ENCODED_WORD``); a row stored before this rule still reads (``STORED_EMAIL_PATTERN``).
EMAIL_PATTERN = rf"^{_LOCAL_RUN}(?:\.{_LOCAL_RUN})*@{_LABEL}(?:\.{_LABEL})+$"
#: The longest address (RFC 5321's path limit less its angle brackets; the subscriptions column's length).
MAX_EMAIL = 320
_EMAIL = re.compile(EMAIL_PATTERN)
_STORED_EMAIL = re.compile(STORED_EMAIL_PATTERN)


def _country(value: str) -> str:
    code = value.strip().upper()
    if code == "UK":  # TED and some portals use UK; ISO 3166 says GB.
        code = "GB"
    if code == "EL":  # EU usage for Greece.
        code = "GR"
    if not _COUNTRY.match(code) or code not in ISO_COUNTRIES:
        raise ValueError(f"unknown country {value!r} (expected ISO 3166 alpha-2, e.g. 'KR')")
    return code


def _currency(value: str) -> str:
    """``value`` as an ISO 4217 code: 'XXQ' has the shape of one and is none, and a value stated in it would never
    compare with another."""
    code = value.strip().upper()
    if not _CURRENCY.match(code) or code not in ISO_CURRENCIES:
        raise ValueError(f"unknown currency {value!r} (expected ISO 4217, e.g. 'EUR')")
    return code


def _stated_currency(value: str, info: ValidationInfo) -> str:
    """A notice's or an award's currency; one read back from the store keeps the older rule (three letters), so
    that a record stored before codes were checked against ISO 4217 still reads."""
    if _stored(info):
        code = value.strip().upper()
        if _CURRENCY.match(code):
            return code
    return _currency(value)


def range_currency(value: str) -> str:
    """A currency a value range can be stated in: one the matcher has a rate for, as its code. Any other would
    leave the range unconvertible, so that a filter or a firm's range in 'XYZ' silently let every value pass."""
    code = value.strip().upper()
    if _CURRENCY.match(code) and code not in PER_EUR:
        raise ValueError(f"unknown currency {value!r} for a value range (expected one of the {len(PER_EUR)} "
                         "ISO 4217 codes the matcher has an exchange rate for, e.g. 'EUR', 'USD', 'KRW')")
    return _currency(value)


#: What starts an RFC 2047 encoded word (``EMAIL_PATTERN``; as ``matcher.digest.headers.ENCODED_WORD``).
ENCODED_WORD = "=?"


def email_refusal(value: str) -> str:
    """Why ``value``, refused by ``email_address``, is no address, to follow the words 'not an email address': what
    one is (' (expected name@example.org)'), or, for one that is by the stored rule, that it holds '=?'."""
    if ENCODED_WORD in value and _STORED_EMAIL.fullmatch(value):
        return (f": it holds {ENCODED_WORD!r}, which mail programs read as encoded text, so its digest could not be "
                "sent to it")
    return " (expected name@example.org)"


def email_address(value: str) -> str:
    """``value`` when it is an address by ``EMAIL_PATTERN`` and ``MAX_EMAIL``, or a ValueError saying what one is
    (``email_refusal``). ``fullmatch``: ``re.match`` lets ``$`` match before a final newline."""
    if len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
        raise ValueError(f"not an email address{email_refusal(value)}")
    return value


def stored_email_address(value: str) -> str:
    """``value`` when it is an address by the rule subscriptions were stored under (``STORED_EMAIL_PATTERN``)."""
    if len(value) > MAX_EMAIL or not _STORED_EMAIL.fullmatch(value):
        raise ValueError("not an email address (expected name@example.org)")
    return value


#: The largest amount a value range may state (a firm's, a subscription's), in any currency: 10^15. The largest
#: contract values published are about 10^10-10^11 EUR (the TED sample's largest award: 1.6 x 10^10), and the unit
#: the matcher has a rate for with the most per euro (VND, 27,200) still states 3.7 x 10^10 EUR within it; every
#: whole amount up to it is exact in a float (2^53 > 10^15). 1e79 and 1e308 were stored. Checked on input only: a
#: range stored before the rule still reads (``STORED``).
MAX_AMOUNT = 1e15
#: The error type of an amount over ``MAX_AMOUNT`` (a web form can name the bound from its context).
AMOUNT_ERROR = "amount_too_large"


def check_value_range(min_value: float | None, max_value: float | None) -> None:
    """A ValueError when a value range reads upside down (a firm's, a query's, a subscription's)."""
    if min_value is not None and max_value is not None and min_value > max_value:
        raise ValueError(f"min_value {plain_amount(min_value)} is greater than max_value {plain_amount(max_value)}")


def plain_amount(value: float) -> str:
    """An amount as a person writes it: 5000000, 10, 2.5 (not 5e+06 nor 10.0)."""
    return format(value, "f").rstrip("0").rstrip(".")


def _awarded_value(value: float | None, info: ValidationInfo) -> float | None:
    """An award's value: a negative one (an award file may write a refund or a typo) was stored, and the tender the
    award is read as, which refuses it, stopped the recommendations of every firm linked to its supplier."""
    if value is not None and value < 0 and not _stored(info):
        raise ValueError(f"a negative value {plain_amount(value)} (expected an amount of 0 or more)")
    return value


def _bounded_amount(value: float, info: ValidationInfo) -> float:
    if value <= MAX_AMOUNT or _stored(info):
        return value
    raise PydanticCustomError(AMOUNT_ERROR, "at most {limit} (10^15) in any currency, got {amount}: the value of "
                              "one contract", {"limit": f"{MAX_AMOUNT:,.0f}", "amount": f"{value:.4g}"})


def _range_currency(value: str, info: ValidationInfo) -> str:
    return _currency(value) if _stored(info) else range_currency(value)


def _language(value: str) -> str:
    code = value.strip().lower()
    if not _LANGUAGE.match(code):
        raise ValueError(f"unknown language {value!r} (expected ISO 639-1, e.g. 'ko')")
    return code


def _profile_language(value: str, info: ValidationInfo) -> str:
    """A language a firm works in: an ISO 639-1 code ('xx', 'zzz' and 'eng' were stored), unless stored."""
    code = _language(value)
    if code not in ISO_LANGUAGES and not _stored(info):
        raise ValueError(f"unknown language {value!r} (expected ISO 639-1, e.g. 'ko')")
    return code


def _code(value: str) -> str:
    code = value.strip()
    scheme, _, rest = code.partition(":")
    code = f"{scheme.upper()}:{rest}"
    if not _CODE.match(code):
        raise ValueError(
            f"unknown classification code {value!r} (expected a scheme prefix, e.g. 'CPV:71320000' "
            "or 'UNSPSC:43211500')"
        )
    if code.startswith("CPV:"):
        digits = code[4:].split("-")[0]
        if not (digits.isdigit() and len(digits) == 8):
            raise ValueError(f"bad CPV code {value!r} (expected 8 digits, e.g. 'CPV:71320000')")
        code = "CPV:" + digits
    elif code.startswith("UNSPSC:"):
        digits = code[7:]
        if not (digits.isdigit() and len(digits) in (2, 4, 6, 8)):
            raise ValueError(f"bad UNSPSC code {value!r} (expected 2-8 digits, e.g. 'UNSPSC:43211500')")
    return code


def canonical_id(value: str) -> str:
    """An id in Unicode's composed form (NFC): 'café' typed on a Mac (NFD, 'e' and U+0301) and elsewhere (NFC,
    U+00E9) look the same, so they must name one record. Every id that comes in passes here: ``Identifier``,
    the API's path ids, and the store's id columns (``matcher.store.metadata.IdText``)."""
    return unicodedata.normalize("NFC", value)


def _identifier(value: str, info: ValidationInfo) -> str:
    ident = value.strip()
    if _stored(info):
        return ident
    ident = canonical_id(ident)
    where = first_invisible(ident)
    if where is not None or not _ID.match(ident):
        raise ValueError(
            f"bad id {quoted(value)}{f': {where}' if where else ''} (expected 1-200 characters without spaces, '/', "
            "'?', '#', control or invisible characters, and not '.' or '..')")
    return ident


#: How much of a refused value an error quotes: one of 10,000 characters made a 10,181-character error line.
QUOTED_MAX = 80


def quoted(value: str) -> str:
    """``value`` quoted as Python writes it, its first ``QUOTED_MAX`` characters and its length when longer."""
    if len(value) <= QUOTED_MAX:
        return repr(value)
    return f"{value[:QUOTED_MAX]!r}... ({len(value):,} characters)"


def _in_range(value: D, info: ValidationInfo) -> D:
    """A day or moment the product can move by days, years and into UTC (``matcher.dates``)."""
    return value if _stored(info) else checked(value)


def _stored(info: ValidationInfo, *across: str) -> bool:
    """Whether a record is being read back from the store (``STORED``), or the field validated (for a rule across
    fields, each field it reads: ``across``) is one that a change merged into a stored record left as stored
    (``kept_as_stored``): rules added later do not apply."""
    if info.context is None:
        return False
    kept = info.context.get(_KEPT, ())
    return bool(info.context.get("stored")) or all(name in kept for name in across or (info.field_name,))


# Each type states its rule in the JSON schema too (the API's OpenAPI document), as strictly as the
# validator or more: clients and property-based tests then send what the server accepts. The validators are
# a little more lenient (lower case, 'UK' and 'EL', a CPV check digit) and normalise what they accept.
Country = Annotated[str, AfterValidator(_country), WithJsonSchema({
    "type": "string", "enum": sorted(ISO_COUNTRIES),
    "description": "ISO 3166-1 alpha-2 country code (e.g. 'KR'; XK for Kosovo); other codes are a 422",
})]
Currency = Annotated[str, AfterValidator(_stated_currency), WithJsonSchema({
    "type": "string", "enum": sorted(ISO_CURRENCIES),
    "description": "ISO 4217 currency code, e.g. 'EUR'; other codes are a 422"})]
#: The currency of a value range (a firm's, a query's, a subscription's): one with an exchange rate.
RangeCurrency = Annotated[str, AfterValidator(_range_currency), WithJsonSchema({
    "type": "string", "enum": sorted(PER_EUR),
    "description": "ISO 4217 currency code with an exchange rate, e.g. 'EUR'"})]
#: An amount of a value range (a firm's, a subscription's): a finite number from 0 to ``MAX_AMOUNT``.
RangeAmount = Annotated[float, Field(ge=0, allow_inf_nan=False), AfterValidator(_bounded_amount), WithJsonSchema({
    "type": "number", "minimum": 0, "maximum": MAX_AMOUNT,
    "description": "an amount from 0 to 10^15 in the range's currency; more is a 422"})]
Language = Annotated[str, AfterValidator(_language), WithJsonSchema({
    "type": "string", "pattern": "^[a-z]{2,3}$", "description": "ISO 639-1 language code, e.g. 'ko'"})]
#: A language a firm works in (its profile's ``languages``): one of ``ISO_LANGUAGES``.
ProfileLanguage = Annotated[str, AfterValidator(_profile_language), WithJsonSchema({
    "type": "string", "enum": sorted(ISO_LANGUAGES), "description": "ISO 639-1 language code, e.g. 'ko'"})]
#: A classification code as the JSON schema states it (``_code`` also takes a lower-case scheme).
CODE_PATTERN = r"^(CPV:[0-9]{8}(-[0-9])?|UNSPSC:([0-9]{2}){1,4}|(GSIN|NAICS|OTHER):[A-Za-z0-9.\-]{1,40})$"
Code = Annotated[str, AfterValidator(_code), WithJsonSchema({
    "type": "string",
    "pattern": CODE_PATTERN,
    "description": "a scheme-prefixed classification code: 'CPV:71320000' (8 digits), 'UNSPSC:43211500' "
                   "(2, 4, 6 or 8 digits), or GSIN:, NAICS:, OTHER:",
})]
#: ``matcher.dates``'s rule as the JSON schema states it: a day of 1900-2200, a moment of 1901-2199 (whatever
#: its offset, less than a day, it is then within 1900-2200 in UTC).
DAY_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-"
MOMENT_PATTERN = r"^(19(0[1-9]|[1-9][0-9])|2[01][0-9]{2})-"
_MOMENT_SCHEMA = WithJsonSchema({
    "type": "string", "format": "date-time", "pattern": MOMENT_PATTERN,
    "description": "ISO 8601 date-time (UTC without an offset) in the years 1900-2200, in UTC (text: a number "
                   "is a 422)"})
#: The forms a day and a moment are written in, as a refusal names them.
ISO_DAY = "an ISO 8601 date (YYYY-MM-DD)"
ISO_MOMENT = "an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS), in UTC unless it names an offset"
_ISO_DATE_TEXT = re.compile(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _written_as(form: str) -> Callable[[Any, ValidationInfo], Any]:
    """A date given as ISO 8601 text (or as a date a reader parsed), never a number: pydantic's lax mode read
    1700000000, or the text '1700000000', as a Unix time (and a midnight's as a day)."""

    def check(value: Any, info: ValidationInfo) -> Any:
        if _stored(info) or isinstance(value, date) or (isinstance(value, str) and _ISO_DATE_TEXT.match(value)):
            return value
        sent = f"the number {value}" if isinstance(value, int | float) else repr(value)[:60]
        raise ValueError(f"expected {form}, not {sent}")

    return check


#: A query parameter's day (``?since=``): ISO 8601 text only, as a body's ``Day``.
iso_day = _written_as(ISO_DAY)
Day = Annotated[date, BeforeValidator(iso_day), AfterValidator(_in_range), WithJsonSchema({
    "type": "string", "format": "date", "pattern": DAY_PATTERN,
    "description": "ISO 8601 date in the years 1900-2200 (text: a number is a 422); others are a 422"})]
_MOMENT_TEXT = BeforeValidator(_written_as(ISO_MOMENT))
Moment = Annotated[datetime, _MOMENT_TEXT, AfterValidator(_in_range), _MOMENT_SCHEMA]
#: A stored subscription's address (``matcher.store.subscriptions``): the older rule, so that one stored before
#: ``EMAIL_PATTERN`` still reads; an address coming in is held to ``email_address`` (``services.subscriptions``).
EmailAddress = Annotated[str, AfterValidator(stored_email_address)]
Identifier = Annotated[str, AfterValidator(_identifier), WithJsonSchema({
    "type": "string", "pattern": ID_PATTERN, "maxLength": 200,
    "description": "1-200 characters without whitespace, '/', '?', '#', control or invisible characters, and "
                   "not '.' or '..'"})]
#: Text as the JSON schema states it: no NUL character (``no_nul``) and, for text that must say something,
#: not only whitespace either (the validators strip it first).
NO_NUL_PATTERN = r"^[^\x00]*$"
NOT_BLANK: JsonDict = {"pattern": rf"^[^\x00]*[^{SPACE_OR_CONTROL}][^\x00]*$"}
#: Text a person types for other people to read (a firm's name, description, keywords and certifications): not
#: blank (``NOT_BLANK``), and without a bidirectional control (``typed_text``).
SHOWN_TEXT: JsonDict = {"pattern": rf"^[^\x00{BIDI_CONTROLS}]*[^{SPACE_OR_CONTROL}][^\x00{BIDI_CONTROLS}]*$"}
#: ``SHOWN_TEXT`` in the OpenAPI document's words.
SHOWN_TEXT_DOC = ("shown to other people: a visible character, and no bidirectional embedding, override or isolate "
                  "(U+202A-U+202E, U+2066-U+2069; right-to-left letters and the marks U+200E/U+200F are taken)")
#: ``SHOWN_TEXT_DOC`` for an item of a list (``SHOWN_ITEM``).
SHOWN_ITEM_DOC = (f"{SHOWN_TEXT_DOC}; one line: no control character (C0, DEL, C1) but those read as a space (a tab, "
                  "a line break)")
#: ``SHOWN_TEXT``'s rule for text that may be empty (a note): no NUL, no bidirectional control.
NO_BIDI_PATTERN = rf"^[^\x00{BIDI_CONTROLS}]*$"
_NESTED = ("anyOf", "oneOf", "allOf", "items", "prefixItems", "additionalProperties")


def text_without_nul(schema: dict[str, Any]) -> None:
    """A model's JSON schema (its ``json_schema_extra``): every text property without a pattern, an enum or
    a format of its own states that it has no NUL, as ``no_nul`` enforces; nested models state their own."""
    _no_nul_pattern(list(_mapping(schema.get("properties")).values()))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _no_nul_pattern(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _no_nul_pattern(item)
    elif isinstance(node, dict):
        if node.get("type") == "string" and not {"pattern", "enum", "format", "const"} & node.keys():
            node["pattern"] = NO_NUL_PATTERN
        if node.get("type") == "object" and "additionalProperties" in node and "propertyNames" not in node:
            node["propertyNames"] = {"pattern": NO_NUL_PATTERN}  # keys are text too
        for key in _NESTED:
            _no_nul_pattern(node.get(key))


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def item_key(text: str) -> str:
    """An item of a list a person types (a keyword, a certification) as items are compared: composed (NFC),
    case-folded, without spaces, as ``matcher.search.code_labels.term_key`` compares terms ('Pumps' and 'pumps',
    '비상 발전기' and '비상발전기', 'Straße' and 'STRASSE' are one item), and without the format characters that
    mean nothing (``shown_text``, as ``typed_text`` drops them): 'pu\\u200bmps', 'pu\\u200dmps' and 'pumps' are one
    item, a Persian word with its ZWNJ and without it are two."""
    return "".join(shown_text(text).casefold().split())


def dedupe_items(items: list[str]) -> list[str]:
    """``items`` without those the same as an earlier one by ``item_key``: the first as written is kept."""
    kept: dict[str, str] = {}
    for item in items:
        kept.setdefault(item_key(item), item)
    return list(kept.values())


_NON_WORD = re.compile(r"[\W_]+")


#: The joiners, dropped from text compared for sameness: they never make two notices different.
_NO_JOINERS = dict.fromkeys(map(ord, JOINERS))


def _normalised(text: str) -> str:
    """Text compared for sameness: without the format characters shown text loses (``shown_text``: a notice stored
    before they were dropped still reads 'wa\\u200bter' as 'water', not 'wa ter') or a joiner, NFKC, case-folded,
    runs of punctuation and space as one space."""
    visible_text = shown_text(text.translate(_NO_JOINERS))
    return " ".join(_NON_WORD.sub(" ", unicodedata.normalize("NFKC", visible_text).casefold()).split())


def code_labels(codes: list[str]) -> str:
    """The English labels of the first codes, one line ("Water meters; Measuring instruments")."""
    book = codebook()
    found = [label for code in codes[:MAX_LABELLED_CODES] if (label := book.label(code))]
    return "; ".join(dict.fromkeys(found))


def draws(text: str) -> bool:
    """Whether ``text`` has a character that draws (``invisible``), in any plane."""
    return not all(invisible(char) for char in text)


#: What blank text is told (``blank``).
BLANK = "must contain a visible character, not only spaces or control characters"


def blank(text: str) -> str | None:
    """Why ``text`` says nothing (``BLANK``, naming the kind above U+FFFF that it holds), or None when it draws."""
    if draws(text):
        return None
    return f"{BLANK} ({ABOVE_BMP} draws nothing)" if any(ord(c) > 0xFFFF for c in text) else BLANK


#: The type of the validation error of typed text holding a bidirectional control (``typed_text``): a face that
#: words its refusals itself (the workspace's forms) reads it, and the ``character`` of its context.
BIDI_ERROR = "bidi_control"
_BIDI_WORDS = ("holds {character} at position {position}, a bidirectional control that can make text display as "
               "other text (right-to-left letters and the marks U+200E/U+200F are taken)")


def _first(characters: re.Pattern[str], text: str) -> dict[str, str | int] | None:
    """The first of ``characters`` in ``text`` as a refusal names it: its name and its place (from 1)."""
    found = characters.search(text)
    if found is None:
        return None
    return {"character": character_name(found.group()), "position": found.start() + 1}


def _bidi_control(text: str) -> dict[str, str | int] | None:
    return _first(BIDI_CONTROL, text)


def bidi_problem(text: str) -> str | None:
    """Where ``text`` holds its first bidirectional control (``BIDI_CONTROLS``), as a refusal says it: 'holds U+202E
    RIGHT-TO-LEFT OVERRIDE at position 7, a bidirectional control ...'; None when it holds none."""
    found = _bidi_control(text)
    return None if found is None else _BIDI_WORDS.format(**found)


#: What typed text that must say something holds at least one of (``typed_text``): a letter, a number, a symbol or
#: a punctuation mark (Unicode L, N, S, P) that draws; combining marks alone ('\u0301\u0301') and U+2800 BRAILLE
#: PATTERN BLANK (a symbol that draws an empty cell) were stored as a firm's description and keyword. Punctuation
#: counts: award histories name suppliers' firms with the description '-' (``matcher.evaluate.context``).
_SAYING = frozenset("LNSP")
BRAILLE_BLANK = "\u2800"
SAYS_NOTHING = (f"{BLANK}: a letter, number or symbol (combining marks and U+2800 BRAILLE PATTERN BLANK alone say "
                "nothing)")


def says_something(text: str) -> bool:
    """Whether ``text`` holds a letter, number or symbol that draws (``SAYS_NOTHING``)."""
    return any(unicodedata.category(c)[0] in _SAYING and c != BRAILLE_BLANK and not invisible(c) for c in text)


def typed_text(text: str, must_draw: bool = True) -> str:
    """``text`` as a person may type it for others to read: with a letter, number or symbol that draws
    (``says_something``), unless it may be empty (``must_draw``: a note may), and without a bidirectional control;
    less the format characters that mean nothing, and in NFC (``shown_text``: a zero-width space, a byte order mark
    or a word joiner anywhere, a joiner between two Latin letters; 'Pu\\u200bmps' is 'Pumps', '\\ufeffAcme'
    'Acme'), trimmed again once they are gone. The joiners Persian, Indic scripts and emoji need stay (``JOINERS``).
    An embedding, override or isolate (U+202A-U+202E, U+2066-U+2069) reorders the text after it: 'pumps
    \\u202eretaw' displays as 'pumps water', a firm's name as another firm's, a keyword inside a reason's sentence
    reorders the sentence ("Trojan Source").
    The one rule of every such field: a firm's name, description, keywords and certifications, a shortlist note, a
    feed's query. Raises a ValueError (blank) or a ``BIDI_ERROR`` naming the character and its place."""
    if must_draw and (problem := blank(text)):
        raise ValueError(problem)
    if must_draw and not says_something(text):
        raise ValueError(SAYS_NOTHING)
    if (found := _bidi_control(text)) is not None:
        raise PydanticCustomError(BIDI_ERROR, _BIDI_WORDS, found)
    return shown_text(text).strip()


#: The type of the validation error of an item holding a control character (``typed_item``), read like ``BIDI_ERROR``.
CONTROL_ERROR = "control_character"
_CONTROL_WORDS = "holds the control character {character} at position {position}: one line of text is expected"


def typed_item(text: str) -> str:
    """``text`` as it is, if a person may type it as an item of a list others read (a keyword, a certification):
    ``typed_text``, and one line without a control character (``LINE_CONTROLS``). Raises like ``typed_text``, or
    a ``CONTROL_ERROR`` naming the character and its place."""
    kept = typed_text(text)
    if (found := _line_control(text)) is not None:
        raise PydanticCustomError(CONTROL_ERROR, _CONTROL_WORDS, found)
    return kept


def _line_control(text: str) -> dict[str, str | int] | None:
    return _first(LINE_CONTROL, text)


def line_control_problem(text: str) -> str | None:
    """Where ``text`` holds its first control character one line may not (``LINE_CONTROLS``), as ``typed_item``'s
    refusal says it: 'holds the control character U+001B ESC at position 4: ...'; None when it holds none."""
    found = _line_control(text)
    return None if found is None else _CONTROL_WORDS.format(**found)


#: Longest item of a list a person types (a keyword, a certification): a product line or a certificate's name, in
#: a few words (the judged profiles' longest is 46 characters); a keyword of 30,000 was stored and shown.
MAX_ITEM = 200
#: The error type of an item over ``MAX_ITEM`` (the web forms name the item by its place).
ITEM_LENGTH_ERROR = "item_too_long"


def _typed_item(value: str, info: ValidationInfo) -> str:
    # An empty item is no item (the profile's lists drop it); one stored before the rules loads as stored.
    if not value or _stored(info):
        return value
    if len(value) > MAX_ITEM:
        raise PydanticCustomError(ITEM_LENGTH_ERROR, "at most {limit} characters, got {length}: one product line, "
                                  "service or certificate per item", {"limit": MAX_ITEM, "length": f"{len(value):,}"})
    return typed_item(value)


#: ``SHOWN_TEXT`` for an item of a list (``typed_item``): no control character but those that read as a space.
SHOWN_ITEM: JsonDict = {
    "pattern": rf"^[^{LINE_CONTROLS}{BIDI_CONTROLS}]*[^{SPACE_OR_CONTROL}][^{LINE_CONTROLS}{BIDI_CONTROLS}]*$"}

#: What a web address loses as a browser reads it, and the control characters it may not hold then.
_URL_REMOVED = re.compile(r"[\t\n\r]")
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: An item of a list a person types for others to read (a firm's keywords, its certifications): ``typed_item``.
TypedItem = Annotated[str, AfterValidator(_typed_item),
                      WithJsonSchema({"type": "string", "maxLength": MAX_ITEM, **SHOWN_ITEM})]


def visible(value: Any, field: FieldInfo | None) -> Any:
    """``value`` as it is, unless its field is documented as not blank (``NOT_BLANK``) and the text has no
    visible character: "\x92", a C1 control, passes the strip and the length rule, and was stored as a firm's
    description, which then broke the documented pattern in every answer that showed it. Text people type for others
    to read (``SHOWN_TEXT``) is held to ``typed_text``: no bidirectional control either."""
    if not isinstance(value, str) or field is None or field.json_schema_extra not in (NOT_BLANK, SHOWN_TEXT):
        return value
    if field.json_schema_extra == SHOWN_TEXT:
        return typed_text(value)
    if problem := blank(value):
        raise ValueError(problem)
    return value


def shown(value: Any, info: ValidationInfo, must_draw: bool = False) -> Any:
    """Text people read of a notice (its title, buyer, description, translated titles, what a correction sets), as
    ``shown_text`` gives it: a feed's stray format character is dropped, not a reason to lose the notice, whichever
    way it comes in (a reader, a feed, the API). A firm's name, which a person types, is refused instead
    (``SHOWN_TEXT``). Text that ``must_draw`` and is left without a character that draws is kept as sent, for the
    blank rule to name (``visible``); what was stored is loaded as it is (``STORED``)."""
    if _stored(info):
        return value
    if isinstance(value, str):
        text = shown_text(value)
        return value if must_draw and not draws(text) else text
    if isinstance(value, dict):
        return {key: shown(text, info) for key, text in value.items()}
    return value


def no_nul(value: Any) -> Any:
    """``value`` as it is, unless text in it (a string, or one inside a list or dict) holds a NUL character:
    PostgreSQL keeps none in text (one in an uploaded file or a request was a 500 there), and no notice or
    profile needs one."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{value[:60]!r} contains a NUL character (\\x00), which text may not")
    elif isinstance(value, list | tuple):
        for item in value:
            no_nul(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            no_nul(key)
            no_nul(item)
    return value


#: The validation context of records read back from the store (``_Model.from_stored``): what was stored is
#: loaded as it is, so a rule added later (no NUL) never makes an existing SQLite store unreadable.
STORED = {"stored": True}
#: The validation context of notices as a feed published them (the TED, eForms, OCDS and World Bank readers): a
#: date pair the publisher wrote is kept as written (``Tender._deadline``), where typed input is refused.
AS_PUBLISHED = {"as_published": True}
_KEPT = "kept_as_stored"


def kept_as_stored(fields: Iterable[str]) -> dict[str, Any]:
    """The validation context of a change merged into a stored record (a PATCH): ``fields``, those it does not send,
    are loaded as stored (``STORED``), so that a rule on a field added since it was stored (a name's bidirectional
    control, text of invisible characters, a NUL, a currency without a rate, an id's form) refuses no change of
    another field. The fields sent are held to every rule, and the record to the rules across its fields unless it
    sends none of the fields a rule reads (a declined code covering one of the codes: ``codes``, ``declined_codes``)."""
    return {_KEPT: frozenset(fields)}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=text_without_nul)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        if _stored(info):
            return value
        return visible(no_nul(value), cls.model_fields.get(info.field_name or ""))

    @classmethod
    def from_stored(cls, data: str | bytes) -> Self:
        """A record from its stored JSON, without the rules that only guard what comes in (``STORED``)."""
        return cls.model_validate_json(data, context=STORED)

    #: Fields added after stores were first written, left out of ``content_hash`` while they hold their default:
    #: a record read back from an older store then hashes as it was stored and indexed (the index serves a
    #: notice only while its hash is the one indexed), instead of every notice reading as changed.
    HASHED_WHEN_SET: ClassVar[frozenset[str]] = frozenset()

    def content_hash(self) -> str:
        """A stable hash of the content: equal records hash equal, a changed record hashes differently."""
        fields = type(self).model_fields
        unset = {name for name in self.HASHED_WHEN_SET if getattr(self, name) == fields[name].default}
        payload = json.dumps(self.model_dump(mode="json", exclude=unset), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


class Correction(_Model):
    """What an official corrigendum changes in an earlier notice (a TED-XML form F14, an eForms change
    notice): a field left None is not changed. The store applies it to the corrected notice whichever of the
    two arrives first (``matcher.store.corrections``)."""

    notice: Identifier = Field(description=(
        "the corrected notice: its tender id ('ted:189849-2021'), or one of its aliases ('eforms:<id>-<version>')"))
    deadline: Moment | None = Field(default=None, description="the new deadline for receipt of tenders")
    title: str | None = Field(default=None, min_length=1, max_length=2000)
    titles: dict[str, str] | None = Field(default=None, description="replaces every translated title")
    description: str | None = Field(default=None, max_length=100_000)
    codes: list[Code] | None = Field(default=None, description="replaces every code")
    replaced_codes: dict[Code, Code] = Field(
        default_factory=dict, description="old code -> new code, each replaced where the notice has it",
        json_schema_extra={"propertyNames": {"pattern": CODE_PATTERN}})

    @field_validator("deadline")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return _utc(value)

    @field_validator("title", "titles", "description", mode="before")
    @classmethod
    def _shown(cls, value: Any, info: ValidationInfo) -> Any:
        return shown(value, info)

    def changes(self) -> dict[str, Any]:
        """The Tender fields this correction sets (codes without ``replaced_codes``, which needs the notice)."""
        fields = ("deadline", "title", "titles", "description", "codes")
        return {name: value for name in fields if (value := getattr(self, name)) is not None}


#: The fields ``closes_before_published`` reads.
DATE_PAIR_FIELDS = ("notice_type", "published", "deadline")


def closes_before_published(notice_type: str | None, published: date | None, deadline: datetime | None) -> None:
    """Refuse typed input whose call closes on a day before its publication (ValueError naming both dates).

    Such a call is closed before anyone can see it. Typed in (a tender table, the API's body, an update merged
    with the stored notice) that is a typo, refused; a feed publishes such pairs for real (TED publishing a
    notice after its deadline, an OCDS release dated when the data came out), kept as published (AS_PUBLISHED;
    counts in docs/formats.md). The day is the deadline's own, as written: the buyer's 1 May 08:00+09:00 is
    30 April in UTC. An award or other notice names the deadline of a call that closed before it."""
    if (published is not None and deadline is not None and notice_type in OPPORTUNITY_TYPES
            and deadline.date() < published):
        raise ValueError(f"deadline {deadline.isoformat()} is before the publication date {published.isoformat()} "
                         "(a call cannot close before it is published)")


def _utc(value: datetime | None) -> datetime | None:
    """A datetime without a zone is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Tender(_Model):
    """One procurement notice, whatever its source."""

    tender_id: Identifier = Field(description="source-prefixed id, e.g. 'ted:651610-2021' or 'ocds:<ocid>'")
    source: str = Field(min_length=1, max_length=40, description="feed it came from: ted, ocds, ungm, ...",
                        json_schema_extra=NOT_BLANK)
    notice_type: NoticeType = "open_call"
    title: str = Field(min_length=1, max_length=2000, json_schema_extra=NOT_BLANK)
    description: str = Field(default="", max_length=100_000)
    language: Language | None = None
    buyer: str | None = Field(default=None, max_length=500)
    buyer_country: Country | None = None
    countries: list[Country] = Field(default_factory=list, description="place of performance")
    codes: list[Code] = Field(default_factory=list)
    value: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    currency: Currency | None = None
    published: Day | None = None
    #: Checked by ``_deadline``, which first reads one beyond the range beside a publication day as a placeholder.
    deadline: Annotated[datetime, _MOMENT_TEXT, _MOMENT_SCHEMA] | None = Field(default=None, description=(
        "a year from 1900 to 2200 in UTC (others are a 422); one over 10 years after 'published' (a placeholder "
        "such as 2099-12-31 or 9999-12-31) is read as none; an open call's or prior information notice's may not "
        "fall on a day before 'published' (a 422: it is before the publication date)"))
    #: Earlier notices whose procedure this one ends without an award (a TED award notice whose every lot was
    #: discontinued or unsuccessful): they are closed from then on, whichever of the two is stored first.
    cancels: list[Identifier] = Field(default_factory=list, max_length=100)
    #: Earlier notices this one corrects (a TED corrigendum, an eForms change notice) and what it changes in
    #: them: the stored notice is rewritten with the changes, whichever of the two is stored first.
    corrects: list[Correction] = Field(default_factory=list, max_length=100)
    aliases: list[Identifier] = Field(default_factory=list, max_length=10, description=(
        "other names later notices use for this one: 'eforms:<notice id>-<version>' (BT-701, BT-757), which an "
        "eForms change notice names (BT-758) where the tender id is TED's publication number"))
    url: str | None = Field(default=None, max_length=2000, description="the notice's web address: http(s) only",
                            json_schema_extra={"pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"})
    #: Titles in other languages (TED publishes each title in every EU language), keyed by ISO 639-1.
    titles: dict[str, str] = Field(default_factory=dict)
    contract_nature: Nature | None = Field(
        default=None, description="what the notice buys: supplies, services or works (None: not stated)"
    )
    design_contest: bool = Field(default=False, description=(
        "published as a design contest (TED forms F12/F13, eForms cn-desg/can-desg): a procedure by which the buyer "
        "acquires a plan or design chosen by a jury (Directive 2014/24/EU, art. 2(1)(21)), not goods or works"))

    HASHED_WHEN_SET: ClassVar[frozenset[str]] = frozenset({"design_contest"})

    @field_validator("title", "description", "buyer", "titles", mode="before")
    @classmethod
    def _shown(cls, value: Any, info: ValidationInfo) -> Any:
        return shown(value, info, must_draw=info.field_name == "title")

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Only an http(s) address: pages, exports, calendar files and digests link to it, and a 'javascript:'
        address would run in a reader's browser or mail client. One read back from an older store is dropped."""
        if not value:
            return None  # an empty address is no address
        # As a browser reads it (the WHATWG URL standard): tab and newline removed, a space percent-encoded; so
        # every link, export and calendar line holds one line (a line break broke the calendar's URL line).
        value = _URL_REMOVED.sub("", value).replace(" ", "%20")
        control = _URL_CONTROL.search(value)
        if value.lower().startswith(("https://", "http://")) and control is None:
            return value
        if _stored(info):
            return None
        if control is not None:
            raise ValueError(f"url {value[:60]!r} holds the control character U+{ord(control.group()):04X}")
        raise ValueError(f"url {value[:60]!r} is not an http(s) address")

    @field_validator("countries", "codes", "cancels", "aliases")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return _dedupe(value)

    @field_validator("deadline")
    @classmethod
    def _deadline(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None or _stored(info):
            return _utc(value)
        published, year = info.data.get("published"), utc_year(value)
        if published is not None and year > LATEST_YEAR and year - published.year > MAX_DEADLINE_YEARS:
            return None  # "9999-12-31": a placeholder, as ``_placeholder_deadline`` reads "2099-12-31"
        checked(value)
        if not (info.context or {}).get("as_published"):
            closes_before_published(info.data.get("notice_type"), published, value)
        return _utc(value)

    @model_validator(mode="after")
    def _placeholder_deadline(self) -> Tender:
        # Some buyers publish "2099-12-31" for "no deadline" (qualification systems): that is not a date.
        late = self.deadline is not None and self.published is not None and (
            self.deadline.year - self.published.year > MAX_DEADLINE_YEARS
        )
        if late:
            self.deadline = None
        return self

    def corrected(self, corrections: list[Correction]) -> Tender:
        """This notice with ``corrections`` applied in the order given (the store orders them by publication,
        so the latest published wins field by field), validated again."""
        if not corrections:
            return self
        data = self.model_dump()
        for correction in corrections:
            data.update(correction.changes())
            if correction.replaced_codes:
                data["codes"] = [correction.replaced_codes.get(code, code) for code in data["codes"]]
        return Tender.model_validate(data, context=STORED)

    def all_countries(self) -> list[str]:
        """Buyer country first, then places of performance."""
        found = [self.buyer_country] if self.buyer_country else []
        return _dedupe(found + self.countries)

    def text(self, labels: bool = True) -> str:
        """The text that is embedded and searched: title, the English title when the original is in
        another language (TED translates every title), the English labels of its codes, then the description.

        The labels make every notice reachable in a language the encoders know: a Bulgarian or Finnish
        notice (languages the multilingual encoder was not trained on) still says "Water meters" through
        its CPV code. ``labels=False`` is the text before labels were added (the judged evaluation's
        "previous default")."""
        english = self.titles.get("en", "")
        parts = [self.title, english if english and english != self.title else ""]
        if labels:
            parts.append(code_labels(self.codes))
        parts.append(self.description)
        return "\n".join(p for p in parts if p)

    def duplicate_key(self) -> str:
        """Equal for the same notice published twice under two ids (a re-publication, a prior information
        notice repeated as the call): the buyer's own title and description, the buyer and the main code,
        compared after case, accents' composed forms, punctuation and spacing are normalised. Not the id,
        dates, deadline or value: a re-publication changes those. Lots of one procedure with different text
        differ; an award never shares a key with a call (it is history, not the same opportunity)."""
        main_code = self.codes[0] if self.codes else ""
        stage = "opportunity" if self.notice_type in OPPORTUNITY_TYPES else self.notice_type
        parts = [_normalised(self.title), _normalised(self.description), _normalised(self.buyer or ""),
                 main_code, stage]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def codes_clash(codes: Sequence[str], declined: Sequence[str], stored: bool = False) -> str | None:
    """What is wrong when a code is both one of a firm's codes and declined for it, or (unless ``stored``: a
    rule added later) a declined code covers one of the firm's codes, else None."""
    both = [code for code in declined if code in codes]
    if both:
        return f"{both[0]} is both one of the firm's codes and a declined code"
    covering = [] if stored else [(d, c) for d in declined for c in codes if covers(d, c)]
    if covering:
        declined_code, own = covering[0]
        return (f"declined code {declined_code} covers {own}, one of the firm's codes (take {declined_code} out of "
                f"declined_codes, or {own} out of codes)")
    return None


class FirmProfile(_Model):
    """What a firm does and where it wants to sell. Only ``firm_id``, ``name`` and ``description`` are
    required; the description may be in any language (Korean included)."""

    firm_id: Identifier
    name: str = Field(min_length=1, max_length=300, json_schema_extra=SHOWN_TEXT, description=SHOWN_TEXT_DOC)
    description: str = Field(min_length=1, max_length=20_000, json_schema_extra=SHOWN_TEXT,
                             description=SHOWN_TEXT_DOC)
    keywords: list[TypedItem] = Field(default_factory=list, max_length=100, description=f"each {SHOWN_ITEM_DOC}")
    codes: list[Code] = Field(default_factory=list, max_length=200)
    accepted_codes: list[Code] = Field(
        default_factory=list, max_length=200,
        description="those of ``codes`` a person accepted from the firm's suggested codes (``accept-codes``); a "
        "code taken out of ``codes`` is no longer among them",
    )
    declined_codes: list[Code] = Field(
        default_factory=list, max_length=200,
        description="codes a person said the firm does not do: never suggested or ranked on for it, nor any code "
        "under one of them",
    )
    home_country: Country | None = None
    target_countries: list[Country] = Field(default_factory=list, max_length=MAX_TARGET_COUNTRIES)
    languages: list[ProfileLanguage] = Field(default_factory=list, max_length=MAX_PROFILE_LANGUAGES)
    min_value: RangeAmount | None = None
    max_value: RangeAmount | None = None
    currency: RangeCurrency | None = None
    certifications: list[TypedItem] = Field(default_factory=list, max_length=100, description=f"each {SHOWN_ITEM_DOC}")
    offers: list[Nature] = Field(
        default_factory=list, max_length=3,
        description="what the firm sells: supplies, services and/or works (empty: not stated)",
    )

    @field_validator(
        "keywords", "codes", "accepted_codes", "declined_codes", "target_countries", "languages", "certifications",
        "offers")
    @classmethod
    def _clean(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # Codes, countries and languages are normalised as items already; a keyword or certification that is
        # another but for case or spaces is dropped on input ('a' and 'A' were both stored), kept when stored.
        items = [v for v in value if v]
        typed = info.field_name in ("keywords", "certifications") and not _stored(info)
        return dedupe_items(items) if typed else _dedupe(items)

    @model_validator(mode="after")
    def _codes_apart(self, info: ValidationInfo) -> FirmProfile:
        clash = codes_clash(self.codes, self.declined_codes, _stored(info, "codes", "declined_codes"))
        if clash:
            raise ValueError(clash)
        return self

    @model_validator(mode="after")
    def _accepted_among_codes(self) -> FirmProfile:
        # A profile edit that takes an accepted code out of ``codes`` (PATCH merges into the stored profile)
        # leaves it accepted no longer, rather than failing on a field the edit did not name.
        self.accepted_codes = [code for code in self.accepted_codes if code in self.codes]
        return self

    def own_codes(self) -> list[str]:
        """The codes the firm named itself: its ``codes`` less those accepted from its suggestions."""
        accepted = set(self.accepted_codes)
        return [code for code in self.codes if code not in accepted]

    @model_validator(mode="after")
    def _value_range(self) -> FirmProfile:
        check_value_range(self.min_value, self.max_value)
        if (self.min_value is not None or self.max_value is not None) and self.currency is None:
            raise ValueError("min_value/max_value need a currency (ISO 4217, e.g. 'EUR')")
        return self

    def text(self) -> str:
        """The text that is embedded: description plus keywords."""
        parts = [self.description]
        if self.keywords:
            parts.append(", ".join(self.keywords))
        return "\n".join(parts)


class Award(_Model):
    """One (award x winning supplier) row of award history."""

    award_id: str = Field(min_length=1, max_length=300)
    date: Day
    title: str = Field(default="", max_length=5000)
    description: str = Field(default="", max_length=100_000)
    buyer: str | None = Field(default=None, max_length=500)
    buyer_country: Country | None = None
    codes: list[Code] = Field(default_factory=list)
    supplier: str = Field(min_length=1, max_length=500)
    supplier_country: Country | None = None
    #: At least 0, as a notice's value; one stored before the rule still reads (``award_tender`` drops it).
    value: Annotated[float | None, AfterValidator(_awarded_value)] = Field(default=None, allow_inf_nan=False)
    currency: Currency | None = None
    language: Language | None = None

    def text(self) -> str:
        return f"{self.title}\n{self.description}".strip()


# ----------------------------------------------------------------------------- matches and reasons


def _signal_fields() -> dict[str, Any]:
    """One float field per signal of ``matcher.feature_set.FEATURE_SET``, in its order."""
    return {f.name: (float, Field(default=f.part_default, description=f.description))
            for f in FEATURE_SET if f.kind == "signal"}


# The signal fields are made from the declaration, so a new signal reaches the API without an edit here; to
# mypy they are the floats ``ScoreParts.__getattr__`` promises.
if TYPE_CHECKING:
    _SignalParts = BaseModel
else:
    _SignalParts = create_model("_SignalParts", **_signal_fields())


class ScoreParts(_SignalParts):
    """Each signal in [0, 1] and the weight it had in the final score."""

    term_guard: float = Field(default=1.0, description="multiplier, < 1 when distinctive terms are absent")
    weights: dict[str, float] = Field(default_factory=dict)

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> float: ...


class CodeMatch(BaseModel):
    firm_code: str
    tender_code: str
    level: Literal["exact", "within", "category", "class", "group", "division", "family", "segment"]
    similarity: float
    label: str | None = None
    inferred: bool = Field(default=False, description="the firm's code was suggested from its description")
    keyword: str | None = Field(default=None, description="the firm's keyword that the inferred code translates")


#: What a reason or a concern says, as a code (``matcher.ranking.reasons`` words each one per language).
ReasonKind = Literal[
    "similar_text", "shared_terms", "keyword_match", "code_match", "country_target", "value_in_range",
    "history", "approved_by_partner", "on_shortlist", "like_approved", "contract_nature_fit",
    "value_above_range", "value_below_range", "closing_soon", "language_not_listed", "country_not_target",
    "contract_nature_mismatch", "missing_distinctive_terms", "design_contest", "code_named",
]


class Reason(BaseModel):
    """One reason (or concern) as a code and its parameters, not a sentence: each face words it in the
    reader's language with ``matcher.ranking.reasons.render``."""

    model_config = ConfigDict(frozen=True)

    kind: ReasonKind
    params: dict[str, str | int | float | list[str]] = Field(default_factory=dict)


class Explanation(BaseModel):
    """Why a tender and a firm were matched, in terms a partner can check. ``reasons`` speak for the match,
    ``concerns`` against it; ``summary`` is both worded in English (concerns prefixed "concern: ")."""

    reasons: list[Reason] = Field(default_factory=list)
    concerns: list[Reason] = Field(default_factory=list)
    matched_terms: list[str] = Field(default_factory=list)
    missing_terms: list[str] = Field(default_factory=list, description="distinctive profile terms absent")
    matched_codes: list[CodeMatch] = Field(default_factory=list)
    country_fit: str = ""
    value_fit: str = ""
    deadline: str = ""
    history: str = ""
    feedback: str = ""
    summary: list[str] = Field(default_factory=list, description="one short sentence per reason")


class Match(BaseModel):
    """A ranked tender for a firm (or a ranked firm for a tender); never a bare score."""

    tender_id: str
    firm_id: str
    rank: int
    score: float = Field(ge=0.0, le=1.0, description="raw ranking score: orders matches, means little alone")
    fit: float | None = Field(default=None, ge=0.0, le=1.0, description=(
        "calibrated fit: the share of matches at this score judged relevant (models/calibration)"))
    fit_band: BandName | None = None
    fit_band_share: float | None = Field(default=None, description=(
        "share of the judged matches in this band that were relevant (the band's evidence)"))
    parts: ScoreParts
    reasons: Explanation
    title: str
    buyer: str | None = None
    country: str | None = None
    countries: list[str] = Field(default_factory=list)
    deadline: datetime | None = None
    published: date | None = None
    notice_type: NoticeType = "open_call"
    value: float | None = None
    currency: str | None = None
    codes: list[str] = Field(default_factory=list)
    url: str | None = None
    firm_name: str | None = None


class IngestReport(BaseModel):
    """What one ingest run did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = Field(default_factory=list, description="(record, reason)")

    @property
    def accepted(self) -> int:
        return self.new + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )

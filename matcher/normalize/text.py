"""Pure helpers that turn published values into clean schema values. No I/O here."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import quote

from babel import Locale
from dateutil import parser as _dateparser  # type: ignore[import-untyped]

from matcher.characters import shown_text
from matcher.reference.countries import ISO_COUNTRIES

_TAGS = re.compile(r"<[^>]+>")
#: Runs of spaces folded to one. Not the zero-width space (``shown_text`` drops it): in a word ('hyvä\u200bksymisestä',
#: a real TED notice) a space would split it in two.
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_ID_UNSAFE = re.compile(r"[\s/?#]")


def clean_text(value: str | None) -> str:
    """Unescape entities, drop markup and the format characters that draw nothing (``shown_text``, which composes
    the text too), fold runs of spaces; paragraphs stay on their own lines."""
    if not value:
        return ""
    text = shown_text(html.unescape(_TAGS.sub(" ", value))).replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def in_utc(moment: datetime) -> datetime:
    """``moment`` (aware) in UTC; one UTC cannot hold as it is: 9999-12-31T23:59:59-05:00 is in the year 10000, and
    was an OverflowError out of every reader. The schema's date rule then refuses its record naming the value
    (``matcher.dates``), or reads it as a placeholder deadline, and the rest of the file loads."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return moment


def parse_date(value: str | None) -> date | None:
    """A date from ISO 8601, ``YYYYMMDD`` or a datetime string; None when empty or unparseable."""
    moment = parse_datetime(value)
    return moment.date() if moment else None


#: A trailing "(GMT 1.00)" zone: hours and hundredths of an hour ("5.50" is 5 h 30), as UNGM writes them.
_GMT_SUFFIX = re.compile(r"\s*\(\s*GMT\s*(?P<sign>[+-]?)\s*(?P<hours>\d{1,2})[.:](?P<minutes>\d{2})\s*\)\s*$")


def parse_datetime(value: str | None) -> datetime | None:
    """A UTC-aware datetime from the usual published shapes (``in_utc``); None when empty or unparseable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if zone := _GMT_SUFFIX.search(text):  # UNGM: '15-Dec-2026 17:00 (GMT 1.00)', '... (GMT -5.00)'
        sign = -1 if zone["sign"] == "-" else 1
        offset = timedelta(hours=int(zone["hours"]), minutes=int(zone["minutes"]) * 60 // 100)
        local = parse_datetime(text[: zone.start()])
        if local is None or offset > _WIDEST_EAST or sign * offset < -_WIDEST_WEST:
            return None
        return in_utc(local.replace(tzinfo=timezone(sign * offset)))  # the wall time at the zone's offset
    moment: datetime
    try:
        moment = _dateparser.isoparse(text)
    except ValueError:
        try:
            moment = _dateparser.parse(text)
        except (ValueError, OverflowError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        shift = moment.utcoffset()
    except ValueError:  # an offset of 24 hours or more, which the fallback parser takes and datetime refuses
        return None
    if shift is None or not -_WIDEST_WEST <= shift <= _WIDEST_EAST:
        return None
    return in_utc(moment)


#: The zones clocks keep: UTC-12:00 (Baker Island) to UTC+14:00 (Kiribati's Line Islands); beyond, no moment reads.
_WIDEST_WEST, _WIDEST_EAST = timedelta(hours=12), timedelta(hours=14)


_THOUSANDS_COMMA = re.compile(r"\d{1,3}(,\d{3})+")


def parse_amount(value: str | float | int | None) -> float | None:
    """A non-negative amount from '247950.00', '1 234,50', '1.234,50', '1,234.50', '100,000' or 1234;
    None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            amount = float(value)
        except OverflowError:  # an integer past float's range (JSON's have no bound): as large as '1e400' reads
            amount = math.inf if value > 0 else -math.inf
        return amount if amount >= 0 else None
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        # Whichever separator comes last is the decimal one.
        decimal_comma = text.rfind(",") > text.rfind(".")
        text = text.replace(".", "").replace(",", ".") if decimal_comma else text.replace(",", "")
    elif "," in text:
        text = text.replace(",", "") if _THOUSANDS_COMMA.fullmatch(text) else text.replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")  # '1.234.567'
    try:
        amount = float(text)
    except ValueError:
        return None
    return amount if amount >= 0 else None


def nuts_country(nuts: str | None) -> str | None:
    """The ISO country of a NUTS code ('SI041' -> 'SI'; 'EL' -> 'GR', 'UK' -> 'GB')."""
    if not nuts or len(nuts) < 2 or not nuts[:2].isalpha():
        return None
    code = nuts[:2].upper()
    return {"EL": "GR", "UK": "GB"}.get(code, code)


#: Letters whose mark is drawn through them rather than combined, so NFKD keeps them whole ('Łódź' stayed 'łodz').
_STROKES = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ƀ": "b", "ɨ": "i"})


def fold(text: str) -> str:
    """Lowercase without accents, for comparing names and terms ('Société' -> 'societe', 'Łódź' -> 'lodz')."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_STROKES)


# Country names as they appear in real published data (OCDS examples, tender exports). Deliberately small:
# a name that is not here gives None rather than a guess.
_COUNTRY_NAMES: dict[str, str] = {
    "Canada": "CA",
    "CAN": "CA",
    "Colombia": "CO",
    "España": "ES",
    "Estados Unidos de Norteamerica": "US",
    "E.E.U.U.": "US",
    "México": "MX",
    "Nigeria": "NG",
    "Paraguay": "PY",
    "Uganda": "UG",
    "United Kingdom": "GB",
    "Україна": "UA",
    "Украина": "UA",
}


def _cldr_country_names() -> dict[str, str]:
    """Every ISO country's name in the languages notices and exports mostly use, from CLDR (babel's data,
    offline): 'Haiti', 'Kenya', 'Côte d’Ivoire', '케냐', 'Estados Unidos'. The hand-written names above
    (official long forms, other scripts) are added on top."""
    names: dict[str, str] = {}
    for language in ("en", "fr", "es", "pt", "de", "ko"):
        for code, name in Locale.parse(language).territories.items():
            if code in ISO_COUNTRIES:
                names.setdefault(name, code)
    return names


_COUNTRY_BY_NAME = {
    fold(name).rstrip("."): code for name, code in {**_cldr_country_names(), **_COUNTRY_NAMES}.items()
}


def country_code(value: str | None) -> str | None:
    """ISO 3166 alpha-2 from a code ('mx', 'UK') or a known name ('México', 'Україна'); None if unknown."""
    if not value:
        return None
    text = value.strip().rstrip(".").strip()
    if len(text) == 2 and text.isascii() and text.isalpha():
        code = text.upper()
        return {"EL": "GR", "UK": "GB"}.get(code, code)
    return _COUNTRY_BY_NAME.get(fold(text))


def split_list(value: object, separator: str = ";") -> list[str]:
    """A list of non-empty, stripped strings from a ``;``-separated string or a JSON list."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(separator)
    return [text for text in (str(item).strip() for item in items if item is not None) if text]


def safe_id(value: str) -> str:
    """An id the schema accepts: whitespace, '/', '?' and '#' percent-encoded, everything else kept.

    Published ids often contain slashes ('ocds-34a6hz-01044-060931/001/USW'); encoding only those
    characters keeps ordinary ids unchanged and the result readable (``urllib.parse.unquote`` reverses it)."""
    return _ID_UNSAFE.sub(lambda match: quote(match.group(), safe=""), value.strip())

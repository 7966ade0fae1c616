"""Pure helpers that turn published values into clean schema values. No I/O here."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, date, datetime

from dateutil import parser as _dateparser

_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean_text(value: str | None) -> str:
    """Unescape entities, drop markup, fold runs of spaces; paragraphs stay on their own lines."""
    if not value:
        return ""
    text = html.unescape(_TAGS.sub(" ", value))
    text = unicodedata.normalize("NFC", text).replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def parse_date(value: str | None) -> date | None:
    """A date from ISO 8601, ``YYYYMMDD`` or a datetime string; None when empty or unparseable."""
    moment = parse_datetime(value)
    return moment.date() if moment else None


def parse_datetime(value: str | None) -> datetime | None:
    """A UTC-aware datetime from the usual published shapes; None when empty or unparseable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        moment = _dateparser.isoparse(text)
    except ValueError:
        try:
            moment = _dateparser.parse(text)
        except (ValueError, OverflowError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_amount(value: str | float | int | None) -> float | None:
    """A non-negative amount from '247950.00', '1 234,50', 1234; None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    else:
        text = text.replace(",", "")
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


def fold(text: str) -> str:
    """Lowercase without accents, for comparing names and terms ('Société' -> 'societe')."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

"""What the TED-XML reader (ted.py) and the eForms reader (eforms.py) share: safe parsing, the refusal of a
notice, text cleanup, countries, deadlines read in the buyer's local time, and money amounts.

Deadlines without a zone are the buyer's local time: read in the buyer country's zone (Central European Time
unless the country is listed in ``_BUYER_ZONES``) and converted to UTC; a deadline given as a day only is
taken as 23:59 local, so the notice stays open through that day.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from matcher.normalize.text import clean_text, in_utc, nuts_country, parse_amount

log = logging.getLogger(__name__)

#: lxml ships no type information (mypy is told to ignore it), so elements are plain ``Any``.
Element = Any

MAX_DESCRIPTION = 100_000  # the schema's limit; a 100-lot notice can exceed it and is still worth keeping
_PLACEHOLDER_VALUE = 1.0

#: Buyer countries whose clocks are not on Central European Time (the default, as Europe/Brussels).
_BUYER_ZONES = {
    "GB": "Europe/London", "IE": "Europe/Dublin", "PT": "Europe/Lisbon", "IS": "Atlantic/Reykjavik",
    "FI": "Europe/Helsinki", "EE": "Europe/Tallinn", "LV": "Europe/Riga", "LT": "Europe/Vilnius",
    "BG": "Europe/Sofia", "RO": "Europe/Bucharest", "GR": "Europe/Athens", "CY": "Asia/Nicosia",
    "MD": "Europe/Chisinau", "TR": "Europe/Istanbul",
}  # fmt: skip
_DEFAULT_ZONE = "Europe/Brussels"

_DAY = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?")


class NotUsableError(Exception):
    """A well-formed document that cannot become a Tender; the message is the Rejected reason."""


def parse_xml(data: bytes) -> Element:
    """The root element, parsed without entity expansion or network access (notices come from outside)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True, remove_pis=True
    )
    return etree.fromstring(data, parser)


def syntax_problem(exc: Any) -> str:
    """One line, where and what: ``not well-formed XML (line 1, column 1): Document is empty``."""
    line, column = exc.position
    message = re.sub(r", line \d+, column \d+$", "", " ".join(str(exc.msg).split()))
    return f"not well-formed XML (line {line}, column {column}): {message}"


def clean(text: str | None) -> str:
    """clean_text for text that lxml has already unescaped: a literal '<' (as in 'U < 0,037 W/mK') is
    escaped first so clean_text's markup stripping cannot swallow the words after it."""
    return clean_text(html.escape(text, quote=False)) if text else ""


def unique(items: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def iso_country(code: str | None) -> str | None:
    """An ISO alpha-2 code from TED's country or NUTS codes ('1A' is TED's code for Kosovo, 'XK')."""
    if code and code.strip().upper().startswith("1A"):
        return "XK"
    return nuts_country(code.strip() if code else None)


def _zone(country: str | None) -> ZoneInfo:
    return ZoneInfo(_BUYER_ZONES.get(country or "", _DEFAULT_ZONE))


def local_deadline(day: str | None, clock: str | None, country: str | None) -> datetime | None:
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
    return in_utc(local)


def amount(element: Element | None) -> tuple[float | None, str | None]:
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


def first_amount(elements: Iterable[Element | None]) -> tuple[float | None, str | None]:
    """The first of ``elements`` (in order of preference) that holds a usable amount, as ``amount`` reads it."""
    for element in elements:
        value, currency = amount(element)
        if value is not None:
            return value, currency
    return None, None

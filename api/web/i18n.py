"""The page language (a ``?lang=`` switch, then its cookie, then Accept-Language) and babel's formatting
of dates, amounts and country names in it.

Deadlines are shown in UTC (the core stores them so; a partner in Seoul and a buyer in Lyon read the same
instant) with the days left counted on the matcher's clock, so the demo's fixed clock shows the demo's
deadlines as open.
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import localcontext

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from cachetools import LRUCache, cached
from markupsafe import Markup
from starlette.requests import Request

from api.web.messages import DEFAULT_LANGUAGE, LANGUAGES, MESSAGES, PEOPLES_TEXT, Language
from matcher.bidi import filled, filled_text

LANGUAGE_COOKIE = "tm_lang"
LANGUAGE_PARAM = "lang"
#: Whole units: a tender's estimate is never precise to the cent, and the pages compare sizes.
_AMOUNT = "¤#,##0"
#: Digits enough for any float's whole part, with room: the largest has 309.
_FLOAT_DIGITS = sys.float_info.max_10_exp + 10


def calendar_days(now: datetime, deadline: datetime) -> int:
    """Days from now's date to the deadline's, both in UTC (0: today), as the workspace shows dates."""
    return (deadline.astimezone(UTC).date() - now.astimezone(UTC).date()).days


def chosen_language(value: str | None) -> Language | None:
    """``value`` when it names a page language (the switch's parameter or its cookie)."""
    for language in LANGUAGES:
        if value == language:
            return language
    return None


def negotiate(header: str | None) -> Language:
    """The first page language in an Accept-Language header, by q-value then order; English otherwise."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0 and math.isfinite(quality):
            ranked.append((-quality, position, tag.lower()))
    for _, _, tag in sorted(ranked):
        found = chosen_language(tag.split("-")[0])
        if found is not None:
            return found
    return DEFAULT_LANGUAGE


def page_language(request: Request) -> Language:
    return (
        chosen_language(request.query_params.get(LANGUAGE_PARAM))
        or chosen_language(request.cookies.get(LANGUAGE_COOKIE))
        or negotiate(request.headers.get("accept-language"))
    )


# Two values (one locale per page language); Locale objects are immutable.
@cached(LRUCache(maxsize=len(LANGUAGES)), lock=threading.Lock())
def _locale(language: Language) -> Locale:
    return Locale.parse(language)


class Formatter:
    """Formats values for one page in one language; ``now`` is the matcher's clock (days left)."""

    def __init__(self, language: Language, now: datetime) -> None:
        self.language = language
        self.locale = _locale(language)
        self.now = now

    def t(self, key: str, **params: object) -> Markup:
        """The message ``key`` as an element's content: escaped, each value of text people or feeds wrote
        (``PEOPLES_TEXT``: a firm's name, a notice's title) isolated in ``<bdi>`` (``matcher.bidi``)."""
        return filled(MESSAGES[self.language][key], PEOPLES_TEXT, **params)

    def t_text(self, key: str, **params: object) -> str:
        """The same message as plain text, for where no element may stand (a ``<title>``, an attribute): those
        values between FSI and PDI."""
        return filled_text(MESSAGES[self.language][key], PEOPLES_TEXT, **params)

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        day = value.astimezone(UTC).date() if isinstance(value, datetime) else value
        return format_date(day, "medium", locale=self.locale)

    def moment(self, value: datetime | None) -> str:
        """A date and a time, in UTC."""
        if value is None:
            return self.t("no_deadline")
        at = value.astimezone(UTC)
        return f"{self.date(at)} {format_time(at, 'HH:mm', tzinfo=UTC, locale=self.locale)} UTC"

    def days_left(self, deadline: datetime | None) -> str:
        if deadline is None:
            return self.t("no_deadline")
        if deadline <= self.now:
            return self.t("closed")
        # Calendar days in UTC, as the deadline beside it is shown: a deadline tomorrow at 10:00 "closes
        # tomorrow", even when it is less than 24 hours away (it once read "closes today").
        days = calendar_days(self.now, deadline)
        if days == 0:
            return self.t("closes_today")
        return self.t("closes_tomorrow") if days == 1 else self.t("days_left", days=self.number(days))

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def money(self, value: float | None, currency: str | None) -> str:
        if value is None:
            return self.t("not_stated")
        # Every digit of the largest float (309 before the point): babel rounds in the decimal context, whose
        # default 28 digits made a stored 1e28 an InvalidOperation, and the page showing it a 500.
        with localcontext(prec=_FLOAT_DIGITS):
            if not currency:
                return format_decimal(value, format=_AMOUNT.removeprefix("¤"), locale=self.locale)
            return format_currency(value, currency, format=_AMOUNT, locale=self.locale, currency_digits=False)

    def country(self, code: str) -> str:
        """The country's name in the page language (the code itself when babel has no name for it)."""
        name: str | None = self.locale.territories.get(code.upper())
        return name or code

    def countries(self, codes: Iterable[str]) -> str:
        return ", ".join(self.country(c) for c in codes)

    def country_options(self, codes: Iterable[str]) -> list[tuple[str, str]]:
        """(code, name) sorted by name in the page language, for a country picker."""
        return sorted(((c, self.country(c)) for c in codes), key=lambda pair: pair[1])

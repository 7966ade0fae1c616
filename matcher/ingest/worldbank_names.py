"""World Bank names -> codes: the country names its notices write (``project_ctry_name``, ``contact_ctry_name``)
as ISO 3166 alpha-2 through CLDR's English names (babel) and the Bank's own forms, its region labels, and language
names as ISO 639-1 (``matcher.ingest.worldbank``; the lists in ``matcher.reference.worldbank_names``)."""

from __future__ import annotations

import functools
import re

from babel import Locale

from matcher.normalize.text import fold
from matcher.reference.countries import ISO_COUNTRIES
from matcher.reference.worldbank_names import BANK_COUNTRY_NAMES, BANK_REGIONS

_NON_WORD = re.compile(r"[\W_]+")
_TWO_LETTERS = re.compile(r"[a-z]{2}")


def name_key(name: str) -> str:
    """A name as compared: no accents, case, punctuation or leading/trailing 'the' ('Gambia, The'), 'Saint' as
    'St.' (CLDR's 'St. Lucia')."""
    words = ["st" if word == "saint" else word for word in _NON_WORD.sub(" ", fold(name).replace("&", " and ")).split()]
    if words and words[0] == "the":
        words = words[1:]
    if words and words[-1] == "the":
        words = words[:-1]
    return " ".join(words)


@functools.cache
def _country_names() -> dict[str, str]:
    """Name key -> ISO code: CLDR's English territory names (and without their bracketed part: 'Myanmar
    (Burma)'), then the Bank's own names, which win."""
    names: dict[str, str] = {}
    for code, name in Locale("en").territories.items():
        if code in ISO_COUNTRIES:
            names.setdefault(name_key(name), code)
            names.setdefault(name_key(re.sub(r"\s*\(.*\)", "", name)), code)
    names.update({name_key(name): code for name, code in BANK_COUNTRY_NAMES.items()})
    return names


@functools.cache
def _region_keys() -> frozenset[str]:
    return frozenset(name_key(name) for name in BANK_REGIONS)


def is_region(name: str) -> bool:
    """Whether ``name`` is one of the Bank's region or multi-country labels (``reference.worldbank_names``)."""
    return name_key(name) in _region_keys()


def country_of(name: str) -> str | None:
    """ISO 3166 alpha-2 for a country name as the Bank writes it; None for regions and unknown names."""
    return _country_names().get(name_key(name)) if name else None


@functools.cache
def _language_names() -> dict[str, str]:
    return {fold(name): code for code, name in Locale("en").languages.items() if _TWO_LETTERS.fullmatch(code)}


def language_code(name: str) -> str | None:
    """ISO 639-1 for a language's English name ('English' -> 'en'); None when unknown."""
    return _language_names().get(fold(name.strip())) if name else None


def known(name: str) -> bool:
    """Whether ``name`` is a country or a region label the Bank writes."""
    return country_of(name) is not None or is_region(name)


def split_names(text: str) -> list[str]:
    """The names in one ``project_ctry_name``: several joined by ';' or by ',' ('Bolivia,Brazil,Peru', as the Bank's
    documents write a multi-country project). A comma splits only a text not known whole ('Gambia, The'), and a
    piece joins the next where the two are one name ('Kenya,Congo, Republic of')."""
    names: list[str] = []
    for part in (p.strip() for p in text.split(";")):
        if not part or known(part) or "," not in part:
            names += [part] if part else []
            continue
        pieces = [p.strip() for p in part.split(",")]
        at = 0
        while at < len(pieces):
            pair = f"{pieces[at]}, {pieces[at + 1]}" if at + 1 < len(pieces) else ""
            step = 2 if pair and known(pair) else 1
            names.append(pair if step == 2 else pieces[at])
            at += step
    return [name for name in names if name]

"""Reading the workspace's edit forms (profile, subscriptions): list fields typed as text, and a model's
validation errors turned into one message next to each field.

The forms are validated by the API's own models (``FirmUpdate``, ``SubscriptionIn``, ``CodesIn``), so a page
refuses exactly what the API refuses. Each error shows a localised line saying what the field expects, then
the validator's own words, which name the bad value (in English, as the API says them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError
from starlette.datastructures import FormData

_SEPARATORS = re.compile(r"[,\n\r]+")
_BLANKS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class FieldError:
    """One field's problem: ``key`` names a localised message, ``detail`` is the validator's (English) words."""

    key: str
    detail: str


Errors = dict[str, FieldError]


class FormInvalid(Exception):
    """A form with at least one field the model refused; nothing was stored."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def text_of(form: FormData, name: str) -> str:
    """A text field as typed, trimmed; a file sent under a text field's name counts as nothing typed."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts_of(form: FormData, name: str) -> tuple[str, ...]:
    """Every value of a repeated field (a multiple select, checkboxes); files are left out."""
    return tuple(v for v in form.getlist(name) if isinstance(v, str))


def items(text: str) -> list[str]:
    """One value per line or between commas (keywords may hold spaces: "water meters")."""
    return [part.strip() for part in _SEPARATORS.split(text) if part.strip()]


def tokens(text: str) -> list[str]:
    """Values that never hold a space (codes, language codes), between spaces, commas or lines."""
    return [part for part in _BLANKS.split(text) if part]


def amount(text: str) -> str | None:
    """A typed amount for the model to read: thousands separators dropped, empty as None."""
    cleaned = text.replace(",", "").replace("_", "").replace(" ", "")
    return cleaned or None


def plain_number(value: float | None) -> str:
    """A stored number as a person would type it back (no exponent, no trailing .0)."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def field_errors(exc: ValidationError, messages: Mapping[str, str], fallback: str) -> Errors:
    """The first error of each field, under its form field's name; an error no field owns (a rule across
    fields) goes to ``fallback``. ``messages`` maps a field to the message key saying what it expects."""
    found: Errors = {}
    for error in exc.errors():
        location = error.get("loc", ())
        name = str(location[0]) if location and str(location[0]) in messages else fallback
        if name not in found:
            detail = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            found[name] = FieldError(messages.get(name, messages.get(fallback, "invalid_form")), detail)
    return found

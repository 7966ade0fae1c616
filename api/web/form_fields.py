"""Reading the workspace's edit forms (profile, subscriptions): list fields typed as text, and a model's
validation errors turned into one message next to each field.

The forms are validated by the API's own models (``FirmUpdate``, ``SubscriptionIn``, ``CodesIn``, ``FeedCreate``),
so a page refuses exactly what the API refuses. Each error is the page's own sentence in the page's language,
saying what the field expects and, for a field of codes (a country, a currency, a classification code), naming
the refused value, and for typed text holding a bidirectional control naming the character; never the validator's
words ("Value error, ...", "Input should be ...").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError
from starlette.datastructures import FormData

from matcher.characters import without_bidi_controls, without_line_controls
from matcher.schema import AMOUNT_ERROR, BIDI_ERROR, CONTROL_ERROR, ITEM_LENGTH_ERROR, draws

#: The message of an amount over ``matcher.schema.MAX_AMOUNT``, naming it (``AMOUNT_ERROR``'s ``limit``).
AMOUNT_AT_MOST = "expect_amount_at_most"
_SEPARATORS = re.compile(r"[,\n\r]+")
_BLANKS = re.compile(r"[\s,]+")


#: A refused value is named as typed, up to this many characters (the field's own box shows it whole).
SHOWN_VALUE = 40
#: What a field of typed text holding a bidirectional control (``matcher.schema.typed_text``), or a list item holding
#: a control character (``typed_item``), is told, whatever the field: the character, which the field's box does not
#: show.
BIDI_CONTROL = "expect_no_bidi_control"
CONTROL_CHARACTER = "expect_no_control_character"


@dataclass(frozen=True)
class FieldError:
    """One field's problem: ``key`` names a message of the catalogue; ``value`` is the refused value it names
    (its ``{value}``), or empty."""

    key: str
    value: str = ""

    @classmethod
    def naming(cls, key: str, value: str) -> FieldError:
        return cls(key, value[:SHOWN_VALUE])


Errors = dict[str, FieldError]


class FormInvalid(Exception):
    """A form with at least one field the model refused; nothing was stored."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def as_saved(stored: str, item: bool = False) -> str:
    """Stored typed text as a form shows it, and so sends it back: as saving stores it. Without the bidirectional
    controls typed text may no longer hold (``matcher.schema.typed_text``), nor, for an ``item`` of a list (a
    keyword), the control characters one line may not hold (``typed_item``), which a form echoing a value stored
    before that rule sent back with every save, refused at a field the user never touched, for a character nobody
    sees; empty when nothing left draws (a keyword of invisible characters only, stored before the blank rule).
    Anything else the rules take is shown as stored. The page says what it changed, next to the field."""
    kept = without_bidi_controls(stored)
    if item:
        kept = without_line_controls(kept)
    return kept if draws(kept) else ""


def text_of(form: FormData, name: str) -> str:
    """A text field as typed, trimmed, each line break one LF; a file sent under a text field's name counts as
    nothing typed. A browser posts a textarea's line breaks as CRLF while its ``maxlength`` counts each as one
    character, so a note of 2,000 characters with line breaks, typed within the limit, was refused as too long
    by a browser without scripts."""
    value = form.get(name)
    return value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else ""


#: The fields a workspace form sends once per chosen value (a multiple select, ticked boxes: ``texts_of``); every
#: other field arrives once from a browser.
REPEATED_BY_DESIGN = frozenset({"target_countries", "countries", "code", "keyword"})


def repeated_field(form: FormData) -> str | None:
    """The first field of ``form`` sent more than once that takes one value, or None. ``form.get`` takes the last
    value, and a page's checks (which firm, which action) were made on that one without a word: no browser sends
    these twice, a hostile client can."""
    seen: set[str] = set()
    for name, _ in form.multi_items():
        if name in seen and name not in REPEATED_BY_DESIGN:
            return name
        seen.add(name)
    return None


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


#: Digits a whole number read from a form or an address may have: none anyone means has more, and ``int()`` refuses a
#: string of more than 4,300 (a '?page=' of 5,000 nines was a 500).
MAX_DIGITS = 12


def whole_number(text: str) -> int | None:
    """``text`` as a whole number from 0 (ASCII digits only, at most ``MAX_DIGITS``), else None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS else None


def plain_number(value: float | None) -> str:
    """A stored number as a person would type it back (no exponent, no trailing .0)."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


@dataclass(frozen=True)
class Expects:
    """How a form's model errors are said: ``messages`` maps a field to the message saying what it expects;
    ``naming`` a field to the message that names its refused value instead (a code typed in a list); an error
    of the whole model (a rule across fields) goes to ``whole``, one of a field the form does not show to
    ``other``; ``items`` maps a list field to the message of an error of one of its items that its value cannot
    name (a keyword of invisible characters only), which names the item's place in the list instead."""

    messages: Mapping[str, str]
    whole: str
    other: str
    naming: Mapping[str, str] = field(default_factory=dict)
    items: Mapping[str, str] = field(default_factory=dict)
    #: A list field -> the message of one of its items over ``MAX_ITEM`` characters, naming the item's place.
    long_items: Mapping[str, str] = field(default_factory=dict)


def field_errors(exc: ValidationError, expects: Expects) -> Errors:
    """The first problem of each field, under its form field's name, in the page's words."""
    found: Errors = {}
    for error in exc.errors():
        location = error.get("loc", ())
        owner = str(location[0]) if location else expects.whole
        name = owner if owner in expects.messages else expects.other
        if name in found:
            continue
        value = error.get("input")
        if error.get("type") in (BIDI_ERROR, CONTROL_ERROR):
            key = BIDI_CONTROL if error.get("type") == BIDI_ERROR else CONTROL_CHARACTER
            found[name] = FieldError(key, str(error.get("ctx", {}).get("character", "")))
        elif error.get("type") == AMOUNT_ERROR:  # over MAX_AMOUNT: the message names the bound
            found[name] = FieldError(AMOUNT_AT_MOST, str(error.get("ctx", {}).get("limit", "")))
        elif (error.get("type") == ITEM_LENGTH_ERROR and name in expects.long_items and len(location) > 1
              and isinstance(location[1], int)):
            found[name] = FieldError(expects.long_items[name], str(location[1] + 1))
        elif name in expects.items and len(location) > 1 and isinstance(location[1], int):
            found[name] = FieldError(expects.items[name], str(location[1] + 1))
        elif name in expects.naming and isinstance(value, str) and value.strip():
            found[name] = FieldError.naming(expects.naming[name], value.strip())
        else:
            found[name] = FieldError(expects.messages[name])
    return found

"""Which characters draw nothing, and which of those text shown to people loses.

One set of classes for two rules: what people type (ids, blank text, a firm's name) is refused when it holds
such characters (``matcher.schema``); what feeds publish (a notice's title, buyer, description) is kept, less
the format characters that draw nothing (``shown_text``): one stray character must not lose a real tender.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, partial

#: Every character Python's ``str.strip`` removes, a control character, or one that draws nothing: the format
#: characters (Unicode Cf: the soft hyphen, zero-width spaces and joiners, bidirectional marks, embeddings,
#: overrides and isolates, the word joiner, the interlinear annotation marks), variation selectors, the Hangul
#: fillers and the Mongolian free variation selectors; spelt out (a JSON-schema generator may read ``\s`` as
#: ASCII whitespace only), in the Basic Multilingual Plane (a JSON-schema pattern without the ``u`` flag cannot
#: name a character above it). What ids leave out and blank text is made of.
SPACE_OR_CONTROL = (r"\s\x00-\x1f\x7f-\xa0\xad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f"
                    r"\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb")
_INVISIBLE_BMP = re.compile(rf"[{SPACE_OR_CONTROL}]")
#: The Unicode categories that draw nothing above U+FFFF: format (the tag characters U+E0000-U+E007F), private use
#: (planes 15 and 16) and unassigned (noncharacters included). There are no controls or spaces up there, and the
#: variation selectors supplement (U+E0100-U+E01EF, combining marks) is told by its name.
ASTRAL_INVISIBLE = frozenset({"Cf", "Co", "Cn"})
#: Said of an invisible character above U+FFFF in a refusal: the JSON-schema patterns could not tell the sender.
ABOVE_BMP = "an invisible character above U+FFFF"
#: The bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they reorder the text after
#: them, so 'Hanbit \u202eretaW' displays as 'Hanbit Water' ("Trojan Source"). The marks LRM, RLM and ALM
#: (U+200E, U+200F, U+061C) are not among them: a mark only sets the direction of the neutral characters beside
#: it and reorders no run of letters, and right-to-left text needs them beside digits and Latin words.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
#: One of ``BIDI_CONTROLS``, for every module that finds, names or removes them.
BIDI_CONTROL = re.compile(f"[{BIDI_CONTROLS}]")


def invisible(char: str) -> bool:
    """Whether ``char`` draws nothing (or is a space or control): ``SPACE_OR_CONTROL`` in the Basic Multilingual
    Plane, and above it the same kinds by their Unicode category (``ASTRAL_INVISIBLE``), which the JSON-schema
    patterns cannot name."""
    if ord(char) <= 0xFFFF:
        return _INVISIBLE_BMP.match(char) is not None
    return unicodedata.category(char) in ASTRAL_INVISIBLE or "VARIATION SELECTOR" in unicodedata.name(char, "")


def first_invisible(text: str) -> str | None:
    """``text``'s first invisible character, as a person can read it: 'U+202E RIGHT-TO-LEFT OVERRIDE at position
    4 draws nothing', above U+FFFF saying what kind it is; None when every character draws."""
    for position, char in enumerate(text, start=1):
        if invisible(char):
            kind = f" ({ABOVE_BMP})" if ord(char) > 0xFFFF else ""
            return f"{character_name(char)} at position {position} draws nothing{kind}"
    return None


#: The control characters one line of text may not hold: C0, DEL and C1, but those ``str.split`` reads as a space
#: (tab, the line breaks, the separators U+001C-U+001F, NEL), which a line shows as one. An ESC or a C1 CSI starts a
#: terminal's escape sequence (``matcher.schema.typed_item``).
LINE_CONTROLS = r"\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
#: One of ``LINE_CONTROLS``.
LINE_CONTROL = re.compile(f"[{LINE_CONTROLS}]")


def without_line_controls(text: str) -> str:
    """``text`` less the control characters one line may not hold (``LINE_CONTROLS``): what a keyword stored before
    they were refused becomes when the profile form saves it ('pumps \x1b[31mwater' -> 'pumps [31mwater')."""
    return LINE_CONTROL.sub("", text)


def without_bidi_controls(text: str) -> str:
    """``text`` less its bidirectional embeddings, overrides and isolates (``BIDI_CONTROLS``), and nothing else: what
    typed text stored before it was refused them (``matcher.schema.typed_text``) becomes when a form that sends it
    back saves it ('pumps \u202eretaw' -> 'pumps retaw')."""
    return BIDI_CONTROL.sub("", text)


#: The C0 controls' and DEL's abbreviations (ISO 6429), which Unicode gives as aliases, not names.
_C0_NAMES = (
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
    "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
)


def character_name(char: str) -> str:
    """'U+202E RIGHT-TO-LEFT OVERRIDE', 'U+001B ESC', 'U+009B C1 CONTROL'; a character without a name (private use,
    unassigned) by its code alone."""
    code = ord(char)
    name = unicodedata.name(char, "")
    if not name and unicodedata.category(char) == "Cc":
        name = _C0_NAMES[code] if code < 0x20 else "DEL" if code == 0x7F else "C1 CONTROL"
    return f"U+{code:04X} {name}" if name else f"U+{code:04X}"


# ----------------------------------------------------------------------------- text shown to people

#: Format characters that draw nothing and that text needs, kept wherever they are: the marks LRM, RLM and ALM
#: (right-to-left text beside digits and Latin words; see ``BIDI_CONTROLS``) and the Mongolian vowel separator
#: (it chooses the shape of the letter after it).
NEEDED_FORMAT = frozenset("\u200e\u200f\u061c\u180e")
#: The zero-width non-joiner and joiner: Persian writes a ZWNJ inside words (water supply,
#: '\u0622\u0628\u200c\u0631\u0633\u0627\u0646\u06cc'), Indic scripts a ZWJ or ZWNJ to choose a letter's form,
#: emoji a ZWJ between the parts of one picture. Between two letters of a cased alphabet (Latin, Greek, Cyrillic:
#: Unicode Lu, Ll, Lt) one only asks for or against a ligature, and there it keeps 'wa\u200cter' from matching
#: 'water': it goes there, and stays everywhere else.
JOINERS = frozenset("\u200c\u200d")
_KEPT = NEEDED_FORMAT | JOINERS
_CASED_LETTERS = frozenset({"Lu", "Ll", "Lt"})


def hidden(char: str) -> bool:
    """Whether text shown to people loses ``char``: a format character (Unicode Cf) that draws nothing
    (``invisible``) and that no script needs (``NEEDED_FORMAT``, ``JOINERS``): the bidirectional embeddings,
    overrides and isolates (``BIDI_CONTROLS``), the zero-width space, the word joiner and the invisible operators,
    the byte order mark, the soft hyphen (a hint where a line may break, which breaks a word for matching), the
    deprecated format characters, the interlinear annotation marks, and above U+FFFF the tag characters. Spaces,
    controls, variation selectors, Hangul fillers, private-use characters and the format characters that draw (the
    Arabic number sign) are not format characters that draw nothing, and stay."""
    return unicodedata.category(char) == "Cf" and invisible(char) and char not in _KEPT


@cache
def _candidates() -> re.Pattern[str]:
    """The characters ``shown_text`` looks at: those of the BMP that ``hidden`` names, derived once from the
    classes above rather than listed again, the joiners, and any character above U+FFFF (its category decides)."""
    bmp = "".join(chr(code) for code in range(0x10000) if hidden(chr(code)) or chr(code) in JOINERS)
    return re.compile(f"[{re.escape(bmp)}\U00010000-\U0010ffff]")


def shown_text(text: str) -> str:
    """``text`` as people may be shown it: without the characters ``hidden`` names, nor a joiner between two
    letters of a cased alphabet (``JOINERS``), in Unicode's composed form (NFC). 'Supply of \u202eexe.sretupmoc'
    displayed as 'Supply of computers.exe' in every face; it now shows what it holds. Text without such
    characters comes back as it is (composed)."""
    if text.isascii():
        return text
    kept = _candidates().sub(partial(_kept, text), text)
    return unicodedata.normalize("NFC", kept)


def _kept(text: str, match: re.Match[str]) -> str:
    char = match.group()
    if char in JOINERS:
        return "" if _cased_letter(text, match.start() - 1) and _cased_letter(text, match.end()) else char
    return "" if hidden(char) else char


def _cased_letter(text: str, position: int) -> bool:
    return 0 <= position < len(text) and unicodedata.category(text[position]) in _CASED_LETTERS

"""``matcher.characters.shown_text``: text people read loses the format characters that draw nothing (the
bidirectional controls that can make it display as other text, zero-width spaces, word joiners, byte order marks,
soft hyphens, tag characters) and keeps those that scripts need (the joiners beside Arabic, Persian or Indic
letters and in emoji sequences, the direction marks, the Mongolian vowel separator, variation selectors)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from matcher.characters import BIDI_CONTROLS, character_name, invisible, shown_text, without_bidi_controls

#: Each: (as published, as shown). The reversed title is what a reader saw: "Supply of computers.exe".
DROPPED = [
    ("Supply of \u202eexe.sretupmoc", "Supply of exe.sretupmoc"),
    ("Hanbit \u202eretaW\u202c (KR)", "Hanbit retaW (KR)"),
    ("\u2067\u05d7\u05d1\u05e8\u05ea\u2069 Water", "\u05d7\u05d1\u05e8\u05ea Water"),  # isolates around Hebrew
    ("\u202a\u202b\u202d\u2066\u2068x", "x"),
    ("wa\u200bter meters", "water meters"),  # a zero-width space inside a word
    ("\ufeffWater meters", "Water meters"),  # a byte order mark pasted from a file
    ("Water\u2060meters", "Watermeters"),  # a word joiner: draws nothing, joins nothing visible
    ("Fint\u00adraf\u00adfic Rai\u00adde Oy", "Fintraffic Raide Oy"),  # soft hyphens (a real TED buyer, 048170-2021)
    ("Auf\u200clage, wa\u200dter", "Auflage, water"),  # a joiner between two Latin letters only picks a ligature
    ("Water\U000e0041\U000e0042 meters", "Water meters"),  # tag characters: "ASCII smuggling"
    ("a\u2061b\u2062c\u206ad\ufff9e\ufffbf", "abcdef"),  # invisible operators, a deprecated format, annotations
]

KEPT = [
    "\u0622\u0628\u200c\u0631\u0633\u0627\u0646\u06cc",  # Persian 'water supply': the ZWNJ keeps two letters apart
    "\u0915\u094d\u200d\u0937",  # Devanagari: a ZWJ asks for the half form
    "\U0001f469\u200d\U0001f4bb and \u2764\ufe0f",  # an emoji ZWJ sequence, a variation selector
    "Hanbit \u200f\u05d7\u05d1\u05e8\u05ea\u200f (KR)",  # the marks RLM/LRM/ALM: they reorder no run of letters
    "\u0634\u0631\u0643\u0629\u200e Hanbit\u200e \u0644\u0644\u0645\u064a\u0627\u0647 \u061c1",
    "\u182e\u180e\u1820",  # Mongolian: the vowel separator shapes the letter after it
    "\u8fbb\U000e0100",  # a Japanese name's variation sequence
    "\u0661\u0660 \u0600\u0661",  # the Arabic number sign (Cf, but it draws)
    "Line one\nline two\twith a tab, an NBSP\u00a0and a narrow\u202fspace",
    "Pumps \u2013 valves \u00e9t\u00e9 \uac00\ub098",
    "",
]


@pytest.mark.parametrize(("published", "shown"), DROPPED, ids=ascii)
def test_format_characters_that_draw_nothing_are_dropped(published: str, shown: str) -> None:
    assert shown_text(published) == shown


@pytest.mark.parametrize("text", KEPT, ids=ascii)
def test_text_without_them_is_kept_as_it_is(text: str) -> None:
    assert shown_text(text) == text


def test_every_bidirectional_control_goes() -> None:
    controls = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
    assert all(re.fullmatch(f"[{BIDI_CONTROLS}]", c) for c in controls)  # the class a firm's name may not hold
    for control in controls:
        assert shown_text(f"ab{control}cd") == "abcd"


def test_typed_text_stored_with_a_bidi_control_loses_it_and_nothing_else() -> None:
    """What a form shows of a keyword stored before typed text was refused them (``without_bidi_controls``): only
    what the rule refuses goes; the characters it takes (marks, joiners, a zero-width space, NFD) stay as stored."""
    controls = "".join(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
    assert without_bidi_controls(f"pumps {controls}retaw") == "pumps retaw"
    for text in (*KEPT, "wa\u200bter", unicodedata.normalize("NFD", "caf\u00e9")):
        assert without_bidi_controls(text) == text


def test_text_is_composed() -> None:
    """NFD (as a Mac or some exports write 'é') becomes NFC, also when a dropped character sat between a letter
    and its accent."""
    decomposed = unicodedata.normalize("NFD", "Secretar\u00eda de Planeaci\u00f3n")
    assert decomposed != "Secretar\u00eda de Planeaci\u00f3n"
    assert shown_text(decomposed) == "Secretar\u00eda de Planeaci\u00f3n"
    assert shown_text("Planeacio\u200b\u0301n") == "Planeaci\u00f3n"


@pytest.mark.slow
def test_what_goes_is_a_format_character_the_schema_calls_invisible() -> None:
    """One list of characters, not two: every character dropped (between two CJK letters, where no joiner is
    dropped) is a format character (Unicode Cf) that ``invisible`` names; a space, a control, a Hangul filler,
    a private-use or an unassigned character is not dropped. 0x110000 code points, surrogates aside."""
    dropped = []
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        text = f"\u4e00{chr(code)}\u4e00"
        if shown_text(text) != unicodedata.normalize("NFC", text):
            dropped.append(chr(code))
    assert all(invisible(c) and unicodedata.category(c) == "Cf" for c in dropped)
    # U+00AD, U+200B, U+202A-U+202E, U+2060-U+2064, U+2066-U+206F, U+FEFF, U+FFF9-U+FFFB in the BMP:
    # 1 + 1 + 5 + 5 + 10 + 1 + 3 = 26; above it, the format characters (tags, shorthand and musical controls...).
    assert sum(ord(c) <= 0xFFFF for c in dropped) == 26
    assert {"\U000e0001", "\U000e0041", "\U000e007f"} <= set(dropped)
    kept_invisible = [c for c in ("\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\u180e") if c not in dropped]
    assert len(kept_invisible) == 6
    for kept in ("\u3164", "\x85", "\u2028", "\U000f0000", "\ue000", "\u00a0", "\U000e0100", "\U0001fffe"):
        assert shown_text(f"a{kept}b") == f"a{kept}b"


def test_a_control_character_is_named_by_its_abbreviation() -> None:
    """Unicode gives controls aliases, not names: a refusal said 'U+001B' alone, and no longer said 'NUL'."""
    assert [character_name(c) for c in "\x00\x07\x1b\x1f\x7f\x9b"] == [
        "U+0000 NUL", "U+0007 BEL", "U+001B ESC", "U+001F US", "U+007F DEL", "U+009B C1 CONTROL"]
    assert character_name("\u202e") == "U+202E RIGHT-TO-LEFT OVERRIDE" and character_name("\ue000") == "U+E000"

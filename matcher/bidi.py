"""Text people or feeds wrote, shown inside an HTML page or email, isolated from the direction of what stands around it.

A firm's name, a notice's title or buyer, a note or a keyword is shown inside sentences and tables. It may hold a
bidirectional override (a name stored before names were refused one, a notice stored before its text lost them) or be
right-to-left (an Arabic title), and then reorder its neighbours: 'Profile of Hanbit \\u202eretaW (3 notices)'
draws everything after the override reversed, up to the end of the paragraph. HTML's bidirectional isolation keeps
such text to itself: ``isolated`` wraps it in ``<bdi>`` (its direction read from its first strong character, an
override inside it ended where it ends) for an element's content, and ``isolated_text`` puts it between U+2068 FIRST
STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE where no element may stand (a ``<title>``, an attribute). The text
is shown as it is, escaped as any other; a U+2069 of its own that closes no isolate it opened (which would end the
isolation early) is given one to close. ``filled`` (and ``filled_text``) fill a sentence's placeholders, isolating
those that stand for such text.
"""

from __future__ import annotations

from collections.abc import Collection

from markupsafe import Markup, escape

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
_ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI: what a PDI closes


def _balanced(text: str) -> str:
    """``text`` after one FSI for each of its PDIs that would close no isolate of its own."""
    depth = stray = 0
    for char in text:
        if char in _ISOLATES:
            depth += 1
        elif char == PDI:
            depth, stray = (depth - 1, stray) if depth else (0, stray + 1)
    return FSI * stray + text


def isolated(value: object) -> Markup:
    """``value`` (escaped, unless it is markup already) as an element's content, in ``<bdi>``."""
    text = value if isinstance(value, Markup) else escape(str(value))
    return Markup("<bdi>") + _balanced(text) + Markup("</bdi>")


def isolated_text(value: object) -> str:
    """``value`` as plain text between FSI and PDI, for a ``<title>`` or an attribute (escaped where it is put)."""
    return f"{FSI}{_balanced(str(value))}{PDI}"


def filled(message: str, people: Collection[str], **values: object) -> Markup:
    """``message`` (plain text, escaped) with its placeholders filled in: those named in ``people`` (text people
    or feeds wrote) ``isolated``, the others escaped."""
    if not values:
        return escape(message)
    return escape(message).format(**{name: isolated(value) if name in people else value
                                      for name, value in values.items()})


def filled_text(message: str, people: Collection[str], **values: object) -> str:
    """``filled`` as plain text, for a ``<title>`` or an attribute: the values named in ``people`` ``isolated_text``."""
    if not values:
        return message
    return message.format(**{name: isolated_text(value) if name in people else value for name, value in values.items()})

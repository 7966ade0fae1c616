"""Where a notice names one of the firm's codes in its own language: the labels of the firm's codes, in the
language the notice is written in, looked up in the notice's own words.

A Korean firm cannot read a Danish notice. Its codes' English labels show what the notice is coded as; they do
not show what the notice's text says, and a notice coded only "Measuring instruments" may well buy water
meters. The CPV list ships a label in each official EU language (``cpv2008_<lang>.json.gz``), so the firm's
codes (confirmed, its keywords' translations and the description's suggestions) can be read in the notice's
language and each label's words looked up in the notice's title and description: a Danish notice whose text
says "vandmålere" names "Vandmålere", the Danish label of Water meters (CPV 38421100). The reasons say so
(``named_codes``, ``matcher.ranking.explain``): over the top 10 of the judged development profiles, 42 of the
54 judged results that carry it are relevant, against 438 of 926 overall.

Words are compared by their beginnings (``needed``): a label uses a plural or a case the notice does not
("Vandmålere" and "vandmålerne", "Водомери" and "водомерите"), and no stemmer covers the list's languages
(Snowball has none for Bulgarian, Czech, Croatian, Estonian, Latvian, Maltese, Polish, Slovak or Slovenian,
9 of the 24).

Ranking does not read it. As a column of the judged re-ranker (the best code's share of label words found)
it gained on the development sets, leave one set out (nDCG@10 per profile +0.013, 95% interval -0.005 to
+0.030, no set lower), and nothing held out (+0.001, -0.019 to +0.022): evaluation/RESULTS.md, "A notice's own
words" (``scripts/screen_judged.py own_language``).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Sequence

from cachetools import LRUCache, cached

from matcher.reference.codebook import codebook
from matcher.schema import Tender

#: The fewest letters a word needs to count: shorter ones are articles and prepositions ("und", "og", "и").
MIN_LETTERS = 4
#: A label's word is found when a word of the notice begins with all of it but its last ``SUFFIX`` letters,
#: and at least ``STEM`` of them: "Vandmålere" is found in "vandmålerne", "Krankenwagen" in "Krankenwagens",
#: "Водомери" in "водомерите"; "Contraceptivos" is not found in "contrato", as six letters alone would find it.
STEM, SUFFIX = 6, 3
#: The language of a notice that states none (OCDS releases mostly): the list's own.
DEFAULT_LANGUAGE = "en"
#: Notice texts whose word beginnings are kept: enough for the candidates a batch of firms is shown; a pure
#: function of the text, so nothing invalidates them.
TEXT_CACHE = 20_000
#: The largest share of a language's labels a word may be in and still make its label worth naming.
DISTINCTIVE_SHARE = 0.01
#: The fewest letters a one-word label needs to be named: short words are the ones with other senses (French
#: "Bureaux" is Desks in the list and offices in a notice; German "Stahl", steel, is in most works notices).
MIN_ONE_WORD = 8

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """The casefolded words of ``text`` of at least ``MIN_LETTERS`` letters, numbers skipped."""
    return [word for word in _WORD.findall(text.casefold()) if len(word) >= MIN_LETTERS and not word.isdigit()]


def stems(text: str, stem: int = STEM) -> list[str]:
    """The first ``stem`` letters of each of ``words(text)``."""
    return [word[:stem] for word in words(text)]


def needed(word: str) -> str:
    """What of a label's word a notice's word must begin with (``SUFFIX``, ``STEM``)."""
    return word[:max(STEM, len(word) - SUFFIX)]


@cached(LRUCache(maxsize=TEXT_CACHE), lock=threading.Lock())
def beginnings(text: str) -> frozenset[str]:
    """Every beginning of every word of a notice's text that ``needed`` can ask for: a word whole when shorter
    than ``STEM``, else each of its first ``STEM`` or more letters."""
    return frozenset(word[:end] for word in words(text) for end in range(min(len(word), STEM), len(word) + 1))


def notice_text(tender: Tender) -> str:
    """The notice's own words: its title and description, in the language it was written in."""
    return f"{tender.title}\n{tender.description}"


@cached(LRUCache(maxsize=32), lock=threading.Lock())
def label_frequency(language: str) -> dict[str, float]:
    """The share of the CPV list's labels in ``language`` each stem is in (one count per label)."""
    labels = list(codebook().translations.get(language, {}).values())
    counts = Counter(stem for label in labels for stem in set(stems(label)))
    return {stem: count / len(labels) for stem, count in counts.items()}


def distinctive(label: str, language: str) -> bool:
    """Whether a label is worth naming: it has a word few labels share (in at most ``DISTINCTIVE_SHARE`` of
    them; "Vandmålere" does, "Tjenester" (services) and "Udstyr" (equipment) alone do not), and is not one short
    word (``MIN_ONE_WORD``)."""
    mine = words(label)
    if len(mine) == 1 and len(mine[0]) < MIN_ONE_WORD:
        return False
    frequency = label_frequency(language)
    return any(frequency.get(stem, 0.0) <= DISTINCTIVE_SHARE for stem in stems(label))


def named(label: str, found: frozenset[str]) -> bool:
    """Whether every word of ``label`` is in a notice whose text has the word beginnings ``found``."""
    mine = words(label)
    return bool(mine) and all(needed(word) in found for word in mine)


def named_codes(codes: Sequence[str], tender: Tender) -> list[tuple[str, str]]:
    """(code, label in the notice's language) for each of ``codes`` that the notice's own words name (``named``)
    and that is worth naming (``distinctive``), the label of most words first (then the longest). Not for a
    notice in English or of no stated language (its words are compared with the English labels elsewhere), nor
    for a code the notice carries (its code reasons name it)."""
    language = tender.language
    if not language or language == DEFAULT_LANGUAGE:
        return []
    book, found, own = codebook(), beginnings(notice_text(tender)), set(tender.codes)
    out = [(code, label) for code in dict.fromkeys(codes) if code not in own
           and (label := book.label_in(code, language)) and named(label, found) and distinctive(label, language)]
    return sorted(out, key=lambda pair: (-len(words(pair[1])), -len(pair[1])))

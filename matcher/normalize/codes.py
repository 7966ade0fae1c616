"""CPV and UNSPSC code lists: labels and the hierarchy that decides how close two codes are.

CPV codes are 8 digits whose trailing zeros mark the level: ``45000000`` is a division, ``45200000`` a group,
``45210000`` a class, ``45211000`` a category. UNSPSC codes are 8 digits in four pairs: segment, family,
class, commodity. Two codes are as close as the deepest level they share; a firm code that is an ancestor of
the tender's code ("we do all of division 45") covers it almost as well as the exact code.
"""

from __future__ import annotations

import threading

from cachetools import LRUCache, cached

from matcher.reference.codebook import CodeBook, codebook
from matcher.reference.hierarchy import significant
from matcher.schema import CodeMatch

__all__ = ["CPV_LEVELS", "UNSPSC_LEVELS", "WITHIN", "CodeBook", "code_overlap", "codebook", "compare"]

#: Similarity by the deepest shared level. Exact beats class beats group beats division, as ranking expects.
CPV_LEVELS: dict[int, tuple[str, float]] = {
    5: ("category", 0.85),
    4: ("class", 0.7),
    3: ("group", 0.5),
    2: ("division", 0.3),
}
UNSPSC_LEVELS: dict[int, tuple[str, float]] = {
    6: ("class", 0.7),
    4: ("family", 0.5),
    2: ("segment", 0.3),
}
WITHIN = 0.9  # the firm's code is an ancestor of the tender's code
#: (firm code, tender code) pairs whose comparison is kept. The pairs grow with the stored codes, so the cache
#: is bounded; nothing invalidates it (a pure function of the two codes and the shipped lists).
CODE_COMPARISONS_CACHED = 1 << 16


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@cached(LRUCache(maxsize=CODE_COMPARISONS_CACHED), lock=threading.Lock())
def compare(firm_code: str, tender_code: str) -> CodeMatch | None:
    """How close a firm's code is to a tender's, or None when they share no level (or scheme). Cached:
    ranking compares the same few thousand code pairs again and again (the result is never mutated)."""
    firm_scheme, _, firm_digits = firm_code.partition(":")
    tender_scheme, _, tender_digits = tender_code.partition(":")
    if firm_scheme != tender_scheme or not firm_digits or not tender_digits:
        return None
    if firm_code == tender_code:
        return _match(firm_code, tender_code, "exact", 1.0)
    if firm_scheme == "CPV":
        return _compare_hierarchy(firm_code, tender_code, firm_scheme, firm_digits, tender_digits, CPV_LEVELS)
    if firm_scheme == "UNSPSC":
        return _compare_hierarchy(firm_code, tender_code, firm_scheme, firm_digits, tender_digits, UNSPSC_LEVELS)
    return None


def _compare_hierarchy(
    firm_code: str,
    tender_code: str,
    scheme: str,
    firm_digits: str,
    tender_digits: str,
    levels: dict[int, tuple[str, float]],
) -> CodeMatch | None:
    firm_sig = significant(scheme, firm_digits)
    tender_sig = significant(scheme, tender_digits)
    if firm_sig == tender_sig:
        return _match(firm_code, tender_code, "exact", 1.0)
    if tender_sig.startswith(firm_sig):
        return _match(firm_code, tender_code, "within", WITHIN)
    shared = _shared_prefix(firm_sig, tender_sig)
    for depth in sorted(levels, reverse=True):
        if shared >= depth:
            name, similarity = levels[depth]
            return _match(firm_code, tender_code, name, similarity)
    return None


def _match(firm_code: str, tender_code: str, level: str, similarity: float) -> CodeMatch:
    return CodeMatch(
        firm_code=firm_code,
        tender_code=tender_code,
        level=level,
        similarity=similarity,
        label=codebook().label(tender_code),
    )


def code_overlap(firm_codes: list[str], tender_codes: list[str]) -> tuple[float, list[CodeMatch]]:
    """The best similarity over all code pairs, and the best match for each tender code that has one."""
    best_per_tender: list[CodeMatch] = []
    for tender_code in tender_codes:
        candidates = [m for f in firm_codes if (m := compare(f, tender_code)) is not None]
        if candidates:
            best_per_tender.append(max(candidates, key=lambda m: m.similarity))
    best_per_tender.sort(key=lambda m: m.similarity, reverse=True)
    score = best_per_tender[0].similarity if best_per_tender else 0.0
    return score, best_per_tender

"""The per-pair signals ranking fuses: dense, lexical, codes, country, value (+ history and feedback hooks).

Pure functions over schema objects: no I/O. Each signal lies in [0, 1]; 0.5 means "no information", so a
profile that leaves a field empty is neither rewarded nor punished for it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from matcher.codes import code_overlap
from matcher.fx import to_eur
from matcher.lexical import LexicalModel, TermGuard
from matcher.schema import CodeMatch, FirmProfile, Tender

NEUTRAL = 0.5
SIGNALS = ("dense", "lexical", "codes", "country", "value", "history", "feedback")


@dataclass
class Signals:
    """Everything ranking and explanation need to know about one (firm, tender) pair."""

    dense: float
    lexical: float
    codes: float
    country: float
    value: float
    history: float = NEUTRAL
    feedback: float = NEUTRAL
    guard: TermGuard = field(default_factory=lambda: TermGuard([], 1.0))
    code_matches: list[CodeMatch] = field(default_factory=list)
    shared_terms: list[str] = field(default_factory=list)
    country_note: str = ""
    value_note: str = ""
    history_note: str = ""
    feedback_note: str = ""

    def vector(self) -> list[float]:
        return [getattr(self, name) for name in SIGNALS]


def country_fit(firm: FirmProfile, tender: Tender) -> tuple[float, str]:
    countries = tender.all_countries()
    if not firm.target_countries:
        return NEUTRAL, "no target countries in the profile"
    if not countries:
        return NEUTRAL, "the notice names no country"
    hit = [c for c in countries if c in firm.target_countries]
    if hit:
        return 1.0, f"{', '.join(hit)} is a target country"
    return 0.0, f"{', '.join(countries)} is not among the target countries ({', '.join(firm.target_countries)})"


def value_fit(firm: FirmProfile, tender: Tender) -> tuple[float, str]:
    """1 inside the firm's range; decays with the log-distance outside it (0 at ten times off)."""
    if tender.value is None or tender.value <= 0:
        return NEUTRAL, "the notice gives no value"
    if firm.min_value is None and firm.max_value is None:
        return NEUTRAL, "no value range in the profile"
    value_eur = to_eur(tender.value, tender.currency)
    low = to_eur(firm.min_value, firm.currency) if firm.min_value is not None else None
    high = to_eur(firm.max_value, firm.currency) if firm.max_value is not None else None
    if value_eur is None:
        return NEUTRAL, f"value in {tender.currency or 'an unknown currency'} cannot be compared"
    shown = f"{tender.value:,.0f} {tender.currency}"
    if low is not None and value_eur < low:
        return _decay(low / value_eur), f"{shown} is below the firm's minimum"
    if high is not None and value_eur > high:
        return _decay(value_eur / max(high, 1.0)), f"{shown} is above the firm's maximum"
    return 1.0, f"{shown} is within the firm's range"


def _decay(ratio: float) -> float:
    return max(0.0, 1.0 - math.log10(max(ratio, 1.0)))


def compute_signals(
    firm: FirmProfile,
    tenders: Sequence[Tender],
    dense: Sequence[float],
    lexical: LexicalModel,
    extra: Mapping[str, Sequence[tuple[float, str]]] | None = None,
) -> list[Signals]:
    """Signals for one firm against several tenders. ``extra`` carries history/feedback from later stages."""
    documents = [t.text() for t in tenders]
    query = firm.text()
    lexical_scores = lexical.scores(query, documents)
    out: list[Signals] = []
    for i, tender in enumerate(tenders):
        codes, matches = code_overlap(firm.codes, tender.codes)
        if not firm.codes or not tender.codes:
            codes = NEUTRAL  # nothing to compare is not a mismatch
        country, country_note = country_fit(firm, tender)
        value, value_note = value_fit(firm, tender)
        signals = Signals(
            dense=max(0.0, min(1.0, float(dense[i]))),
            lexical=float(lexical_scores[i]),
            codes=codes,
            country=country,
            value=value,
            guard=lexical.term_guard(firm.keywords, documents[i], tender.language),
            code_matches=matches,
            shared_terms=lexical.shared_terms(query, documents[i]) if lexical.fitted else [],
            country_note=country_note,
            value_note=value_note,
        )
        for name, values in (extra or {}).items():
            setattr(signals, name, values[i][0])
            setattr(signals, f"{name}_note", values[i][1])
        out.append(signals)
    return out

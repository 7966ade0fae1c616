"""The per-pair signals ranking fuses: dense, lexical, codes, country, value (+ history and feedback hooks).

Pure functions over schema objects: no I/O. Each signal lies in [0, 1]; 0.5 means "no information", so a
profile that leaves a field empty is neither rewarded nor punished for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.codes import code_overlap
from matcher.features import (
    FEATURES,
    HISTORY_PARTS,
    NEUTRAL,
    SIGNALS,
    prepare_candidates,
    signal_matrix,
    term_guards,
)
from matcher.fx import to_eur
from matcher.lexical import LexicalModel, TermGuard
from matcher.schema import CodeMatch, FirmProfile, Tender

__all__ = [
    "FEATURES", "HISTORY_PARTS", "NEUTRAL", "SIGNALS", "ScoredCandidates", "Signals", "compute_signals", "describe",
    "score_candidates",
]


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
    # The parts of ``history`` (matcher.history), kept apart for the learned re-ranker.
    history_similarity: float = NEUTRAL
    code_affinity: float = NEUTRAL
    buyer_affinity: float = NEUTRAL
    value_affinity: float = NEUTRAL
    pair_affinity: float = NEUTRAL
    market_share: float = NEUTRAL
    label_prior: float = NEUTRAL
    family_prior: float = NEUTRAL
    recent_holder: float = NEUTRAL
    title_value_affinity: float = NEUTRAL
    guard: TermGuard = field(default_factory=lambda: TermGuard([], 1.0))
    code_matches: list[CodeMatch] = field(default_factory=list)
    shared_terms: list[str] = field(default_factory=list)
    country_note: str = ""
    value_note: str = ""
    history_note: str = ""
    feedback_note: str = ""

    def vector(self) -> list[float]:
        """The features in ``FEATURES`` order (the signals, then the history parts)."""
        return [getattr(self, name) for name in FEATURES]


def country_note(firm: FirmProfile, tender: Tender) -> str:
    """Why the country signal is what ``matcher.features.country_scores`` made it, in words."""
    countries = tender.all_countries()
    if not firm.target_countries:
        return "no target countries in the profile"
    if not countries:
        return "the notice names no country"
    hit = [c for c in countries if c in firm.target_countries]
    if hit:
        return f"{', '.join(hit)} is a target country"
    return f"{', '.join(countries)} is not among the target countries ({', '.join(firm.target_countries)})"


def value_note(firm: FirmProfile, tender: Tender) -> str:
    """Why the value signal is what ``matcher.features.value_scores`` made it, in words."""
    if tender.value is None or tender.value <= 0:
        return "the notice gives no value"
    if firm.min_value is None and firm.max_value is None:
        return "no value range in the profile"
    value_eur = to_eur(tender.value, tender.currency)
    if value_eur is None:
        return f"value in {tender.currency or 'an unknown currency'} cannot be compared"
    shown = f"{tender.value:,.0f} {tender.currency}"
    low = to_eur(firm.min_value, firm.currency) if firm.min_value is not None else None
    high = to_eur(firm.max_value, firm.currency) if firm.max_value is not None else None
    if low is not None and value_eur < low:
        return f"{shown} is below the firm's minimum"
    if high is not None and value_eur > high:
        return f"{shown} is above the firm's maximum"
    return f"{shown} is within the firm's range"


@dataclass(frozen=True)
class ScoredCandidates:
    """The feature matrix of one firm against its candidates, before any reasons are worded."""

    firm: FirmProfile
    tenders: Sequence[Tender]
    documents: list[str]
    matrix: np.ndarray  # (n, len(FEATURES))
    guards: list[TermGuard]
    notes: Mapping[str, Sequence[str]]

    @property
    def multipliers(self) -> np.ndarray:
        return np.array([g.multiplier for g in self.guards], dtype=np.float64)


def score_candidates(
    firm: FirmProfile,
    tenders: Sequence[Tender],
    dense: Sequence[float],
    lexical: LexicalModel,
    extra: Mapping[str, Sequence[tuple[float, str]]] | None = None,
) -> ScoredCandidates:
    """The numbers ranking needs for every candidate (from ``matcher.features``, what evaluation measures).
    ``extra`` carries (value, note) per candidate for history and feedback."""
    batch = prepare_candidates(tenders, lexical)
    numbers = {name: np.array([v for v, _ in values]) for name, values in (extra or {}).items()}
    notes = {name: [n for _, n in values] for name, values in (extra or {}).items() if name in SIGNALS}
    return ScoredCandidates(
        firm=firm,
        tenders=tenders,
        documents=batch.documents,
        matrix=signal_matrix(firm, batch, dense, lexical, numbers),
        guards=term_guards(firm, batch, lexical),
        notes=notes,
    )


def describe(scored: ScoredCandidates, i: int, lexical: LexicalModel) -> Signals:
    """The full Signals of candidate ``i``, with the reasons worded (done only for the results shown)."""
    firm, tender = scored.firm, scored.tenders[i]
    _, matches = code_overlap(firm.codes, tender.codes)
    row = dict(zip(FEATURES, scored.matrix[i].tolist(), strict=True))
    signals = Signals(
        **{name: row[name] for name in FEATURES},
        guard=scored.guards[i],
        code_matches=matches,
        shared_terms=lexical.shared_terms(firm.text(), scored.documents[i]) if lexical.fitted else [],
        country_note=country_note(firm, tender),
        value_note=value_note(firm, tender),
    )
    for name, notes in scored.notes.items():
        setattr(signals, f"{name}_note", notes[i])
    return signals


def compute_signals(
    firm: FirmProfile,
    tenders: Sequence[Tender],
    dense: Sequence[float],
    lexical: LexicalModel,
    extra: Mapping[str, Sequence[tuple[float, str]]] | None = None,
) -> list[Signals]:
    """Signals with reasons for one firm against several tenders (``score_candidates`` + ``describe``)."""
    scored = score_candidates(firm, tenders, dense, lexical, extra)
    return [describe(scored, i, lexical) for i in range(len(tenders))]

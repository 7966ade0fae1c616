"""The per-pair signals ranking fuses (the features of ``matcher.feature_set``) and the words behind them.

Pure functions over schema objects: no I/O. Each signal lies in [0, 1]; 0.5 means "no information", so a
profile that leaves a field empty is neither rewarded nor punished for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.errors import MatcherError
from matcher.normalize.codes import code_overlap
from matcher.normalize.currencies import to_eur
from matcher.normalize.nature import firm_natures, main_natures
from matcher.ranking.features import (
    FEATURES,
    HISTORY_PARTS,
    NEUTRAL,
    SIGNALS,
    is_designer,
    matchable_codes,
    prepare_candidates,
    signal_matrix,
    term_guards,
)
from matcher.ranking.own_language import named_codes
from matcher.ranking.reasons import render
from matcher.ranking.terms import meaningful_shared_terms
from matcher.schema import CodeMatch, FirmProfile, Reason, Tender
from matcher.search.lexical import LexicalModel, TermGuard

__all__ = [
    "FEATURES", "HISTORY_PARTS", "NEUTRAL", "SIGNALS", "ScoredCandidates", "Signals", "compute_signals", "describe",
    "score_candidates",
]


@dataclass(frozen=True)
class NamedCode:
    """One of the firm's codes whose label, in the notice's language, the notice's own words name: where the code
    came from as a ``CodeMatch`` says it (suggested, and the keyword it translates), for the reasons."""

    code: str
    label: str  # in the notice's language
    inferred: bool = False
    keyword: str | None = None


@dataclass
class Signals:
    """Everything ranking and explanation need to know about one (firm, tender) pair: the value of every
    feature (``values``, by name; a feature not given is NEUTRAL) and the words behind them."""

    values: Mapping[str, float] = field(default_factory=dict)
    guard: TermGuard = field(default_factory=lambda: TermGuard([], 1.0))
    code_matches: list[CodeMatch] = field(default_factory=list)
    shared_terms: list[str] = field(default_factory=list)
    country_note: str = ""
    value_note: str = ""
    history_note: str = ""
    feedback_note: str = ""
    # Not features: what the notice buys and what the firm sells (``matcher.normalize.nature``), for the reasons.
    tender_nature: str | None = None
    firm_offers: tuple[str, ...] = ()
    #: The firm's codes the notice's own words name in its language (``matcher.ranking.own_language``).
    named_codes: list[NamedCode] = field(default_factory=list)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.values) - set(FEATURES))
        if unknown:
            raise MatcherError(f"unknown features {unknown} (expected names from {list(FEATURES)})")
        self.values = {name: float(self.values.get(name, NEUTRAL)) for name in FEATURES}

    def __getitem__(self, name: str) -> float:
        """The value of feature ``name``."""
        return self.values[name]

    def vector(self) -> list[float]:
        """The features in ``FEATURES`` order (the signals, then the history parts)."""
        return [self.values[name] for name in FEATURES]


def country_fact(firm: FirmProfile, tender: Tender) -> Reason | None:
    """The country signal as a reason (a target country) or a concern (none is), or None when it says
    nothing: the profile names no target country, or the notice no country."""
    countries = tender.all_countries()
    if not firm.target_countries or not countries:
        return None
    hit = [c for c in countries if c in firm.target_countries]
    if hit:
        return Reason(kind="country_target", params={"countries": hit})
    return Reason(kind="country_not_target", params={"countries": countries, "targets": firm.target_countries})


def country_note(firm: FirmProfile, tender: Tender) -> str:
    """Why the country signal is what ``matcher.ranking.features.country_scores`` made it, in words."""
    if not firm.target_countries:
        return "no target countries in the profile"
    if not tender.all_countries():
        return "the notice names no country"
    fact = country_fact(firm, tender)
    return render(fact) if fact is not None else ""


def value_fact(firm: FirmProfile, tender: Tender) -> Reason | None:
    """The value signal as a reason (within the firm's range) or a concern (above or below it), or None
    when it cannot say: no value, no range, or a currency without a rate."""
    if tender.value is None or tender.value <= 0 or (firm.min_value is None and firm.max_value is None):
        return None
    value_eur = to_eur(tender.value, tender.currency)
    if value_eur is None:
        return None
    shown: dict[str, str | int | float | list[str]] = {"value": tender.value, "currency": tender.currency or ""}
    low = to_eur(firm.min_value, firm.currency) if firm.min_value is not None else None
    high = to_eur(firm.max_value, firm.currency) if firm.max_value is not None else None
    limit = {"limit_currency": firm.currency or ""}
    if low is not None and value_eur < low:
        return Reason(kind="value_below_range", params={**shown, **limit, "limit": firm.min_value or 0.0})
    if high is not None and value_eur > high:
        return Reason(kind="value_above_range", params={**shown, **limit, "limit": firm.max_value or 0.0})
    return Reason(kind="value_in_range", params=shown)


def value_note(firm: FirmProfile, tender: Tender) -> str:
    """Why the value signal is what ``matcher.ranking.features.value_scores`` made it, in words."""
    if tender.value is None or tender.value <= 0:
        return "the notice gives no value"
    if firm.min_value is None and firm.max_value is None:
        return "no value range in the profile"
    fact = value_fact(firm, tender)
    if fact is None:
        return f"value in {tender.currency or 'an unknown currency'} cannot be compared"
    return render(fact)


@dataclass(frozen=True)
class ScoredCandidates:
    """The feature matrix of one firm against its candidates, before any reasons are worded."""

    firm: FirmProfile
    tenders: Sequence[Tender]
    documents: list[str]
    matrix: np.ndarray  # (n, len(FEATURES))
    guards: list[TermGuard]
    notes: Mapping[str, Sequence[str]]
    #: (code, confidence) pairs inferred from the firm's description (``matcher.search.code_inference``).
    inferred: Sequence[tuple[str, float]] = ()
    #: The inferred codes that translate one of the firm's keywords, and that keyword.
    keywords: Mapping[str, str] = field(default_factory=dict)

    @property
    def multipliers(self) -> np.ndarray:
        return np.array([g.multiplier for g in self.guards], dtype=np.float64)


def score_candidates(
    firm: FirmProfile,
    tenders: Sequence[Tender],
    dense: Sequence[float],
    lexical: LexicalModel,
    extra: Mapping[str, Sequence[tuple[float, str]]] | None = None,
    inferred: Sequence[tuple[str, float]] = (),
    keywords: Mapping[str, str] | None = None,
) -> ScoredCandidates:
    """The numbers ranking needs for every candidate (from ``matcher.ranking.features``, what evaluation measures).
    ``extra`` carries (value, note) per candidate for history and feedback; ``inferred`` the firm's
    suggested codes with their confidence; ``keywords`` those of them that translate a firm keyword, and the
    keyword (for the reasons)."""
    batch = prepare_candidates(tenders, lexical)
    numbers = {name: np.array([v for v, _ in values]) for name, values in (extra or {}).items()}
    notes = {name: [n for _, n in values] for name, values in (extra or {}).items() if name in SIGNALS}
    return ScoredCandidates(
        firm=firm,
        tenders=tenders,
        documents=batch.documents,
        matrix=signal_matrix(firm, batch, dense, lexical, numbers, inferred),
        guards=term_guards(firm, batch, lexical),
        notes=notes,
        inferred=inferred,
        keywords=dict(keywords or {}),
    )


def main_offers(firm: FirmProfile, inferred: Sequence[tuple[str, float]] = ()) -> tuple[str, ...]:
    """What the firm sells, for the reasons' words: its stated ``offers``, else the natures its own words and
    codes mostly point to (at least half the share of the main one), as the nature signal weighs them."""
    return main_natures(firm_natures(firm, inferred))


def code_matches(
    firm_codes: Sequence[str], tender_codes: Sequence[str], inferred: Sequence[tuple[str, float]] = (),
    keywords: Mapping[str, str] | None = None,
) -> list[CodeMatch]:
    """The best match per tender code among the firm's confirmed codes, else among its inferred ones
    (marked ``inferred``, so the reason says the code was suggested; with the ``keyword`` it translates, when
    ``keywords`` names one)."""
    _, confirmed = code_overlap(list(firm_codes), list(tender_codes))
    covered = {m.tender_code for m in confirmed}
    suggested = [c for c, _ in inferred if c not in firm_codes]
    _, guessed = code_overlap(suggested, [c for c in tender_codes if c not in covered])
    named = keywords or {}
    found = confirmed + [
        m.model_copy(update={"inferred": True, "keyword": named.get(m.firm_code)}) for m in guessed
    ]
    return sorted(found, key=lambda m: (m.inferred, -m.similarity))


def describe(scored: ScoredCandidates, i: int, lexical: LexicalModel) -> Signals:
    """The full Signals of candidate ``i``, with the reasons worded (done only for the results shown)."""
    firm, tender = scored.firm, scored.tenders[i]
    offers = main_offers(firm, scored.inferred)
    tender_codes, suggested = matchable_codes(tender, scored.inferred, is_designer(offers))
    matches = code_matches(firm.codes, tender_codes, suggested, scored.keywords)
    signals = Signals(
        dict(zip(FEATURES, scored.matrix[i].tolist(), strict=True)),
        guard=scored.guards[i],
        code_matches=matches,
        shared_terms=meaningful_shared_terms(
            lexical, firm.text(), scored.documents[i], [tender.language, *firm.languages]
        ),
        country_note=country_note(firm, tender),
        value_note=value_note(firm, tender),
        tender_nature=getattr(tender, "contract_nature", None),
        firm_offers=offers,
        named_codes=[NamedCode(code, label, code not in firm.codes,
                               None if code in firm.codes else scored.keywords.get(code))
                     for code, label in named_codes([*firm.codes, *(code for code, _ in scored.inferred)], tender)],
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

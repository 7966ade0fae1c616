"""Why a tender matched: turn signals into reasons a partner can check, and build the Match object."""

from __future__ import annotations

from datetime import datetime

from matcher.schema import Explanation, FirmProfile, Match, ScoreParts, Tender
from matcher.signals import NEUTRAL, Signals


def deadline_note(tender: Tender, now: datetime) -> str:
    if tender.deadline is None:
        return "no deadline given"
    days = (tender.deadline - now).total_seconds() / 86400
    when = tender.deadline.strftime("%Y-%m-%d %H:%M UTC")
    if days < 0:
        return f"closed on {when}"
    return f"closes {when} ({int(days)} days left)"


def explain(signals: Signals, tender: Tender, now: datetime) -> Explanation:
    """Reasons in plain words, strongest first."""
    summary: list[str] = []
    if signals.dense >= 0.3:
        summary.append(f"text is semantically similar to the profile ({signals.dense:.2f})")
    if signals.shared_terms:
        summary.append("shares the terms " + ", ".join(signals.shared_terms[:5]))
    for match in signals.code_matches[:3]:
        label = f" ({match.label})" if match.label else ""
        summary.append(f"code {match.tender_code}{label}: {match.level} match with {match.firm_code}")
    if signals.guard.missing:
        summary.append("lacks the profile's distinctive terms " + ", ".join(signals.guard.missing[:5]))
    # Neutral signals ("the profile sets no range") are kept in the fields but not repeated as reasons.
    informative = [
        (signals.country, signals.country_note),
        (signals.value, signals.value_note),
        (signals.history, signals.history_note),
        (signals.feedback, signals.feedback_note),
    ]
    summary.extend(note for value, note in informative if note and value != NEUTRAL)
    return Explanation(
        matched_terms=signals.shared_terms,
        missing_terms=signals.guard.missing,
        matched_codes=signals.code_matches,
        country_fit=signals.country_note,
        value_fit=signals.value_note,
        deadline=deadline_note(tender, now),
        history=signals.history_note,
        feedback=signals.feedback_note,
        summary=summary,
    )


def score_parts(signals: Signals, weights: dict[str, float]) -> ScoreParts:
    return ScoreParts(
        dense=round(signals.dense, 4),
        lexical=round(signals.lexical, 4),
        codes=round(signals.codes, 4),
        country=round(signals.country, 4),
        value=round(signals.value, 4),
        history=round(signals.history, 4),
        feedback=round(signals.feedback, 4),
        term_guard=signals.guard.multiplier,
        weights=weights,
    )


def make_match(
    firm: FirmProfile, tender: Tender, signals: Signals, score: float, rank: int, weights: dict[str, float],
    now: datetime,
) -> Match:
    """A ranked pair with its score parts and reasons: no bare score leaves the core."""
    return Match(
        tender_id=tender.tender_id,
        firm_id=firm.firm_id,
        firm_name=firm.name,
        rank=rank,
        score=round(float(score), 4),
        parts=score_parts(signals, weights),
        reasons=explain(signals, tender, now),
        title=tender.title,
        buyer=tender.buyer,
        country=tender.buyer_country,
        countries=tender.all_countries(),
        deadline=tender.deadline,
        published=tender.published,
        notice_type=tender.notice_type,
        value=tender.value,
        currency=tender.currency,
        codes=tender.codes,
        url=tender.url,
    )

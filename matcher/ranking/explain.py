"""Why a tender matched: turn signals into reasons a partner can check, and build the Match object."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from matcher.normalize.codes import codebook
from matcher.normalize.nature import nature_of_code
from matcher.ranking.features import is_designer
from matcher.ranking.korean_labels import HANGUL_RUN, LANGUAGE, shared_part
from matcher.ranking.reasons import deadline_note, summary
from matcher.ranking.signals import NEUTRAL, SIGNALS, NamedCode, Signals, country_fact, value_fact
from matcher.ranking.terms import keyword_found
from matcher.schema import CodeMatch, Explanation, FirmProfile, Match, Reason, ReasonKind, ScoreParts, Tender

POSITIVE_FACTS = frozenset({"country_target", "value_in_range", "contract_nature_fit"})

#: A deadline this close (in days) is a concern: little time to prepare a bid.
CLOSING_SOON_DAYS = 7
#: Dense cosine (profile vs notice) from which the texts are worded as related, close, very close. Below the
#: first the similarity is not a reason. Set from the spread the trial saw (issue 11: top results between
#: 0.3 and 0.5, a profile copied from its notice far above), not calibrated on judged data.
SIMILARITY_WORDS: tuple[tuple[float, str], ...] = ((0.6, "strong"), (0.45, "good"), (0.3, "fair"))
#: The word for a similarity below the last floor: said only when nothing else is, so that every result shown
#: says why it is there (a trial found results with no reason at all) and how little that is.
WEAK_SIMILARITY = "weak"
MAX_CODE_REASONS = 3
MAX_KEYWORD_REASONS = 3
MAX_TERMS = 5
#: Code levels so broad (a CPV division, a UNSPSC segment) that they are named only when nothing finer is.
BROAD_LEVELS = frozenset({"division", "segment"})
#: Code levels too loose to repeat a firm code a finer reason already named (``_one_loose_match_per_firm_code``).
LOOSE_LEVELS = BROAD_LEVELS | {"class", "group", "family"}
#: A contract-nature fit at or above this is a reason, at or below ``NATURE_MISMATCH`` a concern.
NATURE_FIT, NATURE_MISMATCH = 0.9, 0.4
# matcher.ranking.feedback words its notes in English; these are its three (tests/ranking/test_explain.py holds them
# equal to what feedback_signal returns).
FEEDBACK_KINDS: dict[str, ReasonKind] = {
    "approved for this firm by its partner": "approved_by_partner",
    "on the firm's shortlist, awaiting the partner's decision": "on_shortlist",
    "resembles tenders the partner approved": "like_approved",
}


def _code_reasons(signals: Signals) -> list[Reason]:
    fine = [m for m in signals.code_matches if m.level not in BROAD_LEVELS]
    # A sector (CPV division, UNSPSC segment) says something only of a code the firm named, or its keyword's
    # translation: through a code guessed from its description it told an optics maker "same sector:
    # Pharmaceutical products" by its fifth suggestion, MRI equipment at confidence 0.01 (demo trial).
    broad = [m for m in signals.code_matches if m.level in BROAD_LEVELS and _origin(m) != "inferred"]
    chosen = _one_loose_match_per_firm_code(fine or broad)[:MAX_CODE_REASONS]
    return [
        Reason(kind="code_match", params={
            "level": m.level, "label": m.label or "", "code": m.tender_code.replace(":", " ", 1),
            "firm_code": m.firm_code, "origin": _origin(m),
            **({"keyword": m.keyword} if m.keyword else {}),
        })
        for m in chosen
    ]


def _one_loose_match_per_firm_code(matches: Sequence[CodeMatch]) -> list[CodeMatch]:
    """The matches worth a reason, best first: a loose one (class level or broader) is left out when a better
    match already names the same firm code. A pump maker's "Water pumps" matched "Pumps and compressors" and
    "Parts of pumps, compressors, engines or motors" of one notice at class level: the second says nothing the
    first did not, and took the slot of the notice's "Downhole equipment", near the firm's other code."""
    named: set[str] = set()
    kept = []
    for match in matches:
        if match.firm_code in named and match.level in LOOSE_LEVELS:
            continue
        named.add(match.firm_code)
        kept.append(match)
    return kept


def _origin(match: CodeMatch | NamedCode) -> str:
    """Where the firm's code came from: its profile, a keyword's translation, or its description."""
    if not match.inferred:
        return "confirmed"
    return "keyword" if match.keyword else "inferred"


def _keyword_reasons(
    firm: FirmProfile, tender: Tender, languages: list[str | None], named: Collection[str] = (),
) -> list[Reason]:
    """Firm keywords the notice contains: in its own words (title, English title, description), else in the
    labels of its codes, so a keyword can match a notice in a language the firm does not read; a Korean
    keyword, which no notice's words contain, by what it shares with the Korean label of one of its codes
    other than those a code reason already names (``named``)."""
    text = "\n".join(p for p in (tender.title, tender.titles.get("en", ""), tender.description) if p)
    labels = [label for code in tender.codes if (label := codebook().label(code))]
    found: list[Reason] = []
    for keyword in firm.keywords:
        if len(found) >= MAX_KEYWORD_REASONS:
            break
        words = keyword_found(keyword, text, languages)
        if words is not None:
            found.append(Reason(kind="keyword_match", params={"keyword": keyword, "found": words, "via": "text"}))
            continue
        label = next((lb for lb in labels if keyword_found(keyword, lb, languages) is not None), None)
        if label is not None:
            found.append(Reason(kind="keyword_match", params={"keyword": keyword, "found": label, "via": "label"}))
        elif HANGUL_RUN.search(keyword):
            found.extend(_korean_label_reason(keyword, [c for c in tender.codes if c not in named]))
    return found


def _korean_label_reason(keyword: str, codes: Sequence[str]) -> list[Reason]:
    """The code whose Korean label shares the most with a Korean keyword (``shared_part``), if any."""
    book = codebook()
    found = [(part, code, korean) for code in codes if (korean := book.label_in(code, LANGUAGE))
             and (part := shared_part(keyword, korean)) is not None]
    if not found:
        return []
    part, code, korean = max(found, key=lambda f: len(f[0]))  # the first of the longest
    return [Reason(kind="keyword_match", params={
        "keyword": keyword, "found": part, "via": "korean_label", "label": book.label(code) or "",
        "label_ko": korean, "code": code.replace(":", " ", 1)})]


def _named_code_reason(signals: Signals, tender: Tender) -> list[Reason]:
    """The firm's code whose label, in the notice's language, the notice's own words name (the fullest label),
    for a reader who cannot read that language: what the notice says, not what it is coded as."""
    if not signals.named_codes:
        return []
    named = signals.named_codes[0]
    return [Reason(kind="code_named", params={
        "found": named.label, "language": tender.language or "", "label": codebook().label(named.code) or "",
        "code": named.code.replace(":", " ", 1), "origin": _origin(named),
        **({"keyword": named.keyword} if named.keyword else {})})]


def _term_reason(signals: Signals, keywords: list[Reason]) -> list[Reason]:
    """The shared words not already named by a keyword match."""
    said = {w.casefold() for r in keywords for w in str(r.params["found"]).split()}
    terms = [t for t in signals.shared_terms if t.casefold() not in said][:MAX_TERMS]
    return [Reason(kind="shared_terms", params={"terms": terms})] if terms else []


def _similarity_reason(dense: float, alone: bool = False) -> list[Reason]:
    """The text similarity in a word; below the last floor only when it is the ``alone`` reason left."""
    strength = next((word for floor, word in SIMILARITY_WORDS if dense >= floor), WEAK_SIMILARITY if alone else None)
    if strength is None:
        return []
    return [Reason(kind="similar_text", params={"strength": strength, "similarity": round(dense, 2)})]


def _nature(signals: Signals, firm: FirmProfile) -> Reason | None:
    """Contract nature against what the firm sells: a fit, a mismatch, or None when unknown or in between. No
    mismatch when one of the firm's own codes is of the notice's nature: a meter maker that lists an
    installation (works) code does that work too, and a reason may be naming that code."""
    if signals.tender_nature is None or not signals.firm_offers:
        return None
    params: dict[str, str | int | float | list[str]] = {
        "nature": signals.tender_nature, "offers": list(signals.firm_offers)
    }
    if signals["nature"] >= NATURE_FIT:
        return Reason(kind="contract_nature_fit", params=params)
    if signals["nature"] <= NATURE_MISMATCH and not any(
        nature_of_code(code) == signals.tender_nature for code in firm.codes
    ):
        return Reason(kind="contract_nature_mismatch", params=params)
    return None


def _design_contest(signals: Signals, tender: Tender) -> list[Reason]:
    """A design contest shown to a firm that is no designer (``is_designer``): it buys a design, whatever
    building its codes and words name."""
    if not tender.design_contest or is_designer(signals.firm_offers):
        return []
    return [Reason(kind="design_contest", params={"offers": list(signals.firm_offers)})]


def _track_record(signals: Signals) -> list[Reason]:
    """Past wins and partner decisions (their notes, when the signal says something)."""
    found: list[Reason] = []
    kind = FEEDBACK_KINDS.get(signals.feedback_note)
    if kind is not None:
        found.append(Reason(kind=kind))
    if signals.history_note and signals["history"] != NEUTRAL:
        found.append(Reason(kind="history", params={"detail": signals.history_note}))
    return found


def _closing_soon(tender: Tender, now: datetime, within_days: int) -> list[Reason]:
    if tender.deadline is None:
        return []
    # Whole days, as the deadline note counts them (``reasons.days_left``): "closes in 7 days" from the moment
    # "7 days left" is shown, the tick a cached list is ranked again at (``result_cache.fresh_until``). Counted
    # to the second, a list ranked 7.5 days before the deadline and served at exactly 7 lacked the concern.
    seconds = (tender.deadline - now).total_seconds()
    days = int(seconds // 86400)
    if seconds < 0 or days > within_days:
        return []
    deadline = tender.deadline.strftime("%Y-%m-%d %H:%M UTC")
    return [Reason(kind="closing_soon", params={"days": days, "deadline": deadline})]


def _language(firm: FirmProfile, tender: Tender) -> list[Reason]:
    if not firm.languages or tender.language is None or tender.language in firm.languages:
        return []
    return [Reason(kind="language_not_listed", params={"language": tender.language, "languages": firm.languages})]


def explain(
    signals: Signals, firm: FirmProfile, tender: Tender, now: datetime, closing_days: int = CLOSING_SOON_DAYS,
    cancelled: bool = False,
) -> Explanation:
    """Reasons for the match, strongest first, and concerns against it. A fact that speaks against the
    match is only ever a concern; a fact that says nothing (no range, no target country) is neither. A notice a
    later one ``cancelled`` is never "closing soon"."""
    languages = [tender.language, *firm.languages]
    code_reasons = _code_reasons(signals)
    keywords = _keyword_reasons(firm, tender, languages,
                                {str(r.params["code"]).replace(" ", ":", 1) for r in code_reasons})
    facts = [f for f in (country_fact(firm, tender), value_fact(firm, tender), _nature(signals, firm))
             if f is not None]
    reasons = [
        *[r for r in _track_record(signals) if r.kind in ("approved_by_partner", "on_shortlist")],
        *code_reasons, *keywords, *_named_code_reason(signals, tender), *_term_reason(signals, keywords),
        *_similarity_reason(signals["dense"]),
        *[f for f in facts if f.kind in POSITIVE_FACTS],
        *[r for r in _track_record(signals) if r.kind not in ("approved_by_partner", "on_shortlist")],
    ]
    reasons = reasons or _similarity_reason(signals["dense"], alone=True)
    # The guard reads the notice's own words; a keyword a reason found elsewhere (its codes' labels, its English
    # title) is not one the notice fails to mention.
    found = {str(r.params["keyword"]) for r in reasons if r.kind in ("keyword_match", "code_named", "code_match")
             and "keyword" in r.params}
    unmentioned = [term for term in signals.guard.missing if term not in found]
    missing = unmentioned[:MAX_TERMS]
    concerns = [
        *_design_contest(signals, tender), *[f for f in facts if f.kind not in POSITIVE_FACTS],
        *([] if cancelled else _closing_soon(tender, now, closing_days)),
        *_language(firm, tender),
        *([Reason(kind="missing_distinctive_terms", params={"terms": missing})] if missing else []),
    ]
    return Explanation(
        reasons=reasons,
        concerns=concerns,
        matched_terms=signals.shared_terms,
        missing_terms=unmentioned,
        matched_codes=signals.code_matches,
        country_fit=signals.country_note,
        value_fit=signals.value_note,
        deadline=deadline_note(tender.deadline, now, cancelled),
        history=signals.history_note,
        feedback=signals.feedback_note,
        summary=summary(reasons, concerns),
    )


def score_parts(signals: Signals, weights: dict[str, float]) -> ScoreParts:
    """Every signal (``SIGNALS``, declared in ``matcher.feature_set``) rounded, the term guard and the weights."""
    parts: dict[str, object] = {name: round(signals[name], 4) for name in SIGNALS}
    return ScoreParts.model_validate({**parts, "term_guard": signals.guard.multiplier, "weights": weights})


def make_match(
    firm: FirmProfile, tender: Tender, signals: Signals, score: float, rank: int, weights: dict[str, float],
    now: datetime, cancelled: bool = False,
) -> Match:
    """A ranked pair with its score parts and reasons: no bare score leaves the core. ``cancelled``: a later
    notice cancelled this one (shown among closed ones)."""
    return Match(
        tender_id=tender.tender_id,
        firm_id=firm.firm_id,
        firm_name=firm.name,
        rank=rank,
        score=round(float(score), 4),
        parts=score_parts(signals, weights),
        reasons=explain(signals, firm, tender, now, cancelled=cancelled),
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

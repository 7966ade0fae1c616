"""Plain-text rendering of matches, and of any text from outside, for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from matcher.characters import shown_text
from matcher.ranking.reasons import CANCELLED, ReasonLanguage, deadline_note, shown_lines, summary_in
from matcher.schema import Match


def terminal_text(text: str) -> str:
    """Text a feed, a file or a person wrote (a title, a buyer, a rejected record's id, an error quoting one), for
    a terminal line: each character that does not print (an ESC or BEL that starts an escape sequence, a line
    break, a bidirectional override) as its Python escape, so it can neither drive the terminal nor print a line
    that passes for the command's own (tests/cli/test_terminal_text.py)."""
    return text if text.isprintable() else "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


#: The words of a match's first two lines (its reasons and concerns are ``matcher.ranking.reasons``'), by ``--lang``;
#: the fit bands as the workspace and the digests name them.
_WORDS: dict[ReasonLanguage, dict[str, str]] = {
    "en": {"strong": "strong fit", "good": "good fit", "possible": "possible fit", "weak": "weak fit",
           "score": "score", "no_buyer": "buyer not given", "no_country": "country not given",
           "no_value": "value not given", "firm": "firm", "no_firms": "no firms to list (none stored, or every "
           "firm's partner rejected this notice)", "no_matches": "no matches (try --include-closed, or widen the "
           "filters)"},
    "ko": {"strong": "매우 적합", "good": "적합", "possible": "검토 가능", "weak": "낮음", "score": "점수",
           "no_buyer": "발주기관 미기재", "no_country": "국가 미기재", "no_value": "금액 미기재", "firm": "회사",
           "no_firms": "표시할 회사가 없습니다 (저장된 회사가 없거나, 모든 회사의 담당 파트너가 이 공고를 거절함)",
           "no_matches": "추천할 입찰이 없습니다 (--include-closed 를 붙이거나 조건을 넓혀 보세요)"},
}


def format_value(value: float | None, currency: str | None, language: ReasonLanguage = "en") -> str:
    if value is None:
        return _WORDS[language]["no_value"]
    return f"{value:,.0f} {currency or ''}".strip()


MAX_REASONS = 5


def _fit(match: Match, words: dict[str, str]) -> str:
    """'good fit 0.41, score 0.512': the calibrated fit and its band first, the raw score beside it."""
    if match.fit is None or match.fit_band is None:
        return f"{words['score']} {match.score:.3f}"
    return f"{words[match.fit_band]} {match.fit:.2f}, {words['score']} {match.score:.3f}"


def format_match(match: Match, reverse: bool = False, language: ReasonLanguage = "en",
                 now: datetime | None = None) -> str:
    """Rank, score, title (or firm), facts, then up to five reasons ("+") and every concern ("!"), in
    ``language``; the deadline in it needs ``now`` (else it is the English one the match was ranked with)."""
    words = _WORDS[language]
    # What people or feeds wrote, as plain text shows it: a name or title stored with an override before they were
    # refused or cleaned would reverse the rest of its line in a terminal that runs the bidirectional algorithm.
    head = shown_text(match.firm_name or match.firm_id if reverse else match.title)
    lines = [f"{match.rank:>2}. [{_fit(match, words)}] {head}"]
    if reverse:
        lines.append(f"    {words['firm']} {match.firm_id}")
    else:
        deadline = match.reasons.deadline if now is None else deadline_note(
            match.deadline, now, match.reasons.deadline.startswith(CANCELLED), language)
        facts = [
            match.tender_id,
            shown_text(match.buyer) if match.buyer else words["no_buyer"],
            ",".join(match.countries) or words["no_country"],
            deadline,
            format_value(match.value, match.currency, language),
        ]
        lines.append("    " + " | ".join(facts))
    reasons, concerns = shown_lines(match.reasons, language)  # a stored keyword's override dropped
    lines.extend(f"    + {reason}" for reason in reasons[:MAX_REASONS])
    lines.extend(f"    ! {concern}" for concern in concerns)
    return "\n".join(terminal_text(line) for line in lines)


def format_matches(matches: Sequence[Match], reverse: bool = False, language: ReasonLanguage = "en",
                   now: datetime | None = None) -> str:
    if not matches:  # firms-for has no filters to widen
        return "  " + _WORDS[language]["no_firms" if reverse else "no_matches"]
    return "\n".join(format_match(m, reverse, language, now) for m in matches)


def match_json(match: Match, language: ReasonLanguage = "en") -> dict[str, object]:
    """The documented JSON shape: tender_id, score, title, buyer, country, deadline, codes, reasons, ...
    (the reasons' summary worded in ``language``, as the API words it; the codes are the same in every one)."""
    data = match.model_dump(mode="json")
    data["reasons"]["summary"] = summary_in(match.reasons, language)
    return data

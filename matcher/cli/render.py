"""Plain-text rendering of matches, and of any text from outside, for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from matcher.characters import shown_text
from matcher.ranking.reasons import ReasonLanguage, shown_lines, summary_in
from matcher.schema import Match


def terminal_text(text: str) -> str:
    """Text a feed, a file or a person wrote (a title, a buyer, a rejected record's id, an error quoting one), for
    a terminal line: each character that does not print (an ESC or BEL that starts an escape sequence, a line
    break, a bidirectional override) as its Python escape, so it can neither drive the terminal nor print a line
    that passes for the command's own (tests/cli/test_terminal_text.py)."""
    return text if text.isprintable() else "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def format_value(value: float | None, currency: str | None) -> str:
    if value is None:
        return "value not given"
    return f"{value:,.0f} {currency or ''}".strip()


MAX_REASONS = 5


def _fit(match: Match) -> str:
    """'good fit 0.41, score 0.512': the calibrated fit and its band first, the raw score beside it."""
    if match.fit is None or match.fit_band is None:
        return f"score {match.score:.3f}"
    return f"{match.fit_band} fit {match.fit:.2f}, score {match.score:.3f}"


def format_match(match: Match, reverse: bool = False, language: str = "en") -> str:
    """Rank, score, title (or firm), facts, then up to five reasons ("+") and every concern ("!")."""
    # What people or feeds wrote, as plain text shows it: a name or title stored with an override before they were
    # refused or cleaned would reverse the rest of its line in a terminal that runs the bidirectional algorithm.
    head = shown_text(match.firm_name or match.firm_id if reverse else match.title)
    lines = [f"{match.rank:>2}. [{_fit(match)}] {head}"]
    if reverse:
        lines.append(f"    firm {match.firm_id}")
    else:
        facts = [
            match.tender_id,
            shown_text(match.buyer) if match.buyer else "buyer not given",
            ",".join(match.countries) or "country not given",
            match.reasons.deadline,
            format_value(match.value, match.currency),
        ]
        lines.append("    " + " | ".join(facts))
    reasons, concerns = shown_lines(match.reasons, language)  # a stored keyword's override dropped
    lines.extend(f"    + {reason}" for reason in reasons[:MAX_REASONS])
    lines.extend(f"    ! {concern}" for concern in concerns)
    return "\n".join(terminal_text(line) for line in lines)


def format_matches(matches: Sequence[Match], reverse: bool = False, language: str = "en") -> str:
    if not matches and reverse:  # firms-for has no filters to widen
        return "  no firms to list (none stored, or every firm's partner rejected this notice)"
    if not matches:
        return "  no matches (try --include-closed, or widen the filters)"
    return "\n".join(format_match(m, reverse, language) for m in matches)


def match_json(match: Match, language: ReasonLanguage = "en") -> dict[str, object]:
    """The documented JSON shape: tender_id, score, title, buyer, country, deadline, codes, reasons, ...
    (the reasons' summary worded in ``language``, as the API words it; the codes are the same in every one)."""
    data = match.model_dump(mode="json")
    data["reasons"]["summary"] = summary_in(match.reasons, language)
    return data

"""``matcher recommend`` and ``matcher firms-for``."""

from __future__ import annotations

from typing import Annotated

import typer

from matcher.characters import shown_text
from matcher.cli.common import (
    AsOfOption,
    HomeOption,
    clock_override,
    echo_json,
    finite_number,
    iso_countries,
    open_matcher,
    value_range,
)
from matcher.cli.render import format_matches, match_json, terminal_text
from matcher.normalize.korean_phrases import needs_keywords
from matcher.ranking.reasons import ReasonLanguage
from matcher.schema import MAX_AMOUNT, BandName

K = Annotated[int, typer.Option("--k", min=1, max=500, help="how many results")]
Json = Annotated[bool, typer.Option("--json", help="print one JSON array")]
MinFitBand = Annotated[BandName | None, typer.Option(
    "--min-fit-band", help="only matches in this fit band or a better one, the first --k of them (possible: "
    "what a digest sends by default and the workspace lists)")]
Lang = Annotated[ReasonLanguage, typer.Option(
    "--lang", help="language of each match's lines: fit, deadline, reasons and concerns (with --json: of the "
    "summary; the codes are the same)")]


def recommend(
    firm_id: Annotated[str, typer.Argument(help="the firm to recommend tenders for")],
    k: K = 10,
    include_closed: Annotated[bool, typer.Option(
        "--include-closed", help="also closed tenders (past their deadline or window, or cancelled)")] = False,
    country: Annotated[list[str] | None, typer.Option("--country", help="ISO country (repeatable)")] = None,
    min_value: Annotated[float | None, typer.Option(
        "--min-value", parser=finite_number(0, MAX_AMOUNT), metavar="AMOUNT",
        help="in --currency (0 to 10^15)")] = None,
    max_value: Annotated[float | None, typer.Option(
        "--max-value", parser=finite_number(0, MAX_AMOUNT), metavar="AMOUNT",
        help="in --currency (0 to 10^15)")] = None,
    currency: Annotated[str, typer.Option("--currency", help="currency of the value range")] = "EUR",
    min_fit_band: MinFitBand = None,
    json_output: Json = False,
    lang: Lang = "en",
    as_of: AsOfOption = None,
    home: HomeOption = None,
) -> None:
    """Open tenders that fit a firm, best first, each with its score and reasons (open as the README says:
    deadline or publication window not passed, published, not cancelled; at --as-of when given)."""
    from matcher.ranking.calibration import at_least
    from matcher.search.retrieve import MatchQuery

    query = MatchQuery(
        k=k, include_closed=include_closed, countries=iso_countries(country),
        min_value=min_value, max_value=max_value, value_currency=value_range(min_value, max_value, currency),
    )
    matcher = open_matcher(home, **clock_override(as_of))
    matches = [m for m in matcher.recommend(firm_id, query) if at_least(m.fit_band, min_fit_band)]
    if json_output:
        echo_json([match_json(m, lang) for m in matches])
    else:
        typer.echo(format_matches(matches, language=lang, now=matcher.settings.now()))
        if needs_keywords(matcher.get_firm(firm_id)):
            typer.echo(f"note: firm {firm_id} has no keywords; a Korean profile is found mostly through them "
                       f"(matcher firms suggest-keywords {firm_id})", err=True)


def firms_for(
    tender_id: Annotated[str, typer.Argument(help="the tender to find firms for")],
    k: K = 10,
    min_fit_band: MinFitBand = None,
    json_output: Json = False,
    lang: Lang = "en",
    as_of: AsOfOption = None,
    home: HomeOption = None,
) -> None:
    """The firms that fit one tender best (for support officers), best fit first, each with the match its
    own list would hold for the tender; the text says first whether the tender is open at now (--as-of), and
    why not, and with --json each match carries the same as notice_status (open, closure, as_of, detail); a
    tender published after --as-of is not known yet."""
    from matcher.ranking.calibration import at_least

    matcher = open_matcher(home, **clock_override(as_of))
    matches = [m for m in matcher.firms_for(tender_id, k=k) if at_least(m.fit_band, min_fit_band)]
    tender = matcher.get_tender(tender_id)
    status = matcher.notice_status(tender, lang)
    if json_output:
        echo_json([match_json(m, lang) | {"notice_status": status.model_dump(mode="json")} for m in matches])
        return
    typer.echo(f"{tender.tender_id}: {terminal_text(shown_text(tender.title))}\n{status.detail}")
    typer.echo(format_matches(matches, reverse=True, language=lang))


def register(app: typer.Typer) -> None:
    app.command("recommend")(recommend)
    app.command("firms-for")(firms_for)

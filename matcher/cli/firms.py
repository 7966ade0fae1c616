"""``matcher firms suggest-codes``, ``accept-codes`` and ``decline-codes``: inferred codes, and accepting or
declining them; ``suggest-keywords`` and ``accept-keywords``: a Korean description's product phrases."""

from __future__ import annotations

from typing import Annotated

import typer

from matcher.cli.common import HomeOption, echo_json, open_matcher
from matcher.schema import MAX_SUGGESTIONS

app = typer.Typer(help="Firm profiles: suggested classification codes and keywords.", no_args_is_help=True)


@app.command("suggest-codes")
def suggest_codes(
    firm_id: Annotated[str, typer.Argument(help="the firm whose description the codes are inferred from")],
    k: Annotated[int, typer.Option("--k", min=1, max=MAX_SUGGESTIONS, help="how many codes")] = 10,
    json_output: Annotated[bool, typer.Option("--json", help="print one JSON array")] = False,
    home: HomeOption = None,
) -> None:
    """CPV (and UNSPSC) codes inferred from the firm's description and keywords (each keyword's translation
    names its keyword; a firm with codes of its own, not accepted from these suggestions, is ranked on its Korean
    keywords' only), most confident first.
    The confidence estimates how often a suggestion at that value has the right CPV class; "ranked on" marks the
    codes ranking reads for the firm now. Under a code, the partner's decisions on the firm's shortlisted notices
    that carry it; two or more rejected and none approved, it is worth declining (``decline-codes``)."""
    matcher = open_matcher(home)
    suggestions = matcher.suggest_codes(firm_id, k=k)
    korean = "ko" in matcher.get_firm(firm_id).languages  # a Korean firm's codes read in Korean too
    if json_output:
        echo_json([s.model_dump() for s in suggestions])
        return
    if not suggestions:
        typer.echo("no suggestions")
    for s in suggestions:
        said = f"  (keyword: {s.keyword})" if s.keyword else ""
        label = f"{s.label_ko} / {s.label}" if korean and s.label_ko else s.label
        ranked = "  [ranked on]" if s.ranked else ""
        typer.echo(f"{s.code:<18} {s.confidence:4.2f}  {s.source:<15} {label}{said}{ranked}")
        if s.approved or s.rejected:
            advice = ": the firm probably does not do it; decline it?" if s.worth_declining else ""
            typer.echo(f"{'':<18} partner's decisions on notices under it: {s.approved} approved, "
                       f"{s.rejected} rejected{advice}")


@app.command("accept-codes")
def accept_codes(
    firm_id: Annotated[str, typer.Argument(help="the firm to add the codes to")],
    codes: Annotated[list[str], typer.Argument(help="codes to add, e.g. CPV:33111000 (scheme prefix required)")],
    actor: Annotated[str, typer.Option("--actor", help="who accepts them (logged)")] = "cli",
    home: HomeOption = None,
) -> None:
    """Add codes to the firm's confirmed codes (each must be in the CPV 2008 or UNGM UNSPSC list), marked as
    accepted: the firm is still ranked on its keywords' other translations."""
    matcher = open_matcher(home)
    before = matcher.get_firm(firm_id).codes
    _report(firm_id, before, matcher.accept_codes(firm_id, codes, actor).codes, "added", "codes now")


@app.command("decline-codes")
def decline_codes(
    firm_id: Annotated[str, typer.Argument(help="the firm that does not do these codes")],
    codes: Annotated[list[str], typer.Argument(help="codes to decline, e.g. CPV:79710000 (scheme prefix required)")],
    actor: Annotated[str, typer.Option("--actor", help="who declines them (logged)")] = "cli",
    home: HomeOption = None,
) -> None:
    """Never suggest these codes (nor any code under them) for the firm, nor rank on them: for a suggestion its
    words sit near but it does not do (a cybersecurity firm's "Security services", which is guarding)."""
    matcher = open_matcher(home)
    before = matcher.get_firm(firm_id).declined_codes
    _report(firm_id, before, matcher.decline_codes(firm_id, codes, actor).declined_codes, "declined", "declined now")


@app.command("suggest-keywords")
def suggest_keywords(
    firm_id: Annotated[str, typer.Argument(help="the firm whose description the keywords are read from")],
    json_output: Annotated[bool, typer.Option("--json", help="print one JSON array")] = False,
    home: HomeOption = None,
) -> None:
    """Keywords read from a Korean description: the phrases that name what the firm sells, in the text's order,
    those already among its keywords left out. A Korean firm is found mostly through its keywords; accept the
    right ones (``accept-keywords``), since they are not ranked on until then."""
    matcher = open_matcher(home)
    keywords = matcher.suggest_keywords(firm_id)
    if json_output:
        echo_json(keywords)
        return
    typer.echo("\n".join(keywords) if keywords else "no suggestions")


@app.command("accept-keywords")
def accept_keywords(
    firm_id: Annotated[str, typer.Argument(help="the firm to add the keywords to")],
    keywords: Annotated[list[str], typer.Argument(help="keywords to add (quote a phrase: \"평판 검출기\")")],
    actor: Annotated[str, typer.Option("--actor", help="who accepts them (logged)")] = "cli",
    home: HomeOption = None,
) -> None:
    """Add keywords (suggested or not) to the firm's keywords; one it has already (spaces and case ignored) is
    not added twice."""
    matcher = open_matcher(home)
    before = matcher.get_firm(firm_id).keywords
    after = matcher.accept_keywords(firm_id, keywords, actor).keywords
    added = after[len(before):]
    typer.echo(f"firm {firm_id}: {len(added)} keyword(s) added" + (f" ({', '.join(added)})" if added else "")
               + f"; keywords now: {', '.join(after)}")


def _report(firm_id: str, before: list[str], after: list[str], verb: str, now: str) -> None:
    """One line: how many codes the command added to a list, which, and the whole list now."""
    added = [c for c in after if c not in before]
    typer.echo(f"firm {firm_id}: {len(added)} code(s) {verb}" + (f" ({', '.join(added)})" if added else "")
               + f"; {now}: {', '.join(after) or 'none'}")

"""``matcher index build`` and ``matcher demo``."""

from __future__ import annotations

from typing import Annotated

import typer

from matcher.cli.common import HomeOption, open_matcher, print_ingest
from matcher.cli.render import format_matches

index_app = typer.Typer(help="Build and inspect the search index.", no_args_is_help=True)


@index_app.command("build")
def build(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="rebuild from scratch instead of syncing")] = False,
    home: HomeOption = None,
) -> None:
    """Build the index, or bring it up to date with the store (only changed notices are re-embedded); then
    compute again the suggested codes kept for firms-for under an earlier build (5 to 13 ms a firm; only for a
    register above the 200 firms that firms-for scores in full). One build of an index at a time: a second,
    while one runs, is refused in one line (exit 2) before it embeds anything."""
    matcher = open_matcher(home)
    with matcher.index.folder.building():
        report = matcher.build_index(rebuild=rebuild, progress=True)
    typer.echo(report.summary())
    manifest = matcher.index.current().vectors.manifest
    typer.echo(f"{manifest.count} vectors, {manifest.index_type} index, encoder {manifest.encoder_id}")
    typer.echo(matcher.refresh_kept_suggestions().line())


def demo(
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="matches per firm")] = 5,
    home: HomeOption = None,
) -> None:
    """Load the bundled real notices and demo firms, build the index, print each firm's top matches."""
    from matcher.demo import demo_data, demo_firms, load_demo
    from matcher.search.retrieve import MatchQuery

    data = demo_data()
    matcher = open_matcher(home, clock=data.as_of)
    typer.echo(data.description)
    tenders, firms = load_demo(matcher, progress=True)
    print_ingest(tenders, "demo tenders")
    print_ingest(firms, "demo firms")
    typer.echo(f"\nMatches as of {data.as_of:%Y-%m-%d} (the demo replays that day):")
    for firm in demo_firms(matcher):
        typer.echo(f"\n== {firm.name} ({firm.firm_id})")
        typer.echo(format_matches(matcher.recommend(firm, MatchQuery(k=k))))


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)

"""``matcher feeds add|list|run|reset|remove``: live tender feeds, for support officers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from matcher.cli.common import HomeOption, day_option, echo_json, open_matcher, parse_day
from matcher.cli.render import terminal_text
from matcher.schema import FEED_KINDS

if TYPE_CHECKING:
    from matcher.store.feeds import Feed

app = typer.Typer(help="Live tender feeds: TED, the World Bank, OCDS publishers.", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="a short name: lower-case letters, digits, '-' and '_'")],
    kind: Annotated[str, typer.Option("--kind", help=f"the source: {', '.join(FEED_KINDS)}")],
    url: Annotated[str | None, typer.Option("--url", help="endpoint (default: the source's public API; "
                                            "required for ocds)")] = None,
    query: Annotated[str | None, typer.Option("--query", help="source filter, e.g. a TED expert query")] = None,
    page_size: Annotated[int | None, typer.Option("--page-size", help="records per page (1-1000)")] = None,
    home: HomeOption = None,
) -> None:
    """Configure a feed; `matcher feeds run` (or `matcher schedule`) fetches it."""
    from matcher.services.feeds import shown_url, validated_spec

    feed = open_matcher(home).add_feed(validated_spec(name, kind, url, query, page_size), actor="cli")
    where = shown_url(feed.spec.url) if feed.spec.url else "public default endpoint"
    typer.echo(f"added feed {feed.name} ({feed.spec.kind}, {where})")


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of lines")] = False,
    home: HomeOption = None,
) -> None:
    """Every feed with its cursor and its latest run."""
    feeds = open_matcher(home).all_feeds()
    if as_json:
        echo_json([feed_json(f) for f in feeds])
        return
    if not feeds:
        typer.echo("no feeds yet: add one with `matcher feeds add NAME --kind ted|worldbank|ocds`")
    for feed in feeds:
        typer.echo(_line(feed))
        for record, reason in feed.last_run.rejections[:5]:
            typer.echo(f"    rejected {terminal_text(record)}: {terminal_text(reason)}")


@app.command("run")
def run(
    names: Annotated[list[str] | None, typer.Argument(help="feeds to run (default: all)")] = None,
    since: Annotated[str | None, day_option("--since", "fetch notices published on or after this day "
                                            "instead of from the cursor")] = None,
    home: HomeOption = None,
) -> None:
    """Fetch new notices from the feeds, store them, and bring the index up to date."""
    from matcher.feeds.runner import FeedRunner

    day = parse_day("--since", since) if since is not None else None
    matcher = open_matcher(home)
    with FeedRunner(matcher) as runner:
        result = runner.run(names or (), since=day)
    if not result.outcomes:
        typer.echo("no feeds configured: add one with `matcher feeds add NAME --kind ted|worldbank|ocds`")
    for outcome in result.outcomes:
        typer.echo(terminal_text(outcome.summary()))
    if result.index is not None:
        typer.echo(result.index.summary())
    if result.failed:
        raise typer.Exit(1)


@app.command("reset")
def reset(name: Annotated[str, typer.Argument()], home: HomeOption = None) -> None:
    """Forget a feed's cursor: its next run starts from the source's default starting point (or --since)."""
    open_matcher(home).reset_feed(name)
    typer.echo(f"feed {name}: cursor reset")


@app.command("remove")
def remove(name: Annotated[str, typer.Argument()], home: HomeOption = None) -> None:
    """Stop fetching a feed (the notices it brought stay)."""
    open_matcher(home).remove_feed(name)
    typer.echo(f"removed feed {name}")


def feed_json(feed: Feed) -> dict[str, Any]:
    from matcher.services.feed_credentials import without_credentials  # the services load with a command, not --help

    run = feed.last_run
    return {
        "name": feed.name, "kind": feed.spec.kind, "url": feed.spec.url and without_credentials(feed.spec.url),
        "query": feed.spec.query,
        "page_size": feed.spec.page_size, "cursor": feed.cursor, "cursor_at": feed.cursor_at,
        "last_run": {
            "started_at": run.started_at, "finished_at": run.finished_at, "status": run.status, "pages": run.pages,
            "new": run.new, "updated": run.updated, "unchanged": run.unchanged, "rejected": run.rejected,
            "error": run.error,
        },
    }


def _line(feed: Feed) -> str:
    from matcher.services.feeds import shown_url

    run = feed.last_run
    where = shown_url(feed.spec.url) if feed.spec.url else "public default endpoint"
    head = f"{feed.name}  {feed.spec.kind}  {where}" + (f"  query={feed.spec.query!r}" if feed.spec.query else "")
    if run.status is None:
        return f"{head}\n    never run"
    when = (run.finished_at or run.started_at)
    counts = f"{run.new} new, {run.updated} updated, {run.unchanged} unchanged, {run.rejected} rejected"
    tail = f"\n    error: {terminal_text(run.error)}" if run.error else ""
    return f"{head}\n    last run {run.status} at {when:%Y-%m-%d %H:%M} UTC: {run.pages} pages, {counts}{tail}"


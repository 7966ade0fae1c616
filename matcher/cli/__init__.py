"""The ``matcher`` command line. Library errors become one clear line on stderr and exit code 2."""

from __future__ import annotations

import logging
from typing import Any

import typer
from typer.core import TyperGroup

from matcher.cli import digest, evaluate, feeds, firms, ingest, keys, match, schedule, serve, setup
from matcher.errors import MatcherError


class _Group(TyperGroup):
    """Turns every MatcherError raised by a command into ``error: <message>`` and exit code 2."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except MatcherError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc


app = typer.Typer(
    name="matcher",
    cls=_Group,
    help="Match export-ready firms to overseas public tenders, with reasons.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(ingest.app, name="ingest")
app.add_typer(setup.index_app, name="index")
app.add_typer(firms.app, name="firms")
app.add_typer(feeds.app, name="feeds")
match.register(app)
setup.register(app)
digest.register(app)
schedule.register(app)
keys.register(app)
serve.register(app)
evaluate.register(app, ingest.app)  # ingest awards, link-supplier, evaluate, train-ranker


def main() -> None:
    """Entry point for the ``matcher`` script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()

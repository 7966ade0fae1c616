"""The ``matcher`` command line. Library errors become one clear line on stderr and exit code 2."""

from __future__ import annotations

import logging
import sys

import typer

from matcher.cli import digest, ingest, match, setup
from matcher.errors import MatcherError

app = typer.Typer(
    name="matcher",
    help="Match export-ready firms to overseas public tenders, with reasons.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(ingest.app, name="ingest")
app.add_typer(setup.index_app, name="index")
match.register(app)
setup.register(app)
digest.register(app)


def main() -> None:
    """Entry point: run the app, turning MatcherError into one line and exit code 2."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except MatcherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)

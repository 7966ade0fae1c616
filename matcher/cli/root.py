"""The ``matcher`` command tree. Library errors become one clear line on stderr and exit code 2; Ctrl-C one line
'interrupted' and exit code 130 (``matcher.cli.main`` says the same while these modules load)."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import rich.console
import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from matcher.cli import (
    INTERRUPTED,
    database,
    digest,
    evaluate,
    feeds,
    firms,
    ingest,
    keys,
    match,
    schedule,
    serve,
    setup,
    store,
    store_check,
)
from matcher.cli.render import terminal_text
from matcher.config import Settings
from matcher.errors import MatcherError

#: click's UsageError as typer raises it (a missing argument, an unknown option, a value it cannot read): typer
#: 0.2x vendors its own click and does not export it, and typer.BadParameter derives from it in every version.
UsageError: type[Exception] = typer.BadParameter.__bases__[0]


class _Group(TyperGroup):
    """Turns every MatcherError raised by a command, a bad setting (``MATCHER_CLOCK=0001-01-01``) and a usage
    error (``--lang xx``, a missing argument, an unknown option) into ``error: <message>`` and exit code 2."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        database.forget()
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # typer's own exit 130 says nothing
            typer.echo(INTERRUPTED, err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise closed_pipe() from None
        except UsageError as exc:
            raise usage_error(exc) from None
        except MatcherError as exc:
            typer.echo(f"error: {terminal_text(str(exc))}", err=True)  # it may quote a file's name as given
            raise typer.Exit(2) from exc
        except database.database_error() as exc:
            if raced(exc):
                typer.echo(f"error: {RACED}", err=True)
                raise typer.Exit(1) from exc
            if database.unusable(exc):
                typer.echo(f"error: {terminal_text(database.database_line(exc))}", err=True)
                raise typer.Exit(2) from exc
            raise
        except UnicodeEncodeError as exc:
            if exc.reason != _SURROGATE:
                raise
            typer.echo(f"error: {not_utf8(exc)}", err=True)
            raise typer.Exit(2) from exc
        except ValidationError as exc:
            if exc.title != Settings.__name__:
                raise
            typer.echo(f"error: {bad_setting(exc)}", err=True)
            raise typer.Exit(2) from exc


    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:  # the top-level options are read here: `matcher --help | head -1`
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            raise closed_pipe() from None
        except UsageError as exc:
            raise usage_error(exc) from None


#: PostgreSQL's codes for a statement another transaction raced: a unique key it inserted first (23505), a deadlock
#: it ended by failing this one (40P01), a serialization failure (40001). SQLite's writers take turns: its broken
#: key is a bug, and stays a traceback.
_RACE_CODES = frozenset({"23505", "40P01", "40001"})
RACED = ("another writer changed the same records at the same moment; nothing of this command was stored: "
         "run it again")


def raced(error: Exception) -> bool:
    """Whether a database error is another writer's doing, not the database's nor the operator's: a command's
    writes are one transaction, rolled back whole, so running it again is the remedy (exit 1, not 2: the input
    was fine)."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) in _RACE_CODES


#: What UTF-8 says of a lone surrogate: how Python reads bytes that are not UTF-8 in a command line (0xff as
#: U+DCFF), which no database stores; data files are read strictly or with U+FFFD, so one reaching an encoder
#: came from the command line (a firm id, an address) or a setting, and binding it was a traceback.
_SURROGATE = "surrogates not allowed"


def not_utf8(error: UnicodeEncodeError) -> str:
    """``'kr-\\udcffwater' is not UTF-8 text (byte 0xff); ...``: the value, and the first byte that is not UTF-8."""
    value = error.object if isinstance(error.object, str) else ""
    first = value[error.start] if error.start < len(value) else ""
    byte = f" (byte 0x{ord(first) - 0xDC00:02x})" if "\udc80" <= first <= "\udcff" else ""
    if len(value) > _SHOWN_AROUND * 2:  # a record's JSON that carries the value: the part around it
        value = value[max(0, error.start - _SHOWN_AROUND):error.start + _SHOWN_AROUND]
    return (f"{terminal_text(repr(value))} is not UTF-8 text{byte}; give command-line values and MATCHER_ settings "
            "in UTF-8")


#: Characters shown either side of the first byte that is not UTF-8, in a long text.
_SHOWN_AROUND = 60


def usage_error(error: Any) -> typer.Exit:
    """A command line click cannot read, on one line with where to look (typer drew a framed box of several
    lines, its message wrapped inside the frame)."""
    message = " ".join(error.format_message().replace("Value error, ", "").split())
    where = f" (see {error.ctx.command_path} --help)" if error.ctx is not None else ""
    typer.echo(f"error: {message}{where}", err=True)
    return typer.Exit(2)


def closed_pipe() -> typer.Exit:
    """The end of a command whose output's reader has gone (``| head -1``): quietly, with status 141, as a shell
    reports a Unix tool that SIGPIPE ended (typer said 1, a failure). Python's docs advise pointing the output at
    devnull first, so that the interpreter's last flush of what is still buffered does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except OSError:  # not a file (a test's captured output): nothing the interpreter will flush to a pipe
            continue
    os.close(devnull)
    return typer.Exit(CLOSED_PIPE)


#: 128 + SIGPIPE.
CLOSED_PIPE = 141


def bad_setting(error: ValidationError) -> str:
    """The first setting the environment gives wrong, as its variable and why, on one line."""
    first = error.errors()[0]
    name = f"MATCHER_{str(first['loc'][0]).upper()}" if first["loc"] else "a MATCHER_ variable"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"bad setting {name}: {str(first['msg']).removeprefix('Value error, ')}{more}"


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
app.add_typer(store.store_app, name="store")
store_check.register(store.store_app)  # matcher store check
match.register(app)
setup.register(app)
digest.register(app)
schedule.register(app)
keys.register(app)
serve.register(app)
evaluate.register(app, ingest.app)  # ingest awards, link-supplier, evaluate, train-ranker


def run() -> None:
    """Run the command line (``matcher.cli.main``, once these modules are loaded)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # typer prints help through a rich Console of its own making, which meets a closed pipe (`matcher --help |
    # head -1`) by exiting with status 1 itself; rich documents on_broken_pipe as the hook to change that. Raised
    # again, the BrokenPipeError reaches _Group, which ends with 141 like every other command's output.
    rich.console.Console.on_broken_pipe = _raise_broken_pipe  # type: ignore[method-assign, assignment]
    app()


def _raise_broken_pipe(console: rich.console.Console) -> None:
    raise BrokenPipeError("the reader of the output has gone")

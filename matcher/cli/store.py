"""``matcher store normalize-ids``: store maintenance."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Annotated

import typer

from matcher.cli.common import HomeOption, open_matcher
from matcher.services.stored_ids import IdNormalisation
from matcher.store.id_normalisation import Collision, IdReport

store_app = typer.Typer(help="Store maintenance.", no_args_is_help=True)

#: Renamed ids listed one a line; past this many, how many more.
SHOWN_RENAMES = 50
_NOUN = {"firm": "firm", "tender": "notice"}


@store_app.command("normalize-ids")
def normalize_ids(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="say what would change; change nothing")] = False,
    home: HomeOption = None,
) -> None:
    """Give every firm and notice id stored in another Unicode form than NFC (by versions before ids were kept in
    NFC, which find it by no id) its NFC form, in every table, in one transaction. An id whose forms would meet
    where only one row may be (two firms) is left as stored and named on stderr: exit code 1."""
    matcher = open_matcher(home)
    try:
        result = matcher.normalize_ids(dry_run)
    finally:
        matcher.close()
    for line in lines(result):
        typer.echo(line)
    for collision in result.report.collisions:
        typer.echo(collision_line(collision), err=True)
    if result.report.collisions:
        raise typer.Exit(1)


def lines(result: IdNormalisation) -> Iterator[str]:
    report, dry = result.report, result.dry_run
    yield heading(report, dry)
    for rename in report.renames[:SHOWN_RENAMES]:
        yield f"  {_NOUN[rename.kind]} {shown(rename.old)} -> {shown(rename.new)}"
    if len(report.renames) > SHOWN_RENAMES:
        yield f"  ... and {len(report.renames) - SHOWN_RENAMES} more"
    yield from (f"  {label}: {plural(n, 'row')}" for label, n in report.rows.items())
    yield from (f"  {label}: {plural(n, 'record')}" for label, n in report.records.items())
    for label, n in report.dropped.items():
        yield f"  {label}: {plural(n, 'row')} dropped (a cache, computed again)"
    if result.sync_due:
        yield index_line(result)


def heading(report: IdReport, dry: bool) -> str:
    if not report.renames:
        if report.collisions:
            return "dry run: every other id is stored in NFC; nothing changed" if dry else \
                "every other id is stored in NFC: nothing to change"
        return "every firm and notice id is stored in NFC: nothing to change"
    firms = sum(1 for r in report.renames if r.kind == "firm")
    what = (f"{plural(len(report.renames), 'id')} to NFC ({plural(firms, 'firm id')}, "
            f"{plural(len(report.renames) - firms, 'notice id')})")
    return f"dry run: would normalise {what}; nothing changed" if dry else f"normalised {what}"


def index_line(result: IdNormalisation) -> str:
    build = f"build {result.index_build}"
    if result.index_unreadable:
        return f"index: {build} could not be read ({result.index_unreadable}); run 'matcher index build --rebuild'"
    sync = ("after the run, 'matcher index build' re-embeds the notices it changes" if result.dry_run else
            "run 'matcher index build' to re-embed the notices this run changed")
    if result.index_unnormalised:
        return f"index: {build} holds {plural(result.index_unnormalised, 'notice id')} not in NFC; {sync}"
    return f"index: {sync} ({build} embedded them as they were)"


def collision_line(collision: Collision) -> str:
    *others, last = [shown(s) for s in collision.spellings]
    found = "lookups find the NFC one" if unicodedata.is_normalized("NFC", collision.spellings[-1]) else \
        "lookups find neither"
    return (f"collision: {_NOUN[collision.kind]} id {', '.join(others)} and {last} would meet in "
            f"{', '.join(collision.tables)}: left as stored ({found}; merge or delete the other by hand, then run "
            "this again)")


def shown(value: str) -> str:
    """An id quoted; one not in NFC with its non-ASCII characters escaped, so that its forms never look alike."""
    return repr(value) if unicodedata.is_normalized("NFC", value) else ascii(value)


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"

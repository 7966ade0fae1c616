"""``matcher store normalize-ids``: store maintenance."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.cli.common import HomeOption, open_matcher

if TYPE_CHECKING:
    from matcher.services.stored_ids import IdNormalisation
    from matcher.store.id_normalisation import Collision, IdReport, TooLong
    from matcher.store.id_twins import Merge

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
    NFC, which find it by no id) its NFC form, in every table, in one transaction. A notice stored in both forms,
    one notice of one source, is merged into its NFC row. An id whose forms would meet where only one row may be
    (two firms, a notice from two sources) is left as stored and named on stderr: exit code 1."""
    matcher = open_matcher(home)
    try:
        result = matcher.normalize_ids(dry_run)
    finally:
        matcher.close()
    for line in lines(result):
        typer.echo(line)
    for collision in result.report.collisions:
        typer.echo(collision_line(collision), err=True)
    for item in result.report.too_long:
        typer.echo(too_long_line(item), err=True)
    if result.report.collisions or result.report.too_long:
        raise typer.Exit(1)


def lines(result: IdNormalisation) -> Iterator[str]:
    report, dry = result.report, result.dry_run
    yield heading(report, dry)
    for rename in report.renames[:SHOWN_RENAMES]:
        yield f"  {_NOUN[rename.kind]} {shown(rename.old)} -> {shown(rename.new)}"
    if len(report.renames) > SHOWN_RENAMES:
        yield f"  ... and {len(report.renames) - SHOWN_RENAMES} more"
    for merge in report.merges:
        yield from merge_lines(merge)
    yield from (f"  {label}: {plural(n, 'row')}" for label, n in report.rows.items())
    yield from (f"  {label}: {plural(n, 'record')}" for label, n in report.records.items())
    for label, n in report.dropped.items():
        yield f"  {label}: {plural(n, 'row')} dropped (a cache, computed again)"
    if report.corrected:
        yield f"  tenders: {plural(report.corrected, 'notice')} corrected again (a correction names it now)"
    if result.sync_due:
        yield index_line(result)


def heading(report: IdReport, dry: bool) -> str:
    if not report.renames and not report.merges:
        if report.collisions or report.too_long:
            return "dry run: every other id is stored in NFC; nothing changed" if dry else \
                "every other id is stored in NFC: nothing to change"
        return "every firm and notice id is stored in NFC: nothing to change"
    firms = sum(1 for r in report.renames if r.kind == "firm")
    done = []
    if report.renames:
        notices = len(report.renames) - firms
        done.append(("normalise", "normalised", f"{plural(len(report.renames), 'id')} to NFC "
                                                f"({plural(firms, 'firm id')}, {plural(notices, 'notice id')})"))
    if report.merges:
        done.append(("merge", "merged", f"{plural(len(report.merges), 'notice')} stored in both forms"))
    if dry:
        return f"dry run: would {' and '.join(f'{verb} {what}' for verb, _, what in done)}; nothing changed"
    return " and ".join(f"{verb} {what}" for _, verb, what in done)


def merge_lines(merge: Merge) -> Iterator[str]:
    content = "published the same" if merge.same_content else "published other content: the NFC row, newer, kept"
    deleted = ", ".join(f"{table} ({n})" for table, n in merge.deleted.items())
    yield (f"  notice {shown(merge.old)} merged into {shown(merge.new)} (source {merge.source!r}, {content}): "
           f"deleted its rows in {deleted}")
    for dropped in merge.dropped:
        key = " ".join(f"{name}={shown(value) if isinstance(value, str) else repr(value)}"
                       for name, value in dropped.key)
        yield f"    dropped for the NFC row's: {dropped.table} {key}"


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
    why = f"{collision.why}; " if collision.why else ""
    for spellings in collision.aliases:
        *before, nfc = [shown(s) for s in spellings]
        why += f"with its alias {', '.join(before)} and {nfc}; "
    return (f"collision: {_NOUN[collision.kind]} id {', '.join(others)} and {last} would meet in "
            f"{', '.join(collision.tables)}: left as stored ({why}{found}; merge or delete the other by hand, then "
            "run this again)")


def too_long_line(item: TooLong) -> str:
    from matcher.schema import ID_MAX  # here: the command line loads the schema only when it needs it

    noun = _NOUN[item.kind]
    return (f"left as stored: {noun} id {shown(item.old)}: its NFC form is {item.length} characters, longer than the "
            f"{ID_MAX} an id may hold (give the {noun} a shorter id by hand)")


def shown(value: str) -> str:
    """An id quoted; one not in NFC with its non-ASCII characters escaped, so that its forms never look alike; a
    long one by its first ``QUOTED_MAX`` characters and its length (as ``schema.quoted``)."""
    from matcher.schema import QUOTED_MAX

    quote = repr if unicodedata.is_normalized("NFC", value) else ascii
    return quote(value) if len(value) <= QUOTED_MAX else f"{quote(value[:QUOTED_MAX])}... ({len(value):,} characters)"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"

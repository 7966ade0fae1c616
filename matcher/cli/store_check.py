"""``matcher store check``: every stored record read as requests read it, each row that breaks a rule named."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from matcher.cli.common import HomeOption, open_matcher

if TYPE_CHECKING:
    from matcher.store.record_check import CheckReport


def check(home: HomeOption = None) -> None:
    """Read every stored record (firm profiles, notices as stored and as published, their corrections, award
    history) through its model, as every request reads it, and print each row that breaks a rule: its table, its
    key and the rule, one a line (a row changed outside the app, which every request that reads it answers with
    an error naming it), then how many rows were read. Exit code 1 when any row breaks a rule. It only reads."""
    from matcher.store.record_check import CheckReport

    matcher = open_matcher(home)
    report = CheckReport()
    try:
        for bad in matcher.check_store(report, progress=True):
            typer.echo(bad.line)
    finally:
        matcher.close()
    typer.echo(summary(report))
    if not report.clean:
        raise typer.Exit(1)


def summary(report: CheckReport) -> str:
    """``checked 131 records (firms 6, tenders 125, ...)`` and what broke a rule, per table."""
    counts = ", ".join(f"{table} {n}" for table, n in report.rows.items())
    read = f"checked {sum(report.rows.values())} records ({counts})"
    if report.clean:
        return f"{read}: every one keeps its rules"
    bad = ", ".join(f"{table} {n}" for table, n in report.bad.items() if n)
    return f"{read}: {sum(report.bad.values())} break a rule ({bad})"


def register(store_app: typer.Typer) -> None:
    store_app.command("check")(check)

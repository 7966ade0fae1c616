"""What every command shares: building the Matcher from settings and printing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from matcher.config import get_settings
from matcher.pipeline import IngestResult, Matcher

HomeOption = Annotated[
    Path | None, typer.Option("--home", help="data directory (default: MATCHER_HOME or the current folder)")
]


def open_matcher(home: Path | None = None, **overrides: Any) -> Matcher:
    settings = get_settings(**({"home": home} if home else {}), **overrides)
    return Matcher(settings)


def echo_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def print_ingest(result: IngestResult, kind: str, show_rejected: int = 20) -> None:
    report = result.report
    typer.echo(f"{kind}: {report.summary()}")
    for record, reason in report.rejected[:show_rejected]:
        typer.echo(f"  rejected {record}: {reason}", err=True)
    if len(report.rejected) > show_rejected:
        typer.echo(f"  ... and {len(report.rejected) - show_rejected} more rejected", err=True)
    if result.index is not None:
        typer.echo(result.index.summary())


def as_paths(files: Sequence[Path]) -> list[Path]:
    return [Path(f) for f in files]

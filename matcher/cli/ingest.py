"""``matcher ingest tenders|firms FILE...``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matcher.cli.common import HomeOption, as_paths, open_matcher, print_ingest

app = typer.Typer(help="Load tender notices, firm profiles or award history.", no_args_is_help=True)

Files = Annotated[list[Path], typer.Argument(help="files, folders or archives to load")]


@app.command("tenders")
def tenders(
    files: Files,
    no_index: Annotated[bool, typer.Option("--no-index", help="do not update the index afterwards")] = False,
    home: HomeOption = None,
) -> None:
    """Load tender notices: TED XML (files, folders, .tar.gz), eForms, OCDS JSON/JSONL, tender CSV/JSON."""
    matcher = open_matcher(home)
    result = matcher.ingest_tenders(as_paths(files), sync=not no_index, progress=True)
    print_ingest(result, "tenders")


@app.command("ungm")
def ungm(
    files: Annotated[list[Path], typer.Argument(help="UNGM notice exports: .csv (or .json/.jsonl)")],
    no_index: Annotated[bool, typer.Option("--no-index", help="do not update the index afterwards")] = False,
    home: HomeOption = None,
) -> None:
    """Load notices exported from UNGM (ungm.org publishes no API): its columns and opportunity types are
    read as they are, ids become ungm:<reference>. README, "UNGM", shows the export steps."""
    matcher = open_matcher(home)
    result = matcher.ingest_tenders(as_paths(files), sync=not no_index, progress=True, table_source="ungm")
    print_ingest(result, "UNGM notices")


@app.command("firms")
def firms(
    files: Annotated[list[Path], typer.Argument(help="firm profile files: .json, .jsonl or .csv (optionally .gz)")],
    home: HomeOption = None,
) -> None:
    """Load firm profiles from a JSON array, JSONL or CSV file."""
    matcher = open_matcher(home)
    print_ingest(matcher.ingest_firms(as_paths(files)), "firms")

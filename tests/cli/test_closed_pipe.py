"""Output into a pipe whose reader has gone (`matcher recommend FIRM | head -1`) ends the command quietly with
status 141, what a shell reports for a Unix tool that SIGPIPE ended; it was status 1 (typer's choice), which a
script cannot tell from a failed command. Every command's output goes through ``matcher.cli.root._Group``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import test_cli
from tests.cli.test_cli import FIRMS, TED, run

home = test_cli.home  # the fixture: MATCHER_HOME in a temporary folder, the fake encoder

MATCHER = Path(sys.executable).parent / "matcher"
FIRM = json.loads(FIRMS.read_text())[0]["firm_id"]


@pytest.mark.slow
@pytest.mark.parametrize("command", [
    ("recommend", FIRM, "--include-closed"), ("recommend", FIRM, "--include-closed", "--json"),
    ("feeds", "list", "--json"), ("index", "build"),
], ids=" ".join)
def test_a_closed_pipe_ends_quietly_with_141(home: Path, command: tuple[str, ...]) -> None:
    for step in (("ingest", "tenders", str(TED)), ("ingest", "firms", str(FIRMS)), ("index", "build")):
        assert run(*step)[0] == 0
    process = subprocess.Popen([str(MATCHER), *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=dict(os.environ), text=True)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line: every write meets a closed pipe
    err = process.stderr.read()
    assert (process.wait(), err) == (141, "")


@pytest.mark.parametrize("command", [("--help",), ("recommend", "--help"), ("firms", "--help")], ids=" ".join)
def test_help_into_a_closed_pipe_ends_quietly_with_141(home: Path, command: tuple[str, ...]) -> None:
    """Help is printed by rich, which exited with status 1 on a closed pipe (`matcher --help | head -1`)."""
    process = subprocess.Popen([str(MATCHER), *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=dict(os.environ), text=True)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    err = process.stderr.read()
    assert (process.wait(), err) == (141, "")

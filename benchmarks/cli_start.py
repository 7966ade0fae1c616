"""How long the command line takes before it answers: ``matcher --help``, a command line typer refuses, and a
command's own ``--help``, each a fresh process, against the floor of any typer command line (an interpreter
that imports typer and pydantic and exits).

    .venv/bin/python -m benchmarks --only cli

The command tree imports only what its options need (matcher/cli/__init__.py); the pipeline, the API and the
database layer load when a command runs. Before that change ``matcher --help`` took 5.1 s on the shared machine
(tests/cli/test_startup.py checks the modules; this part the time).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import Part, Row

COMMAND = "python -m benchmarks --only cli"
#: What a person waits for before the first word (a usage error, a help text), at most.
GOAL_S = 1.0
FLOOR = "import typer, pydantic"
LINES: dict[str, tuple[str, ...]] = {
    "matcher --help": ("--help",),
    "matcher recommend (a missing argument: exit 2)": ("recommend",),
    "matcher feeds add --help": ("feeds", "add", "--help"),
}


def _seconds(code: str, args: tuple[str, ...], home: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], capture_output=True, check=False,
                   env={"MATCHER_HOME": str(home), "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - started


def _median(code: str, args: tuple[str, ...], home: Path, runs: int) -> float:
    _seconds(code, args, home)  # the first run reads the files from disk into the page cache
    return statistics.median(_seconds(code, args, home) for _ in range(runs))


def run(smoke: bool = False) -> Part:
    part = Part("cli", "9. Command line: time to the first word")
    runs = 2 if smoke else 7
    main = "import sys; from matcher.cli import main; sys.argv = ['matcher', *sys.argv[1:]]; main()"
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        floor = _median(FLOOR, (), home, runs)
        for label, args in LINES.items():
            ours = _median(main, args, home, runs)
            part.add(Row(label, f"{ours:.2f} s", f"{floor:.2f} s ({FLOOR})", floor / ours, f"≤ {GOAL_S:.1f} s",
                         ours <= GOAL_S, COMMAND))
    part.note(f"median of {runs} fresh processes after one to warm the page cache; the ratio is the floor's time "
              "over ours (1.0: nothing but typer's own start)")
    return part

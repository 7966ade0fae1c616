"""The command tree loads only what its options need: ``matcher --help`` and a command line typer refuses answer
without loading the pipeline's libraries (scikit-learn, FAISS, torch), the API or the database layer; every
command took about three seconds (4.6 s measured for ``--help``) before it printed a word; the time is
benchmarks/cli_start.py's. A command that runs
loads them when it opens the pipeline (``matcher.cli.common.open_matcher``), and Ctrl-C there is still the
loading phase's one line (tests/cli/test_interrupt.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

#: Loaded by the work of a command, never by its command line.
HEAVY = ("numpy", "scipy", "sklearn", "faiss", "torch", "sentence_transformers", "onnxruntime", "fastapi", "starlette",
         "uvicorn", "sqlalchemy", "openpyxl", "matcher.pipeline", "matcher.store", "matcher.services", "api")

_PROBE = """
import json, sys
from matcher.cli import main
sys.argv = ["matcher", *sys.argv[1:]]
try:
    main()
except SystemExit as end:
    code = end.code
loaded = sorted({root for root in HEAVY for name in sys.modules if name == root or name.startswith(root + ".")})
print(json.dumps({"code": code, "heavy": loaded}))
"""


def _loaded(tmp_path: Path, *args: str) -> dict[str, Any]:
    """Run the command line in a fresh interpreter; its exit code and the heavy modules it loaded."""
    env = dict(os.environ, MATCHER_HOME=str(tmp_path / "home"), MATCHER_ENCODER="fake")
    probe = f"HEAVY = {HEAVY!r}\n{_PROBE}"
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("args", [
    ("--help",),
    ("recommend", "--help"),
    ("evaluate", "--help"),
    ("serve", "--help"),
    ("recommend",),  # a missing argument: typer refuses it
    ("firms", "suggest-codes", "f1", "--k", "0"),  # out of range
    ("nonsense",),
], ids=lambda args: " ".join(args))
def test_the_command_line_answers_without_loading_the_work(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = _loaded(tmp_path, *args)
    assert result["code"] in (0, 2)
    assert result["heavy"] == []


@pytest.mark.slow
def test_a_command_that_runs_loads_the_pipeline(tmp_path: Path) -> None:
    """The other side: the probe sees what a command loads (it would pass vacuously if it saw nothing)."""
    result = _loaded(tmp_path, "index", "build")
    assert result["code"] == 0
    assert {"sklearn", "faiss", "sqlalchemy", "matcher.pipeline"} <= set(result["heavy"])

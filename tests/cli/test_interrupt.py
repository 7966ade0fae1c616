"""Ctrl-C ends the command line quietly at any moment: one line 'interrupted' and exit code 130, also in the
first seconds while its modules load (torch, faiss, scikit-learn), which printed a KeyboardInterrupt traceback
from deep inside an import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from matcher.cli import match
from tests.cli.test_cli import run

MATCHER = Path(sys.executable).parent / "matcher"


def _started(home: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, MATCHER_HOME=str(home), MATCHER_ENCODER="fake")
    return subprocess.Popen([str(MATCHER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _loading_modules(process: subprocess.Popen[str]) -> bool:
    """Whether the process runs Python and is importing the heavy modules (numpy is mapped; scikit-learn, faiss
    and the rest come after it): a point to wait for, not a time. False once it has ended."""
    maps = Path(f"/proc/{process.pid}/maps")
    while process.poll() is None:
        try:
            if "numpy" in maps.read_text():
                return True
        except OSError:  # the process ended between the two checks
            break
        time.sleep(0.01)
    return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc to see what the process loaded")
def test_ctrl_c_while_the_modules_load_is_one_line_and_exit_130(tmp_path: Path) -> None:
    process = _started(tmp_path / "home", "index", "build")
    assert _loading_modules(process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert (process.returncode, out, err) == (130, "", "interrupted\n")



def test_ctrl_c_while_a_command_runs_says_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Typer's own handling ended with exit 130 and no word; now the line the loading phase prints."""
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(match, "open_matcher", interrupted)
    assert run("recommend", "some-firm") == (130, "", "interrupted\n")

"""The ``matcher`` command line: ``main`` is the script's entry point; the commands are in ``matcher.cli.root``.

This module imports nothing heavy, so that ``main`` holds Ctrl-C before the commands' modules load (``loading``):
a KeyboardInterrupt raised inside an import was a traceback. The command tree itself imports only what its
options need: each command imports the pipeline and the rest of its work when it runs (``open_matcher``), so
``matcher --help`` and a command line typer refuses answer at once (tests/cli/test_startup.py).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matcher.cli.root import app, bad_setting

__all__ = ["INTERRUPTED", "app", "bad_setting", "loading", "main"]

#: What Ctrl-C prints, loading or running; the exit code is 130 (128 + SIGINT), as a shell reports it.
INTERRUPTED = "interrupted"


def main() -> None:
    """Entry point for the ``matcher`` script."""
    with loading():
        from matcher.cli.root import run
    # Running, Ctrl-C is a KeyboardInterrupt again: a command's clean-up (finally, rollbacks) runs first.
    run()


@contextmanager
def loading() -> Iterator[None]:
    """Ctrl-C while modules load ends the process at once with ``interrupted`` and 130: the command tree here,
    and the pipeline (scikit-learn, SciPy, FAISS, torch) where a command opens it (``common.open_matcher``),
    before it has stored anything. Not when started ignoring SIGINT (nohup, a background job), nor off the main
    thread (only it may set a handler)."""
    inherited = signal.getsignal(signal.SIGINT)
    guard = inherited is signal.default_int_handler and threading.current_thread() is threading.main_thread()
    if guard:
        signal.signal(signal.SIGINT, _interrupted_while_loading)
    try:
        yield
    finally:
        if guard:
            signal.signal(signal.SIGINT, inherited)


def _interrupted_while_loading(signum: int, frame: FrameType | None) -> None:
    """Nothing has run yet, so nothing to clean up: say so and end at once (a KeyboardInterrupt here could be
    caught, or half-initialise a module, inside any library's import)."""
    os.write(sys.stderr.fileno(), f"{INTERRUPTED}\n".encode())
    os._exit(130)


def __getattr__(name: str) -> Any:
    """``app`` and ``bad_setting`` for ``from matcher.cli import app`` (tests, scripts), loaded when asked for."""
    if name in ("app", "bad_setting"):
        from matcher.cli import root

        return getattr(root, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

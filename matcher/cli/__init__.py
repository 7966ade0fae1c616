"""The ``matcher`` command line: ``main`` is the script's entry point; the commands are in ``matcher.cli.root``.

This module imports nothing heavy, so that ``main`` holds Ctrl-C before the seconds the commands' modules take
to load (torch, faiss, scikit-learn): a KeyboardInterrupt raised inside one of those imports was a traceback.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matcher.cli.root import app, bad_setting

__all__ = ["INTERRUPTED", "app", "bad_setting", "main"]

#: What Ctrl-C prints, loading or running; the exit code is 130 (128 + SIGINT), as a shell reports it.
INTERRUPTED = "interrupted"


def main() -> None:
    """Entry point for the ``matcher`` script."""
    inherited = signal.getsignal(signal.SIGINT)
    if inherited is signal.default_int_handler:  # not when started ignoring it (nohup, a background job)
        signal.signal(signal.SIGINT, _interrupted_while_loading)
    from matcher.cli.root import run

    if inherited is signal.default_int_handler:
        # Running, Ctrl-C is a KeyboardInterrupt again: a command's clean-up (finally, rollbacks) runs first.
        signal.signal(signal.SIGINT, inherited)
    run()


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

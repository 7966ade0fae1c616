"""Reading the files of an index build, where any of them may be damaged on disk.

A build is derived state (the store is the truth), so a file that cannot be used is never half-used or
guessed around: its reader raises IndexNotReady naming the file, what is wrong with it, and the command that
makes a new build. The API answers it 503, the CLI one line and exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from matcher.errors import IndexNotReady

REBUILD = "run 'matcher index build --rebuild'"


class DamagedFile(IndexNotReady):
    """A build file that cannot be used: ``path`` and what is wrong with it (``problem``, one short line)."""

    def __init__(self, path: Path, problem: object) -> None:
        self.path, self.problem = path, " ".join(str(problem).split())[:200]
        super().__init__(f"index file {path} is damaged ({self.problem}); {REBUILD}")


def damaged(path: Path, problem: object) -> DamagedFile:
    """The error for a build file that cannot be used."""
    return DamagedFile(path, problem)


def read_json(path: Path, kind: type[dict[Any, Any]] | type[list[Any]] = dict, most_bytes: int | None = None) -> Any:
    """``path`` parsed as JSON of ``kind``; unreadable, not UTF-8, not JSON, nested too deeply for the parser,
    of another kind, or (``most_bytes``) longer than what it can hold, it is ``damaged``: a file grown on disk
    is refused before it is read into memory."""
    try:
        if most_bytes is not None and (size := path.stat().st_size) > most_bytes:
            raise damaged(path, f"{size:,} bytes, more than the {most_bytes:,} it can take")
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: bad UTF-8 and bad JSON alike
        raise damaged(path, exc) from exc
    except RecursionError:
        raise damaged(path, "JSON nested too deeply") from None
    if not isinstance(value, kind):
        raise damaged(path, f"a JSON {type(value).__name__}, expected an {'object' if kind is dict else 'array'}")
    return value


def read_array(path: Path, ndim: int = 1) -> np.ndarray:
    """A numeric ``.npy`` array of ``ndim`` dimensions (never unpickled); anything else is ``damaged``."""
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:  # ValueError: a bad header, or pickled objects
        raise damaged(path, exc) from exc
    if not isinstance(array, np.ndarray) or array.ndim != ndim or array.dtype.kind not in "iuf":
        raise damaged(path, f"expected a {ndim}-d numeric array, got {getattr(array, 'shape', array)!r}")
    return array

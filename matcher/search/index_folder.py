"""Index builds on disk: ``indexes/<name>/<build_id>/`` plus a ``CURRENT`` pointer swapped atomically.

A build is written into a hidden temporary folder, renamed into place, and only then does ``CURRENT`` move
to it (``os.replace`` is atomic). A build interrupted at any point leaves the previous one serving.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from matcher.search.build_files import damaged

log = logging.getLogger(__name__)

KEEP_BUILDS = 2
STALE_SECONDS = 6 * 3600


class IndexFolder:
    """The builds of one named index."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def current(self) -> Path | None:
        """The folder of the serving build, or None when nothing was built yet."""
        pointer = self.root / "CURRENT"
        try:
            build = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:  # ValueError: not UTF-8
            raise damaged(pointer, exc) from exc
        if not build or build.startswith(".") or Path(build).name != build:
            raise damaged(pointer, f"it names {build!r}, not a build folder beside it")
        folder = self.root / build
        return folder if folder.is_dir() else None

    @contextmanager
    def new_build(self) -> Iterator[Path]:
        """A fresh folder to write a build into; published (and made current) only if the block succeeds."""
        self.root.mkdir(parents=True, exist_ok=True)
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(3)
        staging = self.root / f".tmp-{build_id}"
        staging.mkdir()
        try:
            yield staging
            final = self.root / build_id
            staging.rename(final)
            _fsync_dir(self.root)
            tmp_pointer = self.root / f".CURRENT-{build_id}"
            tmp_pointer.write_text(build_id + "\n")
            self._set_aside_directory_pointer(build_id)
            tmp_pointer.replace(self.root / "CURRENT")  # atomic rename
            _fsync_dir(self.root)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        self._prune(keep=build_id)

    def _set_aside_directory_pointer(self, build_id: str) -> None:
        """A directory where the ``CURRENT`` file belongs cannot be replaced by it (nor is it a build to keep):
        it is renamed to a hidden name, kept with whatever it holds, and the rename logged."""
        pointer = self.root / "CURRENT"
        if pointer.is_dir() and not pointer.is_symlink():
            aside = self.root / f".CURRENT-directory-{build_id}"
            pointer.rename(aside)
            log.warning("%s was a directory, not the pointer to the serving build; moved to %s", pointer, aside)

    def _prune(self, keep: str) -> None:
        """Drop old builds (keeping the newest few, so a reader that just loaded one is not cut off)."""
        builds = sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        for old in builds[:-KEEP_BUILDS]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)
        for stale in self.root.glob(".tmp-*"):
            # Leftovers of interrupted builds; a young one may belong to a build still running elsewhere.
            if time.time() - stale.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(stale, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        log.debug("fsync not supported on %s", path)
    finally:
        os.close(fd)

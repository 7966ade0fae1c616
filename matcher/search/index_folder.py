"""Index builds on disk: ``indexes/<name>/<build_id>/`` plus a ``CURRENT`` pointer swapped atomically.

A build is written into a hidden temporary folder, renamed into place, and only then does ``CURRENT`` move
to it (``os.replace`` is atomic). A build interrupted at any point leaves the previous one serving.

Two locks (``flock``, released by the kernel when their holder dies): ``building`` marks a whole build, embedding
included, and a second is refused while one holds it (``matcher index build``: two at once both embedded every
notice, and the last to finish won); ``new_build`` holds the publishing lock while it writes, so a ``.tmp-*``
folder found by a holder of it belongs to a build that died, and is removed.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from matcher.errors import Conflict
from matcher.search.build_files import damaged

log = logging.getLogger(__name__)

KEEP_BUILDS = 2
#: Held through a whole build (``building``), and while a build folder is written and published (``new_build``).
BUILD_LOCK = ".build.lock"
PUBLISH_LOCK = ".publish.lock"


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
    def building(self) -> Iterator[None]:
        """The whole of one build of this index, refused (``Conflict``: one line, exit 2) while another holds it."""
        lock = self.root / BUILD_LOCK
        with file_lock(lock, wait=False) as held:
            if not held:
                raise Conflict(f"another index build is running on {self.root} (it holds {lock}); wait for it to "
                               "finish")
            yield

    @contextmanager
    def new_build(self) -> Iterator[Path]:
        """A fresh folder to write a build into; published (and made current) only if the block succeeds."""
        with file_lock(self.root / PUBLISH_LOCK, wait=True):
            self._remove_dead_builds()
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

    def _remove_dead_builds(self) -> None:
        """The ``.tmp-*`` folders of builds that died: every one, for a build writing holds the publishing lock."""
        for dead in self.root.glob(".tmp-*"):
            log.warning("removing %s, left by an index build that did not finish", dead)
            shutil.rmtree(dead, ignore_errors=True)
        for pointer in self.root.glob(".CURRENT-[0-9]*"):  # its next pointer, not yet swapped in
            pointer.unlink(missing_ok=True)

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


@contextmanager
def file_lock(path: Path, wait: bool) -> Iterator[bool]:
    """Whether this process holds the lock file ``path`` (its folder made if missing): waited for when ``wait``,
    else False at once while another holds it. An flock: released when the block ends or the process dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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

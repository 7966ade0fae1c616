"""The checks of a path a user names, before anything is read from it or written into it: what it leads to, or
one line that says why it leads nowhere usable (a loop of symbolic links, a dangling link, a file where a folder
is needed, a folder this user may not write into)."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from matcher.errors import InvalidInput, UnreadableFile

LOOP = "a loop of symbolic links (it never reaches a file or a folder)"
#: What a mode that is neither a regular file nor a folder is called in a message.
KINDS = ((stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "folder"),
         (stat.S_ISCHR, "device"), (stat.S_ISBLK, "device"), (stat.S_ISREG, "regular file"))


def kind_of(mode: int) -> str:
    return next((name for test, name in KINDS if test(mode)), "special file")


def existing(path: Path) -> os.stat_result:
    """What ``path`` leads to, through its symbolic links; else an UnreadableFile that says why nothing: the
    one check of every path a user names (``Path.exists`` is False for a loop of links, which read as missing)."""
    try:
        return path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableFile(f"{path}: {LOOP}") from exc
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise UnreadableFile(f"no such file or folder: {path}") from exc
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from exc


def broken_link(path: Path) -> str | None:
    """Why ``path``'s symbolic links lead nowhere (a loop of them, or a link to nothing), or None: ``exists`` and
    ``is_dir`` are False for both, which read as a missing or a wrong thing."""
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return LOOP
        if exc.errno == errno.ENOENT and path.is_symlink():
            return f"a symbolic link to {path.readlink()}, which does not exist"
    return None


def writable_folder(path: Path, what: str, mode: int = 0o777) -> None:
    """Make sure ``what`` (e.g. "digests") can be written into the folder ``path``, creating it (and its
    parents) with exactly ``mode`` if it is missing; else an InvalidInput 'cannot write <what> into <path>:
    <why>'. Checked before any work whose result goes there, so nothing is done (or recorded) for nothing:
    ``mkdir`` of a loop or a dangling link raised FileExistsError, and a file was found out at the first write."""
    problem = _folder_problem(path, mode)
    if problem is not None:
        raise InvalidInput(f"cannot write {what} into {path}: {problem}")


def _folder_problem(path: Path, mode: int) -> str | None:
    try:
        info = path.stat()
    except OSError as exc:
        if (broken := broken_link(path)) is not None:  # mkdir would meet the link itself: FileExistsError
            return broken
        if exc.errno == errno.ENOTDIR:
            return "a part of the path is a file, not a folder"
        if exc.errno != errno.ENOENT:
            return exc.strerror or str(exc)
        return _created(path, mode)
    if not stat.S_ISDIR(info.st_mode):
        return f"not a folder but a {kind_of(info.st_mode)}"
    # os.access answers for this user as the kernel would (root included: /proc/sys is refused even to root),
    # read-only file systems included, without leaving a probe file in the folder.
    if not os.access(path, os.W_OK | os.X_OK):
        return "this user may not write into it"
    return None


def _created(path: Path, mode: int) -> str | None:
    try:
        path.mkdir(parents=True, mode=mode)
        path.chmod(mode)  # exactly: mkdir's mode passes through the umask
    except FileExistsError:  # made by another process since: judge what is there now
        return _folder_problem(path, mode) if path.is_dir() else "cannot create the folder: File exists"
    except OSError as exc:
        return f"cannot create the folder: {exc.strerror or exc}"
    return None


def replace_atomically(path: Path, write: Callable[[Path], object], suffix: str = ".tmp") -> None:
    """Write ``path`` whole or not at all: ``write`` fills a temporary file of a name no other writer shares, in
    the same folder (``suffix``: what its writer expects a name to end with, '.npz' for NumPy), which then replaces
    ``path`` in one rename. Two writers at once each install a whole file; one temporary name shared by both let one
    rename the other's half-written file into place. A reader sees the old file or the new one, never a part."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    partial = Path(name)
    try:
        write(partial)
        partial.chmod(0o644)  # mkstemp's 0600 would hide the file from a server run as another user
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)

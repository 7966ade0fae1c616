"""The checks of a path a user names, before anything is read from it: what it leads to, or one line that says
why it leads nowhere usable (a loop of symbolic links, a missing file, a named pipe where a file is read)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from matcher.errors import UnreadableFile

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

"""Who holds a lease: this process's host, pid and start time, and whether a recorded holder is provably gone.

A lease names its holder's process so that the next run on the same machine need not wait for the lease to
expire after a ``kill -9``. "Provably gone" is deliberately narrow: a wrong "gone" lets two runs work at
once, a wrong "alive" only costs the wait until the lease expires. So a holder is gone only when

- it ran in the same pid namespace of the same kernel boot as we do (Linux: ``/proc/sys/kernel/random/boot_id``
  and the ``/proc/self/ns/pid`` link; elsewhere the host name alone), so that its pid means the same process
  here, and
- no process has that pid, or the process with that pid is a zombie (killed, not yet reaped), or it started at
  another moment than the holder did (its pid was reused; Linux only, from ``/proc/<pid>/stat``).

Two containers with one host name but separate pid namespaces, or two machines behind one name, are
therefore never judged by each other's pids. Off POSIX (Windows, where ``os.kill(pid, 0)`` would terminate
the process) nothing is provably gone and leases only expire.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessIdentity:
    """One process as a lease records it. ``machine`` (boot and pid namespace) and ``started`` are None where
    the platform cannot tell them."""

    host: str
    pid: int
    machine: str | None = None
    started: str | None = None

    @classmethod
    def current(cls) -> ProcessIdentity:
        """This process, read afresh (a forked child is another process than the parent that forked it)."""
        pid = os.getpid()
        stat = _stat(pid)
        return cls(host=socket.gethostname(), pid=pid, machine=_machine(),
                   started=stat[1] if stat is not None else None)

    def shares_pids_with(self, other: ProcessIdentity) -> bool:
        """True when ``other``'s pid names a process that this process could look up."""
        return self.host == other.host and self.machine == other.machine

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"


def provably_gone(holder: ProcessIdentity, here: ProcessIdentity | None = None) -> bool:
    """True only when ``holder`` ran where we can see its pid and that process no longer exists."""
    here = here or ProcessIdentity.current()
    if os.name != "posix" or not here.shares_pids_with(holder):
        return False
    if holder.pid <= 0:
        return False  # os.kill(0 or negative) would address process groups
    try:
        os.kill(holder.pid, 0)  # signal 0: delivers nothing, only checks the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, owned by another user; /proc may still tell its start time
    stat = _stat(holder.pid)
    if stat is None:
        return False  # cannot look closer (no /proc, or hidden by hidepid): assume it is the holder
    state, started = stat
    if state in ("Z", "X"):
        return True  # killed and not yet reaped by its parent: it will never renew or release
    return holder.started is not None and started != holder.started


def _machine() -> str | None:
    """The kernel boot and pid namespace this process lives in, or None off Linux."""
    try:
        boot = (PROC / "sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = str((PROC / "self/ns/pid").readlink())
    except OSError:
        return None
    return f"{boot} {namespace}"


def _stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) from ``/proc/<pid>/stat``, or None when unreadable."""
    try:
        text = (PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # "pid (comm) state ppid ... starttime ...": comm may hold spaces and parentheses, so split after the last
    # ")". The fields after it start at field 3 (state); starttime is field 22 (proc(5)).
    fields = text[text.rfind(")") + 2 :].split()
    if len(fields) < 20:
        return None
    return fields[0], fields[19]

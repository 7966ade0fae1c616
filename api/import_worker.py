"""Imports and index syncs in a child process at a lower CPU priority, so that they never starve requests.

Parsing an upload, storing it and syncing the index are Python-bound: run in a serving process they hold the
interpreter lock against its request threads (an officer's upload of the 3,476-notice TED sample took
recommendations at 64 connections from p99 92 ms to 1.72 s; issue 15 item 10, BENCHMARKS.md part 7,
``benchmarks/import_load.py``). So each piece of such work is one child process, which opens its own ``Matcher``
from the app's settings, lowers the priority of all its threads (``NICENESS``) and reports over a pipe, in order:

1. for an upload, ``Stored`` once the file is stored (the ingest report, and whether an index sync follows),
   or ``Refused`` with the domain error that refused the file (nothing is stored then);
2. when a sync ran, ``Indexed`` with its summary, or ``SyncFailed`` with the error that stopped it.

The request waits for the first report off the event loop, so a bad file still gets its clear 4xx and the
officer the counts; the index job follows the second. A child that ends without reporting (killed, out of
memory, a bug: its traceback is on the server's stderr) closes the pipe: the request gets ``WorkerStopped``
(503), the job fails; nothing waits forever on a dead child, nor on a hung one: a phase that gives no report
within its timeout (``Settings.import_store_timeout_seconds``, ``import_sync_timeout_seconds``) has its
child stopped, with the same outcome. A child holds the home's index lock (the
index catch-up's, ``matcher.services.index_catchup``) from before it stores until its build is swapped in, so
syncs take turns (one never publishes over another's notices) and no serving process's catch-up syncs the
same notices itself meanwhile; the child then records its build as verified for the catch-up.

Children are forked by multiprocessing's fork server (``_CONTEXT``), a process started once per serving process
that imports this module and nothing else, then forks a child per order. Never the serving process itself: a
child forked after FAISS started its OpenMP threads can hang (why ``matcher.digest.workers`` spawns), and the
fork server has run no FAISS or OpenMP code (one thread when it forks, checked with ``/proc``). A spawned child
was a new interpreter importing numpy, FAISS, scikit-learn and torch: 2.6 s before its first report on the demo
store, against 0.05 s forked (the first order of a process also starts the server: 2.3 s), so an upload's
answer no longer waits seconds for a child to start. The server holds about 195 MB (its imports), shared
copy-on-write with its children.

Memory stays bounded: a process runs at most ``MAX_WORKERS`` children at once (the next upload waits for a
slot), and a child's memory goes back to the system when it exits.
"""

from __future__ import annotations

import fcntl
import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import SQLAlchemyError

from matcher.config import Settings
from matcher.errors import MatcherError
from matcher.ingest.bounded import DecompressionLimits, decompression_limits
from matcher.pipeline import Matcher
from matcher.schema import IngestReport
from matcher.services.index_catchup import LOCK_FILE, IndexCatchUp

log = logging.getLogger(__name__)

#: Added to a child's nice value (0-19, 19 lowest). Against serving processes at 0 a child at 10 gets about a
#: tenth of a busy core (CFS weights 110 vs 1024) and gives the core back on every request's wake-up.
NICENESS = 10
#: Children one serving process runs at once; further work waits for a slot (each child holds a parsed file
#: or an index copy, so this bounds the memory imports take).
MAX_WORKERS = 2
#: Seconds a child that has reported its last result (or was killed) gets to exit before it is killed.
EXIT_WAIT = 60.0

Kind = Literal["tenders", "firms", "index"]


@dataclass(frozen=True)
class WorkOrder:
    """What one child does: store the file at ``path`` (tenders or firms) then sync the index when tenders
    changed (or none is built), or (``index``) only sync the index."""

    kind: Kind
    settings: Settings
    path: Path | None = None
    niceness: int = NICENESS


@dataclass(frozen=True)
class Stored:
    report: IngestReport
    syncing: bool


@dataclass(frozen=True)
class Refused:
    error: MatcherError


@dataclass(frozen=True)
class Indexed:
    summary: str


@dataclass(frozen=True)
class SyncFailed:
    error: MatcherError | OSError


Report = Stored | Refused | Indexed | SyncFailed


class WorkerStopped(MatcherError):
    """A child ended without reporting its work (killed, out of memory, or a bug logged on stderr)."""


# ----------------------------------------------------------------------------- the serving process's side
_SLOTS = threading.BoundedSemaphore(MAX_WORKERS)
#: Where children come from: the fork server, with this module (so the whole pipeline) imported before it forks,
#: and scikit-learn's TF-IDF, which the pipeline imports only where it makes a vectoriser (so that the command line
#: starts at once): without it every child imported scikit-learn anew, about 1.4 s of each import's sync (the API
#: tests that store a notice ran 8.5 s -> 31.6 s).
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload([__name__, "sklearn.feature_extraction.text"])


class ImportWorker:
    """One child doing one ``WorkOrder``. Its methods block (a slot, a report): call them off the event loop.
    ``close`` (or the end of a ``with`` block) waits for the child and frees its slot."""

    def __init__(self, order: WorkOrder) -> None:
        self.order = order
        _SLOTS.acquire()
        try:
            self._reports, sender = _CONTEXT.Pipe(duplex=False)
            # Daemonic: a serving process that shuts down ends its children rather than wait for them; what
            # they had not committed is rolled back and the previous index keeps serving.
            self._process = _CONTEXT.Process(
                target=_child, args=(order, sender), name=f"matcher-{order.kind}-worker", daemon=True
            )
            self._process.start()
        except BaseException:
            _SLOTS.release()
            raise
        sender.close()  # the child holds the only sending end now: its exit ends the pipe
        self._closed = False

    def __enter__(self) -> ImportWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def next_report(self, timeout: float) -> Report:
        """The child's next report; WorkerStopped when it ended without one, or gave none within ``timeout``
        seconds (it is stopped then: a hung child must not hold its slot, the index lock or the request)."""
        try:
            if not self._reports.poll(timeout):
                self._process.kill()
                raise WorkerStopped(
                    f"the {self.order.kind} worker gave no report within {timeout:g} s and was stopped; the previous "
                    "index keeps serving (MATCHER_IMPORT_STORE_TIMEOUT_SECONDS, MATCHER_IMPORT_SYNC_TIMEOUT_SECONDS)"
                )
            report: Report = self._reports.recv()
            return report
        except EOFError:
            self._process.join()
            raise WorkerStopped(
                f"the {self.order.kind} worker stopped (exit code {self._process.exitcode}) before it reported; "
                "the previous index keeps serving"
                + ("" if self.order.kind == "index" else " (what it stored is unchanged on a repeat upload)")
            ) from None

    def stored(self) -> Stored:
        """The upload's ingest report; the domain error that refused the file is raised as it was raised."""
        report = self.next_report(self.order.settings.import_store_timeout_seconds)
        if isinstance(report, Refused):
            raise report.error
        if not isinstance(report, Stored):
            raise WorkerStopped(f"the {self.order.kind} worker reported {type(report).__name__} before storing")
        return report

    def indexed(self) -> str:
        """The index sync's one-line summary; the error that stopped the sync is raised as it was raised."""
        report = self.next_report(self.order.settings.import_sync_timeout_seconds)
        if isinstance(report, SyncFailed):
            raise report.error
        if not isinstance(report, Indexed):
            raise WorkerStopped(f"the {self.order.kind} worker reported {type(report).__name__} instead of its sync")
        return report.summary

    def stop(self) -> None:
        """End the child now (its transaction is rolled back; a build it was writing is never swapped in)."""
        if self._process.is_alive():
            self._process.kill()
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._process.join(EXIT_WAIT)
            if self._process.is_alive():  # it reported but does not exit: do not hold the slot for it
                self._process.kill()
                self._process.join()
            self._reports.close()
            self._process.close()
        finally:
            _SLOTS.release()


# ----------------------------------------------------------------------------- the child
def _child(order: WorkOrder, reports: Connection) -> None:
    lower_priority(order.niceness)
    try:
        with decompression_limits(DecompressionLimits.of(order.settings)):
            matcher = Matcher(order.settings)
            try:
                _work(matcher, order, reports)
            finally:
                matcher.close()
    except BrokenPipeError:
        log.warning("%s worker: the serving process is gone; its work is done but unreported", order.kind)
    finally:
        reports.close()


def _work(matcher: Matcher, order: WorkOrder, reports: Connection) -> None:
    if order.kind == "firms":
        assert order.path is not None, "an upload's work order names its file"
        try:
            reports.send(Stored(matcher.ingest_firms([order.path]).report, syncing=False))
        except MatcherError as exc:
            reports.send(Refused(exc))
        return
    # Held from before the store changes until the new build is swapped in: the serving processes' index
    # catch-up (matcher.services.index_catchup) skips while it is held, so it never syncs in their process
    # what this child is about to sync.
    with index_writer(matcher.index.folder.root):
        if order.kind == "tenders":
            assert order.path is not None, "an upload's work order names its file"
            try:
                report = matcher.ingest_tenders([order.path], sync=False).report
            except MatcherError as exc:
                reports.send(Refused(exc))
                return
            syncing = bool(report.new + report.updated or not matcher.index.exists())
            reports.send(Stored(report, syncing))
            if not syncing:
                return
        follower = IndexCatchUp(matcher.catalog, 0)
        version = _tenders_version(follower)  # before the sync reads the store
        try:
            synced = matcher.build_index()
        except (MatcherError, OSError) as exc:
            reports.send(SyncFailed(exc))
            return
        # Recorded before the lock is released, so a catch-up that takes it next finds nothing due (recorded
        # after, a serving process could sync the same notices itself meanwhile).
        if version is not None:
            _verified(follower, version, synced.build_id)
    reports.send(Indexed(synced.summary()))


def _tenders_version(follower: IndexCatchUp) -> int | None:
    """The store's tenders counter, or None when it cannot be read (then the build is not recorded, and the
    serving processes' catch-up verifies it: always safe)."""
    try:
        return follower.state().tenders_version
    except (SQLAlchemyError, OSError) as exc:
        log.warning("index worker: the store's counter is unreadable: %s: %s", type(exc).__name__, exc)
        return None


def _verified(follower: IndexCatchUp, version: int, build_id: str) -> None:
    """Record the new build as current for the store's counter, as the catch-up does after its own sync, so
    that no serving process checks it again by syncing itself (which finds nothing to do, at a cost)."""
    try:
        follower.record(version, build_id)
    except OSError as exc:  # the serving processes' catch-up verifies it then
        log.warning("index worker: the new build is not recorded as verified: %s: %s", type(exc).__name__, exc)


def lower_priority(niceness: int) -> None:
    """Add ``niceness`` to every thread of this process. Linux keeps a nice value per thread, and libraries
    imported before this call (numpy's BLAS) may already have started threads; later threads inherit it."""
    tasks = Path("/proc/self/task")
    tids = [int(t.name) for t in tasks.iterdir()] if tasks.is_dir() else [0]
    for tid in tids:
        try:
            current = os.getpriority(os.PRIO_PROCESS, tid)
            os.setpriority(os.PRIO_PROCESS, tid, min(19, current + niceness))
        except OSError:  # a thread that has just ended
            continue


@contextmanager
def index_writer(folder: Path) -> Iterator[None]:
    """Hold the home's index lock (waiting for it; the catch-up's ``LOCK_FILE``, which the catch-up only
    tries): from reading the store's hashes to the swap, so that two syncs never start from the same build
    and the later one drops the other's notices. The kernel releases it when its holder dies."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

"""Index catch-up: a serving replica's index follows tenders written by anyone else to the shared store.

Replicas (separate ``MATCHER_HOME`` folders, as on separate machines) share one database but each keeps its
own index. A write through replica A, or by ``matcher feeds run`` / ``matcher schedule`` anywhere, bumps the
store's tenders counter (``matcher.store.versions``); this home's index knows nothing of it. So every
serving process checks, every ``Settings.index_catch_up_seconds``, whether the counter and the serving build
still match what this home last verified, and when they do not, one process of the home brings the index
up to date with ``Catalog.build_index`` (an incremental sync: only new and changed notices are embedded; a
full build when the home has no index yet).

The check is one primary-key read and two small file reads. What was verified is ``SYNCED`` beside the
index's ``CURRENT`` pointer: (tenders counter, build). The counter is read *before* the sync reads the
stored hashes, so the build reflects at least that counter. Any other build swapped in afterwards (this
replica's own import job, a command run on this home) changes ``CURRENT`` and is verified again, so an index
published from an older read of the store can never pass for current.

One process per home syncs at a time: the others skip while ``catch-up.lock`` is held (``flock``, released by
the kernel when its holder dies, so a killed worker never leaves it held). The sync runs on the catch-up's
own thread; requests keep the build they have until the new one is swapped in (``IndexFolder``), and every
other process of the home loads it on a background thread once a request notices it, answering from the
build it has meanwhile (``IndexService.reload_in_background``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from matcher.errors import MatcherError
from matcher.search.index_folder import file_lock
from matcher.search.index_sync import SyncReport
from matcher.services.catalog import Catalog
from matcher.store import versions

log = logging.getLogger(__name__)

MARKER_FILE = "SYNCED"
LOCK_FILE = "catch-up.lock"


@dataclass(frozen=True)
class Verified:
    """The store's tenders counter and the build (None: no index) that reflects it."""

    tenders_version: int
    build: str | None


class IndexCatchUp:
    """Checks this home's index against the store and syncs it when behind; ``start`` runs that every
    ``interval`` seconds on a daemon thread until ``stop``."""

    def __init__(self, catalog: Catalog, interval: float) -> None:
        self.catalog = catalog
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def folder(self) -> Path:
        """The index's folder: its builds, ``CURRENT``, and the catch-up's marker and lock."""
        return self.catalog.engine.index.folder.root

    # ------------------------------------------------------------------ one check
    def state(self) -> Verified:
        """Where the store and this home's serving build are now."""
        with self.catalog.db.connect() as conn:
            version = versions.read(conn, "tenders")
        current = self.catalog.engine.index.folder.current()
        return Verified(version, current.name if current is not None else None)

    def due(self) -> Verified | None:
        """The state to verify when the index may be behind the store; None when it is known current (or
        when nothing was ever stored and there is no index: an empty build would serve nothing)."""
        now = self.state()
        if now.build is None and now.tenders_version == 0:
            return None
        return None if self.verified() == now else now

    def catch_up(self) -> SyncReport | None:
        """Sync the index here when it is due and no other process of this home is doing it (blocking the
        caller for the sync; the serving processes call it from the catch-up thread). None when nothing ran."""
        if self.due() is None:
            return None
        with file_lock(self.folder / LOCK_FILE, wait=False) as held:
            if not held:
                log.debug("index catch-up: another process of this home is syncing")
                return None
            target = self.due()  # read again under the lock: the previous holder may have just done it
            if target is None:
                return None
            report = self.catalog.build_index()
            self._write_verified(Verified(target.tenders_version, report.build_id))
        changed = report.added + report.updated + report.removed
        (log.info if changed or report.rebuilt else log.debug)(
            "index caught up with the store (tenders version %d): %s", target.tenders_version, report.summary())
        return report

    def record(self, tenders_version: int, build_id: str) -> None:
        """Record that build ``build_id`` holds the store's tenders as of ``tenders_version``, read before that
        sync began, for a process that synced while it held the home's lock itself (an import's child): no
        catch-up then syncs again, and notices written meanwhile (a later version) are still due."""
        self._write_verified(Verified(tenders_version, build_id))

    def verified(self) -> Verified | None:
        try:
            data = json.loads((self.folder / MARKER_FILE).read_text(encoding="utf-8"))
            return Verified(int(data["tenders_version"]), data["build"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or torn: verify again, which is always safe

    def _write_verified(self, verified: Verified) -> None:
        marker = self.folder / MARKER_FILE
        staging = marker.with_name(f".{MARKER_FILE}-{os.getpid()}")
        staging.write_text(json.dumps(asdict(verified)), encoding="utf-8")
        staging.replace(marker)  # atomic: a reader sees the old marker or the new one

    # ------------------------------------------------------------------ the thread
    def start(self) -> None:
        """Check now and then every ``interval`` seconds, on a daemon thread (a first check at start-up
        catches up with whatever was written while this replica was down)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="index-catch-up", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait a little. A sync in progress is not waited for to the end: the
        process may exit under it, which leaves the previous build serving (``IndexFolder``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._check()
            self._stop.wait(self.interval)

    def _check(self) -> None:
        try:
            self.catch_up()
        except (MatcherError, OSError, SQLAlchemyError) as exc:  # the store or the disk: try again next time
            log.warning("index catch-up failed, retrying in %gs: %s: %s", self.interval, type(exc).__name__, exc)
        except Exception:  # a bug in one check must not end this replica's catch-up for good; logged in full
            log.exception("index catch-up failed, retrying in %gs", self.interval)

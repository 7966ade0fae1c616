"""Keeps the search index in step with the store: full builds, incremental syncs, hot reloads.

The index is derived state: the store is the truth, and a sync compares the content hash of every stored
tender with the hash the index was built from, so it re-embeds only what changed and removes what is gone.
Every change is written as a new build folder and swapped in; readers keep the old ``LoadedIndex`` object
until they pick up the new one, so they never see a half-built index.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from matcher.errors import IndexNotReady
from matcher.schema import Tender
from matcher.search.build_files import DamagedFile, damaged, read_json
from matcher.search.encoders import Embedder
from matcher.search.index_folder import IndexFolder
from matcher.search.lexical import LexicalModel
from matcher.search.vector_index import Compression, VectorIndex

log = logging.getLogger(__name__)
#: The recipe of a notice's searched text (``Tender.text``): bump it whenever that text changes.
#: "labels-1": title, English title, English labels of the codes, description.
TEXT_RECIPE = "labels-1"

# Refit TF-IDF (cheap next to embedding) once the collection has grown this much since the last fit.
LEXICAL_REFIT_GROWTH = 1.5
# TF-IDF is fitted on a uniform sample of at most this many notices: document frequencies from 100,000 are
# as good as from a million, and fitting a million texts took longer than the rest of a build together.
LEXICAL_SAMPLE = 100_000
BUILD_CHUNK = 20_000
#: Seconds before a serving process tries again to load a build whose load failed.
RELOAD_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class LoadedIndex:
    """One immutable build: vectors, lexical model and the content hashes they were made from."""

    vectors: VectorIndex
    lexical: LexicalModel
    hashes: dict[str, str]
    folder: Path | None

    @property
    def build_id(self) -> str:
        return self.folder.name if self.folder else "empty"


@dataclass(frozen=True)
class SyncReport:
    added: int
    updated: int
    removed: int
    seconds: float
    build_id: str
    rebuilt: bool = False
    #: Why a sync rebuilt instead: the file of the serving build that could not be read, and its problem.
    unreadable: str | None = None

    def summary(self) -> str:
        kind = "rebuilt" if self.rebuilt else "synced"
        why = f" (the serving build could not be read ({self.unreadable}))" if self.unreadable else ""
        return (
            f"index {kind}{why}: {self.added} added, {self.updated} re-embedded, {self.removed} removed "
            f"in {self.seconds:.1f}s (build {self.build_id})"
        )


def fit_lexical(tenders: list[Tender], collection_size: int | None = None) -> LexicalModel:
    """TF-IDF over the collection (or a uniform sample of it), with the languages each term is used in
    (for the term guard). ``collection_size`` is the size of the collection the sample stands for."""
    model = LexicalModel().fit(
        [t.text() for t in tenders],
        languages=[t.language for t in tenders],
        native=[f"{t.title}\n{t.description}" for t in tenders],
    )
    model.collection_size = max(collection_size or 0, len(tenders))
    return model


class Reservoir:
    """A uniform random sample of at most ``size`` items from a stream of unknown length (seeded)."""

    def __init__(self, size: int, seed: int = 0) -> None:
        self.size = size
        self.items: list[Tender] = []
        self.seen = 0
        self._rng = random.Random(seed)

    def add(self, item: Tender) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            slot = self._rng.randrange(self.seen)
            if slot < self.size:
                self.items[slot] = item


def indexed_hash(content_hash: str) -> str:
    """What the index records per notice: its content hash under the recipe of its searched text, so that a
    change of recipe (``TEXT_RECIPE``) re-embeds every notice on the next sync, as a content change would."""
    return f"{TEXT_RECIPE}:{content_hash}"


def read_hashes(folder: Path) -> dict[str, str]:
    """A build's notices: tender id -> the hash it was embedded from (``indexed_hash``)."""
    path = folder / "hashes.json"
    hashes: dict[str, str] = read_json(path)
    if not all(isinstance(h, str) for h in hashes.values()):
        raise damaged(path, "expected an object of tender id -> content hash strings")
    return hashes


class IndexService:
    """Owns the current index of one name and every change to it (one writer at a time per process)."""

    def __init__(
        self, folder: IndexFolder, embedder: Embedder, exact_max: int, nprobe: int | None = None,
        compression: Compression = "none",
    ) -> None:
        self.folder = folder
        self.embedder = embedder
        self.exact_max = exact_max
        self.nprobe = nprobe
        self.compression: Compression = compression
        #: Serving processes set this (``api.main.create_app``): a newer build swapped in by another process is
        #: then loaded by a background thread while requests keep the build they have, instead of the request
        #: that notices it (on the event loop, for a cached answer) waiting for the load.
        self.reload_in_background = False
        self._write_lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._reloader: threading.Thread | None = None
        self._failed: tuple[Path, float] | None = None
        self._loaded: LoadedIndex | None = None

    # ------------------------------------------------------------------ reading
    def current(self) -> LoadedIndex:
        """The serving index: the build ``CURRENT`` points to, or, while a newer build is being loaded in the
        background (``reload_in_background``), the one this process has. The first load always waits."""
        folder = self._current_folder()
        loaded = self._loaded
        if loaded is not None and loaded.folder == folder:
            return loaded
        if loaded is not None and self.reload_in_background:
            self._reload_later(folder)
            return loaded
        return self._load_now(folder)

    def latest(self) -> LoadedIndex:
        """The build ``CURRENT`` points to now, waiting for its load if this process does not hold it: what a
        sync must start from (one started from an older build would drop the newer build's notices)."""
        folder = self._current_folder()
        loaded = self._loaded
        return loaded if loaded is not None and loaded.folder == folder else self._load_now(folder)

    def exists(self) -> bool:
        """Whether an index was built; a ``CURRENT`` pointer that cannot be read counts (a sync replaces it)."""
        try:
            return self.folder.current() is not None
        except DamagedFile:
            return True

    def _current_folder(self) -> Path:
        folder = self.folder.current()
        if folder is None:
            raise IndexNotReady("no index has been built yet; run 'matcher index build'")
        return folder

    def _load_now(self, folder: Path) -> LoadedIndex:
        """Load ``folder`` (once, however many threads ask) and serve it unless a newer build replaced it."""
        with self._load_lock:
            loaded = self._loaded
            if loaded is not None and loaded.folder == folder:
                return loaded
            loaded = self._load(folder)
            if self.folder.current() == folder:  # not superseded while it loaded (else the next call loads that)
                self._loaded = loaded
            return loaded

    def _reload_later(self, folder: Path) -> None:
        """Start loading ``folder`` on a background thread unless one is loading already (or loading it failed
        within ``RELOAD_RETRY_SECONDS``: a broken build is retried, not on every request)."""
        with self._reload_lock:
            if self._reloader is not None and self._reloader.is_alive():
                return
            if self._failed is not None and self._failed[0] == folder and \
                    time.monotonic() - self._failed[1] < RELOAD_RETRY_SECONDS:
                return
            self._reloader = threading.Thread(target=self._reload, args=(folder,), name="index-reload", daemon=True)
            self._reloader.start()

    def _reload(self, folder: Path) -> None:
        try:
            self._load_now(folder)
        except Exception:  # the old build keeps serving; logged in full, retried after a pause
            self._failed = (folder, time.monotonic())
            log.exception("loading index build %s failed; serving the previous build", folder.name)

    def _load(self, folder: Path) -> LoadedIndex:
        vectors = VectorIndex.load(folder, self.embedder.encoder_id, self.embedder.dim)
        lexical = LexicalModel.load(folder)
        return LoadedIndex(vectors, lexical, read_hashes(folder), folder)

    # ------------------------------------------------------------------ writing
    def build(self, tenders: Iterable[Tender], progress: bool = False) -> SyncReport:
        """A full rebuild from these tenders (re-embedding only texts the cache has not seen). The tenders
        are streamed in chunks: only their vectors, ids and hashes, and the TF-IDF sample, are kept."""
        started = time.perf_counter()
        ids: list[str] = []
        hashes: dict[str, str] = {}
        parts: list[np.ndarray] = []
        sample = Reservoir(LEXICAL_SAMPLE)
        stream = iter(tenders)
        while chunk := list(itertools.islice(stream, BUILD_CHUNK)):
            parts.append(self.embedder.encode_documents([t.text() for t in chunk], progress=progress))
            for tender in chunk:
                ids.append(tender.tender_id)
                hashes[tender.tender_id] = indexed_hash(tender.content_hash())
                sample.add(tender)
        vectors = np.concatenate(parts) if parts else np.zeros((0, self.embedder.dim), dtype=np.float32)
        del parts
        with self._write_lock:
            index = VectorIndex.build(
                vectors, ids, self.embedder.encoder_id, self.exact_max, self.nprobe, compression=self.compression,
            )
            del vectors
            lexical = fit_lexical(sample.items, collection_size=len(ids))
            loaded = self._publish(index, lexical, hashes)
        return SyncReport(len(ids), 0, 0, time.perf_counter() - started, loaded.build_id, rebuilt=True)

    def sync(
        self,
        stored: dict[str, str],
        fetch: Callable[[list[str]], dict[str, Tender]],
        all_tenders: Callable[[], Iterable[Tender]],
        progress: bool = False,
    ) -> SyncReport:
        """Bring the index in line with ``stored`` (tender_id -> content hash), building it if absent, and
        building a new one if the serving build cannot be read: it is derived from the store, which a new build
        reads whole (``--rebuild`` does no more), and the damaged build is left for pruning, not deleted."""
        try:
            due = not self.exists() or self._outgrown(len(stored)) or self._other_recipe()
        except DamagedFile as exc:
            log.warning("%s cannot be read (%s); building a new index from the store instead", exc.path, exc.problem)
            report = self.build(all_tenders(), progress=progress)
            return replace(report, unreadable=f"{exc.path}: {exc.problem}")
        if due:
            return self.build(all_tenders(), progress=progress)
        stored = {tid: indexed_hash(h) for tid, h in stored.items()}
        started = time.perf_counter()
        with self._write_lock:
            base = self.latest()
            changed = [tid for tid, h in stored.items() if base.hashes.get(tid) != h]
            removed = [tid for tid in base.hashes if tid not in stored]
            if not changed and not removed:
                return SyncReport(0, 0, 0, time.perf_counter() - started, base.build_id)
            tenders = fetch(changed)
            vectors = self.embedder.encode_documents([tenders[t].text() for t in changed], progress=progress)
            index = base.vectors.clone()
            index.remove(removed)
            index.add(vectors, changed)
            lexical = base.lexical
            if len(stored) > LEXICAL_REFIT_GROWTH * max(lexical.collection_size, 1) or not lexical.fitted:
                sample = Reservoir(LEXICAL_SAMPLE)
                for tender in all_tenders():
                    sample.add(tender)
                lexical = fit_lexical(sample.items, collection_size=sample.seen)
            hashes = {tid: h for tid, h in base.hashes.items() if tid in stored}
            hashes.update({tid: stored[tid] for tid in changed})
            loaded = self._publish(index, lexical, hashes)
        added = sum(1 for t in changed if t not in base.hashes)
        return SyncReport(added, len(changed) - added, len(removed), time.perf_counter() - started,
                          loaded.build_id)

    def _other_recipe(self) -> bool:
        """Whether the serving index embedded another recipe of the notice text: every vector and the TF-IDF
        model are then stale, so a full build (which re-embeds only texts the cache has not seen) is due."""
        recorded = next(iter(self.latest().hashes.values()), None)
        return recorded is not None and not recorded.startswith(f"{TEXT_RECIPE}:")

    def _outgrown(self, count: int) -> bool:
        """Whether the serving index no longer fits the size rule (a full build re-embeds nothing cached)."""
        vectors = self.latest().vectors
        return not vectors.suits(count, self.exact_max, self.compression)

    def _publish(self, index: VectorIndex, lexical: LexicalModel, hashes: dict[str, str]) -> LoadedIndex:
        with self.folder.new_build() as staging:
            index.save(staging)
            lexical.save(staging)
            (staging / "hashes.json").write_text(json.dumps(hashes))
        folder = self.folder.current()
        loaded = LoadedIndex(index, lexical, hashes, folder)
        with self._load_lock:  # after a background load of an older build has set what it loaded, if it did
            self._loaded = loaded
        log.info("index build %s published: %d vectors", loaded.build_id, len(index))
        return loaded

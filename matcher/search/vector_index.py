"""FAISS over tender vectors: build, add, remove, search, save, load, with a manifest checked at load.

Callers speak string tender ids; the int64 ids FAISS needs are a stable hash of them and never leave this
module. Vectors are unit-length float32 searched by inner product (cosine).

The index type follows the collection size, as measured on a million vectors shaped like real notice
embeddings (``benchmarks/million.py``, table "A million notices" in BENCHMARKS.md):

- up to ``exact_max`` (``EXACT_MAX`` = 20,000) vectors: exact ``IndexFlatIP``. A single query scans every
  vector: measured p50 0.4-0.8 ms at 10,000, 1.4 ms at 20,000, but 3.2-15 ms at 30,000 on the shared
  2-core machine (the vectors stop fitting in cache), so exact search stops at 20,000 with a margin;
- above: ``IndexIVFFlat`` with nlist ~ 4*sqrt(n) (a power of two; 4096 at 1M) and nprobe = nlist/128 but
  at least enough lists to scan ~4,000 vectors (32 at 1M, 41 of 2048 at 200k, 82 of 1024 at 50k):
  recall@50 0.98-0.99 at a p50 of 1-2 ms where exact search takes 110-420 ms (three runs on the shared
  machine). A fixed share of lists is not enough for smaller collections (nlist/64 gave recall 0.91 at
  50k, 0.975 at 200k, 0.995 at 1M), and nlist/64 at 1M sat at 3.5-5 ms, too near the 5 ms goal. Fewer
  lists (1024 at 1M) build 10-17x faster (12-32 s against 206-301 s) but scan 4x more vectors per probe:
  recall 0.957 at 16 probes, 0.984 at 32 probes for 4.8-9.6 ms;
  k-means trains on 40 points per list (FAISS asks for 39) and 10 iterations, to bound the build on 2
  cores (the previous 256 points per list was ~6x the k-means work); recall above is with these;
- ``compression="sq8"`` (setting ``index_compression``) stores 8-bit scalar-quantized codes instead of
  float32: 504 MiB instead of 1,969 MiB at 1M, recall@50 0.985 instead of 0.989 at the same nprobe, and
  faster (less memory to read per probe); k-means and the add still dominate its build.

A single query (one firm's request) runs on one OpenMP thread: waking a second thread cost far more than
it saved, most of all on a busy machine; batched queries (digests) keep every core. HNSW was measured on a
sample only: its 1M build extrapolates to 1.3-2x the IVF build on 2 cores, and FAISS HNSW cannot
remove vectors (every sync does).
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

from matcher import __version__
from matcher.errors import IndexNotReady, InvalidInput
from matcher.schema import ID_MAX
from matcher.search.build_files import damaged, read_json

IndexType = Literal["flat", "ivf"]
Compression = Literal["none", "sq8"]
FORMAT_VERSION = 1
# Measured choices (BENCHMARKS.md, part 3, ``benchmarks/million.py``); see the module docstring.
EXACT_MAX = 20_000
IVF_TRAIN_POINTS_PER_LIST = 40
IVF_TRAIN_ITERATIONS = 10
IVF_PROBE_SHARE = 1 / 128
IVF_MIN_SCAN = 4000
# Filtered IVF search probes lists until they hold about this many times k members of the subset.
FILTERED_DEPTH = 2
#: What precedes the reason in a FAISS error: "Error in <function> at <file>:<line>: [Error: '<check>' failed: ]".
_FAISS_PLACE = re.compile(r"^Error in .*? at [^ ]+:\d+: (?:Error: '.*?' failed: )?", re.DOTALL)


def faiss_id(tender_id: str) -> int:
    """A stable positive int64 for a tender id (64-bit hash; collisions are checked on add)."""
    digest = hashlib.blake2b(tender_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFF_FFFF_FFFF_FFFF


def ivf_nprobe(nlist: int, count: int) -> int:
    """Lists probed per query: at least nlist/128, and enough lists to scan ~4,000 vectors, as a list of
    a smaller collection holds fewer of a query's neighbours (both measured for recall@50 >= 0.95)."""
    scan = math.ceil(IVF_MIN_SCAN * nlist / max(count, 1))
    return max(8, min(nlist, max(math.ceil(nlist * IVF_PROBE_SHARE), scan)))


def ivf_nlist(count: int) -> int:
    """About 4 * sqrt(n) lists, a power of two, capped so each list trains on >= 39 points."""
    target = 4 * math.sqrt(max(count, 1))
    nlist = int(2 ** max(4, round(math.log2(target))))
    return max(16, min(nlist, count // 39))


@dataclass
class Manifest:
    """What was built, with what, and when. Checked at load so a mismatched index is refused."""

    encoder_id: str
    dim: int
    count: int
    index_type: IndexType
    nlist: int | None = None
    nprobe: int | None = None
    compression: Compression = "none"
    built_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    format_version: int = FORMAT_VERSION
    versions: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def library_versions() -> dict[str, str]:
        return {
            "matcher": __version__,
            "faiss": faiss.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "faiss-cpu": version("faiss-cpu"),
        }


class Subset:
    """Some of an index's tenders (e.g. those open now), as a FAISS id selector built once and reused."""

    def __init__(self, faiss_ids: np.ndarray) -> None:
        self._ids = np.ascontiguousarray(faiss_ids, dtype=np.int64)
        self.selector = faiss.IDSelectorBatch(self._ids)  # copies the ids into its own hash set

    def __len__(self) -> int:
        return len(self._ids)


class VectorIndex:
    """A FAISS index plus the id mapping. Use ``build`` or ``load``; searching an empty index is fine."""

    def __init__(self, index: faiss.Index, ids: dict[int, str], manifest: Manifest) -> None:
        self._index = index
        self._ids = ids
        self.manifest = manifest

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(
        cls, vectors: np.ndarray, tender_ids: list[str], encoder_id: str, exact_max: int = EXACT_MAX,
        nprobe: int | None = None, *, nlist: int | None = None, compression: Compression = "none",
    ) -> VectorIndex:
        """A new index over ``vectors``: exact when there are at most ``exact_max``, IVF above, with nlist
        and nprobe from the collection size unless given. ``compression="sq8"`` stores 8-bit codes."""
        dim = vectors.shape[1] if vectors.ndim == 2 else 0
        _check(vectors, len(tender_ids), dim)
        if compression not in ("none", "sq8"):
            raise InvalidInput(f"unknown index compression {compression!r} (expected 'none' or 'sq8')")
        count = len(tender_ids)
        if count > exact_max:
            lists = nlist or ivf_nlist(count)
            probes = nprobe or ivf_nprobe(lists, count)
            index: faiss.Index = _ivf(vectors, lists, probes, compression)
            manifest = Manifest(encoder_id, dim, 0, "ivf", nlist=lists, nprobe=probes, compression=compression)
        else:
            index = _flat(vectors, compression)
            manifest = Manifest(encoder_id, dim, 0, "flat", compression=compression)
        built = cls(index, {}, manifest)
        built.add(vectors, tender_ids)
        return built

    @classmethod
    def empty(cls, encoder_id: str, dim: int) -> VectorIndex:
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), {}, Manifest(encoder_id, dim, 0, "flat"))

    # ------------------------------------------------------------------ updates
    def add(self, vectors: np.ndarray, tender_ids: list[str]) -> None:
        """Add or replace vectors for these tenders."""
        _check(vectors, len(tender_ids), self.manifest.dim)
        if not tender_ids:
            return
        self.remove([t for t in tender_ids if faiss_id(t) in self._ids])
        ids = np.array([faiss_id(t) for t in tender_ids], dtype=np.int64)
        for fid, tid in zip(ids.tolist(), tender_ids, strict=True):
            if self._ids.get(fid, tid) != tid:
                raise InvalidInput(f"id hash collision between {tid!r} and {self._ids[fid]!r}")
            self._ids[fid] = tid
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        self.manifest.count = int(self._index.ntotal)

    def remove(self, tender_ids: list[str]) -> int:
        ids = [faiss_id(t) for t in tender_ids if faiss_id(t) in self._ids]
        if not ids:
            return 0
        removed = int(self._index.remove_ids(np.array(ids, dtype=np.int64)))  # type: ignore[arg-type]
        for fid in ids:
            self._ids.pop(fid, None)
        self.manifest.count = int(self._index.ntotal)
        return removed

    def clone(self) -> VectorIndex:
        """An independent copy, so updates can be made while readers keep the original."""
        manifest = Manifest(**asdict(self.manifest))
        return VectorIndex(faiss.clone_index(self._index), dict(self._ids), manifest)

    def suits(self, count: int, exact_max: int = EXACT_MAX, compression: Compression = "none") -> bool:
        """Whether this index still fits the size rule for ``count`` vectors: same type and compression, and
        an IVF whose nlist is within 2x of the one the rule picks now (lists neither overflow nor starve)."""
        m = self.manifest
        if m.compression != compression or m.index_type != ("ivf" if count > exact_max else "flat"):
            return False
        return m.index_type == "flat" or (m.nlist or 0) * 2 >= ivf_nlist(count) >= (m.nlist or 0) / 2

    # ------------------------------------------------------------------ queries
    @property
    def faiss_index(self) -> faiss.Index:
        """The underlying FAISS index (for benchmarks against raw FAISS; callers use ``search``)."""
        return self._index

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def __contains__(self, tender_id: object) -> bool:
        return isinstance(tender_id, str) and faiss_id(tender_id) in self._ids

    def subset(self, tender_ids: Iterable[str]) -> Subset:
        """The indexed tenders among ``tender_ids``, as a filter ``search`` applies inside FAISS."""
        indexed = self._ids  # a dict lookup per wanted id (np.isin sorted all million ids: 1 s)
        return Subset(np.fromiter((i for i in map(faiss_id, tender_ids) if i in indexed), dtype=np.int64))

    def search(self, queries: np.ndarray, k: int, within: Subset | None = None) -> list[list[tuple[str, float]]]:
        """For each query row, up to k (tender_id, cosine) pairs, best first; only tenders ``within`` the
        subset when one is given (filtered during the scan, so k hits come back even if the subset is small)."""
        if queries.ndim != 2 or queries.shape[1] != self.manifest.dim:
            raise InvalidInput(f"query vectors have shape {queries.shape}, expected (n, {self.manifest.dim})")
        size = len(self) if within is None else min(len(within), len(self))
        if size == 0 or k <= 0:
            return [[] for _ in range(queries.shape[0])]
        params = None if within is None else _filtered(self._index, within, min(k, size))
        with _threads_for(queries.shape[0]):
            scores, ids = self._index.search(
                np.ascontiguousarray(queries, dtype=np.float32), min(k, size), params=params)
        return [
            [(self._ids[int(i)], float(s)) for s, i in zip(row_s, row_i, strict=True) if i >= 0]
            for row_s, row_i in zip(scores, ids, strict=True)
        ]

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path) -> None:
        """Write index.faiss, ids.json and manifest.json into ``folder`` (which must exist)."""
        faiss.write_index(self._index, str(folder / "index.faiss"))
        ids = {"faiss_ids": list(self._ids.keys()), "tender_ids": list(self._ids.values())}
        (folder / "ids.json").write_text(json.dumps(ids))
        self.manifest.versions = Manifest.library_versions()
        (folder / "manifest.json").write_text(json.dumps(asdict(self.manifest), indent=2))

    @classmethod
    def load(cls, folder: Path, encoder_id: str, dim: int) -> VectorIndex:
        """Load and check: an index built by another encoder or dimension is refused, and so is one whose
        files do not fit together (a FAISS file truncated or of another build, ids that are not its ids)."""
        manifest = read_manifest(folder)
        if manifest.encoder_id != encoder_id or manifest.dim != dim:
            raise IndexNotReady(
                f"index at {folder} was built with encoder {manifest.encoder_id!r} (dim {manifest.dim}), "
                f"but the configured encoder is {encoder_id!r} (dim {dim}); run 'matcher index build --rebuild'"
            )
        index = _read_faiss(folder / "index.faiss", manifest)
        ids = _read_ids(folder / "ids.json", index.ntotal)
        stored = _stored_ids(index)
        if len(ids) != len(stored) or not np.array_equal(np.sort(stored), np.sort(np.fromiter(ids, np.int64))):
            raise damaged(folder / "ids.json", f"its {len(ids)} ids are not the {len(stored)} of index.faiss")
        return cls(index, ids, manifest)


def read_manifest(folder: Path) -> Manifest:
    path = folder / "manifest.json"
    try:
        manifest = Manifest(**read_json(path))
    except TypeError as exc:  # a field missing or unknown
        raise damaged(path, exc) from exc
    kinds: dict[str, type | tuple[type, ...]] = {
        "encoder_id": str, "dim": int, "count": int, "nlist": (int, type(None)), "nprobe": (int, type(None))}
    wrong = [name for name, kind in kinds.items() if not isinstance(getattr(manifest, name), kind)]
    if wrong or manifest.index_type not in ("flat", "ivf") or manifest.compression not in ("none", "sq8"):
        raise damaged(path, f"fields of the wrong type or value: {wrong or ['index_type', 'compression']}")
    return manifest


def _read_faiss(path: Path, manifest: Manifest) -> faiss.Index:
    """The FAISS file, refused when FAISS cannot read it or it holds another index than the manifest says."""
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as exc:  # FAISS reports every read failure so, after the C++ place that raised it
        reason = _FAISS_PLACE.sub("", str(exc)).replace(f" in {path}", "")
        raise damaged(path, f"FAISS cannot read it, truncated or not an index: {reason}") from exc
    if index.d != manifest.dim or index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise damaged(path, f"an index of {index.d} dimensions (metric {index.metric_type}), but the manifest says "
                            f"{manifest.dim} by inner product")
    if isinstance(index, faiss.IndexIVF) and manifest.nprobe:
        index.nprobe = manifest.nprobe
    return index


#: The most bytes one entry of ids.json takes: a FAISS id of up to 19 digits, and a tender id of up to
#: ``schema.ID_MAX`` characters, each written by ``json.dumps`` as a surrogate pair's two escapes at most (12 bytes),
#: with their quotes and separators.
_MOST_BYTES_PER_ID = 19 + 2 + 12 * ID_MAX + 4


def _read_ids(path: Path, count: int) -> dict[int, str]:
    """The ids of the ``count`` vectors of index.faiss; a file longer than they can take is refused unread."""
    raw = read_json(path, most_bytes=_MOST_BYTES_PER_ID * count + 64)
    faiss_ids, tender_ids = raw.get("faiss_ids"), raw.get("tender_ids")
    if not (isinstance(faiss_ids, list) and isinstance(tender_ids, list) and len(faiss_ids) == len(tender_ids)
            and all(type(i) is int and 0 <= i < 2**63 for i in faiss_ids)
            and all(isinstance(t, str) for t in tender_ids)):
        raise damaged(path, "expected lists faiss_ids (int64) and tender_ids (strings) of one length")
    return dict(zip(faiss_ids, tender_ids, strict=True))


def _stored_ids(index: faiss.Index) -> np.ndarray:
    """The ids the FAISS index holds vectors for (the index types ``build`` makes)."""
    if isinstance(index, faiss.IndexIDMap):
        return faiss.vector_to_array(index.id_map)
    if isinstance(index, faiss.IndexIVF) and (lists := index.invlists) is not None:
        parts = [faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)) for i in range(index.nlist)]
        return np.concatenate([np.array(p, dtype=np.int64) for p in parts]) if parts else np.zeros(0, np.int64)
    raise IndexNotReady(f"index of FAISS type {type(index).__name__} is not one this version builds; "
                        "run 'matcher index build --rebuild'")


def _check(vectors: np.ndarray, count: int, dim: int) -> None:
    if vectors.ndim != 2 or vectors.shape != (count, dim):
        raise InvalidInput(f"vectors have shape {vectors.shape}, expected ({count}, {dim})")
    if vectors.dtype != np.float32:
        raise InvalidInput(f"vectors have dtype {vectors.dtype}, expected float32")


def _filtered(index: faiss.Index, within: Subset, k: int) -> faiss.SearchParameters:
    """Search parameters that keep only ``within``. An IVF index probes more lists the smaller the subset:
    enough that the probed lists hold about ``FILTERED_DEPTH * k`` members (at 10% open and the default
    nprobe, the probed lists of a 100k index would hold fewer open notices than one request needs)."""
    if isinstance(index, faiss.IndexIVF):
        params: faiss.SearchParameters = faiss.SearchParametersIVF()
        per_list = max(len(within), 1) / index.nlist
        needed = math.ceil(FILTERED_DEPTH * k / per_list)
        params.nprobe = int(min(index.nlist, max(index.nprobe, needed)))  # type: ignore[attr-defined]
    else:
        params = faiss.SearchParameters()
    params.sel = within.selector
    return params


@contextmanager
def _threads_for(queries: int) -> Iterator[None]:
    """One OpenMP thread for a single query: waking a second thread costs more than it saves (measured),
    while batches (digests) keep every core. The setting is per calling thread, and restored after."""
    if queries > 1:
        yield
        return
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def _flat(vectors: np.ndarray, compression: Compression) -> faiss.Index:
    dim = vectors.shape[1]
    if compression == "none":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    sq = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    sq.train(vectors)
    return faiss.IndexIDMap2(sq)


def _ivf(vectors: np.ndarray, nlist: int, nprobe: int, compression: Compression) -> faiss.IndexIVF:
    dim = vectors.shape[1]
    quantizer = faiss.IndexFlatIP(dim)
    ivf: faiss.IndexIVF
    if compression == "sq8":
        ivf = faiss.IndexIVFScalarQuantizer(
            quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
    else:
        ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.niter = IVF_TRAIN_ITERATIONS
    ivf.train(_training_sample(vectors, nlist))
    ivf.nprobe = nprobe
    return ivf


def _training_sample(vectors: np.ndarray, nlist: int) -> np.ndarray:
    """A bounded sample per list: k-means cost grows with points x lists, and more points barely move
    the centroids (measured build time dominated by training otherwise)."""
    limit = nlist * IVF_TRAIN_POINTS_PER_LIST
    if len(vectors) <= limit:
        return vectors
    rng = np.random.default_rng(0)
    return vectors[np.sort(rng.choice(len(vectors), limit, replace=False))]

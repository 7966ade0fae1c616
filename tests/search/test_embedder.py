"""The embedding pipeline: cache, batching by length, and rows that land where their texts were."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

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

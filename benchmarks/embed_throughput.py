"""Embedding throughput through the pipeline vs the raw encoder, and index build time, on real notices.

    .venv/bin/python -m benchmarks.embed_throughput [--limit 1000] [--encoders use-multilingual minilm]

Texts are real TED notices (the shared sample when present, else the bundled demo). "pipeline" is
Embedder.encode_documents with a cold cache (truncation, hashing, cache writes, batching); "raw" is the
encoder's own encode on the same truncated texts; "warm" is the pipeline again with every text cached.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from matcher.embed import MAX_CHARS, Embedder, EmbeddingCache, make_encoder
from matcher.index import VectorIndex
from matcher.ingest.ted import read_ted
from matcher.schema import Tender

SHARED = Path(__file__).resolve().parents[1].parent / "shared/data/ted_xml_sample/ted_xml_notices_3476.tar.gz"
DEMO = Path(__file__).resolve().parents[1] / "matcher/data/demo/tenders.tar.gz"


def texts(limit: int) -> list[str]:
    source = SHARED if SHARED.exists() else DEMO
    found = [t.text() for t in read_ted(source) if isinstance(t, Tender)]
    return list(dict.fromkeys(found))[:limit]


def measure(name: str, corpus: list[str]) -> None:
    encoder = make_encoder(name)  # type: ignore[arg-type]
    encoder.encode(corpus[:8])  # warm-up: lazy weights, thread pools
    start = time.perf_counter()
    encoder.encode([t[:MAX_CHARS] for t in corpus])
    raw = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        embedder = Embedder(encoder, EmbeddingCache(Path(tmp) / "cache.sqlite"), batch_size=64)
        start = time.perf_counter()
        vectors = embedder.encode_documents(corpus)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        embedder.encode_documents(corpus)
        warm = time.perf_counter() - start
    start = time.perf_counter()
    VectorIndex.build(vectors, [str(i) for i in range(len(corpus))], embedder.encoder_id)
    build = time.perf_counter() - start
    n = len(corpus)
    print(
        f"{name:18s} n={n}  raw {n / raw:7.1f} texts/s  pipeline {n / cold:7.1f} texts/s "
        f"(ratio {raw / cold:.2f})  cached {n / warm:9.0f} texts/s ({cold / warm:.0f}x)  "
        f"flat index build {build * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--encoders", nargs="+", default=["use-multilingual", "minilm", "minilm-bf16"])
    args = parser.parse_args()
    corpus = texts(args.limit)
    print(f"{len(corpus)} real notice texts, mean {sum(map(len, corpus)) / len(corpus):.0f} characters")
    for name in args.encoders:
        measure(name, corpus)


if __name__ == "__main__":
    main()

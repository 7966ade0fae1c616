"""A million notices: index type, single-firm latency, recall@50 and memory, on vectors that follow real ones.

    .venv/bin/python -m benchmarks --only million        # full size (1,000,000 vectors; ~20-30 minutes)
    .venv/bin/python -m benchmarks.million --prepare     # only embed the real texts (cached for later runs)

Base vectors start from real texts embedded for real with the default encoder (UseEncoder, 512-d): the TED
XML sample notices and the distinct award texts of ``../shared/data/awards``. They are cached in
``benchmarks/.work/`` so reruns skip embedding. They are expanded to 1,000,000 by perturbation that keeps
the real structure: each synthetic vector mixes a real vector with one of its real nearest neighbours, then
adds Gaussian noise whose size is drawn so that the cosine to its source follows the real nearest-neighbour
cosine distribution (both distributions are reported in the notes). Queries are firm-like texts that are
not in the base: held-out award texts and the demo firm descriptions. Ground truth is exact inner-product
search (top 50).

Each candidate is measured for build seconds (train + add), memory (RSS growth and index bytes),
single-query latency p50/p99 (one query at a time, like one firm's request) and recall@50. Finished
candidates are checkpointed in ``benchmarks/.work/`` so an interrupted run resumes where it stopped; a run
that completes removes its checkpoint, so the next run measures afresh.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import faiss
import numpy as np

from benchmarks.report import ROOT, SHARED_DATA, Part, Row, percentile, rss_mib, timer
from matcher.ingest.ted import read_ted
from matcher.schema import FirmProfile, Tender
from matcher.search.encoders import MAX_CHARS, Embedder, EmbeddingCache, FakeEncoder, UseEncoder, normalize_rows
from matcher.search.vector_index import (
    EXACT_MAX,
    IVF_MIN_SCAN,
    IVF_PROBE_SHARE,
    IVF_TRAIN_ITERATIONS,
    IVF_TRAIN_POINTS_PER_LIST,
    VectorIndex,
    faiss_id,
    ivf_nlist,
    ivf_nprobe,
)

log = logging.getLogger(__name__)

WORK = ROOT / "benchmarks" / ".work"
TED_SAMPLE = SHARED_DATA / "ted_xml_sample" / "ted_xml_notices_3476.tar.gz"
AWARDS = SHARED_DATA / "awards"
DEMO = ROOT / "matcher" / "data" / "demo"
HELD_OUT_AWARDS = 300
SEED = 0
K = 50
GENERATOR_VERSION = 1  # bump when expand() changes, so cached ground truth and checkpoints are not reused
TITLE = "3. A million notices (index type, latency, recall, memory)"
COMMAND = ".venv/bin/python -m benchmarks --only million"
GOAL_P50_MS = 5.0
GOAL_RECALL = 0.95


@dataclass(frozen=True)
class Sizes:
    count: int
    nlists: tuple[int, ...]  # IVF candidates; the product rule's nlist is measured first
    probes: tuple[float, ...]  # nprobe sweep, as multiples of nlist / 64 (at least 1 probe)
    slices: tuple[int, ...]  # collection sizes at which exact search latency is measured
    flat_queries: int  # single queries timed on the full exact index (each scans every vector)
    hnsw_sample: int
    rule_sizes: tuple[int, ...]  # smaller collections (prefixes of the base) where the IVF rule is checked


FULL = Sizes(1_000_000, (4096, 1024), (0.5, 1, 2, 4), (10_000, 20_000, 30_000, 100_000, 300_000), 60, 20_000,
             (50_000, 200_000))
SMOKE = Sizes(10_000, (64,), (1, 4), (2_000,), 10, 500, (5_000,))


# ---------------------------------------------------------------------------------------------- real texts
def real_texts() -> tuple[list[str], list[str]]:
    """(base texts, query texts): distinct notice and award texts, with some award texts held out as
    firm-like queries together with the demo firm descriptions."""
    notices = [t.text()[:MAX_CHARS] for t in read_ted(TED_SAMPLE) if isinstance(t, Tender)]
    awards: list[str] = []
    for path in sorted(AWARDS.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                text = "\n".join(p for p in (row.get("title") or "", row.get("description") or "") if p)
                if text.strip():
                    awards.append(text[:MAX_CHARS])
    notices = list(dict.fromkeys(notices))
    awards = [a for a in dict.fromkeys(awards) if a not in set(notices)]
    rng = np.random.default_rng(SEED)
    held = set(rng.choice(len(awards), min(HELD_OUT_AWARDS, len(awards) // 4), replace=False).tolist())
    base = notices + [a for i, a in enumerate(awards) if i not in held]
    firms = [FirmProfile(**f).text()[:MAX_CHARS] for f in json.loads((DEMO / "firms.json").read_text())]
    queries = [a for i, a in enumerate(awards) if i in held] + firms
    return base, queries


def real_vectors() -> tuple[np.ndarray, np.ndarray]:
    """Real (base, query) embeddings, from the .npy cache when present (embedding takes a few minutes)."""
    base_path, query_path = WORK / "million_real_base.npy", WORK / "million_real_queries.npy"
    if base_path.exists() and query_path.exists():
        return np.load(base_path), np.load(query_path)
    base, queries = real_texts()
    log.info("embedding %d base and %d query texts with the default encoder", len(base), len(queries))
    # The sqlite cache makes an interrupted embedding resume where it stopped.
    embedder = Embedder(UseEncoder(), EmbeddingCache(WORK / "million_embed_cache.sqlite"), batch_size=64)
    base_vectors = embedder.encode_documents(base, progress=True)
    query_vectors = embedder.encode_queries(queries, progress=True)
    for path, vectors in ((base_path, base_vectors), (query_path, query_vectors)):
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors, allow_pickle=False)
        tmp.replace(path)
    return base_vectors, query_vectors



# ---------------------------------------------------------------------------------------------- vectors
def smoke_vectors() -> tuple[np.ndarray, np.ndarray]:
    """Without a cache, smoke runs use the demo notices through the fast fake encoder (no real model)."""
    encoder = FakeEncoder()
    texts = [t.text() for t in read_ted(DEMO / "tenders.tar.gz") if isinstance(t, Tender)]
    firms = [FirmProfile(**f).text() for f in json.loads((DEMO / "firms.json").read_text())]
    return encoder.encode(texts[10:]), encoder.encode(texts[:10] + firms)


def nn_cosines(vectors: np.ndarray, among: faiss.Index, self_included: bool) -> np.ndarray:
    """Cosine of each vector to its nearest other vector (exact duplicates of the text are skipped)."""
    scores, _ = among.search(vectors, 3)
    nearest = scores[:, 1:] if self_included else scores
    usable = np.where(nearest[:, 0] < 0.9999, nearest[:, 0], nearest[:, 1 if nearest.shape[1] > 1 else 0])
    return np.asarray(usable, dtype=np.float32)


def expand(real: np.ndarray, count: int, real_nn: np.ndarray) -> np.ndarray:
    """``count`` unit vectors: the real ones, then mixtures of a real vector with one of its 10 nearest
    real neighbours (weight 0.6-1) moved by noise to a cosine drawn from the real NN-cosine distribution."""
    rng = np.random.default_rng(SEED)
    flat = faiss.IndexFlatIP(real.shape[1])
    flat.add(real)
    _, neighbours = flat.search(real, 11)
    targets = np.clip(real_nn, 0.5, 0.995)
    out = np.empty((count, real.shape[1]), dtype=np.float32)
    out[: len(real)] = real
    for start in range(len(real), count, 65_536):
        n = min(65_536, count - start)
        a = rng.integers(len(real), size=n)
        b = neighbours[a, rng.integers(1, 11, size=n)]
        w = rng.uniform(0.6, 1.0, size=(n, 1)).astype(np.float32)
        mix = normalize_rows(w * real[a] + (1 - w) * real[b])
        noise = rng.standard_normal(mix.shape, dtype=np.float32)
        noise -= np.sum(noise * mix, axis=1, keepdims=True) * mix  # orthogonal to the mixture
        noise = normalize_rows(noise)
        cos = rng.choice(targets, size=(n, 1)).astype(np.float32)
        out[start : start + n] = normalize_rows(cos * mix + np.sqrt(1 - cos**2) * noise)
    return out


def _stats(values: np.ndarray) -> str:
    q = np.percentile(values, [10, 50, 90])
    return f"mean {values.mean():.3f}, p10 {q[0]:.3f}, p50 {q[1]:.3f}, p90 {q[2]:.3f}"


# ---------------------------------------------------------------------------------------------- measuring
@contextmanager
def omp_threads(n: int) -> Iterator[None]:
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def search_k(index: faiss.Index, queries: np.ndarray) -> Any:
    return index.search(queries, K)


def latencies_ms(search: Callable[[np.ndarray], Any], queries: np.ndarray, threads: int) -> list[float]:
    """One query at a time, like one firm's request (after one warm-up query)."""
    out = []
    with omp_threads(threads):
        search(queries[:1])
        for i in range(len(queries)):
            start = time.perf_counter()
            search(queries[i : i + 1])
            out.append((time.perf_counter() - start) * 1000)
    return out


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    hits = [len(set(f[f >= 0].tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits)) / int(truth.shape[1])


def index_bytes(index: faiss.Index) -> int:
    """Bytes the index holds: codes and ids, plus the coarse centroids of an IVF index."""
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        return int(ivf.ntotal * (ivf.code_size + 8) + ivf.nlist * ivf.d * 4)
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
    return int(index.ntotal * (inner.sa_code_size() + 8))


class Checkpoint:
    """Finished candidates of an interrupted run, keyed by what was measured (JSON, one file)."""

    def __init__(self, fingerprint: str) -> None:
        self.path = WORK / f"million_checkpoint_{fingerprint}.json"
        self.done: dict[str, Any] = json.loads(self.path.read_text()) if self.path.exists() else {}

    def get(self, key: str) -> Any:
        return self.done.get(key)

    def put(self, key: str, value: Any) -> Any:
        self.done[key] = value
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.done, indent=1))
        tmp.replace(self.path)
        return value

    def finish(self) -> None:
        self.path.unlink(missing_ok=True)


def _ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 50):.2f} ms / p99 {percentile(values, 99):.2f} ms"


# ---------------------------------------------------------------------------------------------- the run
def run(smoke: bool) -> Part:
    sizes = SMOKE if smoke else FULL
    part = Part("million", TITLE)
    WORK.mkdir(parents=True, exist_ok=True)
    cached = (WORK / "million_real_base.npy").exists()
    real, queries = real_vectors() if cached or not smoke else smoke_vectors()
    real_index = faiss.IndexFlatIP(real.shape[1])
    real_index.add(real)
    real_nn = nn_cosines(real, real_index, self_included=True)
    with timer() as t_gen:
        base = expand(real, sizes.count, real_nn)
    # Everything a finished candidate depends on, so a resumed run never mixes in results of another rule.
    rule = (EXACT_MAX, IVF_PROBE_SHARE, IVF_MIN_SCAN, IVF_TRAIN_POINTS_PER_LIST, IVF_TRAIN_ITERATIONS, sizes)
    digest = hashlib.sha256(repr(rule).encode()).hexdigest()[:10]
    fingerprint = f"{sizes.count}-{len(real)}-{len(queries)}-{real.shape[1]}-g{GENERATOR_VERSION}-{digest}"
    check = Checkpoint(fingerprint)
    real_run = cached or not smoke
    source = "TED sample notices and award texts (UseEncoder)" if real_run else "demo notices (FakeEncoder)"
    held_out = "held-out award texts" if real_run else "held-out demo notices"
    part.note(f"{sizes.count:,} vectors of dim {base.shape[1]} from {len(real):,} real vectors of {source}, "
              f"expanded in {t_gen[0]:.0f} s; {len(queries)} firm-like queries not in the base ({held_out} and "
              "the demo firm descriptions); recall@50 against exact inner-product search.")
    flat_part(part, sizes, base, queries, real_nn, check)
    truth = np.asarray(check.get("truth"), dtype=np.int64)
    flat_p50 = float(check.get("flat")["p50_1"])
    chosen_nlist = ivf_nlist(sizes.count)
    for nlist in dict.fromkeys((chosen_nlist, *sizes.nlists)):
        ivf_part(part, sizes, base, queries, truth, nlist, "none", flat_p50, check, chosen=nlist == chosen_nlist)
    ivf_part(part, sizes, base, queries, truth, chosen_nlist, "sq8", flat_p50, check, chosen=True)
    for count in sizes.rule_sizes:
        rule_part(part, base[:count], queries, check)
    hnsw_part(part, sizes, base, queries, truth, check)
    choice_note(part, sizes, check)
    rule_note(part, sizes)
    check.finish()
    return part


def flat_part(part: Part, sizes: Sizes, base: np.ndarray, queries: np.ndarray, real_nn: np.ndarray,
              check: Checkpoint) -> None:
    """Exact search: ground truth, its memory and latency (1 vs 2 threads), latency by collection size."""
    if check.get("flat") is None:
        gc.collect()
        before = rss_mib()
        with timer() as t_build:
            flat = faiss.IndexFlatIP(base.shape[1])
            flat.add(base)
        grown = rss_mib() - before
        _, truth = flat.search(queries, K)
        sample = base[np.random.default_rng(1).choice(len(base), 300, replace=False)]
        synthetic_nn = nn_cosines(sample, flat, self_included=True)
        step = max(1, len(queries) // sizes.flat_queries)
        lat = {n: latencies_ms(lambda q: flat.search(q, K), queries[::step][: sizes.flat_queries], n) for n in (1, 2)}
        del flat
        tiny = faiss.IndexFlatIP(base.shape[1])
        tiny.add(base[:125])
        tiny_lat = {n: latencies_ms(lambda q: tiny.search(q, K), queries, n) for n in (1, 2)}
        by_size = {}
        for n in sizes.slices:
            sliced = faiss.IndexFlatIP(base.shape[1])
            sliced.add(base[:n])
            by_size[n] = percentile(latencies_ms(partial(search_k, sliced), queries[:100], 1), 50)
            del sliced
        check.put("truth", truth.tolist())
        check.put("flat", {
            "build_s": t_build[0], "rss_mib": grown, "bytes": base.nbytes, "synthetic_nn": synthetic_nn.tolist(),
            "lat_1": lat[1], "lat_2": lat[2], "p50_1": percentile(lat[1], 50), "tiny_1": tiny_lat[1],
            "tiny_2": tiny_lat[2], "by_size": by_size,
        })
    flat = check.get("flat")
    part.note(f"nearest-neighbour cosine, real vectors among real: {_stats(real_nn)}; synthetic vectors among "
              f"all {sizes.count:,}: {_stats(np.asarray(flat['synthetic_nn']))}.")
    lat1, lat2 = flat["lat_1"], flat["lat_2"]
    part.add(Row(f"Exact IndexFlatIP, {sizes.count:,} vectors: build / memory", f"{flat['build_s']:.1f} s, "
                 f"{flat['bytes'] / 2**20:,.0f} MiB vectors (RSS +{flat['rss_mib']:,.0f} MiB)", "-", None,
                 command=COMMAND))
    part.add(Row(f"Exact IndexFlatIP, {sizes.count:,}: single query, 1 OpenMP thread (ref: 2)", _ms(lat1),
                 _ms(lat2), percentile(lat2, 50) / percentile(lat1, 50), f"p50 <= {GOAL_P50_MS:g} ms",
                 percentile(lat1, 50) <= GOAL_P50_MS, COMMAND))
    t1, t2 = flat["tiny_1"], flat["tiny_2"]
    part.add(Row("Exact IndexFlatIP, 125 vectors (demo size): single query, 1 thread (ref: 2)", _ms(t1),
                 _ms(t2), percentile(t2, 50) / percentile(t1, 50), command=COMMAND))
    sized = ", ".join(f"{int(n):,}: {ms:.2f} ms" for n, ms in flat["by_size"].items())
    part.add(Row("Exact search p50 by collection size (1 thread; sets exact_max)", sized,
                 f"{sizes.count:,}: {flat['p50_1']:.1f} ms", None, f"p50 <= {GOAL_P50_MS:g} ms", command=COMMAND))


def ivf_part(part: Part, sizes: Sizes, base: np.ndarray, queries: np.ndarray, truth: np.ndarray, nlist: int,
             compression: str, flat_p50: float, check: Checkpoint, chosen: bool) -> None:
    """One IVF build through VectorIndex.build, then an nprobe sweep measured on the raw FAISS index."""
    key = f"ivf-{nlist}-{compression}"
    name = f"IVF{nlist},{'SQ8' if compression == 'sq8' else 'Flat'}"
    probes = sorted({max(1, round(nlist / 64 * m)) for m in sizes.probes} | {ivf_nprobe(nlist, len(base))})
    if check.get(key) is None:
        ids = [f"t:{i}" for i in range(len(base))]
        gc.collect()
        before = rss_mib()
        log.info("building %s over %d vectors", name, len(base))
        with timer() as t_build:
            index = VectorIndex.build(base, ids, "bench@1", exact_max=0, nlist=nlist,
                                      compression=compression)  # type: ignore[arg-type]
        grown = rss_mib() - before
        raw = index.faiss_index
        ivf = faiss.extract_index_ivf(raw)
        hashed = np.array([faiss_id(t) for t in ids], dtype=np.int64)
        order = np.argsort(hashed)
        sweep = {}
        for nprobe in probes:
            ivf.nprobe = nprobe
            _, found = raw.search(queries, K)
            rows = order[np.searchsorted(hashed, found, sorter=order).clip(0, len(ids) - 1)]
            lat = latencies_ms(partial(search_k, raw), queries, 1)
            sweep[str(nprobe)] = {"recall": recall_at_k(np.where(found >= 0, rows, -1), truth), "lat": lat}
        ivf.nprobe = index.manifest.nprobe or ivf_nprobe(nlist, len(base))
        ours = latencies_ms(lambda q: index.search(q, K), queries, 2)  # the product picks its own threads
        theirs = latencies_ms(lambda q: raw.search(q, K), queries, 1)
        check.put(key, {"build_s": t_build[0], "rss_mib": grown, "bytes": index_bytes(raw), "sweep": sweep,
                        "nprobe": ivf.nprobe, "ours": ours, "raw": theirs})
        del index, raw, ivf, hashed, order
        gc.collect()
    done = check.get(key)
    part.add(Row(f"{name}: build (train + add) / memory", f"{done['build_s']:.0f} s, {done['bytes'] / 2**20:,.0f} "
                 f"MiB index (RSS +{done['rss_mib']:,.0f} MiB)", f"exact: {len(base) * base.shape[1] * 4 / 2**20:,.0f}"
                 " MiB", None, command=COMMAND))
    for nprobe, m in sorted(done["sweep"].items(), key=lambda kv: int(kv[0])):
        p50 = percentile(m["lat"], 50)
        part.add(Row(f"{name} nprobe={nprobe}: single query (raw FAISS, 1 thread), recall@{K}",
                     f"{_ms(m['lat'])}, recall {m['recall']:.3f}", f"exact p50 {flat_p50:.1f} ms, recall 1",
                     flat_p50 / p50, f"p50 <= {GOAL_P50_MS:g} ms, recall >= {GOAL_RECALL}",
                     p50 <= GOAL_P50_MS and m["recall"] >= GOAL_RECALL, COMMAND))
    if chosen:
        ours, raw_lat = done["ours"], done["raw"]
        recall = done["sweep"][str(done["nprobe"])]["recall"]
        label = "compressed variant" if compression == "sq8" else "chosen for this size"
        part.add(Row(f"{name} nprobe={done['nprobe']} ({label}): VectorIndex.search vs raw index.search",
                     f"{_ms(ours)}, recall {recall:.3f}", _ms(raw_lat), percentile(raw_lat, 50) / percentile(ours, 50),
                     f"p50 <= {GOAL_P50_MS:g} ms, recall >= {GOAL_RECALL}",
                     percentile(ours, 50) <= GOAL_P50_MS and recall >= GOAL_RECALL, COMMAND))


def rule_part(part: Part, base: np.ndarray, queries: np.ndarray, check: Checkpoint) -> None:
    """The size rule's IVF parameters on a smaller collection (forced to IVF even below exact_max)."""
    key = f"rule-{len(base)}"
    if check.get(key) is None:
        flat = faiss.IndexFlatIP(base.shape[1])
        flat.add(base)
        _, truth = flat.search(queries, K)
        del flat
        ids = [f"t:{i}" for i in range(len(base))]
        with timer() as t_build:
            index = VectorIndex.build(base, ids, "bench@1", exact_max=len(base) - 1)
        position = {t: i for i, t in enumerate(ids)}
        found = np.array([[position[t] for t, _ in hits] for hits in index.search(queries, K)])
        ours = latencies_ms(lambda q: index.search(q, K), queries, 2)
        check.put(key, {"build_s": t_build[0], "recall": recall_at_k(found, truth), "lat": ours,
                        "nlist": index.manifest.nlist, "nprobe": index.manifest.nprobe})
        del index
    done = check.get(key)
    p50 = percentile(done["lat"], 50)
    part.add(Row(f"Rule at {len(base):,} vectors: IVF{done['nlist']},Flat nprobe={done['nprobe']} "
                 "(VectorIndex.search)", f"{_ms(done['lat'])}, recall {done['recall']:.3f}, build "
                 f"{done['build_s']:.0f} s", "-", None, f"p50 <= {GOAL_P50_MS:g} ms, recall >= {GOAL_RECALL}",
                 p50 <= GOAL_P50_MS and done["recall"] >= GOAL_RECALL, COMMAND))


def hnsw_part(part: Part, sizes: Sizes, base: np.ndarray, queries: np.ndarray, truth: np.ndarray,
              check: Checkpoint) -> None:
    """HNSW is measured on a sample only: its build is extrapolated, as a full build is too slow here."""
    if check.get("hnsw") is None:
        n = sizes.hnsw_sample
        with timer() as t_build:
            hnsw = faiss.IndexHNSWFlat(base.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 40
            hnsw.add(base[:n])
        check.put("hnsw", {"n": n, "build_s": t_build[0]})
        del hnsw
    done = check.get("hnsw")
    per_vector = done["build_s"] / done["n"]
    estimate = per_vector * sizes.count * np.log(sizes.count) / np.log(done["n"])
    part.add(Row(f"HNSW32 (efConstruction 40): build of {done['n']:,} vectors, extrapolated to {sizes.count:,}",
                 f"{done['build_s']:.0f} s measured, ~{estimate / 60:.0f} min estimated", "-", None,
                 command=COMMAND))
    ivf = check.get(f"ivf-{ivf_nlist(sizes.count)}-none")
    part.note(f"HNSW was not built at full size: FAISS HNSW cannot remove vectors, which every sync does, and "
              f"its graph adds ~256 bytes per vector on top of the full vectors; its build extrapolates (n log n "
              f"from {done['n']:,} vectors) to ~{estimate / 60:.0f} min, {estimate / ivf['build_s']:.1f}x the "
              "chosen IVF build.")


def choice_note(part: Part, sizes: Sizes, check: Checkpoint) -> None:
    """For each candidate, the cheapest nprobe that reaches the recall goal, to show why the rule picks one."""
    found = []
    for nlist in dict.fromkeys((ivf_nlist(sizes.count), *sizes.nlists)):
        for compression in ("none", "sq8"):
            done = check.get(f"ivf-{nlist}-{compression}")
            if done is None:
                continue
            good = [(int(p), m) for p, m in done["sweep"].items() if m["recall"] >= GOAL_RECALL]
            name = f"IVF{nlist},{'SQ8' if compression == 'sq8' else 'Flat'}"
            if not good:
                found.append(f"{name} never reaches recall {GOAL_RECALL} in the sweep")
                continue
            nprobe, m = min(good)
            found.append(f"{name} needs nprobe {nprobe} (recall {m['recall']:.3f}, p50 "
                         f"{percentile(m['lat'], 50):.1f} ms) after a {done['build_s']:.0f} s build")
    part.note("Cheapest setting reaching recall@50 >= 0.95: " + "; ".join(found) + ". Rows marked **no** are the "
              "alternatives the rule rejects: exact search at this size, fewer lists (more vectors scanned per "
              "probe), or more probes than recall needs.")
    part.note("Memory: index bytes are codes + ids (+ centroids); RSS growth is measured around each build in "
              "one process, so it includes the id map (Python strings, ~0.5-0.8 GB at 1M) and can come out below "
              "the index size when memory freed by an earlier candidate is reused.")


def rule_note(part: Part, sizes: Sizes) -> None:
    nlist = ivf_nlist(sizes.count)
    part.note(f"Rule in matcher/search/vector_index.py: exact IndexFlatIP up to exact_max={EXACT_MAX:,} vectors; "
              f"above it IVF with nlist ~ 4*sqrt(n) (power of two; {nlist} at {sizes.count:,}) and nprobe = "
              f"nlist/128 but at least enough lists to scan ~4,000 vectors ({ivf_nprobe(nlist, sizes.count)} here); "
              "compression='sq8' (setting index_compression) stores 8-bit codes (4x smaller). A single query "
              "runs on one OpenMP thread; batches keep both.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prepare", action="store_true", help="only embed and cache the real vectors")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    WORK.mkdir(parents=True, exist_ok=True)
    if args.prepare:
        base, queries = real_vectors()
        print(f"real vectors: base {base.shape}, queries {queries.shape}")


if __name__ == "__main__":
    main()

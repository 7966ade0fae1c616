from __future__ import annotations

import json
import threading
from pathlib import Path

import faiss
import numpy as np
import pytest

from matcher.config import Settings
from matcher.errors import IndexNotReady, InvalidInput
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.search.encoders import Embedder, FakeEncoder, normalize_rows
from matcher.search.index_folder import IndexFolder
from matcher.search.index_sync import IndexService, LoadedIndex
from matcher.search.vector_index import EXACT_MAX, VectorIndex, ivf_nlist, ivf_nprobe


def _vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    return normalize_rows(np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32))


@pytest.mark.parametrize("exact_max", [10_000, 100], ids=["flat", "ivf"])
def test_contract_add_search_remove_for_every_backend(exact_max: int) -> None:
    vectors = _vectors(2000)
    ids = [f"t:{i}" for i in range(2000)]
    index = VectorIndex.build(vectors, ids, "fake@1", exact_max=exact_max, nprobe=64)
    assert index.manifest.index_type == ("flat" if exact_max > 2000 else "ivf")
    assert len(index) == 2000 and "t:5" in index
    hits = index.search(vectors[[5, 17]], 3)
    assert [h[0][0] for h in hits] == ["t:5", "t:17"]
    assert hits[0][0][1] == pytest.approx(1.0, abs=1e-5)
    assert index.remove(["t:5", "missing"]) == 1
    assert "t:5" not in index and len(index) == 1999
    assert index.search(vectors[[5]], 1)[0][0][0] != "t:5"
    # Re-adding an id replaces its vector instead of duplicating it.
    index.add(vectors[[17]] * -1, ["t:17"])
    assert len(index) == 1999
    assert index.search(vectors[[17]], 1)[0][0][0] != "t:17"


def test_ivf_is_chosen_above_exact_max_and_recorded(tmp_path: Path) -> None:
    index = VectorIndex.build(_vectors(5000), [f"t:{i}" for i in range(5000)], "fake@1", exact_max=1000)
    assert index.manifest.index_type == "ivf"
    assert index.manifest.nlist == ivf_nlist(5000)
    index.save(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["index_type"] == "ivf" and manifest["count"] == 5000
    assert {"faiss", "numpy", "matcher"} <= set(manifest["versions"])


def test_load_refuses_another_encoder_or_dimension(tmp_path: Path) -> None:
    VectorIndex.build(_vectors(10), [f"t:{i}" for i in range(10)], "fake@1").save(tmp_path)
    assert len(VectorIndex.load(tmp_path, "fake@1", 16)) == 10
    with pytest.raises(IndexNotReady, match="built with encoder 'fake@1'"):
        VectorIndex.load(tmp_path, "use-multilingual@0.2.1", 512)
    with pytest.raises(IndexNotReady, match="dim 16"):
        VectorIndex.load(tmp_path, "fake@1", 32)


def test_shape_and_dtype_are_checked_at_the_boundary() -> None:
    index = VectorIndex.empty("fake@1", 16)
    with pytest.raises(InvalidInput, match="expected \\(1, 16\\)"):
        index.add(np.zeros((1, 8), dtype=np.float32), ["t:1"])
    with pytest.raises(InvalidInput, match="float32"):
        index.add(np.zeros((1, 16), dtype=np.float64), ["t:1"])
    with pytest.raises(InvalidInput, match="expected \\(n, 16\\)"):
        index.search(np.zeros((1, 8), dtype=np.float32), 5)
    assert index.search(np.zeros((2, 16), dtype=np.float32), 5) == [[], []]


def test_clone_is_independent() -> None:
    index = VectorIndex.build(_vectors(10), [f"t:{i}" for i in range(10)], "fake@1")
    copy = index.clone()
    copy.remove(["t:1"])
    assert "t:1" in index and "t:1" not in copy and len(index) == 10


def test_interrupted_build_leaves_previous_build_serving(tmp_path: Path) -> None:
    folder = IndexFolder(tmp_path / "tenders")
    with folder.new_build() as staging:
        (staging / "marker").write_text("first")
    first = folder.current()
    assert first is not None and (first / "marker").read_text() == "first"
    with pytest.raises(KeyboardInterrupt), folder.new_build() as staging:
        (staging / "marker").write_text("half")
        raise KeyboardInterrupt
    assert folder.current() == first
    assert not list((tmp_path / "tenders").glob(".tmp-*"))


def test_old_builds_are_pruned(tmp_path: Path) -> None:
    folder = IndexFolder(tmp_path / "tenders")
    for _ in range(4):
        with folder.new_build():
            pass
    builds = [p for p in (tmp_path / "tenders").iterdir() if p.is_dir()]
    assert len(builds) == 2 and folder.current() in builds


def _clustered(n: int, dim: int = 32, clusters: int = 60, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = normalize_rows(rng.normal(size=(clusters, dim)).astype(np.float32))
    noise = rng.normal(scale=0.35 / np.sqrt(dim), size=(n, dim)).astype(np.float32)
    return normalize_rows(centres[rng.integers(clusters, size=n)] + noise)


def test_index_type_and_parameters_follow_collection_size() -> None:
    assert Settings().exact_index_max == EXACT_MAX
    assert ivf_nlist(1_000_000) == 4096 and ivf_nprobe(4096, 1_000_000) == 32
    assert ivf_nprobe(1024, 50_000) == 82 and ivf_nprobe(64, 100_000) == 8
    vectors = _clustered(3000)
    ids = [f"t:{i}" for i in range(3000)]
    small = VectorIndex.build(vectors, ids, "fake@1", exact_max=3000)
    assert small.manifest.index_type == "flat" and small.suits(3000, exact_max=3000)
    large = VectorIndex.build(vectors, ids, "fake@1", exact_max=2999)
    nlist = ivf_nlist(3000)
    assert (large.manifest.index_type, large.manifest.nlist, large.manifest.nprobe) == (
        "ivf", nlist, ivf_nprobe(nlist, 3000)
    )
    assert large.suits(3000, exact_max=2999) and not large.suits(3000, exact_max=3000)
    assert not large.suits(3000, exact_max=2999, compression="sq8")
    assert not small.suits(3001, exact_max=3000)  # outgrown: the next sync rebuilds as IVF


def test_ivf_with_chosen_parameters_keeps_recall_on_clustered_vectors() -> None:
    both = _clustered(6050)
    vectors, queries = both[:6000], both[6000:]
    ids = [f"t:{i}" for i in range(6000)]
    exact = VectorIndex.build(vectors, ids, "fake@1")
    ivf = VectorIndex.build(vectors, ids, "fake@1", exact_max=1000)
    assert ivf.manifest.index_type == "ivf"
    truth = [{t for t, _ in hits} for hits in exact.search(queries, 50)]
    found = [{t for t, _ in hits} for hits in ivf.search(queries, 50)]
    recall = np.mean([len(f & t) / 50 for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.95


def test_vectors_added_to_a_trained_ivf_are_found() -> None:
    vectors = _clustered(3000)
    index = VectorIndex.build(vectors[:2500], [f"t:{i}" for i in range(2500)], "fake@1", exact_max=1000)
    index.add(vectors[2500:], [f"t:{i}" for i in range(2500, 3000)])
    assert len(index) == 3000 and index.search(vectors[[2700]], 1)[0][0][0] == "t:2700"


@pytest.mark.parametrize("exact_max", [10_000, 1000], ids=["flat", "ivf"])
def test_sq8_compression_round_trips_through_save_and_load(tmp_path: Path, exact_max: int) -> None:
    vectors = _clustered(3000)
    ids = [f"t:{i}" for i in range(3000)]
    index = VectorIndex.build(vectors, ids, "fake@1", exact_max=exact_max, compression="sq8")
    plain = VectorIndex.build(vectors, ids, "fake@1", exact_max=exact_max)
    assert index.manifest.compression == "sq8"
    assert faiss.serialize_index(index.faiss_index).size * 2 < faiss.serialize_index(plain.faiss_index).size
    index.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, "fake@1", 32)
    assert loaded.manifest.compression == "sq8" and loaded.manifest.nprobe == index.manifest.nprobe
    assert loaded.search(vectors[:5], 10) == index.search(vectors[:5], 10)
    assert [h[0][0] for h in loaded.search(vectors[[3, 9]], 1)] == ["t:3", "t:9"]
    with pytest.raises(InvalidInput, match="unknown index compression 'pq'"):
        VectorIndex.build(vectors, ids, "fake@1", compression="pq")  # type: ignore[arg-type]


def test_single_query_runs_on_one_thread_and_restores_the_setting() -> None:
    index = VectorIndex.build(_vectors(100), [f"t:{i}" for i in range(100)], "fake@1")
    before = faiss.omp_get_max_threads()
    index.search(_vectors(1), 5)
    index.search(_vectors(4), 5)
    assert faiss.omp_get_max_threads() == before


def test_sync_rebuilds_an_index_the_size_rule_has_outgrown(tmp_path: Path) -> None:
    tenders = {f"t:{i}": Tender(tender_id=f"t:{i}", source="test", title=f"pump station {i} lot {i % 7}")
               for i in range(400)}
    service = IndexService(IndexFolder(tmp_path / "tenders"), Embedder(FakeEncoder(), None), exact_max=300)
    first = dict(list(tenders.items())[:200])
    service.build(first.values())
    assert service.current().vectors.manifest.index_type == "flat"
    report = service.sync({t: x.content_hash() for t, x in tenders.items()}, lambda ids: {i: tenders[i] for i in ids},
                          lambda: tenders.values())
    assert report.rebuilt and service.current().vectors.manifest.index_type == "ivf"
    assert len(service.current().vectors) == 400


def _swapped_in_elsewhere(matcher: Matcher) -> tuple[LoadedIndex, str]:
    """This process holds a build while another process (as far as it knows) swapped a newer one in."""
    matcher.upsert_tenders([Tender(tender_id="t:1", source="t", title="Water meters")], sync=False)
    matcher.build_index()
    old = matcher.index.current()
    matcher.upsert_tenders([Tender(tender_id="t:2", source="t", title="Flow meters")], sync=False)
    new_folder = matcher.build_index().build_id
    matcher.index._loaded = old
    return old, new_folder


def _held_load(service: IndexService) -> tuple[threading.Event, threading.Event]:
    """Make the service's loads wait for ``release``; ``loading`` is set when one starts."""
    loading, release = threading.Event(), threading.Event()
    load = service._load

    def slow_load(folder: Path) -> LoadedIndex:
        loading.set()
        release.wait(30)
        return load(folder)

    service._load = slow_load  # type: ignore[method-assign]
    return loading, release


def test_a_serving_process_loads_a_new_build_beside_its_requests(matcher: Matcher) -> None:
    """Issue 15 item 10: when an import's build was swapped in, the request that noticed it loaded it (on
    the event loop, for a cached answer), stalling every request of the process. A serving process now loads
    it on a background thread; every request meanwhile is answered from the build it has, at once."""
    old, new_folder = _swapped_in_elsewhere(matcher)
    service = matcher.index
    service.reload_in_background = True
    loading, release = _held_load(service)
    assert service.current() is old  # no request waits for the load
    assert loading.wait(30)
    assert service.current() is old and service.current() is old  # still loading: one load, not one each
    release.set()
    assert service._reloader is not None
    service._reloader.join(30)
    assert service.current().build_id == new_folder


def test_a_sync_starts_from_the_newest_build_even_while_it_loads_in_the_background(matcher: Matcher) -> None:
    """A writer never builds on the build a serving process still answers from: that would drop the
    notices of the newer one."""
    _swapped_in_elsewhere(matcher)
    matcher.index.reload_in_background = True
    matcher.upsert_tenders([Tender(tender_id="t:3", source="t", title="Pressure meters")], sync=False)
    report = matcher.build_index()
    assert report.added == 1
    assert sorted(matcher.index.current().hashes) == ["t:1", "t:2", "t:3"]


def test_a_failed_background_load_keeps_the_old_build_serving(
    matcher: Matcher, caplog: pytest.LogCaptureFixture
) -> None:
    old, _ = _swapped_in_elsewhere(matcher)
    service = matcher.index
    service.reload_in_background = True

    def broken(folder: Path) -> LoadedIndex:
        raise OSError("disk gone")

    service._load = broken  # type: ignore[method-assign]
    assert service.current() is old
    assert service._reloader is not None
    service._reloader.join(30)
    assert service.current() is old  # and no new attempt within the retry pause
    assert service._failed is not None and "failed" in caplog.text


def test_outside_a_server_the_new_build_is_served_at_once(matcher: Matcher) -> None:
    """The CLI and library callers (no background reload) get the build ``CURRENT`` points to."""
    _, new_folder = _swapped_in_elsewhere(matcher)
    assert matcher.index.current().build_id == new_folder

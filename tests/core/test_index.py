from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from matcher.embed import normalize_rows
from matcher.errors import IndexNotReady, InvalidInput
from matcher.index import VectorIndex, ivf_nlist
from matcher.index_folder import IndexFolder


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

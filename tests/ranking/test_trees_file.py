"""A trees file is checked before a byte of it is read: a regular file of at most ``MAX_TREES_BYTES``. A trees
file that was a symbolic link to /dev/zero was read whole (for ever, into memory) before its sha256 was
checked; a named pipe waited for a writer for ever. Trees are written by one writer, ``write_trees``."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from matcher.errors import MatcherError
from matcher.ranking import reranker
from matcher.ranking.features import FEATURES
from matcher.ranking.judged_reranker import FOLDER as JUDGED_FOLDER
from matcher.ranking.judged_reranker import load_judged_reranker
from matcher.ranking.reranker import FOLDER, load_reranker, save_reranker
from matcher.ranking.trees import MAX_TREES_BYTES, TREE_CHOICES, TreeScorer, load_trees, trees_file, write_trees

SHIPPED = Path(__file__).resolve().parents[2] / "models"


def stump(leaf: float) -> TreeScorer:
    nodes = {"feature_idx": np.array([0]), "num_threshold": np.array([0.0]), "left": np.array([0]),
             "right": np.array([0]), "value": np.array([leaf]), "is_leaf": np.array([True]),
             "missing_go_to_left": np.array([False])}
    return TreeScorer(nodes, np.array([0]), 0.0, len(FEATURES))


def named_trees(models: Path, folder: str) -> Path:
    manifest = json.loads((models / folder / "manifest.json").read_text())
    return models / folder / str(manifest["model"].get("file", "trees.npz"))


def sparse(path: Path, size: int) -> None:
    path.unlink()
    with path.open("wb") as handle:
        handle.truncate(size)  # no disk; read whole, the bytes of a file this long


def replaced(make: Callable[[Path], None]) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        path.unlink()
        make(path)
    return change


IN_PLACE: list[tuple[Callable[[Path], None], str]] = [
    (replaced(lambda p: p.symlink_to("/dev/zero")), "not a regular file but a device"),
    (replaced(os.mkfifo), "not a regular file but a named pipe"),
    (replaced(Path.mkdir), "not a regular file but a folder"),
    (lambda p: sparse(p, MAX_TREES_BYTES + 1),
     f"{MAX_TREES_BYTES + 1:,} bytes, more than the {MAX_TREES_BYTES:,} a trees file may hold"),
]
IDS = ["dev-zero", "fifo", "folder", "too-large"]


def test_the_bound_leaves_room_above_the_largest_trees_a_model_can_hold() -> None:
    shipped = named_trees(SHIPPED, JUDGED_FOLDER).stat().st_size  # 47,640 bytes: 150 trees of depth 2
    # the largest contender: max_iter trees of at most 2 * max_leaf_nodes - 1 nodes, 42 bytes a node (NODE_FIELDS)
    largest = max(c["params"]["max_iter"] * (2 * c["params"]["max_leaf_nodes"] - 1) * 42
                  for c in TREE_CHOICES.values())  # 100 * 29 * 42 = 121,800
    assert max(shipped, largest) * 100 < MAX_TREES_BYTES


@pytest.mark.parametrize(("change", "says"), IN_PLACE, ids=IDS)
def test_a_reranker_trees_file_that_is_no_file_or_too_large_is_refused_unread(
        tmp_path: Path, change: Callable[[Path], None], says: str) -> None:
    save_reranker(stump(1.0), tmp_path, {})
    path = named_trees(tmp_path, FOLDER)
    change(path)
    with pytest.raises(MatcherError) as caught:
        load_reranker(tmp_path)
    assert f"{path}: {says}" in str(caught.value) and "retrain" in str(caught.value)


@pytest.mark.parametrize(("change", "says"), IN_PLACE, ids=IDS)
def test_the_judged_reranker_trees_file_is_guarded_alike(
        tmp_path: Path, change: Callable[[Path], None], says: str) -> None:
    shutil.copytree(SHIPPED / JUDGED_FOLDER, tmp_path / JUDGED_FOLDER)
    path = named_trees(tmp_path, JUDGED_FOLDER)
    change(path)
    with pytest.raises(MatcherError) as caught:
        load_judged_reranker(tmp_path)
    assert f"{path}: {says}" in str(caught.value)


def test_trees_written_by_write_trees_load_back_equal(tmp_path: Path) -> None:
    name, digest = write_trees(stump(1.5), tmp_path)
    assert name == f"trees-{digest[:16]}.npz"
    loaded = load_trees(tmp_path / name, len(FEATURES), "stump")
    assert float(loaded.decision(np.zeros((1, len(FEATURES))))[0]) == 1.5  # baseline 0 + the one leaf


@pytest.mark.parametrize(("change", "says"), [IN_PLACE[3], IN_PLACE[2]], ids=["too-large", "folder"])
def test_a_trees_file_swapped_after_its_check_is_refused_by_the_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[Path], None], says: str) -> None:
    """The check and the read are one: a file put in place between a look at the path and the read (another
    writer, a hostile one) is judged by the handle the read uses, not by the path looked at before."""
    save_reranker(stump(1.0), tmp_path, {})
    path = named_trees(tmp_path, FOLDER)
    checked = trees_file

    def then_swapped(manifest: Path, name: object) -> Path:
        found = checked(manifest, name)
        change(found)
        return found

    monkeypatch.setattr(reranker, "trees_file", then_swapped)
    with pytest.raises(MatcherError) as caught:
        load_reranker(tmp_path)
    assert f"{path}: {says}" in str(caught.value) and "retrain" in str(caught.value)

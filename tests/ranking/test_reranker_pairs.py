"""A saved re-ranker is a pair, a manifest and the trees file it names, that other runs' saves cannot break.

Two ``matcher train-ranker`` runs at once wrote one ``trees.npz``: run A wrote its trees, run B its trees, run A its
manifest (whose sha256 named A's trees), and the saved model failed to load. A reader that read the manifest just
before a save failed the same way. Trees are now saved under a name of their content, before the manifest naming
them; the superseded files are removed after it, with one save of a folder at a time."""

from __future__ import annotations

import errno
import hashlib
import json
import multiprocessing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.errors import MatcherError
from matcher.ranking import reranker
from matcher.ranking.features import FEATURES
from matcher.ranking.judged_reranker import COLUMNS, DEPTH, HAND_SET, load_judged_reranker
from matcher.ranking.judged_reranker import FOLDER as JUDGED_FOLDER
from matcher.ranking.reranker import FOLDER, FORMAT, KIND, load_reranker, save_reranker, write_manifest
from matcher.ranking.trees import TreeScorer, prune_trees, trees_bytes, write_trees
from matcher.schema import Award

ROWS = np.full((1, len(FEATURES)), 0.5)


def stump(leaf: float) -> TreeScorer:
    """One tree of one leaf: it scores every row sigmoid(``leaf``), so which model loaded shows in its score."""
    nodes = {"feature_idx": np.array([0]), "num_threshold": np.array([0.0]), "left": np.array([0]),
             "right": np.array([0]), "value": np.array([leaf]), "is_leaf": np.array([True]),
             "missing_go_to_left": np.array([False])}
    return TreeScorer(nodes, np.array([0]), 0.0, len(FEATURES), name=f"stump {leaf}")


def manifest_of(model: dict[str, Any]) -> dict[str, Any]:
    return {"kind": KIND, "format": FORMAT, "features": list(FEATURES), "training": {},
            "model": {"type": "trees", "name": "trees", "params": {}, "trees": 1, **model}}


def loaded_score(models_dir: Path) -> float:
    scorer = load_reranker(models_dir)
    assert scorer is not None
    return float(scorer.score(ROWS)[0])


def sigmoid(z: float) -> float:
    return float(1.0 / (1.0 + np.exp(-z)))


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_two_runs_whose_save_steps_interleave_each_leave_a_model_that_loads(tmp_path: Path) -> None:
    folder = tmp_path / FOLDER
    folder.mkdir()
    name_a, sha_a = write_trees(stump(1.0), folder)  # run A writes its trees
    name_b, sha_b = write_trees(stump(2.0), folder)  # run B writes its trees
    write_manifest(folder, manifest_of({"file": name_a, "sha256": sha_a}))  # run A names its own
    assert loaded_score(tmp_path) == pytest.approx(sigmoid(1.0))
    write_manifest(folder, manifest_of({"file": name_b, "sha256": sha_b}))  # run B names its own
    prune_trees(folder, keep=name_b)
    assert loaded_score(tmp_path) == pytest.approx(sigmoid(2.0))
    assert name_a != name_b and files(folder) == sorted(["manifest.json", name_b])


def test_a_reader_that_read_the_manifest_just_before_a_save_loads_the_new_pair(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_reranker(stump(1.0), tmp_path, {})
    read = reranker.read_manifest
    calls: list[int] = []

    def read_then_a_save_comes(path: Path, what: str) -> dict[str, Any] | None:
        manifest = read(path, what)
        if not calls:  # the save lands between the reader's manifest and its trees
            save_reranker(stump(2.0), tmp_path, {})
        calls.append(1)
        return manifest

    monkeypatch.setattr(reranker, "read_manifest", read_then_a_save_comes)
    assert loaded_score(tmp_path) == pytest.approx(sigmoid(2.0))


def test_a_save_removes_the_trees_it_superseded_and_a_linear_model_removes_them_all(tmp_path: Path) -> None:
    folder = tmp_path / FOLDER
    for leaf in (1.0, 2.0, 3.0):
        save_reranker(stump(leaf), tmp_path, {})
    named = json.loads((folder / "manifest.json").read_text())["model"]["file"]
    assert files(folder) == sorted(["manifest.json", named]) and named.startswith("trees-")
    save_reranker(reranker.history_scorer(), tmp_path, {})
    assert files(folder) == ["manifest.json"]


SAVES = 60


def _saves(models_dir: str, leaf: float) -> None:
    for _ in range(SAVES):
        save_reranker(stump(leaf), Path(models_dir), {})


def test_two_processes_saving_at_once_leave_a_model_that_loads_at_every_moment(tmp_path: Path) -> None:
    save_reranker(stump(0.5), tmp_path, {})
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_saves, args=(str(tmp_path), leaf)) for leaf in (1.0, 2.0)]
    for writer in writers:
        writer.start()
    seen: set[float] = set()
    while any(writer.is_alive() for writer in writers):
        seen.add(round(loaded_score(tmp_path), 6))  # raised on a manifest paired with the other run's trees
    for writer in writers:
        writer.join()
    assert [writer.exitcode for writer in writers] == [0, 0]
    assert round(loaded_score(tmp_path), 6) in {round(sigmoid(1.0), 6), round(sigmoid(2.0), 6)}
    assert seen <= {round(sigmoid(z), 6) for z in (0.5, 1.0, 2.0)}
    named = json.loads((tmp_path / FOLDER / "manifest.json").read_text())["model"]["file"]
    assert files(tmp_path / FOLDER) == sorted(["manifest.json", named])


@pytest.mark.parametrize("file", [{"file": "trees.npz"}, {}])
def test_a_model_saved_in_the_earlier_layout_still_loads_and_a_new_save_replaces_it(
        tmp_path: Path, file: dict[str, str]) -> None:
    folder = tmp_path / FOLDER
    folder.mkdir()
    data = trees_bytes(stump(1.0))  # a trees file under the earlier layout's fixed name
    (folder / "trees.npz").write_bytes(data)
    write_manifest(folder, manifest_of({**file, "sha256": hashlib.sha256(data).hexdigest()}))
    assert loaded_score(tmp_path) == pytest.approx(sigmoid(1.0))
    save_reranker(stump(2.0), tmp_path, {})
    assert loaded_score(tmp_path) == pytest.approx(sigmoid(2.0)) and "trees.npz" not in files(folder)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "manifest.json", "trees-0123.npz", 7, ["x"]])
def test_a_manifest_naming_a_trees_file_outside_its_folder_is_refused(tmp_path: Path, name: object) -> None:
    save_reranker(stump(1.0), tmp_path, {})
    path = tmp_path / FOLDER / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["model"]["file"] = name
    path.write_text(json.dumps(manifest))
    with pytest.raises(MatcherError, match=r"names the trees file .* which is not a trees file of its folder"):
        load_reranker(tmp_path)


def test_a_judged_reranker_manifest_naming_a_file_outside_its_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / JUDGED_FOLDER
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({
        "kind": "judged-reranker", "format": 1, "columns": list(COLUMNS), "depth": DEPTH,
        "hand_set": list(HAND_SET), "model": {"type": "trees", "file": "../../etc/passwd"}}))
    with pytest.raises(MatcherError, match=r"'\.\./\.\./etc/passwd', which is not a trees file of its folder"):
        load_judged_reranker(tmp_path)


def test_evaluate_with_a_manifest_naming_etc_passwd_is_one_line_and_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, awards: list[Award]) -> None:
    models = tmp_path / "models"
    save_reranker(stump(1.0), models, {})
    path = models / FOLDER / "manifest.json"
    path.write_text(path.read_text().replace(json.loads(path.read_text())["model"]["file"], "../../etc/passwd"))
    monkeypatch.setenv("MATCHER_MODELS_DIR", str(models))
    source = tmp_path / "awards.jsonl"
    source.write_text("\n".join(a.model_dump_json() for a in awards))
    result = CliRunner().invoke(app, ["evaluate", "--awards", str(source), "--cutoff", "2013-06-01", "--encoder",
                                      "fake", "--home", str(tmp_path / "home")])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"error: {path} names the trees file '../../etc/passwd', which is not a trees file of "
                             "its folder (expected trees-<16 hex digits>.npz); retrain the model\n")


def test_a_save_that_fails_for_want_of_space_is_one_error_and_keeps_the_model_saved_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_reranker(stump(1.0), tmp_path, {})
    before = files(tmp_path / FOLDER)

    def disk_full(folder: Path, manifest: dict[str, Any]) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(reranker, "write_manifest", disk_full)
    with pytest.raises(MatcherError, match=r"cannot save the model into .*: No space left on device \(the model "
                                           r"saved before is kept\)"):
        save_reranker(stump(2.0), tmp_path, {})
    assert loaded_score(tmp_path) == pytest.approx(sigmoid(1.0))
    assert files(tmp_path / FOLDER) == before  # the new trees, named by nothing, are not left behind

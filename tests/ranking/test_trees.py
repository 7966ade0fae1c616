"""The tree re-ranker: sklearn's fitted trees exported as arrays (no pickle) and walked with numpy."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from typer.testing import CliRunner

from matcher.cli import app
from matcher.errors import MatcherError
from matcher.evaluate.context import EvalContext
from matcher.evaluate.split import time_split
from matcher.evaluate.train import TrainingSet, train
from matcher.ranking.features import FEATURES
from matcher.ranking.reranker import load_reranker, save_reranker
from matcher.ranking.trees import TreeScorer, export_trees, fit_trees, load_trees, write_trees
from matcher.schema import Award
from matcher.search.encoders import Embedder, FakeEncoder


def _rows(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, len(FEATURES)))
    signal = x[:, FEATURES.index("history")] + 0.5 * x[:, FEATURES.index("market_share")]
    y = (signal + rng.normal(0.0, 0.2, n) > 0.8).astype(np.int64)
    x[rng.random(x.shape) < 0.03] = np.nan  # missing values take the branch sklearn learnt for them
    return x, y


def test_the_walker_equals_sklearn_on_held_out_rows() -> None:
    x, y = _rows(3000)
    model = HistGradientBoostingClassifier(max_iter=60, max_leaf_nodes=15, random_state=0).fit(x[:2000], y[:2000])
    trees = export_trees(model, len(FEATURES))
    held_out = x[2000:]
    assert np.allclose(trees.decision(held_out), model.decision_function(held_out), atol=1e-6, rtol=0.0)
    assert np.allclose(trees.score(held_out), model.predict_proba(held_out)[:, 1], atol=1e-6, rtol=0.0)
    assert len(trees.roots) == 60 and set(trees.weights()) <= set(FEATURES)


def test_the_walker_equals_sklearn_on_the_products_own_features(awards: list[Award]) -> None:
    """Feature rows as ranking makes them (many exact ties at 0, 0.5 and 1), labelled by who won, and rows
    that sit exactly on every split threshold (where ``<=`` against ``<`` would show)."""
    split = time_split(awards, date(2013, 6, 1))
    context = EvalContext.build(split, {"fake": Embedder(FakeEncoder(), None)}, "fake")
    x = np.vstack([context.firm(identity).features for identity in split.firms])
    y = np.concatenate([np.isin(np.arange(len(split.candidates)), split.relevant[i]) for i in split.firms])
    model = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=7, min_samples_leaf=3, random_state=0)
    model.fit(x, y.astype(np.int64))
    trees = export_trees(model, len(FEATURES), check=x)
    inner = np.flatnonzero(~trees.nodes["is_leaf"])
    assert len(inner) and len(np.unique(trees.nodes["feature_idx"][inner])) > 1  # the trees do split
    assert np.allclose(trees.score(x), model.predict_proba(x)[:, 1], atol=1e-9, rtol=0.0)
    on_edge = np.repeat(x[:1], len(inner), axis=0)
    on_edge[np.arange(len(inner)), trees.nodes["feature_idx"][inner]] = trees.nodes["num_threshold"][inner]
    assert np.allclose(trees.decision(on_edge), model.decision_function(on_edge), atol=1e-9, rtol=0.0)


class _Moved:
    """A fitted model as a scikit-learn release that reorganised the private attributes might leave it."""

    def __init__(self, model: HistGradientBoostingClassifier, **changed: object) -> None:
        self._predictors, self._baseline_prediction = model._predictors, model._baseline_prediction
        self.decision_function = model.decision_function
        for name, value in changed.items():
            if value is None:
                delattr(self, name)
            else:
                setattr(self, name, value)


def test_scikit_learn_internals_that_moved_are_refused_not_misread() -> None:
    x, y = _rows(600)
    model = HistGradientBoostingClassifier(max_iter=5, random_state=0).fit(x, y)
    assert export_trees(_Moved(model), len(FEATURES), check=x).n_features == len(FEATURES)
    renamed = np.zeros(3, dtype=[("value", np.float64), ("threshold", np.float64)])
    for moved in (_Moved(model, _predictors=None), _Moved(model, _predictors=[[SimpleNamespace(nodes=renamed)]])):
        with pytest.raises(MatcherError, match=r"scikit-learn \d+\.\d+.*pyproject.toml"):
            export_trees(moved, len(FEATURES))
    # Present and well-formed but meaning something else (the baseline kept elsewhere): the check against
    # the public decision_function catches it.
    elsewhere = _Moved(model, _baseline_prediction=np.zeros((1, 1)))
    assert export_trees(elsewhere, len(FEATURES)).baseline == 0.0  # unchecked, it would be believed
    with pytest.raises(MatcherError, match="differ from decision_function"):
        export_trees(elsewhere, len(FEATURES), check=x)


def test_a_prior_column_is_fed_to_the_trees_like_sklearn_saw_it() -> None:
    x, y = _rows(2000)
    trees = fit_trees(x[:1500], y[:1500], "trees-prior")
    assert trees.prior is not None and trees.n_features == len(FEATURES) + 1
    model = HistGradientBoostingClassifier(early_stopping=False, random_state=0, **trees.params)
    model.fit(trees.with_prior(x[:1500]), y[:1500])
    held_out = trees.with_prior(x[1500:])
    assert np.allclose(trees.decision(x[1500:]), model.decision_function(held_out), atol=1e-6, rtol=0.0)


def test_trees_round_trip_without_pickle_and_refuse_tampering(tmp_path: Path) -> None:
    x, y = _rows(1500)
    trees = fit_trees(x, y, "trees-prior")
    save_reranker(trees, tmp_path, {"span": {"to": "2013-10-29"}})
    loaded = load_reranker(tmp_path)
    assert isinstance(loaded, TreeScorer) and loaded.name == "trees-prior" and loaded.prior is not None
    assert np.allclose(loaded.score(x[:200]), trees.score(x[:200]), atol=1e-12)
    path = tmp_path / "reranker" / json.loads((tmp_path / "reranker" / "manifest.json").read_text())["model"]["file"]
    with np.load(path, allow_pickle=False) as data:  # plain arrays only
        assert all(data[k].dtype != object for k in data.files)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(MatcherError, match="retrain"):
        load_reranker(tmp_path)


@pytest.mark.slow
def test_train_validates_the_trees_as_a_contender() -> None:
    x, y = _rows(4000, seed=1)
    firms = [(x[i : i + 200], y[i : i + 200], np.ones(200)) for i in range(0, 4000, 200)]
    training = TrainingSet(points=firms[:14], points_all=firms)
    training.pairs = training.train_pairs_all = [np.zeros((1, len(FEATURES))) + 0.01]
    for features, won, _ in firms[14:]:
        clean = np.nan_to_num(features, nan=0.5)
        training.validation.append((clean, np.ones(len(clean)), [int(i) for i in np.flatnonzero(won)]))
    _, info = train(training)
    assert {"trees:trees", "trees:trees-prior", "logistic"} <= set(info["validation"])
    assert info["selected"] in info["validation"]


def test_train_ranker_runs_past_a_stale_saved_model(awards: list[Award], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    models = tmp_path / "models"
    save_reranker(fit_trees(*_rows(1000), "trees"), models, {})
    manifest_path = models / "reranker" / "manifest.json"
    stale = json.loads(manifest_path.read_text()) | {"features": ["dense", "lexical"]}
    manifest_path.write_text(json.dumps(stale))
    monkeypatch.setenv("MATCHER_MODELS_DIR", str(models))
    source = tmp_path / "awards.jsonl"
    source.write_text("\n".join(a.model_dump_json() for a in awards))
    result = CliRunner().invoke(app, ["train-ranker", "--awards", str(source), "--cutoff", "2013-06-01",
                                      "--encoder", "fake", "--home", str(tmp_path / "home")])
    assert result.exit_code == 0, result.output
    assert json.loads(manifest_path.read_text())["features"] == list(FEATURES)
    assert load_reranker(models) is not None


def _rewritten(path: Path, change: str) -> None:
    """``path`` (trees written by write_trees) changed as ``change`` says, as a foreign writer could."""
    if change in ("truncated", "empty"):
        path.write_bytes(path.read_bytes()[:300] if change == "truncated" else b"")
        return
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    edits: dict[str, Callable[[], object]] = {
        "value-nan": lambda: arrays["node_value"].__setitem__(slice(None), np.nan),
        "baseline-nan": lambda: arrays.update(baseline=np.array([np.nan])),
        "baseline-empty": lambda: arrays.update(baseline=np.zeros(0)),
        "value-2d": lambda: arrays.update(node_value=arrays["node_value"].reshape(-1, 1)),
        "root-negative": lambda: arrays.update(roots=-arrays["roots"] - 1),
        "left-negative": lambda: arrays["node_left"].__setitem__(slice(None), -5),
    }
    edits[change]()
    with path.open("wb") as out:
        np.savez(out, **arrays)


@pytest.mark.parametrize("change", ["truncated", "empty", "value-nan", "baseline-nan", "baseline-empty", "value-2d",
                                    "root-negative", "left-negative"])
def test_trees_damaged_past_their_checksum_are_refused_by_name(tmp_path: Path, change: str) -> None:
    """The manifest's sha256 guards trees.npz against a stray change; these are what load_trees itself meets
    when the file and the checksum were both rewritten (or another caller reads it): each was a traceback
    (BadZipFile, EOFError, IndexError) or loaded and scored NaN or read nodes from the far end of the arrays."""
    x, y = _rows(600)
    path = tmp_path / write_trees(fit_trees(x, y), tmp_path)[0]
    _rewritten(path, change)
    with pytest.raises(MatcherError, match=f"tree re-ranker {path}"):
        load_trees(path, len(FEATURES), "trees")


def test_a_directory_in_place_of_the_trees_is_refused_by_name(tmp_path: Path) -> None:
    x, y = _rows(600)
    save_reranker(fit_trees(x, y), tmp_path, {})
    path = tmp_path / "reranker" / json.loads((tmp_path / "reranker" / "manifest.json").read_text())["model"]["file"]
    path.unlink()
    path.mkdir()
    with pytest.raises(MatcherError, match=f"trees file {path}: not a regular file but a folder .*; retrain"):
        load_reranker(tmp_path)

"""A tree-ensemble re-ranker: scikit-learn's HistGradientBoostingClassifier, exported as plain arrays.

Nothing is pickled. ``fit_trees`` fits the classifier (won vs. not won rows) and copies out, for every tree,
the node fields that prediction needs (``NODE_FIELDS``) plus the baseline log-odds; ``TreeScorer`` walks all
trees at once with numpy. ``write_trees`` / ``load_trees`` write and read them with ``np.savez`` /
``np.load(allow_pickle=False)``, so loading and scoring read our arrays only and never touch scikit-learn.

scikit-learn is touched only when fitting and exporting, and there through private attributes: the
histogram booster has no public accessor for its trees (the documented ``tree_`` arrays belong to the single
trees and ``GradientBoostingClassifier``; moving to one would change the model ``train-ranker`` validates and
ships). ``export_trees`` therefore checks every assumption it makes about them (``_sklearn_trees``), and
``fit_trees`` checks the exported walk against the classifier's public ``decision_function`` before anything
is saved: a scikit-learn whose internals moved is refused with its version named, never misread.
pyproject.toml pins the scikit-learn range this was tested with (``tests/ranking/test_trees.py`` walks against
``predict_proba`` on the product's own features).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from matcher.errors import MatcherError
from matcher.paths import kind_of, replace_atomically
from matcher.ranking.features import FEATURES

log = logging.getLogger(__name__)

#: The node fields a walk needs, with the dtypes they are stored in.
NODE_FIELDS: dict[str, type[np.generic]] = {
    "feature_idx": np.int64, "num_threshold": np.float64, "left": np.int64, "right": np.int64,
    "value": np.float64, "is_leaf": np.bool_, "missing_go_to_left": np.bool_,
}
#: Rows of the training data ``fit_trees`` scores both ways (the export and scikit-learn) before accepting it.
CHECK_ROWS = 1000
#: Largest difference in log-odds the check accepts (sklearn sums the same float64 leaf values in another
#: order; a misread node is off by a leaf value, orders of magnitude more).
CHECK_TOLERANCE = 1e-6
#: A saved ensemble's file in its model folder is named by its content, ``trees-<16 hex digits of its sha256>.npz``
#: (``write_trees``): a run's manifest names the file that run wrote, which no other run's save overwrites. One
#: fixed name let two runs at once pair one's manifest with the other's trees. ``trees.npz`` is the name of the
#: earlier layout, still read (saved models in users' homes name it).
LEGACY_FILE = "trees.npz"
TREES_NAME = re.compile(r"trees-[0-9a-f]{16}\.npz|trees\.npz")
#: The largest trees file read, in bytes: a larger one (or one that is no regular file: a symbolic link to
#: /dev/zero, a named pipe) is refused before a byte of it is read, its sha256 included. The largest ensemble a
#: contender can hold is about 120 KB (``TREE_CHOICES``: 100 trees of at most 29 nodes, 42 bytes a node); the
#: shipped judged re-ranker's is 48 KB.
MAX_TREES_BYTES = 16 * 1024 * 1024
#: The contenders ``matcher train-ranker`` validates: sklearn hyper-parameters, and optionally a ``prior``,
#: feature weights whose weighted sum the trees get as one more input (the hand-set history-share score).
TREE_CHOICES: dict[str, dict[str, Any]] = {
    "trees": {"params": {"max_iter": 100, "learning_rate": 0.05, "max_leaf_nodes": 7, "min_samples_leaf": 80,
                         "l2_regularization": 1.0}},
    "trees-prior": {"params": {"max_iter": 100, "learning_rate": 0.05, "max_leaf_nodes": 15,
                               "min_samples_leaf": 80, "l2_regularization": 1.0},
                    "prior": {"history": 1.0, "market_share": 1.5}},
}


@dataclass
class TreeScorer:
    """sigmoid(baseline + sum of leaf values): a score in [0, 1] ordered like the ensemble's log-odds.

    ``nodes`` holds every tree's nodes back to back (child indices are global); ``roots`` the first node of
    each tree. With a ``prior`` (weights over ``FEATURES``) the trees read one more column, ``features @
    prior``; ``n_features`` counts the columns the trees read."""

    nodes: dict[str, np.ndarray]
    roots: np.ndarray
    baseline: float
    n_features: int
    name: str = "trees"
    params: dict[str, Any] = field(default_factory=dict)
    prior: np.ndarray | None = None

    def __post_init__(self) -> None:
        # Leaves point at themselves, so every row can take the same number of steps without a leaf test.
        leaf, here = self.nodes["is_leaf"], np.arange(len(self.nodes["value"]), dtype=np.int64)
        self._left = np.where(leaf, here, self.nodes["left"])
        self._right = np.where(leaf, here, self.nodes["right"])
        self._depth = _depth(self.roots, self._left, self._right, leaf)

    def decision(self, features: np.ndarray) -> np.ndarray:
        """The raw log-odds, equal to sklearn's ``decision_function`` on ``with_prior(features)``."""
        x = self.with_prior(features)
        at = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        flat = (np.arange(len(x), dtype=np.int64) * self.n_features)[:, None]
        values, missing = x.ravel(), bool(np.isnan(x).any())
        feature, threshold = self.nodes["feature_idx"], self.nodes["num_threshold"]
        for _ in range(self._depth):
            value = values[flat + feature[at]]
            left = value <= threshold[at]
            if missing:
                left = np.where(np.isnan(value), self.nodes["missing_go_to_left"][at], left)
            at = np.where(left, self._left[at], self._right[at])
        return np.asarray(self.baseline + self.nodes["value"][at].sum(axis=1), dtype=np.float64)

    def with_prior(self, features: np.ndarray) -> np.ndarray:
        """The columns the trees read: the features, then ``features @ prior`` when there is a prior."""
        x = np.asarray(features, dtype=np.float64)
        width = self.n_features - (self.prior is not None)
        if x.ndim != 2 or x.shape[1] != width:
            raise MatcherError(f"tree re-ranker needs (n, {width}) features, got {x.shape}")
        return x if self.prior is None else np.c_[x, x @ self.prior]

    def score(self, features: np.ndarray) -> np.ndarray:
        z = np.clip(self.decision(features), -30.0, 30.0)
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def weights(self) -> dict[str, float]:
        """Share of the splits made on each feature (a tree model has no weights; this says what it uses)."""
        inner = self.nodes["feature_idx"][~self.nodes["is_leaf"]]
        counts = np.bincount(inner, minlength=self.n_features).astype(np.float64)
        total = counts.sum() or 1.0
        return {n: round(float(c) / total, 4) for n, c in zip(FEATURES, counts[: len(FEATURES)], strict=False) if c}


def _depth(roots: np.ndarray, left: np.ndarray, right: np.ndarray, leaf: np.ndarray) -> int:
    """The most steps any root-to-leaf walk takes (bounded by the node count, so a cycle cannot hang)."""
    at, steps = np.unique(roots), 0
    while len(at) and steps <= len(leaf):
        at = np.unique(np.r_[left[at[~leaf[at]]], right[at[~leaf[at]]]])
        steps += 1
    if steps > len(leaf):
        raise MatcherError("tree re-ranker nodes form a cycle")
    return max(steps - 1, 0)


def _changed(detail: str) -> MatcherError:
    return MatcherError(
        f"scikit-learn {version('scikit-learn')} stores HistGradientBoostingClassifier trees differently than "
        f"the tree re-ranker expects ({detail}); install the scikit-learn range pinned in pyproject.toml"
    )


def _sklearn_trees(model: Any) -> tuple[list[np.ndarray], float]:
    """The node array of every tree (in iteration order) and the baseline log-odds of a fitted binary
    ``HistGradientBoostingClassifier``: read from its private ``_predictors`` (one list of ``TreePredictor``
    per iteration, each with a structured ``nodes`` array) and ``_baseline_prediction``, with every
    assumption about them checked."""
    try:
        iterations = [list(iteration) for iteration in model._predictors]
        nodes = [predictor.nodes for iteration in iterations for predictor in iteration]
        baseline = np.asarray(model._baseline_prediction, dtype=np.float64).ravel()
    except (AttributeError, TypeError, ValueError) as exc:
        raise _changed(f"no _predictors[i][j].nodes or _baseline_prediction: {exc}") from exc
    if any(len(iteration) != 1 for iteration in iterations) or baseline.shape != (1,):
        raise MatcherError("tree re-ranker supports binary classifiers only (one tree per iteration)")
    needed = {*NODE_FIELDS, "is_categorical"}
    for array in nodes:
        names = set(getattr(getattr(array, "dtype", None), "names", None) or ())
        if not isinstance(array, np.ndarray) or array.ndim != 1 or not needed <= names:
            raise _changed(f"tree nodes without the fields {sorted(needed - names)}")
    if any(array["is_categorical"].any() for array in nodes):
        raise MatcherError("tree re-ranker does not support categorical splits")
    return nodes, float(baseline[0])


def export_trees(model: Any, n_features: int, name: str = "trees", check: np.ndarray | None = None) -> TreeScorer:
    """Copy a fitted binary ``HistGradientBoostingClassifier`` into a ``TreeScorer`` (without a prior: the
    model's inputs are the columns it reads). With ``check`` (such rows) the copy's log-odds must equal the
    model's ``decision_function`` on them, else the export is refused."""
    trees, baseline = _sklearn_trees(model)
    sizes = np.array([len(t) for t in trees], dtype=np.int64)
    roots = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    nodes: dict[str, np.ndarray] = {}
    for key, dtype in NODE_FIELDS.items():
        parts = [t[key].astype(dtype) for t in trees]
        if key in ("left", "right"):
            parts = [part + offset for part, offset in zip(parts, roots, strict=True)]
        nodes[key] = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
    scorer = TreeScorer(nodes, roots, baseline, n_features, name=name)
    if check is not None and len(check):
        ours, theirs = scorer.decision(check), np.asarray(model.decision_function(check), dtype=np.float64)
        worst = float(np.max(np.abs(ours - theirs)))
        if not worst <= CHECK_TOLERANCE:  # NaN fails too
            raise _changed(f"the exported trees differ from decision_function by {worst:.3g} in log-odds")
    return scorer


def fit_trees(
    x: np.ndarray, y: np.ndarray, name: str = "trees", seed: int = 0, weight: np.ndarray | None = None
) -> TreeScorer:
    """Fit a HistGradientBoostingClassifier (``TREE_CHOICES[name]``) on rows ``x`` with 0/1 labels ``y``
    (and optional sample weights)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    if x.ndim != 2 or len(x) != len(y) or len(np.unique(y)) != 2:
        raise MatcherError(f"tree re-ranker needs rows of both labels, got {x.shape} rows, labels {np.unique(y)}")
    choice = TREE_CHOICES[name]
    prior = choice.get("prior")
    vector = None if prior is None else np.array([prior.get(f, 0.0) for f in FEATURES], dtype=np.float64)
    inputs = x if vector is None else np.c_[x, x @ vector]
    model = HistGradientBoostingClassifier(early_stopping=False, random_state=seed, **choice["params"])
    model.fit(inputs, y, sample_weight=weight)
    scorer = export_trees(model, inputs.shape[1], name, check=inputs[:: max(1, len(inputs) // CHECK_ROWS)])
    scorer.params, scorer.prior = dict(choice["params"]), vector
    return scorer


def _arrays(scorer: TreeScorer) -> dict[str, Any]:
    arrays: dict[str, Any] = {f"node_{k}": v for k, v in scorer.nodes.items()}
    arrays |= {"roots": scorer.roots, "baseline": np.array([scorer.baseline])}
    if scorer.prior is not None:
        arrays["prior"] = scorer.prior
    return arrays


def trees_bytes(scorer: TreeScorer) -> bytes:
    """The node arrays, roots and baseline as one ``.npz`` file's bytes (numbers only): what a trees file holds."""
    buffer = io.BytesIO()
    np.savez(buffer, **_arrays(scorer))
    return buffer.getvalue()


def write_trees(scorer: TreeScorer, folder: Path) -> tuple[str, str]:
    """Save the trees into ``folder`` under the name of their content (``TREES_NAME``), atomically, and return
    that name and the file's sha256, for the manifest written after it. The one writer of trees files."""
    data = trees_bytes(scorer)
    digest = hashlib.sha256(data).hexdigest()
    name = f"trees-{digest[:16]}.npz"
    replace_atomically(folder / name, lambda partial: partial.write_bytes(data), suffix=".npz")
    return name, digest


def trees_file(manifest: Path, name: object) -> Path:
    """The trees file a model manifest names (``LEGACY_FILE`` when it names none), in the manifest's folder; a
    name that is not a trees file's (a path such as '../../etc/passwd', a hand edit) is refused: nothing outside
    the folder is read."""
    if name is None:
        name = LEGACY_FILE
    if not isinstance(name, str) or not TREES_NAME.fullmatch(name):
        shown = repr(name)[:80]
        raise MatcherError(f"{manifest} names the trees file {shown}, which is not a trees file of its folder "
                           "(expected trees-<16 hex digits>.npz); retrain the model")
    return manifest.parent / name


def _refusal(info: os.stat_result) -> str | None:
    """Why a file of ``info`` is no trees file to read (not a regular file, or above ``MAX_TREES_BYTES``), or None.
    Judged on the handle the read uses (``read_trees``), never on a look at the path before it."""
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file but a {kind_of(info.st_mode)}"
    if info.st_size > MAX_TREES_BYTES:
        return f"{info.st_size:,} bytes, more than the {MAX_TREES_BYTES:,} a trees file may hold"
    return None


def read_trees(path: Path, manifest: Path) -> bytes:
    """The bytes of the trees file ``path`` (named by ``manifest``), judged by the handle they are read through
    (``_refusal``: a link to /dev/zero, a pipe, a folder, a file too large), so a file swapped in after any look
    at the path is refused alike, and no more than ``MAX_TREES_BYTES`` are read. Opened without blocking, so a
    named pipe is refused instead of waited on. Raises what ``open`` raises (FileNotFoundError: removed by a save
    since)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        problem = _refusal(os.fstat(descriptor))  # before fdopen, which refuses a folder with its own error
        data = b""
        if problem is None:
            with os.fdopen(descriptor, "rb", closefd=False) as handle:
                data = handle.read(MAX_TREES_BYTES + 1)
            if len(data) > MAX_TREES_BYTES:  # grown since the look
                problem = f"more than the {MAX_TREES_BYTES:,} bytes a trees file may hold"
    finally:
        os.close(descriptor)
    if problem is not None:
        raise MatcherError(f"trees file {path}: {problem} (named by {manifest}); retrain the model")
    return data


def prune_trees(folder: Path, keep: str | None) -> None:
    """Remove the trees files of ``folder`` other than ``keep`` (the one its manifest now names): superseded by
    a save. Only under the save lock (``matcher.ranking.reranker.save_model``), or a file another run has written
    and is about to name would go."""
    for path in folder.iterdir():
        if path.name != keep and TREES_NAME.fullmatch(path.name):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:  # a folder in its place, say: left, it is named by nothing
                log.warning("could not remove the superseded trees file %s: %s", path, exc.strerror or exc)


def load_trees(path: Path, n_features: int, name: str, data: bytes | None = None) -> TreeScorer:
    """Read what ``write_trees`` wrote (from ``data``, the file's bytes, when given), checking every array is there,
    of one dimension, finite where a score is read from it, and every index in range (a negative one would read a
    node from the far end).
    ``n_features``: the width of the feature rows to be scored (the prior column comes on top)."""
    try:
        with np.load(path if data is None else io.BytesIO(data), allow_pickle=False) as arrays:
            nodes = {k: arrays[f"node_{k}"].astype(dtype) for k, dtype in NODE_FIELDS.items()}
            roots, baseline = arrays["roots"].astype(np.int64), arrays["baseline"].astype(np.float64)
            prior = arrays["prior"].astype(np.float64) if "prior" in arrays.files else None
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise MatcherError(f"unreadable tree re-ranker {path}: {exc} (expected arrays written by write_trees)") from exc
    if prior is not None and prior.shape != (n_features,):
        raise MatcherError(f"tree re-ranker {path} has a prior of shape {prior.shape}, expected ({n_features},)")
    size = len(nodes["value"])
    if baseline.shape != (1,) or any(v.shape != (size,) for v in nodes.values()) or roots.ndim != 1 \
            or not np.isfinite(np.r_[baseline, nodes["value"], prior if prior is not None else []]).all():
        raise MatcherError(f"tree re-ranker {path} has arrays of the wrong shape or scores that are not finite")
    n_features += prior is not None
    inner = ~nodes["is_leaf"]
    children = np.r_[nodes["left"][inner], nodes["right"][inner]]
    if (
        not len(roots) or roots.max() >= size or roots.min() < 0 or (children >= size).any() or (children < 0).any()
        or ((nodes["feature_idx"][inner] < 0) | (nodes["feature_idx"][inner] >= n_features)).any()
    ):
        raise MatcherError(f"tree re-ranker {path} is inconsistent (node indices or features out of range)")
    return TreeScorer(nodes, roots, float(baseline[0]), n_features, name=name, prior=prior)

"""A tree-ensemble re-ranker: scikit-learn's HistGradientBoostingClassifier, exported as plain arrays.

Nothing is pickled. ``fit_trees`` fits the classifier (won vs. not won rows) and copies out, for every tree,
the node fields that prediction needs (``NODE_FIELDS``) plus the baseline log-odds; ``TreeScorer`` walks all
trees at once with numpy. ``save_trees`` / ``load_trees`` write and read them with ``np.savez`` /
``np.load(allow_pickle=False)``, so loading reads numbers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from matcher.errors import MatcherError
from matcher.ranking.features import FEATURES

#: The node fields a walk needs, with the dtypes they are stored in.
NODE_FIELDS: dict[str, type[np.generic]] = {
    "feature_idx": np.int64, "num_threshold": np.float64, "left": np.int64, "right": np.int64,
    "value": np.float64, "is_leaf": np.bool_, "missing_go_to_left": np.bool_,
}
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


def export_trees(model: Any, n_features: int, name: str = "trees") -> TreeScorer:
    """Copy a fitted binary ``HistGradientBoostingClassifier`` into a ``TreeScorer``."""
    predictors = [p for iteration in model._predictors for p in iteration]
    if any(len(iteration) != 1 for iteration in model._predictors):
        raise MatcherError("tree re-ranker supports binary classifiers only (one tree per iteration)")
    if any(p.nodes["is_categorical"].any() for p in predictors):
        raise MatcherError("tree re-ranker does not support categorical splits")
    sizes = np.array([len(p.nodes) for p in predictors], dtype=np.int64)
    roots = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    nodes: dict[str, np.ndarray] = {}
    for key, dtype in NODE_FIELDS.items():
        parts = [p.nodes[key].astype(dtype) for p in predictors]
        if key in ("left", "right"):
            parts = [part + offset for part, offset in zip(parts, roots, strict=True)]
        nodes[key] = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
    baseline = float(np.asarray(model._baseline_prediction).ravel()[0])
    return TreeScorer(nodes, roots, baseline, n_features, name=name)


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
    scorer = export_trees(model, inputs.shape[1], name)
    scorer.params, scorer.prior = dict(choice["params"]), vector
    return scorer


def save_trees(scorer: TreeScorer, path: Path) -> None:
    """The node arrays, roots and baseline as ``.npz`` (numbers only), written atomically."""
    partial = path.with_name(path.name + ".tmp.npz")
    arrays: dict[str, Any] = {f"node_{k}": v for k, v in scorer.nodes.items()}
    arrays |= {"roots": scorer.roots, "baseline": np.array([scorer.baseline])}
    if scorer.prior is not None:
        arrays["prior"] = scorer.prior
    np.savez(partial, **arrays)
    partial.replace(path)


def load_trees(path: Path, n_features: int, name: str) -> TreeScorer:
    """Read what ``save_trees`` wrote, checking every array is there and every index in range.
    ``n_features``: the width of the feature rows to be scored (the prior column comes on top)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            nodes = {k: data[f"node_{k}"].astype(dtype) for k, dtype in NODE_FIELDS.items()}
            roots, baseline = data["roots"].astype(np.int64), float(data["baseline"][0])
            prior = data["prior"].astype(np.float64) if "prior" in data.files else None
    except (OSError, KeyError, ValueError) as exc:
        raise MatcherError(f"unreadable tree re-ranker {path}: {exc} (expected arrays written by save_trees)") from exc
    if prior is not None and prior.shape != (n_features,):
        raise MatcherError(f"tree re-ranker {path} has a prior of shape {prior.shape}, expected ({n_features},)")
    n_features += prior is not None
    size = len(nodes["value"])
    inner = ~nodes["is_leaf"]
    if (
        any(len(v) != size for v in nodes.values()) or not len(roots) or roots.max() >= size
        or ((nodes["left"][inner] >= size) | (nodes["right"][inner] >= size)).any()
        or ((nodes["feature_idx"][inner] < 0) | (nodes["feature_idx"][inner] >= n_features)).any()
    ):
        raise MatcherError(f"tree re-ranker {path} is inconsistent (node indices or features out of range)")
    return TreeScorer(nodes, roots, baseline, n_features, name=name, prior=prior)

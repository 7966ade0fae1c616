"""The learned re-ranker: a logistic regression or tree ensemble (scikit-learn) over the ranking features.

Saved as ``models/reranker/manifest.json`` (kind, features, coefficients, scaling, training data span,
metrics, library versions). Nothing is unpickled: loading reads JSON numbers and checks the manifest (kind,
format version, feature names against the code's ``FEATURES``) before anything is used, so a stale or
foreign artifact is refused with a clear error instead of silently mis-scoring.

``matcher train-ranker`` fits a pairwise logistic regression and gradient-boosted trees and validates them
against a few hand-set weighted scorers on held-out firms (all before the cut); the manifest records which won
(``model.type`` is ``logistic``, ``weighted`` or ``trees``; trees keep their node arrays in ``trees.npz`` next
to the manifest, checked by its sha256 and read with ``allow_pickle=False``). The model was trained on
profiles built from award history, so the pipeline uses it only for firms that have award history; a profile
written by hand keeps the default weighted scorer (``pick_scorer``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from matcher.errors import MatcherError
from matcher.paths import replace_atomically
from matcher.ranking.features import FEATURES
from matcher.ranking.fusion import Scorer, WeightedScorer
from matcher.ranking.trees import TreeScorer, load_trees, save_trees

log = logging.getLogger(__name__)

KIND = "logistic-reranker"
FORMAT = 1
FOLDER = "reranker"
TREES_FILE = "trees.npz"  # next to the manifest; the only other file the loader reads
RETRAIN = "retrain with `matcher train-ranker`"


#: Hand-set weighted scorers for firms with award history; ``train-ranker`` validates them against the
#: logistic model and ships the best. The first is used when no model is saved.
HISTORY_CHOICES: dict[str, dict[str, float]] = {
    "history": {"dense": 0.10, "lexical": 0.15, "codes": 0.05, "value": 0.05, "history": 0.65},
    "history-only": {"history": 1.0},
    "history-share": {"history": 1.0, "market_share": 1.5},
    "history-share-heavy": {"history": 1.0, "market_share": 3.0},
    "history-text": {"dense": 0.20, "lexical": 0.20, "codes": 0.10, "history": 0.50},
    "history-priors": {"history": 1.0, "market_share": 1.5, "label_prior": 2.5, "recent_holder": 1.25},
    "history-priors-family": {"history": 1.0, "market_share": 1.5, "label_prior": 2.5, "recent_holder": 1.25,
                              "family_prior": 1.25},
    "history-priors-family-heavy": {"history": 1.0, "market_share": 1.5, "label_prior": 2.5,
                                    "recent_holder": 1.25, "family_prior": 2.5},
    "history-priors-family-heavier": {"history": 1.0, "market_share": 1.5, "label_prior": 2.5,
                                      "recent_holder": 1.25, "family_prior": 5.0},
    "history-priors-value": {"history": 0.5, "market_share": 3.0, "label_prior": 2.5, "recent_holder": 1.25,
                             "family_prior": 5.0, "lexical": 0.25, "title_value_affinity": 0.25},
}


def history_scorer(name: str = "history") -> WeightedScorer:
    return WeightedScorer(name=name, weight=dict(HISTORY_CHOICES[name]))


@dataclass
class LearnedScorer:
    """sigmoid(w . x + b): a score in [0, 1] ordered like the model's log-odds."""

    coef: np.ndarray
    intercept: float = 0.0
    name: str = "learned"
    manifest: dict[str, Any] = field(default_factory=dict)

    def score(self, features: np.ndarray) -> np.ndarray:
        z = features @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0))), dtype=np.float64)

    def weights(self) -> dict[str, float]:
        """Per-feature weights normalised to sum to one in absolute value."""
        total = float(np.abs(self.coef).sum()) or 1.0
        return {n: round(float(w) / total, 4) for n, w in zip(FEATURES, self.coef, strict=True) if abs(w) > 1e-9}


def fit_pairwise(differences: np.ndarray, c: float = 1.0) -> LearnedScorer:
    """Pairwise logistic regression (a linear RankSVM with log loss): each row is won - not won features,
    learnt in both directions, so ``w . x`` orders a firm's candidates."""
    from sklearn.linear_model import LogisticRegression

    if differences.ndim != 2 or differences.shape[1] != len(FEATURES) or not len(differences):
        raise MatcherError(f"re-ranker needs (pairs, {len(FEATURES)}) differences, got {differences.shape}")
    x = np.vstack([differences, -differences])
    y = np.r_[np.ones(len(differences)), np.zeros(len(differences))]
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=3000)
    model.fit(x, y)
    coef = model.coef_[0].astype(np.float64)
    # centre so a typical candidate scores near 0.5 rather than at an extreme
    return LearnedScorer(coef, -float(np.full(len(FEATURES), 0.5) @ coef))


def save_reranker(scorer: Scorer, models_dir: Path, training: dict[str, Any]) -> Path:
    """Write ``<models_dir>/reranker/manifest.json`` atomically and return its path."""
    folder = models_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    model: dict[str, Any]
    if isinstance(scorer, LearnedScorer):
        model = {"type": "logistic", "coef": scorer.coef.tolist(), "intercept": scorer.intercept}
    elif isinstance(scorer, WeightedScorer):
        model = {"type": "weighted", "name": scorer.name, "weights": scorer.weight}
    elif isinstance(scorer, TreeScorer):
        save_trees(scorer, folder / TREES_FILE)
        model = {"type": "trees", "name": scorer.name, "file": TREES_FILE, "params": scorer.params,
                 "trees": len(scorer.roots), "sha256": sha256_of(folder / TREES_FILE)}
    else:
        raise MatcherError(f"cannot save a scorer of type {type(scorer).__name__}")
    return write_manifest(folder, {"kind": KIND, "format": FORMAT, "features": list(FEATURES), "model": model,
                                   "training": training})


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    """Write ``folder/manifest.json`` atomically (a temporary file, then a rename), with the versions of the
    libraries that trained it, and return its path."""
    manifest = {**manifest, "versions": {p: version(p) for p in ("scikit-learn", "numpy", "tender-matcher")}}
    replace_atomically(folder / "manifest.json",
                       lambda partial: partial.write_text(json.dumps(manifest, indent=2, sort_keys=True)))
    return folder / "manifest.json"


def read_manifest(path: Path, what: str) -> dict[str, Any] | None:
    """A saved model's manifest, or None when there is none; an unreadable one raises, naming ``what`` (a
    symlink to nowhere too: it is a manifest that cannot be read, not no manifest)."""
    if not path.exists() and not path.is_symlink():
        return None
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise MatcherError(f"unreadable {what} manifest {path}: {exc}") from exc
    except RecursionError:
        raise MatcherError(f"unreadable {what} manifest {path}: JSON nested too deeply") from None
    if not isinstance(manifest, dict):
        raise MatcherError(f"unreadable {what} manifest {path}: not a JSON object")
    return manifest


def load_reranker(models_dir: Path) -> Scorer | None:
    """The saved re-ranker, or None when there is none. A manifest that does not fit this code raises."""
    path = models_dir / FOLDER / "manifest.json"
    manifest = read_manifest(path, "re-ranker")
    if manifest is None:
        return None
    if manifest.get("kind") != KIND or manifest.get("format") != FORMAT:
        raise MatcherError(
            f"re-ranker {path} is {manifest.get('kind')!r} format {manifest.get('format')!r} "
            f"(expected {KIND!r} format {FORMAT}); {RETRAIN}"
        )
    if manifest.get("features") != list(FEATURES):
        raise MatcherError(
            f"re-ranker {path} was trained on features {manifest.get('features')} but this version ranks "
            f"with {list(FEATURES)}; {RETRAIN}"
        )
    model = manifest.get("model")
    if not isinstance(model, dict):
        raise MatcherError(f"re-ranker {path} has no model object; {RETRAIN}")
    try:
        return _model(model, path)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a field missing, or of another type
        raise MatcherError(f"re-ranker {path} has an unreadable {model.get('type')!r} model ({exc!r}); "
                           f"{RETRAIN}") from exc


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _trees(model: dict[str, Any], path: Path) -> TreeScorer:
    trees = path.parent / TREES_FILE
    if not trees.is_file() or sha256_of(trees) != model.get("sha256"):
        raise MatcherError(f"re-ranker {path} names {TREES_FILE} with sha256 {model.get('sha256')!r}, but {trees} "
                           f"is missing or differs; {RETRAIN}")
    scorer = load_trees(trees, len(FEATURES), str(model.get("name", "trees")))
    scorer.params = dict(model.get("params", {}))
    return scorer


def _model(model: dict[str, Any], path: Path) -> Scorer:
    if model.get("type") == "trees":
        return _trees(model, path)
    if model.get("type") == "weighted":
        weights = {str(k): float(v) for k, v in model["weights"].items()}
        if not set(weights) <= set(FEATURES):
            raise MatcherError(f"re-ranker {path} weights unknown features {sorted(set(weights) - set(FEATURES))}")
        _finite(path, list(weights.values()))
        return WeightedScorer(name=str(model.get("name", "weighted")), weight=weights)
    if model.get("type") == "logistic":
        coef = np.asarray(model["coef"], dtype=np.float64)
        if coef.shape != (len(FEATURES),):
            raise MatcherError(f"re-ranker {path} has {coef.shape} coefficients, expected {len(FEATURES)}")
        intercept = float(model["intercept"])
        _finite(path, [*coef, intercept])
        return LearnedScorer(coef, intercept)
    raise MatcherError(f"re-ranker {path} has model type {model.get('type')!r} (expected logistic, weighted or trees)")


def _finite(path: Path, numbers: list[float]) -> None:
    """A weight that is not finite scores every candidate NaN (ranked in no order) or at an extreme."""
    if not np.isfinite(numbers).all():
        raise MatcherError(f"re-ranker {path} has weights that are not finite numbers; {RETRAIN}")


def pick_scorer(default: Scorer, reranker: Scorer | None, has_history: bool) -> Scorer:
    """For firms with award history the saved re-ranker (else the first history scorer); for profiles
    without history (what the re-ranker never saw in training) the default scorer."""
    if not has_history:
        return default
    return reranker if reranker is not None else history_scorer()


def trained_until(models_dir: Path) -> str | None:
    """The last day of training data of the saved re-ranker (ISO date), or None."""
    path = models_dir / FOLDER / "manifest.json"
    training = (read_manifest(path, "re-ranker") or {}).get("training") or {}
    span = training.get("span", {}) if isinstance(training, dict) else None
    if not isinstance(span, dict):
        raise MatcherError(f"re-ranker {path} has a training span that is not an object; {RETRAIN}")
    return str(span["to"]) if "to" in span else None

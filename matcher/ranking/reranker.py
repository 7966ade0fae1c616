"""The learned re-ranker: a logistic regression or tree ensemble (scikit-learn) over the ranking features.

Saved as ``models/reranker/manifest.json`` (kind, features, coefficients, scaling, training data span,
metrics, library versions). Nothing is unpickled: loading reads JSON numbers and checks the manifest (kind,
format version, feature names against the code's ``FEATURES``) before anything is used, so a stale or
foreign artifact is refused with a clear error instead of silently mis-scoring.

``matcher train-ranker`` fits a pairwise logistic regression and gradient-boosted trees and validates them
against a few hand-set weighted scorers on held-out firms (all before the cut); the manifest records which won
(``model.type`` is ``logistic``, ``weighted`` or ``trees``; trees keep their node arrays in a file next to the
manifest named by its content, ``trees-<sha256[:16]>.npz``, or ``trees.npz`` in models saved before; checked by
its sha256 and read with ``allow_pickle=False``). Saves of one folder take turns (``save_model``). The model was
trained on
profiles built from award history, so the pipeline uses it only for firms that have award history; a profile
written by hand keeps the default weighted scorer (``pick_scorer``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from matcher.errors import MatcherError
from matcher.paths import replace_atomically
from matcher.ranking.features import FEATURES
from matcher.ranking.fusion import Scorer, WeightedScorer
from matcher.ranking.trees import TreeScorer, load_trees, prune_trees, read_trees, trees_file, write_trees

log = logging.getLogger(__name__)

KIND = "logistic-reranker"
FORMAT = 1
FOLDER = "reranker"
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
    elif isinstance(scorer, TreeScorer):  # "file" and "sha256" are added by save_model
        model = {"type": "trees", "name": scorer.name, "params": scorer.params, "trees": len(scorer.roots)}
    else:
        raise MatcherError(f"cannot save a scorer of type {type(scorer).__name__}")
    return save_model(folder, {"kind": KIND, "format": FORMAT, "features": list(FEATURES), "model": model,
                               "training": training}, scorer if isinstance(scorer, TreeScorer) else None)


def save_model(folder: Path, manifest: dict[str, Any], trees: TreeScorer | None = None) -> Path:
    """Save a model into ``folder``: its trees (if any) under a name of their own (``write_trees``), then the
    manifest naming them, then remove the trees files it superseded; return the manifest's path. The manifest
    and the trees it names are a pair whatever other runs do meanwhile (two runs at once wrote one ``trees.npz``
    and one run's manifest named the other's trees: the model failed to load)."""
    with _saving(folder):
        name = None
        try:
            if trees is not None:
                name, digest = write_trees(trees, folder)
                manifest = {**manifest, "model": {**manifest["model"], "file": name, "sha256": digest}}
            path = write_manifest(folder, manifest)
        except OSError as exc:  # a full disk: a traceback after the whole fit, and trees named by nothing left
            if name is not None and name != _named(folder):
                (folder / name).unlink(missing_ok=True)
            raise MatcherError(f"cannot save the model into {folder}: {exc.strerror or exc} (the model saved "
                               "before is kept)") from exc
        prune_trees(folder, keep=name)
    return path


def _named(folder: Path) -> object:
    """The trees file the manifest in ``folder`` names, if it can be read and names one."""
    try:
        model = (read_manifest(folder / "manifest.json", "model") or {}).get("model")
    except MatcherError:
        return None
    return model.get("file") if isinstance(model, dict) else None


@contextmanager
def _saving(folder: Path) -> Iterator[None]:
    """One save of ``folder`` at a time (a lock on the folder itself, which the kernel releases if the process
    dies): a save removes the trees files its manifest does not name, which must not be the ones another run has
    written and is about to name."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


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


class TreesGone(MatcherError):
    """The trees file a manifest named is gone: a save since replaced the manifest and removed it."""


def load_reranker(models_dir: Path) -> Scorer | None:
    """The saved re-ranker, or None when there is none. A manifest that does not fit this code raises."""
    try:
        return _load_reranker(models_dir)
    except TreesGone:  # a save came between reading the manifest and its trees: read the new pair
        return _load_reranker(models_dir)


def _load_reranker(models_dir: Path) -> Scorer | None:
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


def checked_trees(path: Path, model: dict[str, Any], what: str, retrain: str) -> tuple[Path, bytes]:
    """The trees file the manifest at ``path`` names in ``model`` and its bytes, checked against its sha256: read
    once, so a save that removes the file between the check and the read cannot fail the read."""
    trees = trees_file(path, model.get("file"))
    try:
        data: bytes | None = read_trees(trees, path)
    except FileNotFoundError as exc:
        raise TreesGone(f"{what} {path} names {trees.name}, but {trees} is missing; {retrain}") from exc
    except OSError:  # a folder in its place, a file this user may not read
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != model.get("sha256"):
        raise MatcherError(f"{what} {path} names {trees.name} with sha256 {model.get('sha256')!r}, but {trees} "
                           f"is missing or differs; {retrain}")
    return trees, data


def _trees(model: dict[str, Any], path: Path) -> TreeScorer:
    trees, data = checked_trees(path, model, "re-ranker", RETRAIN)
    scorer = load_trees(trees, len(FEATURES), str(model.get("name", "trees")), data)
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

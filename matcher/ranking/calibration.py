"""A fit a person can read: the raw ranking score mapped to the share of such matches judged relevant.

The raw score is a weighted mean of signals: it orders notices well, but 0.38 means nothing to a person
(every top-5 score of the trial fell between 0.31 and 0.43, relevant and irrelevant interleaved). An isotonic
regression or Platt's sigmoid (scikit-learn, whichever generalises better) fitted on judged matches of
the tuning half (``evaluation/judged.json``) turns it into the probability that a notice at that score was
judged relevant, and fixed bands name ranges of it with the share measured in each ("strong fit: 7 in 10 of
these were judged relevant").

Saved as ``models/calibration/manifest.json``: the fitted function as knots in two JSON arrays (prediction is
linear interpolation between them: exactly what ``IsotonicRegression.predict`` does, and Platt's sigmoid
sampled on a fine grid), the bands with their measured shares, and what it was fitted on; no pickle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from matcher.errors import MatcherError
from matcher.paths import replace_atomically
from matcher.schema import BandName

FOLDER = "calibration"
FORMAT = 1
#: Band names and the lowest fit in each, highest first. The digest's default minimum is the lowest named
#: band that is not "weak".
BAND_FLOORS: tuple[tuple[BandName, float], ...] = (("strong", 0.6), ("good", 0.35), ("possible", 0.15), ("weak", 0.0))
DEFAULT_MIN_BAND: BandName = "possible"


def at_least(band: BandName | None, lowest: BandName | None) -> bool:
    """Whether a match in ``band`` is kept by a filter keeping ``lowest`` and better bands. A match without a
    band (no calibration) and a filter without one keep everything. A list ranked by score is in fit order (the
    fit is a non-decreasing function of the score), so the first k kept are the first k at ``lowest`` or better."""
    return band is None or lowest is None or _BAND_RANK[band] <= _BAND_RANK[lowest]


_BAND_RANK = {name: rank for rank, (name, _) in enumerate(BAND_FLOORS)}


@dataclass(frozen=True)
class Band:
    name: BandName
    floor: float  # lowest fit in the band
    judged: int = 0  # judged matches of the fitting data that fell in the band
    relevant_share: float | None = None  # share of them graded 2
    useful_share: float | None = None  # share of them graded 1 or 2


@dataclass(frozen=True)
class Calibration:
    """Raw score -> fit in [0, 1] (isotonic), and the bands of fit."""

    scores: tuple[float, ...]
    fits: tuple[float, ...]
    bands: tuple[Band, ...] = field(default_factory=lambda: tuple(Band(n, f) for n, f in BAND_FLOORS))
    info: dict[str, Any] = field(default_factory=dict)

    def fit(self, score: float | np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(score, dtype=np.float64), self.scores, self.fits)

    def band(self, fit: float) -> Band:
        return next(b for b in self.bands if fit >= b.floor)

    @property
    def default_min_fit(self) -> float:
        """The digest's default minimum fit: the floor of the lowest band worth sending."""
        return next(b.floor for b in self.bands if b.name == DEFAULT_MIN_BAND)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "isotonic-calibration", "format": FORMAT, "scores": list(self.scores),
                "fits": list(self.fits), "bands": [b.__dict__ for b in self.bands], "info": self.info}


Method = Literal["isotonic", "platt"]
#: Platt's sigmoid is kept as its values on this grid of raw scores (within those fitted on, ``_knots``), so both
#: methods save the same kind of knots.
PLATT_GRID = np.linspace(0.0, 1.0, 201)


def _knots(x: np.ndarray, y: np.ndarray, method: Method) -> tuple[np.ndarray, np.ndarray]:
    """The fitted function's knots, inside the scores fitted on: ``np.interp`` holds the end values beyond them,
    so a score higher than any judged one reads as the highest judged, not as an extrapolated sigmoid (the
    weighted scorer's calibration, fitted on the judged store's scores, read the demo's higher ones as "strong
    fit (0.95)" beside a band measured at 5 in 10)."""
    # Imported here, as only `matcher calibrate` fits: reading a calibration interpolates with NumPy, and
    # scikit-learn took about a second of every command's start (`matcher --help`).
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    if method == "isotonic":
        model = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(x, y)
        return np.asarray(model.X_thresholds_, dtype=np.float64), np.asarray(model.y_thresholds_, dtype=np.float64)
    platt = LogisticRegression(C=1e4).fit(x.reshape(-1, 1), y.astype(int))
    grid = np.unique(np.clip(PLATT_GRID, x.min(), x.max()))  # the grid's points inside, and both ends
    return grid, platt.predict_proba(grid.reshape(-1, 1))[:, 1]


def cross_validated_log_loss(x: np.ndarray, y: np.ndarray, method: Method, folds: int = 5) -> float:
    """Mean log loss of ``method`` over seeded folds: how well a fit generalises to matches it did not see."""
    order = np.random.default_rng(0).permutation(len(x))
    losses = []
    for fold in range(folds):
        test = order[fold::folds]
        train = np.setdiff1d(order, test)
        if len(set(y[train].tolist())) < 2:
            continue
        knots_x, knots_y = _knots(x[train], y[train], method)
        p = np.clip(np.interp(x[test], knots_x, knots_y), 1e-3, 1 - 1e-3)
        losses.append(float(-np.mean(y[test] * np.log(p) + (1 - y[test]) * np.log(1 - p))))
    return float(np.mean(losses))


def fit_calibration(scores: Sequence[float], relevant: Sequence[bool], useful: Sequence[bool],
                    info: dict[str, Any] | None = None, method: Method | None = None) -> Calibration:
    """Fit on judged matches: ``relevant`` (graded 2) is what the fit predicts; ``useful`` (graded 1 or 2) is
    reported per band beside it. Without ``method``, isotonic or Platt, whichever has the lower
    cross-validated log loss (isotonic overfits a few hundred matches: its steps follow single notices)."""
    x = np.asarray(scores, dtype=np.float64)
    y = np.asarray(relevant, dtype=np.float64)
    if len(x) < 20 or len(set(y.tolist())) < 2:
        raise MatcherError(f"calibration needs at least 20 judged matches of both kinds, got {len(x)}")
    methods: tuple[Method, ...] = ("isotonic", "platt")
    losses: dict[str, float] = {m: round(cross_validated_log_loss(x, y, m), 4) for m in methods}
    chosen: Method = method if method is not None else min(methods, key=lambda m: losses[m])
    knots_x, knots_y = _knots(x, y, chosen)
    info = {**(info or {}), "method": chosen, "cv_log_loss": losses,
            "score_range": [round(float(x.min()), 6), round(float(x.max()), 6)]}
    draft = Calibration(tuple(knots_x.round(6).tolist()), tuple(knots_y.round(6).tolist()))
    fitted = draft.fit(x)
    good = np.asarray(useful, dtype=bool)
    bands = []
    for name, floor in BAND_FLOORS:
        upper = min((f for _, f in BAND_FLOORS if f > floor), default=np.inf)
        inside = (fitted >= floor) & (fitted < upper)
        n = int(inside.sum())
        bands.append(Band(name, floor, n, round(float(y[inside].mean()), 3) if n else None,
                          round(float(good[inside].mean()), 3) if n else None))
    return Calibration(draft.scores, draft.fits, tuple(bands), info)


def save_calibration(calibration: Calibration, models_dir: Path) -> Path:
    folder = models_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.json"
    replace_atomically(path, lambda partial: partial.write_text(json.dumps(calibration.to_json(), indent=2) + "\n"))
    return path


def _band_name(value: object) -> BandName:
    for name, _ in BAND_FLOORS:
        if value == name:
            return name
    raise ValueError(f"unknown band {value!r} (expected one of {[n for n, _ in BAND_FLOORS]})")


REFIT = "refit with `matcher calibrate`"


def load_calibration(models_dir: Path, refit: str = REFIT) -> Calibration | None:
    """The saved calibration, or None when there is none. A manifest that does not fit raises, naming the file,
    what is wrong and ``refit`` (what makes a new one): it is checked whole here, because a NaN or out-of-range
    fit, or a band missing, failed the request that met it (no band held the fit) or mis-scored silently."""
    path = models_dir / FOLDER / "manifest.json"
    if not path.exists() and not path.is_symlink():  # a symlink to nowhere is unreadable, not absent
        return None
    try:
        calibration = _from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise MatcherError(f"unreadable calibration {path}: {exc}; {refit}") from exc
    problem = _out_of_shape(calibration)
    if problem is not None:
        raise MatcherError(f"calibration {path} {problem}; {refit}")
    return calibration


def _from_json(raw: object) -> Calibration:
    if not isinstance(raw, dict):
        raise ValueError(f"a JSON {type(raw).__name__}, not an object")
    if raw.get("kind") != "isotonic-calibration" or raw.get("format") != FORMAT:
        raise ValueError(f"kind {raw.get('kind')!r} format {raw.get('format')!r}")
    info = raw.get("info", {})
    if not isinstance(info, dict) or not isinstance(raw["bands"], list):
        raise ValueError("info is not an object or bands not an array")
    scores = tuple(float(v) for v in raw["scores"])
    fits = tuple(float(v) for v in raw["fits"])
    bands = tuple(Band(_band_name(b["name"]), float(b["floor"]), int(b.get("judged", 0)),
                       _share(b.get("relevant_share")), _share(b.get("useful_share"))) for b in raw["bands"])
    return Calibration(scores, fits, bands, dict(info))


def _share(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]  # a text or list: ValueError, TypeError


def _out_of_shape(calibration: Calibration) -> str | None:
    """What makes a readable calibration unusable, or None."""
    scores, fits = np.asarray(calibration.scores), np.asarray(calibration.fits)
    if len(scores) != len(fits) or not len(scores) or not np.isfinite(np.r_[scores, fits]).all() \
            or (np.diff(scores) < 0).any():
        return "has mismatched, unsorted or non-finite knots"
    if fits.min() < 0 or fits.max() > 1 or (np.diff(fits) < 0).any():
        return "has fits outside [0, 1] or falling as the score rises"
    if [(b.name, b.floor) for b in calibration.bands] != list(BAND_FLOORS):
        return f"has bands {[(b.name, b.floor) for b in calibration.bands]}, expected {list(BAND_FLOORS)}"
    shares = [v for b in calibration.bands for v in (b.relevant_share, b.useful_share) if v is not None]
    if any(b.judged < 0 for b in calibration.bands) or not all(0 <= v <= 1 for v in shares):
        return "has a band with a negative count or a share outside [0, 1]"
    return None

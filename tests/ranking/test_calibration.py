"""Score calibration: isotonic fit, bands with their measured shares, saved as JSON and read back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from matcher.errors import MatcherError
from matcher.ranking.calibration import fit_calibration, load_calibration, save_calibration


def _data() -> tuple[list[float], list[bool], list[bool]]:
    # 40 matches: below 0.3 never relevant, 0.3-0.5 one in four, above 0.5 three in four
    scores = [0.1 + 0.01 * i for i in range(20)] + [0.3 + 0.01 * i for i in range(8)] + [0.6 + 0.01 * i for i in
                                                                                            range(12)]
    relevant = [False] * 20 + [i % 4 == 0 for i in range(8)] + [i % 4 != 0 for i in range(12)]
    useful = [i % 2 == 0 for i in range(20)] + [True] * 20
    return scores, relevant, useful


def test_fit_is_monotone_and_predicts_what_scikit_learn_predicts() -> None:
    scores, relevant, useful = _data()
    calibration = fit_calibration(scores, relevant, useful, method="isotonic")
    grid = np.linspace(0.0, 1.0, 101)
    reference = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(scores, relevant).predict(grid)
    assert np.allclose(calibration.fit(grid), reference, atol=1e-6)  # JSON knots + np.interp == predict
    assert np.all(np.diff(calibration.fit(grid)) >= 0)
    assert float(calibration.fit(0.1)) == 0.0


def test_platt_is_a_smooth_monotone_sigmoid_and_the_choice_is_recorded() -> None:
    scores, relevant, useful = _data()
    calibration = fit_calibration(scores, relevant, useful, method="platt")
    grid = np.linspace(min(scores), max(scores), 101)
    fits = calibration.fit(grid)
    assert np.all(np.diff(fits) > 0) and 0 < fits[0] < fits[-1] < 1
    chosen = fit_calibration(scores, relevant, useful)
    losses = chosen.info["cv_log_loss"]
    assert chosen.info["method"] == min(losses, key=losses.get)


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_no_fit_beyond_the_scores_it_was_fitted_on(method: str) -> None:
    """The weighted scorer's calibration, fitted on the judged store, met the demo's higher raw scores and read
    them as 'strong fit (0.95)' beside a band measured at 5 in 10: a fit is held at the edge of the evidence."""
    scores, relevant, useful = _data()
    calibration = fit_calibration(scores, relevant, useful, method=method)  # type: ignore[arg-type]
    top, bottom = max(scores), min(scores)
    assert calibration.fit(0.99) == calibration.fit(top) and calibration.fit(0.0) == calibration.fit(bottom)
    assert calibration.info["score_range"] == [round(bottom, 6), round(top, 6)]
    unbounded = fit_calibration([*scores, 0.99], [*relevant, True], [*useful, True], method=method)  # type: ignore[arg-type]
    # a judged match up there is what may lift it (isotonic already reads 1.0 at the top of this data)
    assert unbounded.fit(0.99) > calibration.fit(0.99) or calibration.fit(top) == 1.0


def test_bands_report_the_share_judged_relevant_inside_them() -> None:
    scores, relevant, useful = _data()
    calibration = fit_calibration(scores, relevant, useful, method="isotonic")
    fits = calibration.fit(np.array(scores))
    inside = fits >= 0.6
    strong = calibration.band(0.6)
    assert strong.name == "strong" and strong.judged == int(inside.sum()) > 0
    assert strong.relevant_share == pytest.approx(float(np.mean(np.array(relevant)[inside])), abs=1e-3)
    weak = calibration.band(0.0)
    assert weak.name == "weak" and weak.relevant_share == 0.0 and weak.useful_share == 0.5


def test_saved_calibration_reads_back_equal(tmp_path: Path) -> None:
    scores, relevant, useful = _data()
    calibration = fit_calibration(scores, relevant, useful, {"split": "tune"}, method="isotonic")
    path = save_calibration(calibration, tmp_path)
    loaded = load_calibration(tmp_path)
    assert loaded is not None and loaded.scores == calibration.scores and loaded.bands == calibration.bands
    assert loaded.info["split"] == "tune" and loaded.info["method"] == "isotonic"
    raw = json.loads(path.read_text())
    raw["scores"] = list(reversed(raw["scores"]))
    path.write_text(json.dumps(raw))
    with pytest.raises(MatcherError, match="unsorted"):
        load_calibration(tmp_path)
    raw["scores"] = sorted(raw["scores"])
    raw["bands"][0]["name"] = "excellent"
    path.write_text(json.dumps(raw))
    with pytest.raises(MatcherError, match="unknown band 'excellent'"):
        load_calibration(tmp_path)


def test_too_little_data_is_refused() -> None:
    with pytest.raises(MatcherError, match="at least 20"):
        fit_calibration([0.1] * 5, [True] * 5, [True] * 5)


def test_the_shipped_calibration_loads() -> None:
    models = Path(__file__).resolve().parents[2] / "models"
    if not (models / "calibration" / "manifest.json").exists():
        pytest.skip("no calibration shipped yet")
    calibration = load_calibration(models)
    assert calibration is not None
    assert [b.name for b in calibration.bands] == ["strong", "good", "possible", "weak"]


def _broken(raw: dict[str, Any], change: str) -> object:
    """``raw`` (a saved calibration) changed as ``change`` says; what to write in its place."""
    if change == "not-an-object":
        return [raw]
    bands = raw["bands"]
    n = len(raw["fits"])
    edits: dict[str, Callable[[], object]] = {
        "fits-nan": lambda: raw.update(fits=[float("nan")] * n),
        "scores-nan": lambda: raw["scores"].__setitem__(1, float("nan")),
        "scores-infinite": lambda: raw["scores"].__setitem__(-1, float("inf")),
        "fits-negative": lambda: raw.update(fits=[-5.0] * n),
        "fits-above-one": lambda: raw.update(fits=[2.0] * n),
        "fits-decreasing": lambda: raw.update(fits=sorted(raw["fits"], reverse=True)),
        "bands-empty": lambda: raw.update(bands=[]),
        "bands-no-weak": lambda: raw.update(bands=bands[:3]),
        "bands-no-possible": lambda: bands.pop(2),
        "bands-reordered": lambda: raw.update(bands=bands[::-1]),
        "band-floor-moved": lambda: bands[1].update(floor=0.9),
        "band-share-text": lambda: bands[0].update(relevant_share="most"),
        "band-share-above-one": lambda: bands[0].update(useful_share=7),
        "band-judged-negative": lambda: bands[0].update(judged=-1),
        "info-a-list": lambda: raw.update(info=[1, 2]),
        "bands-a-dict": lambda: raw.update(bands={"name": "strong"}),
    }
    edits[change]()
    return raw


@pytest.mark.parametrize("change", ["fits-nan", "scores-nan", "scores-infinite", "fits-negative", "fits-above-one",
                                    "fits-decreasing", "bands-empty", "bands-no-weak", "bands-no-possible",
                                    "bands-reordered", "band-floor-moved", "band-share-text", "band-share-above-one",
                                    "band-judged-negative", "not-an-object", "info-a-list", "bands-a-dict"])
def test_a_calibration_edited_out_of_shape_is_refused_by_name(tmp_path: Path, change: str) -> None:
    """Every one of these loaded (or failed with a traceback) and then broke a request: a NaN or out-of-range
    fit matched no band (StopIteration), a missing band left low fits without one, a text share reached the
    API's response model, a NaN knot mis-scored silently. The fit is a probability, non-decreasing in the
    score (``at_least`` relies on it), over the bands this code names."""
    scores, relevant, useful = _data()
    path = save_calibration(fit_calibration(scores, relevant, useful, method="isotonic"), tmp_path)
    path.write_text(json.dumps(_broken(json.loads(path.read_text()), change)))
    with pytest.raises(MatcherError, match=f"calibration {path}.*; refit with `matcher calibrate`"):
        load_calibration(tmp_path)


def test_a_calibration_nested_too_deeply_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "calibration").mkdir()
    (tmp_path / "calibration" / "manifest.json").write_text("[" * 100_000)
    with pytest.raises(MatcherError, match=r"calibration .*manifest\.json"):
        load_calibration(tmp_path)


def test_a_calibration_that_is_a_symlink_to_nowhere_is_refused_not_taken_for_none(tmp_path: Path) -> None:
    (tmp_path / "calibration").mkdir()
    path = tmp_path / "calibration" / "manifest.json"
    path.symlink_to(path)
    with pytest.raises(MatcherError, match=f"unreadable calibration {path}"):
        load_calibration(tmp_path)

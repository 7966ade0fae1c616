"""The re-ranker: JSON manifest only, checked before use, chosen only for firms with history."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from matcher.errors import MatcherError
from matcher.ranking.features import FEATURES
from matcher.ranking.fusion import WeightedScorer
from matcher.ranking.reranker import (
    LearnedScorer,
    fit_pairwise,
    history_scorer,
    load_reranker,
    pick_scorer,
    save_reranker,
    trained_until,
)


def _pairs() -> np.ndarray:
    rng = np.random.default_rng(0)
    diffs = rng.normal(0.0, 0.2, size=(400, len(FEATURES)))
    diffs[:, FEATURES.index("history")] += 0.3  # winners have more history
    return diffs


def test_pairwise_model_learns_the_informative_feature() -> None:
    model = fit_pairwise(_pairs())
    assert int(np.argmax(model.coef)) == FEATURES.index("history")
    low, high = np.full((1, len(FEATURES)), 0.5), np.full((1, len(FEATURES)), 0.5)
    high[0, FEATURES.index("history")] = 0.9
    assert model.score(high)[0] > model.score(low)[0]
    assert 0.0 <= model.score(low)[0] <= 1.0


@pytest.mark.parametrize("scorer", [fit_pairwise(_pairs()), history_scorer()])
def test_save_and_load_round_trip(tmp_path: Path, scorer: LearnedScorer | WeightedScorer) -> None:
    save_reranker(scorer, tmp_path, {"span": {"from": "2009-01-30", "to": "2013-10-29"}})
    loaded = load_reranker(tmp_path)
    assert loaded is not None
    x = np.random.default_rng(1).random((5, len(FEATURES)))
    assert np.allclose(loaded.score(x), scorer.score(x))
    assert trained_until(tmp_path) == "2013-10-29"
    manifest = json.loads((tmp_path / "reranker" / "manifest.json").read_text())
    assert manifest["features"] == list(FEATURES) and "scikit-learn" in manifest["versions"]


def test_a_manifest_for_other_features_is_refused(tmp_path: Path) -> None:
    save_reranker(history_scorer(), tmp_path, {})
    path = tmp_path / "reranker" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["features"] = ["dense", "lexical"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(MatcherError, match="retrain"):
        load_reranker(tmp_path)


def test_no_artifact_means_none(tmp_path: Path) -> None:
    assert load_reranker(tmp_path) is None and trained_until(tmp_path) is None


def test_pick_scorer_uses_the_reranker_only_with_history() -> None:
    default, learned = WeightedScorer(), fit_pairwise(_pairs())
    assert pick_scorer(default, learned, has_history=False) is default
    assert pick_scorer(default, learned, has_history=True) is learned
    assert pick_scorer(default, None, has_history=True).name == "history"


def test_the_shipped_artifact_loads() -> None:
    models = Path(__file__).resolve().parents[2] / "models"
    assert load_reranker(models) is not None
    assert (trained_until(models) or "") < "2013-10-30"  # trained on Canada before the evaluation cut


def test_partner_decisions_become_pairs_approved_over_rejected() -> None:
    from matcher.evaluate.train import decision_pairs

    approved = np.full((2, len(FEATURES)), 0.8)
    rejected = np.full((3, len(FEATURES)), 0.2)
    pairs = decision_pairs([(approved, rejected), (approved, rejected[:0])])  # a firm with no rejection adds none
    assert pairs.shape == (6, len(FEATURES)) and np.allclose(pairs, 0.6)
    assert decision_pairs([]).shape == (0, len(FEATURES))


N = len(FEATURES)
#: Manifests edited out of shape: each loaded and scored NaN or the extreme, or failed with a traceback.
BROKEN_MODELS: dict[str, object] = {
    "logistic-nan": {"type": "logistic", "coef": [float("nan")] * N, "intercept": 0.0},
    "logistic-infinite-intercept": {"type": "logistic", "coef": [1.0] * N, "intercept": float("inf")},
    "logistic-text-intercept": {"type": "logistic", "coef": [1.0] * N, "intercept": "zero"},
    "logistic-text-coefficients": {"type": "logistic", "coef": ["x"] * N, "intercept": 0.0},
    "logistic-no-intercept": {"type": "logistic", "coef": [1.0] * N},
    "weighted-nan": {"type": "weighted", "weights": {"history": float("nan")}},
    "weighted-a-list": {"type": "weighted", "weights": [1, 2]},
    "weighted-text": {"type": "weighted", "weights": {"history": "heavy"}},
    "model-a-list": [1],
}


@pytest.mark.parametrize("model", BROKEN_MODELS)
def test_a_manifest_edited_out_of_shape_is_refused_by_name(tmp_path: Path, model: str) -> None:
    save_reranker(history_scorer(), tmp_path, {})
    path = tmp_path / "reranker" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["model"] = BROKEN_MODELS[model]
    path.write_text(json.dumps(manifest))
    with pytest.raises(MatcherError, match=f"re-ranker {path}.*retrain with `matcher train-ranker`"):
        load_reranker(tmp_path)


@pytest.mark.parametrize("text", ["[" * 100_000, '{"kind": "logistic-reranker", "format": 1}'],
                         ids=["deep", "no-model"])
def test_an_unreadable_manifest_is_one_clear_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "reranker").mkdir()
    path = tmp_path / "reranker" / "manifest.json"
    path.write_text(text.replace('"format": 1}', f'"format": 1, "features": {json.dumps(list(FEATURES))}}}'))
    with pytest.raises(MatcherError, match=f"re-ranker (manifest )?{path}"):
        load_reranker(tmp_path)


@pytest.mark.parametrize("training", [[1], {"span": ["2013-10-29"]}], ids=["a-list", "span-a-list"])
def test_the_training_span_of_a_manifest_out_of_shape_is_refused_by_name(tmp_path: Path, training: object) -> None:
    save_reranker(history_scorer(), tmp_path, {})
    path = tmp_path / "reranker" / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "training": training}))
    with pytest.raises(MatcherError, match=f"re-ranker {path}.*retrain"):
        trained_until(tmp_path)


def test_a_manifest_that_is_a_symlink_to_nowhere_is_refused_not_taken_for_no_model(tmp_path: Path) -> None:
    """A dangling symlink (its target on a volume not mounted) read as 'no re-ranker saved': the recommender
    fell back to the default scorer and said nothing."""
    (tmp_path / "reranker").mkdir()
    path = tmp_path / "reranker" / "manifest.json"
    path.symlink_to(tmp_path / "elsewhere" / "manifest.json")
    with pytest.raises(MatcherError, match=f"unreadable re-ranker manifest {path}"):
        load_reranker(tmp_path)

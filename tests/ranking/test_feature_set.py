"""The ranking features are declared once (matcher.feature_set): everything that names them agrees with the
declaration, and every declared feature is computed by the room its ``source`` names, and only there."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from matcher.errors import MatcherError
from matcher.feature_set import FEATURE_SET, FEATURES, HISTORY_PARTS, NEUTRAL, SIGNALS, computed_by
from matcher.ranking import features
from matcher.ranking.explain import score_parts
from matcher.ranking.features import candidate_columns, prepare_candidates, signal_matrix
from matcher.ranking.fusion import DEFAULT_WEIGHTS, WeightedScorer
from matcher.ranking.priors import HISTORY_WEIGHTS, WinHistory, history_parts
from matcher.ranking.reranker import HISTORY_CHOICES, fit_pairwise, load_reranker, save_reranker
from matcher.ranking.signals import Signals, describe, score_candidates
from matcher.ranking.trees import TREE_CHOICES
from matcher.schema import Award, FirmProfile, ScoreParts, Tender
from matcher.search.lexical import LexicalModel

#: The score parts as the API has published them (name and default, in order); a new signal may follow them.
PUBLISHED_PARTS = {"dense": 0.0, "lexical": 0.0, "codes": 0.0, "country": 0.0, "value": 0.0, "history": 0.0,
                   "feedback": 0.0, "nature": 0.5}
#: The column order saved re-rankers (models/reranker/manifest.json) were trained on.
SHIPPED_COLUMNS = ("dense", "lexical", "codes", "country", "value", "history", "feedback", "nature",
                   "history_similarity", "code_affinity", "buyer_affinity", "value_affinity", "pair_affinity",
                   "market_share", "label_prior", "family_prior", "recent_holder", "title_value_affinity")

TENDERS = [
    Tender(tender_id="t:1", source="t", title="Ultrasound scanners", codes=["CPV:33112200"], buyer_country="KE",
           buyer="Ministry of Health", value=300_000, currency="EUR", contract_nature="supplies"),
    Tender(tender_id="t:2", source="t", title="Road works", codes=["CPV:45233223"], value=5_000, currency="EUR",
           countries=["FR"], contract_nature="works"),
]
FIRM = FirmProfile(firm_id="a", name="A", description="ultrasound scanners and probes", codes=["CPV:33100000"],
                   target_countries=["KE"], min_value=10_000, max_value=500_000, currency="EUR",
                   keywords=["ultrasound"], offers=["supplies"])


def test_the_declaration_is_well_formed() -> None:
    assert len(set(FEATURES)) == len(FEATURES) == len(FEATURE_SET)
    assert set(SIGNALS) | set(HISTORY_PARTS) == set(FEATURES) and not set(SIGNALS) & set(HISTORY_PARTS)
    assert all(f.weight == 0.0 for f in FEATURE_SET if f.kind == "history_part")  # only signals are fused
    assert all(f.description for f in FEATURE_SET)


def test_existing_column_order_and_published_parts_are_kept() -> None:
    """Adding a feature appends; it never moves one a saved model or an API client relies on."""
    assert FEATURES[: len(SHIPPED_COLUMNS)] == SHIPPED_COLUMNS
    schema = ScoreParts.model_json_schema()["properties"]
    assert list(schema)[: len(PUBLISHED_PARTS)] == list(PUBLISHED_PARTS)
    assert {name: schema[name]["default"] for name in PUBLISHED_PARTS} == PUBLISHED_PARTS


def test_score_parts_weights_and_matrix_columns_are_the_declared_features() -> None:
    assert list(ScoreParts.model_fields) == [*SIGNALS, "term_guard", "weights"]
    assert list(DEFAULT_WEIGHTS) == list(SIGNALS)
    assert features.FEATURES == FEATURES  # what evaluation, the re-ranker and the scripts import
    lexical = LexicalModel().fit([t.text() for t in TENDERS])
    matrix = signal_matrix(FIRM, prepare_candidates(TENDERS, lexical), [0.6, 0.1], lexical)
    assert matrix.shape == (len(TENDERS), len(FEATURES))
    assert matrix[0, FEATURES.index("dense")] == 0.6 and matrix[0, FEATURES.index("country")] == 1.0


def test_each_value_lands_under_its_own_name() -> None:
    """Distinct values per feature, followed through Signals, score parts, the scorer and the manifest."""
    values = {name: round(0.01 * (j + 1), 2) for j, name in enumerate(FEATURES)}
    signals = Signals(values)
    assert signals.vector() == [values[name] for name in FEATURES]
    parts = score_parts(signals, {}).model_dump()
    assert {name: parts[name] for name in SIGNALS} == {name: values[name] for name in SIGNALS}
    # a scorer that weighs one signal reads that signal's column
    row = np.array([signals.vector()])
    for name in SIGNALS:
        assert WeightedScorer(weight={name: 1.0}).score(row)[0] == values[name]
    # the default scorer is the declared weighted mean: sum(weight * value) / sum(weight)
    expected = sum(f.weight * values[f.name] for f in FEATURE_SET) / sum(f.weight for f in FEATURE_SET)
    assert np.isclose(WeightedScorer().score(row)[0], expected)


def test_a_feature_not_declared_is_refused() -> None:
    with pytest.raises(MatcherError, match="densee"):
        Signals({"dense": 0.3, "densee": 0.4})
    assert Signals({"dense": 0.3})["nature"] == NEUTRAL  # one not given is neutral


def test_every_declared_feature_is_computed_by_its_room() -> None:
    """Declaring a feature without computing it (or computing one without declaring it) fails here."""
    lexical = LexicalModel().fit([t.text() for t in TENDERS])
    batch = prepare_candidates(TENDERS, lexical)
    assert set(candidate_columns(FIRM, batch, [0.6, 0.1], lexical)) == set(computed_by("candidates"))
    win = Award(award_id="w1", date=date(2020, 1, 1), title="Ultrasound scanners", buyer="Ministry of Health",
                codes=["CPV:33112200"], supplier="A", value=250_000, currency="EUR")
    history = WinHistory.from_awards([win], date(2021, 1, 1))
    assert set(history_parts(history, batch, np.full((1, len(TENDERS)), 0.7))) == set(computed_by("history"))
    # matcher.ranking.feedback computes one number per candidate: the feedback signal
    assert computed_by("feedback") == ("feedback",)
    assert set(computed_by("candidates") + computed_by("history") + computed_by("feedback")) == set(FEATURES)


def test_describe_carries_every_column_into_the_signals() -> None:
    lexical = LexicalModel().fit([t.text() for t in TENDERS])
    extra = {name: [(0.1 + 0.01 * j, "")] * len(TENDERS) for j, name in enumerate(computed_by("history"))}
    scored = score_candidates(FIRM, TENDERS, [0.6, 0.1], lexical, {**extra, "feedback": [(0.9, ""), (0.2, "")]})
    for i in range(len(TENDERS)):
        assert describe(scored, i, lexical).vector() == scored.matrix[i].tolist()


def test_the_reranker_manifest_names_the_declared_features(tmp_path: Path) -> None:
    diffs = np.random.default_rng(0).normal(0.0, 0.2, size=(200, len(FEATURES)))
    save_reranker(fit_pairwise(diffs), tmp_path, {})
    assert json.loads((tmp_path / "reranker" / "manifest.json").read_text())["features"] == list(FEATURES)
    shipped = load_reranker(Path(__file__).resolve().parents[2] / "models")
    assert shipped is not None and set(shipped.weights()) <= set(FEATURES)


def test_hand_set_scorers_name_declared_features() -> None:
    assert set(HISTORY_WEIGHTS) <= set(HISTORY_PARTS)  # the history signal is a mean of some of its parts
    for weights in HISTORY_CHOICES.values():
        assert set(weights) <= set(FEATURES)
    for choice in TREE_CHOICES.values():
        assert set(choice.get("prior", {})) <= set(FEATURES)

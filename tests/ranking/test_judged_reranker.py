"""The re-ranker learned from judged relevance (matcher.ranking.judged_reranker): what it reads, how it re-orders
the weighted scorer's first candidates, what keeps its hand-set weight, and how its artefact is checked."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from matcher.config import Settings
from matcher.errors import MatcherError
from matcher.pipeline import Matcher
from matcher.ranking import judged_reranker
from matcher.ranking.features import FEATURES
from matcher.ranking.fusion import WeightedScorer, fuse_matrix
from matcher.ranking.judged_reranker import (
    COLUMNS,
    DEPTH,
    FOLDER,
    JudgedReranker,
    ProfileView,
    Suggested,
    breadth,
    code_sources,
    hand_set_shift,
    load_judged_reranker,
    neutral_hand_set,
    profile_facts,
    rerank_columns,
    save_judged_reranker,
)
from matcher.ranking.korean_labels import korean_label_match
from matcher.ranking.signals import NEUTRAL
from matcher.ranking.trees import export_trees
from matcher.schema import FirmProfile, Tender
from matcher.search.encoders import FakeEncoder
from matcher.search.retrieve import MatchQuery
from tests.conftest import NOW

SHIPPED = Path(__file__).resolve().parents[2] / "models"
BREADTH = COLUMNS.index("breadth")


def tender(tid: str, codes: list[str], title: str = "Supply of water meters") -> Tender:
    return Tender(tender_id=f"test:{tid}", title=title, source="test", deadline=NOW + timedelta(days=20),
                  codes=codes)


#: Codes of one CPV group, and codes over six groups (a catch-all).
NARROW = ["CPV:38421100"]
BROAD = ["CPV:38421100", "CPV:03000000", "CPV:09130000", "CPV:18100000", "CPV:30190000", "CPV:44100000"]


def narrow_trees(encoder: str = "fake") -> JudgedReranker:
    """Trees that learnt one thing: a notice spanning one CPV group is relevant, a broad one is not."""
    rng = np.random.default_rng(0)
    x = rng.random((400, len(COLUMNS)))
    x[:, BREADTH] = rng.choice([0.0, np.log(6.0)], 400)
    model = HistGradientBoostingClassifier(max_depth=2, max_iter=20, random_state=0)
    model.fit(x, (x[:, BREADTH] == 0.0).astype(int))
    return JudgedReranker(export_trees(model, len(COLUMNS), check=x), {"training": {"encoder": encoder}})


def features(n: int) -> np.ndarray:
    return np.full((n, len(FEATURES)), NEUTRAL)


def test_breadth_counts_cpv_groups_and_the_profile_facts_say_what_the_trees_need() -> None:
    assert breadth([tender("a", NARROW), tender("b", BROAD), tender("c", [])]).tolist() == [0.0, np.log(6.0), 0.0]
    korean = FirmProfile(firm_id="k", name="k", description="수도 계량기를 만듭니다")
    english = FirmProfile(firm_id="e", name="e", description="We make water meters", codes=["CPV:38421100"])
    assert profile_facts(korean, 0.42).tolist() == [0.0, 1.0, 0.42]
    assert profile_facts(english, 0.0).tolist() == [1.0, 0.0, 0.0]


def test_the_trees_reorder_the_weighted_first_candidates_and_the_rest_follow_in_weighted_order() -> None:
    n = DEPTH + 20
    tenders = [tender(f"{i:03d}", BROAD if i % 2 == 0 else NARROW) for i in range(n)]
    matrix = features(n)
    matrix[:, FEATURES.index("dense")] = np.linspace(1.0, 0.0, n)  # weighted order = list order
    guards = np.ones(n)
    scorer = WeightedScorer()
    scores = narrow_trees().scores(matrix, guards, tenders, ProfileView(np.zeros(3)), scorer)
    order = np.argsort(-scores, kind="stable")
    first = order[:DEPTH]
    assert set(first.tolist()) == set(range(DEPTH))  # the same candidates, re-ordered
    assert all(i % 2 == 1 for i in order[: DEPTH // 2])  # the narrow notices first
    assert scores[first].min() > scores[DEPTH:].max()  # the rest below every re-ordered one
    assert order[DEPTH:].tolist() == list(range(DEPTH, n))  # and in the weighted order
    assert ((scores >= 0.0) & (scores <= 1.0)).all()


def test_decisions_countries_and_values_keep_their_hand_set_weight() -> None:
    tenders = [tender("a", BROAD), tender("b", BROAD), tender("c", BROAD)]  # the trees' score, well inside [0, 1]
    matrix = features(3)
    matrix[1, FEATURES.index("feedback")] = 1.0  # approved
    matrix[2, FEATURES.index("country")] = 0.0  # outside the firm's countries
    scorer = WeightedScorer()
    weights = scorer.weights()
    scores = narrow_trees().scores(matrix, np.ones(3), tenders, ProfileView(np.zeros(3)), scorer)
    assert weights["country"] * 0.5 < scores[0] < 1.0 - weights["feedback"] * 0.5  # no clipping
    assert scores[1] == pytest.approx(scores[0] + weights["feedback"] * 0.5)
    assert scores[2] == pytest.approx(scores[0] - weights["country"] * 0.5)
    assert hand_set_shift(neutral_hand_set(matrix), scorer).tolist() == [0.0, 0.0, 0.0]


def test_the_shipped_model_fits_this_code_and_ranks_only_with_its_own_encoder() -> None:
    reranker = load_judged_reranker(SHIPPED)
    assert reranker is not None
    assert reranker.applies_to("use-multilingual", 4063) and not reranker.applies_to("fake", 4063)
    assert not reranker.applies_to("use-multilingual", 125)  # the bundled demo: the weighted scorer ranks
    # its own calibration, fitted out of fold, with bands whose judged shares fall band by band
    assert reranker.calibration is not None and reranker.calibration.info.get("out_of_fold") is True
    shares = [b.relevant_share for b in reranker.calibration.bands]
    assert all(s is not None for s in shares) and shares == sorted(shares, reverse=True)  # type: ignore[type-var]
    training = reranker.manifest["training"]
    assert training["left_out"] is None and set(training["sets"]) == {"tune", "fresh2", "fresh3", "fresh4"}
    # they read where a code match comes from and the Korean labels (0 splits would be a dead column)
    trees = reranker.trees
    splits = np.bincount(trees.nodes["feature_idx"][~trees.nodes["is_leaf"]], minlength=len(COLUMNS))
    assert all(splits[COLUMNS.index(name)] > 0 for name in (*judged_reranker.SOURCES, "korean_label_match"))
    rows = np.column_stack([features(2), np.ones(2), np.full(2, 0.3), np.zeros(2), np.zeros((2, 3)), np.zeros((2, 2)),
                            np.zeros((2, 1))])
    assert ((reranker.trees.score(rows) > 0.0) & (reranker.trees.score(rows) < 1.0)).all()


def saved(tmp_path: Path) -> Path:
    trees = narrow_trees().trees
    save_judged_reranker(trees, tmp_path, {"encoder": "fake"})
    return tmp_path / FOLDER / "manifest.json"


def test_a_saved_reranker_loads_back_and_a_tampered_or_foreign_one_is_refused(tmp_path: Path) -> None:
    assert load_judged_reranker(tmp_path) is None
    manifest = saved(tmp_path)
    loaded = load_judged_reranker(tmp_path)
    assert loaded is not None and loaded.applies_to("fake", 5000)
    rows = np.random.default_rng(1).random((10, len(COLUMNS)))
    assert np.allclose(loaded.trees.score(rows), narrow_trees().trees.score(rows))
    raw = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**raw, "columns": raw["columns"][:-1]}))
    with pytest.raises(MatcherError, match=r"other columns.*retrain"):
        load_judged_reranker(tmp_path)
    manifest.write_text(json.dumps(raw))
    (tmp_path / FOLDER / raw["model"]["file"]).write_bytes(b"not the trees")
    with pytest.raises(MatcherError, match="sha256"):
        load_judged_reranker(tmp_path)
    manifest.write_text("{")
    with pytest.raises(MatcherError, match="unreadable"):
        load_judged_reranker(tmp_path)


def ranked(models_dir: Path, tmp_path: Path) -> dict[str, float]:
    settings = Settings(home=tmp_path / "home", encoder="fake", clock=NOW, min_candidates=50, models_dir=models_dir)
    matcher = Matcher(settings, encoder=FakeEncoder())
    try:
        matcher.upsert_tenders([tender("1", NARROW, "Water meters for the municipal network"),
                                tender("2", BROAD, "Supply of water meters")])
        matcher.upsert_firms([FirmProfile(firm_id="f", name="F", description="We make water meters",
                                          keywords=["water meters"])])
        matcher.build_index()
        return {m.tender_id: m.score for m in matcher.recommend("f", MatchQuery(k=2))}
    finally:
        matcher.close()


def test_the_recommender_ranks_with_the_trees_only_when_they_fit_its_encoder_and_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weighted = ranked(tmp_path / "none", tmp_path / "a")
    mine = tmp_path / "fake-models"
    save_judged_reranker(narrow_trees().trees, mine, {"encoder": "fake"})
    assert ranked(mine, tmp_path / "d") == weighted  # two notices: too few for what the trees learned
    monkeypatch.setattr(judged_reranker, "MIN_DOCUMENTS", 2)
    other = tmp_path / "other-models"
    save_judged_reranker(narrow_trees().trees, other, {"encoder": "use-multilingual"})
    learned = ranked(mine, tmp_path / "b")
    assert set(learned) == set(weighted) == {"test:1", "test:2"}
    # the trees' probabilities: high for the narrow notice, low for the catch-all
    assert learned["test:1"] > 0.8 > 0.2 > learned["test:2"]
    assert learned != weighted
    assert ranked(other, tmp_path / "c") == weighted  # trained with another encoder: the weighted scorer ranks


def test_the_recommender_tells_the_trees_which_suggested_codes_translate_a_keyword(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[ProfileView] = []
    score = JudgedReranker.scores

    def spy(self: JudgedReranker, *args: object) -> np.ndarray:
        seen.append(args[3])  # type: ignore[arg-type]
        return score(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(JudgedReranker, "scores", spy)
    monkeypatch.setattr(judged_reranker, "MIN_DOCUMENTS", 2)
    models = tmp_path / "models"
    save_judged_reranker(narrow_trees().trees, models, {"encoder": "fake"})
    settings = Settings(home=tmp_path / "home", encoder="fake", clock=NOW, min_candidates=50, models_dir=models)
    matcher = Matcher(settings, encoder=FakeEncoder())
    try:
        matcher.upsert_tenders([tender("1", ["CPV:34114121"], "Ambulances"), tender("2", BROAD)])
        # "구급차" is a term of the Korean label of 34114121 Ambulances: translated whatever the encoder
        firm = FirmProfile(firm_id="k", name="K", description="구급차를 제조합니다", keywords=["구급차"])
        matcher.upsert_firms([firm])
        matcher.build_index()
        matcher.recommend("k", MatchQuery(k=2))
        ranked = [code for code, _ in matcher.suggestions.for_ranking(firm)]
    finally:
        matcher.close()
    assert seen and seen[-1].suggested.translated == ("CPV:34114121",)
    described = seen[-1].suggested.described
    assert described == tuple(c for c in ranked if c != "CPV:34114121") and described
    assert seen[-1].korean == ("구급", "급차")  # its keyword, read against the Korean labels


def test_the_weighted_score_column_is_the_weighted_scorers_over_the_neutral_features() -> None:
    tenders = [tender("a", NARROW), tender("b", BROAD)]
    matrix = features(2)
    matrix[:, FEATURES.index("lexical")] = [0.8, 0.2]
    profile = ProfileView(np.array([1.0, 0.0, 0.3]), Suggested(translated=("CPV:38421100",)), ("계량",))
    columns = rerank_columns(matrix, np.array([1.0, 0.5]), tenders, profile, WeightedScorer())
    assert columns.shape == (2, len(COLUMNS))
    weighted = fuse_matrix(matrix, np.array([1.0, 0.5]), WeightedScorer())
    assert columns[:, COLUMNS.index("weighted_score")].tolist() == weighted.tolist()
    assert columns[:, COLUMNS.index("term_guard")].tolist() == [1.0, 0.5]
    facts = [COLUMNS.index(name) for name in judged_reranker.FACTS]
    assert columns[:, facts].tolist() == [[1.0, 0.0, 0.3], [1.0, 0.0, 0.3]]
    assert columns[:, COLUMNS.index("codes_via_keywords")].tolist() == [1.0, 1.0]  # both carry the code
    assert columns[:, COLUMNS.index("codes_via_description")].tolist() == [0.0, 0.0]  # no such suggestion
    korean = columns[:, COLUMNS.index("korean_label_match")]  # 38421100 reads "수도 계량기", as both carry it
    assert korean[0] > 0.0 and korean.tolist() == korean_label_match(("계량",), tenders).tolist()


def test_the_profile_view_reads_a_korean_firms_keywords_and_nothing_of_an_english_one() -> None:
    korean = FirmProfile(firm_id="k", name="k", description="수도 계량기를 만듭니다", keywords=["원격 검침"])
    english = FirmProfile(firm_id="e", name="e", description="We make water meters", codes=["CPV:38421100"])
    view = ProfileView.of(korean, 0.42, Suggested(translated=("CPV:38421100",)))
    assert view.facts.tolist() == [0.0, 1.0, 0.42] and view.suggested.translated == ("CPV:38421100",)
    assert view.korean == ("원격", "격검", "검침")
    assert ProfileView.of(english, 0.0, Suggested()).korean == ()


def test_a_code_match_is_told_by_where_it_comes_from_a_keywords_translation_or_the_description() -> None:
    # ranking reads a Korean firm's "수도 계량기" as Water meters (its keyword) and Flow meters (its description)
    suggested = Suggested.of([("CPV:38421100", 1.0), ("CPV:38421110", 1.0)], {"CPV:38421100": "수도 계량기"})
    assert suggested == Suggested(translated=("CPV:38421100",), described=("CPV:38421110",))
    meters = tender("meters", ["CPV:38421100"])  # the translation's own code
    flow = tender("flow", ["CPV:38421110"])  # the description's
    works = tender("works", ["CPV:45232150"])  # neither: waterworks construction
    sources = code_sources([meters, flow, works], suggested)
    assert sources[0, 0] == 1.0 and sources[1, 1] == 1.0  # each the same code through its own source
    assert 0.0 < sources[0, 1] < 1.0 and 0.0 < sources[1, 0] < 1.0  # and a sibling through the other
    assert sources[2].tolist() == [0.0, 0.0]
    assert code_sources([meters], Suggested()).tolist() == [[0.0, 0.0]]  # a firm with no suggestions

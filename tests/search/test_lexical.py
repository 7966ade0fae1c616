from __future__ import annotations

from pathlib import Path

import pytest

from matcher.search.lexical import LexicalModel, analyze

CORPUS = [
    "Supply of a dilution refrigerator and cryostat for quantum experiments",
    "Office furniture: chairs and desks",
    "Medical refrigerators for vaccine storage",
    "Road construction and resurfacing works",
    "Thermostat valves for heating systems",
    "Cleaning services for municipal buildings",
]


def test_analyze_folds_case_accents_and_plurals() -> None:
    assert analyze("Réfrigérateurs PUMPS 2021 glass") == ["refrigerateur", "pump", "glass"]


def test_scores_prefer_documents_sharing_distinctive_terms() -> None:
    model = LexicalModel().fit(CORPUS)
    scores = model.scores("cryostat and dilution refrigerators", CORPUS)
    assert scores.argmax() == 0
    assert scores[1] == 0.0
    assert scores.min() >= 0.0 and scores.max() <= 1.0


def test_term_guard_keeps_cryostat_from_matching_thermostat() -> None:
    model = LexicalModel().fit(CORPUS)
    guard = model.term_guard(["cryostat"], CORPUS[4])
    assert guard.missing == ["cryostat"] and guard.multiplier < 1.0
    assert model.term_guard(["cryostat"], CORPUS[0]).multiplier == 1.0
    # A keyword the collection never saw (Korean against European notices) neither matches nor penalises.
    assert model.term_guard(["극저온 냉동기"], CORPUS[4]).multiplier == 1.0


def test_shared_terms_rank_rare_terms_first() -> None:
    model = LexicalModel().fit(CORPUS)
    # "vaccine" is in one notice, "refrigerator" in two: the rarer term comes first.
    assert model.shared_terms("refrigerators for vaccines", CORPUS[2]) == ["vaccine", "refrigerator"]


def test_save_and_load_round_trip_without_pickle(tmp_path: Path) -> None:
    model = LexicalModel().fit(CORPUS)
    model.save(tmp_path)
    assert not list(tmp_path.glob("*.pkl"))
    loaded = LexicalModel.load(tmp_path)
    query = "thermostat valves"
    assert (loaded.scores(query, CORPUS) == model.scores(query, CORPUS)).all()
    assert loaded.n_docs == len(CORPUS)


def test_unfitted_model_is_silent_not_broken(tmp_path: Path) -> None:
    model = LexicalModel().fit([])
    assert not model.fitted
    assert model.scores("anything", ["a doc"]).tolist() == [0.0]
    model.save(tmp_path)
    assert not LexicalModel.load(tmp_path).fitted


def test_term_guard_only_judges_notices_in_a_language_that_uses_the_keyword(tmp_path: Path) -> None:
    texts = [*CORPUS, "Geležinkelio projektavimo paslaugos", "Railway design services for a new line"]
    languages = ["en"] * len(CORPUS) + ["lt", "en"]
    model = LexicalModel().fit(texts, languages=languages)
    # "railway" is an English term: a Lithuanian notice cannot be blamed for not containing it ...
    assert model.term_guard(["railway"], texts[-2], language="lt").multiplier == 1.0
    # ... but an English notice without it can.
    assert model.term_guard(["railway"], CORPUS[3], language="en").missing == ["railway"]
    model.save(tmp_path)
    loaded = LexicalModel.load(tmp_path)
    assert loaded.term_guard(["railway"], texts[-2], language="lt").multiplier == 1.0
    assert loaded.term_guard(["railway"], CORPUS[3], language="en").multiplier < 1.0


def test_batched_term_guards_read_from_the_tfidf_rows_agree_with_one_by_one() -> None:
    texts = [*CORPUS, "Geležinkelio projektavimo paslaugos", "Railway design services for a new line",
             "Dilution refrigerator service contract", "Heating valves and thermostat heads"]
    languages = ["en"] * len(CORPUS) + ["lt", "en", "en", "en"]
    model = LexicalModel().fit(texts, languages=languages)
    keywords = ["railway", "dilution refrigerator", "thermostat", "냉동기", "cryostat"]
    batched = model.term_guards(keywords, texts, languages, doc_matrix=model.transform_documents(texts))
    one_by_one = [model.term_guard(keywords, t, language=lang) for t, lang in zip(texts, languages, strict=True)]
    assert batched == one_by_one
    assert batched[1].missing == ["railway", "cryostat"]  # furniture: the distinctive keywords, all absent
    assert batched[0].multiplier == 1.0 and batched[6].multiplier == 1.0  # has cryostat; Lithuanian: not judged
    assert batched[7].multiplier == 1.0 and batched[8].missing == ["railway", "cryostat"]
    # One notice at a time (firms-for's first stage) reads the row's terms another way: the same guards.
    for i, (text, language) in enumerate(zip(texts, languages, strict=True)):
        alone = model.term_guards(keywords, [text], [language], doc_matrix=model.transform_documents([text]))
        assert alone == [one_by_one[i]]


def test_many_query_rows_stacked_equal_each_row() -> None:
    model = LexicalModel().fit(CORPUS)
    queries = ["cryostat and dilution refrigerators", "nothing known", "", "road works", "cryostat"]
    stacked = model.transform_queries(queries)
    assert stacked.shape == (len(queries), model.transform_query("x").shape[1])
    for i, query in enumerate(queries):
        assert (stacked[i] != model.transform_query(query)).nnz == 0
    assert model.transform_queries([]).shape[0] == 0


def test_cached_query_rows_equal_the_vectorizer() -> None:
    model = LexicalModel().fit(CORPUS)
    for query in ["cryostat and dilution refrigerators refrigerators", "nothing known", ""]:
        expected = model.vectorizer.transform([query]).toarray()
        assert abs(model.transform_query(query).toarray() - expected).max() < 1e-6


def test_document_rows_survive_the_row_cache_making_room(monkeypatch: pytest.MonkeyPatch) -> None:
    import matcher.search.lexical as lexical

    monkeypatch.setattr(lexical, "ROW_CACHE", 4)
    model = LexicalModel().fit(CORPUS)  # the row cache is sized when the model is fitted
    model.transform_documents(CORPUS[:3])
    both = model.transform_documents(CORPUS[:3] + CORPUS[3:5])  # 5 rows for a cache of 4: one makes room
    assert abs(both.toarray() - model.vectorizer.transform(CORPUS[:5]).toarray()).max() < 1e-6
    assert len(model._rows) == 4


def test_rows_of_real_multilingual_notices_equal_the_vectorizer_and_follow_a_refit() -> None:
    from matcher.demo import demo_data
    from matcher.ingest.detect import read_tenders
    from matcher.schema import Tender

    texts = [t.text() for t in read_tenders(demo_data().tenders) if isinstance(t, Tender)]
    assert len(texts) > 100
    model = LexicalModel().fit(texts[:80])
    for fitted in (texts[:80], texts[40:]):  # the second fit has another vocabulary: no token keeps a column
        model.fit(fitted)
        rows = model.transform_documents(texts)
        assert abs(rows.toarray() - model.vectorizer.transform(texts).toarray()).max() < 1e-6

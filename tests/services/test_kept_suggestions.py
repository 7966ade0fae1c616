"""Each firm's ranked suggestions kept in the store, so that firms-for's first stage reads them for every firm
of a register (measured among 10,214 firms: without them, a Korean firm without codes reached the 200 scored in
full for 45% of the notices it judged relevant; evaluation/RESULTS.md, "Firms for a tender"). On SQLite and,
when MATCHER_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import update

from matcher.pipeline import Matcher
from matcher.ranking.fusion import fuse_matrix, order
from matcher.ranking.signals import score_candidates
from matcher.schema import FirmProfile, Tender
from matcher.services import code_suggestions, recommender
from matcher.services.code_suggestions import CodeSuggestions, KeptRefresh
from matcher.store import firm_suggestions
from matcher.store.firm_suggestions import KeptSuggestions

WATER = "CPV:38421100"  # Water meters
XRAY = "CPV:33111000"  # X-ray devices
KOREAN = FirmProfile(firm_id="kr", name="KR", description="계량기 제조", keywords=["수도 계량기"])
HOSES = FirmProfile(firm_id="hoses", name="H", description="garden hoses with remote reading")
XRAY_FIRM = FirmProfile(firm_id="xr", name="XR", description="x-ray imaging devices for hospitals")


def _tender(tid: str, title: str, codes: list[str]) -> Tender:
    return Tender(tender_id=tid, source="test", title=title, codes=codes)


@pytest.fixture
def stocked(matcher_on_each_store: Matcher) -> Matcher:
    matcher = matcher_on_each_store
    matcher.upsert_tenders([
        _tender("w1", "smart water meters supply and remote reading", [WATER, "CPV:38000000"]),
        _tender("w2", "supply of water meters with remote reading", [WATER]),
        _tender("x1", "digital x-ray imaging devices for the hospital", [XRAY]),
        _tender("u1", "zeppelin hangar lease", ["CPV:70130000"]),
    ], sync=False)
    matcher.upsert_firms([KOREAN, HOSES, XRAY_FIRM])
    matcher.build_index()
    return matcher


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The firms whose suggestions are computed from here on."""
    computed: list[str] = []
    for_ranking = CodeSuggestions.for_ranking

    def spy(self: CodeSuggestions, firm: FirmProfile) -> list[tuple[str, float]]:
        computed.append(firm.firm_id)
        return for_ranking(self, firm)

    monkeypatch.setattr(CodeSuggestions, "for_ranking", spy)
    return computed


def test_kept_codes_are_those_ranking_reads_and_are_computed_once(
    stocked: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    suggestions = stocked.suggestions
    firms = suggestions.catalog.all_firms()
    expected = [suggestions.for_ranking(f) for f in firms]
    assert any(WATER in dict(codes) for codes in expected)  # the Korean firm's keyword translates to water meters
    computed = _counting(monkeypatch)
    assert suggestions.kept_for_ranking(firms) == expected
    assert sorted(computed) == ["hoses", "kr", "xr"]
    computed.clear()
    assert suggestions.kept_for_ranking(firms) == expected and computed == []  # read from the store
    build = stocked.current_index().build_id
    assert {k.build_id for k in suggestions.catalog.kept_suggestions().values()} == {build}


def test_a_changed_profile_has_its_codes_computed_again(stocked: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    suggestions = stocked.suggestions
    suggestions.kept_for_ranking(suggestions.catalog.all_firms())
    changed = KOREAN.model_copy(update={"description": "엑스선 영상 장비 제조", "keywords": ["엑스선 장비"]})
    stocked.upsert_firms([changed])
    assert set(suggestions.catalog.kept_suggestions()) == {"hoses", "xr"}  # the old row no longer reads
    computed = _counting(monkeypatch)
    firms = suggestions.catalog.all_firms()
    kept = dict(zip([f.firm_id for f in firms], suggestions.kept_for_ranking(firms), strict=True))
    assert computed == ["kr"]
    assert kept["kr"] == suggestions.for_ranking(changed) and WATER not in dict(kept["kr"])


def test_codes_kept_before_any_index_are_computed_again_once_one_exists(matcher_on_each_store: Matcher) -> None:
    matcher = matcher_on_each_store
    matcher.upsert_tenders([_tender("w2", "supply of water meters with remote reading", [WATER])], sync=False)
    matcher.upsert_firms([KOREAN])
    suggestions = matcher.suggestions
    suggestions.kept_for_ranking([KOREAN])
    assert suggestions.catalog.kept_suggestions()["kr"].build_id is None  # labels alone: no index yet
    matcher.build_index()
    suggestions.kept_for_ranking([KOREAN])
    assert suggestions.catalog.kept_suggestions()["kr"].build_id == matcher.current_index().build_id


def test_refresh_recomputes_codes_of_another_build_and_drops_deleted_firms(
    stocked: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(code_suggestions, "FIRMS_FOR_DEPTH", 2)  # three firms: above it
    suggestions = stocked.suggestions
    catalog = suggestions.catalog
    assert suggestions.refresh_kept() == KeptRefresh(firms=3, refreshed=3)  # none kept yet
    assert suggestions.refresh_kept().line() == "suggested codes kept for firms-for: 0 of 3 firm(s) refreshed"
    table = firm_suggestions.firm_suggestions
    with catalog.db.begin() as conn:
        conn.execute(update(table).where(table.c.firm_id == "xr").values(build_id="an old build"))
        conn.execute(update(table).where(table.c.firm_id == "kr").values(codes='[["CPV:38421100", 0.9]]'))
    assert suggestions.refresh_kept().refreshed == 2  # another build's row, and a row of the first format
    assert catalog.kept_suggestions()["xr"].build_id == stocked.current_index().build_id
    assert catalog.kept_suggestions()["kr"].keywords == tuple(suggestions.translated_keywords(KOREAN).items())
    with catalog.db.begin() as conn:
        catalog.firms.delete(conn, "xr")
    assert set(catalog.kept_suggestions()) == {"hoses", "kr"}  # a deleted firm's row is never read
    suggestions.keep_for_ranking([KOREAN])
    with catalog.db.connect() as conn:
        rows = conn.execute(firm_suggestions.firm_suggestions.select()).all()
    assert sorted(r.firm_id for r in rows) == ["hoses", "kr"]  # and the next write drops it


def test_writing_a_row_again_replaces_it(stocked: Matcher) -> None:
    catalog = stocked.suggestions.catalog
    firm_hash = catalog.get_firm("kr").content_hash()
    catalog.keep_suggestions({"kr": KeptSuggestions(firm_hash, "b1", ((WATER, 1.0),))})
    catalog.keep_suggestions({"kr": KeptSuggestions(firm_hash, "b2", ((XRAY, 1.0), (WATER, 0.5)))})
    assert catalog.kept_suggestions(["kr"]) == {"kr": KeptSuggestions(firm_hash, "b2", ((XRAY, 1.0), (WATER, 0.5)))}


def test_first_stage_with_kept_codes_orders_firms_as_their_own_signals_do(stocked: Matcher) -> None:
    """With each firm's suggested codes, the first stage's order is that of each firm's signals with those codes
    (``score_candidates``, fused by the weighted scorer), and the Korean firm without codes rises on the water
    meters' code from below an English firm whose words sit nearer the notice."""
    rec = stocked.recommender
    loaded = stocked.current_index()
    firms = rec.catalog.all_firms()
    codes = stocked.suggestions.kept_for_ranking(firms)
    tender = rec.catalog.get_tender("w2")
    embedder = rec.engine.embedder
    dense = embedder.encode_queries([f.text() for f in firms]) @ embedder.encode_documents([tender.text()])[0]
    rows = [score_candidates(f, [tender], [float(d)], loaded.lexical, inferred=c)
            for f, d, c in zip(firms, dense, codes, strict=True)]
    fused = np.concatenate([fuse_matrix(r.matrix, r.multipliers, rec.scorer) for r in rows])
    with_codes = recommender.first_stage(firms, tender, dense, loaded, rec.scorer, codes)
    assert with_codes == order(fused, [f.firm_id for f in firms])
    ids = [f.firm_id for f in firms]
    without = recommender.first_stage(firms, tender, dense, loaded, rec.scorer)
    assert ids[without[0]] == "hoses" and ids[with_codes[0]] == "kr"


def test_firms_for_keeps_the_korean_firm_its_first_stage_would_have_missed(
    stocked: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(code_suggestions, "FIRMS_FOR_DEPTH", 1)
    (first,) = stocked.firms_for("w2", k=1)
    assert first.firm_id == "kr"
    assert any(r.kind == "code_match" and r.params.get("keyword") == "수도 계량기" for r in first.reasons.reasons)


def test_a_bulk_import_keeps_its_firms_codes(stocked: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """A firms file (the CLI's ``ingest firms``, the API's upload) leaves its firms ready for the first stage: a
    register of 10,000 imported at once would otherwise have its codes computed in an officer's first call."""
    from tests.conftest import FIXTURES

    monkeypatch.setattr(code_suggestions, "FIRMS_FOR_DEPTH", 3)  # four firms once the file is in
    computed = _counting(monkeypatch)
    report = stocked.ingest_firms([FIXTURES / "firms" / "firms.json"]).report
    assert report.new == 1 and "kr-cryo-01" in stocked.suggestions.catalog.kept_suggestions()
    assert sorted(computed) == ["hoses", "kr", "kr-cryo-01", "xr"]  # none were kept yet
    computed.clear()
    assert stocked.ingest_firms([FIXTURES / "firms" / "firms.json"]).report.unchanged == 1 and computed == []


def test_a_register_scored_in_full_keeps_no_codes(
    matcher_on_each_store: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to ``FIRMS_FOR_DEPTH`` firms (200), firms-for scores every firm in full and reads no kept codes: a firms
    file, ``index build`` and the morning tick keep none, and a firms file loads no encoder (the API upload's
    child process answers as soon as the firms are stored)."""
    from tests.conftest import FIXTURES

    matcher = matcher_on_each_store
    computed = _counting(monkeypatch)
    assert matcher.ingest_firms([FIXTURES / "firms" / "firms.json"]).report.new == 1
    assert computed == [] and "embedder" not in vars(matcher.recommender.engine)
    matcher.build_index()
    assert matcher.refresh_kept_suggestions().line() == (
        "suggested codes not kept: 1 firm(s), firms-for scores up to 200 in full")
    assert computed == [] and matcher.suggestions.catalog.kept_suggestions() == {}


def test_scoring_reads_the_kept_keywords_and_confidence_under_this_build(
    stocked: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Firms-for scores up to 200 firms in full: what their lists read of their suggestions (codes, the keywords
    they translate, the best confidence) comes from the kept rows when kept under this build, and equals what
    computing them gives; a row of another build, or one kept before keywords were recorded, is computed."""
    suggestions = stocked.suggestions
    firms = suggestions.catalog.all_firms()
    expected = [(tuple(suggestions.for_ranking(f)), tuple(suggestions.translated_keywords(f).items()),
                 suggestions.best_confidence(f)) for f in firms]
    assert ("CPV:38421100", "수도 계량기") in dict(zip([f.firm_id for f in firms], expected, strict=True))["kr"][1]
    computed = _counting(monkeypatch)
    fresh = suggestions.for_scoring(firms)  # nothing kept: computed, and not kept by a call
    assert [(v.codes, v.keywords, v.best) for v in fresh] == expected and len(computed) == 3
    assert suggestions.catalog.kept_suggestions() == {}
    suggestions.keep_for_ranking(firms)
    computed.clear()
    assert [(v.codes, v.keywords, v.best) for v in suggestions.for_scoring(firms)] == expected and computed == []
    table = firm_suggestions.firm_suggestions
    with suggestions.catalog.db.begin() as conn:
        conn.execute(update(table).where(table.c.firm_id == "xr").values(build_id="an old build"))
        conn.execute(update(table).where(table.c.firm_id == "kr").values(codes='[["CPV:38421100", 0.9]]'))
    assert suggestions.catalog.kept_suggestions()["kr"].keywords is None  # a row of the first format
    assert [(v.codes, v.keywords, v.best) for v in suggestions.for_scoring(firms)] == expected
    assert sorted(computed) == ["kr", "xr"]


def test_firms_for_gives_the_same_list_from_kept_rows(stocked: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    before = [(m.firm_id, m.score, m.fit, m.reasons) for m in stocked.firms_for("w2", k=3)]
    stocked.suggestions.keep_for_ranking(stocked.suggestions.catalog.all_firms())
    computed = _counting(monkeypatch)
    assert [(m.firm_id, m.score, m.fit, m.reasons) for m in stocked.firms_for("w2", k=3)] == before
    assert computed == []


@pytest.mark.parametrize("text", ["not json", "[[\"CPV:1\"]]", "{\"codes\": []}", "7", "[[\"CPV:1\", \"x\"]]"])
def test_a_row_that_does_not_read_is_computed_again(stocked: Matcher, text: str) -> None:
    """Kept codes are derived data: a row spoilt by hand or by a bad write is read as missing, never an error."""
    suggestions = stocked.suggestions
    firms = suggestions.catalog.all_firms()
    expected = suggestions.kept_for_ranking(firms)
    table = firm_suggestions.firm_suggestions
    with suggestions.catalog.db.begin() as conn:
        conn.execute(update(table).where(table.c.firm_id == "kr").values(codes=text))
    assert "kr" not in suggestions.catalog.kept_suggestions()
    assert suggestions.kept_for_ranking(firms) == expected  # computed and kept again
    assert "kr" in suggestions.catalog.kept_suggestions()

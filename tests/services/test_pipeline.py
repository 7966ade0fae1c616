"""The Matcher facade end to end with the fake encoder: ingest, index sync, recommend, firms-for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matcher.errors import IndexNotReady, NotFound
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Reason, Tender
from matcher.search.retrieve import MatchQuery
from tests.conftest import NOW

OPEN = NOW + timedelta(days=20)
CLOSED = NOW - timedelta(days=1)


def tender(tid: str, title: str, **extra: object) -> Tender:
    fields: dict[str, object] = {"source": "test", "deadline": OPEN, "buyer_country": "FR"}
    fields.update(extra)
    return Tender(tender_id=f"test:{tid}", title=title, **fields)


TENDERS = [
    tender("1", "Supply of ultrasound scanners for hospitals", codes=["CPV:33112200"], value=300_000, currency="EUR"),
    tender("2", "Road resurfacing works", codes=["CPV:45233223"]),
    tender("3", "Ultrasound scanners maintenance", codes=["CPV:50421000"], deadline=CLOSED),
    tender("4", "Award: ultrasound scanners", notice_type="award", codes=["CPV:33112200"]),
    tender("5", "Ultrasound scanners and probes", buyer_country="KE", codes=["CPV:33112200"]),
    tender("6", "Thermostat valves for heating", codes=["CPV:42131000"]),
]
FIRM = FirmProfile(
    firm_id="medi", name="Medi Co", description="We make ultrasound scanners and probes",
    keywords=["ultrasound"], codes=["CPV:33100000"], target_countries=["KE"],
)


@pytest.fixture
def loaded(matcher: Matcher) -> Matcher:
    matcher.upsert_tenders(TENDERS)
    matcher.upsert_firms([FIRM, FirmProfile(firm_id="roads", name="Roads Ltd", description="road resurfacing works")])
    matcher.build_index()
    return matcher


def test_recommend_filters_ranks_and_explains(loaded: Matcher) -> None:
    matches = loaded.recommend("medi", MatchQuery(k=10))
    ids = [m.tender_id for m in matches]
    assert "test:3" not in ids  # closed
    assert "test:4" not in ids  # award notice, not an opportunity
    assert ids[0] == "test:5"  # same text, exact codes family and the firm's target country
    top = matches[0]
    assert 0.0 <= top.score <= 1.0 and top.rank == 1
    assert top.parts.country == 1.0 and top.parts.codes == 0.9
    assert "ultrasound" in top.reasons.matched_terms
    assert top.reasons.matched_codes[0].tender_code == "CPV:33112200"
    # Reasons are codes with parameters; the summary is their English wording (matcher.ranking.reasons).
    assert Reason(kind="country_target", params={"countries": ["KE"]}) in top.reasons.reasons
    assert "a target country: Kenya" in top.reasons.summary  # named, not coded
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_hard_filters(loaded: Matcher) -> None:
    with_closed = [m.tender_id for m in loaded.recommend("medi", MatchQuery(include_closed=True))]
    assert "test:3" in with_closed
    kenya = [m.tender_id for m in loaded.recommend("medi", MatchQuery(countries=("KE",)))]
    assert kenya == ["test:5"]
    cheap = [m.tender_id for m in loaded.recommend("medi", MatchQuery(max_value=100_000))]
    assert "test:1" not in cheap and "test:5" in cheap  # an unknown value is kept


def test_exact_term_guard_penalises_missing_distinctive_keyword(loaded: Matcher) -> None:
    # "probes" is in one notice of six: distinctive. "ultrasound" (in four) is too common to guard on.
    firm = FirmProfile(firm_id="x", name="X", description="thermostat heating", keywords=["probes", "ultrasound"])
    matches = {m.tender_id: m for m in loaded.recommend(firm, MatchQuery(k=10))}
    assert matches["test:6"].parts.term_guard < 1.0
    assert matches["test:6"].reasons.missing_terms == ["probes"]
    assert matches["test:5"].parts.term_guard == 1.0
    unguarded = FirmProfile(firm_id="y", name="Y", description="thermostat heating")
    plain = {m.tender_id: m for m in loaded.recommend(unguarded, MatchQuery(k=10))}
    assert matches["test:6"].score < plain["test:6"].score


def test_firms_for_ranks_firms(loaded: Matcher) -> None:
    matches = loaded.firms_for("test:2")
    assert [m.firm_id for m in matches] == ["roads", "medi"]
    assert matches[0].reasons.matched_terms
    assert loaded.firms_for("test:2", firm_ids=["medi"])[0].firm_id == "medi"


def test_firms_for_first_stage_orders_firms_as_their_own_signals_do(loaded: Matcher) -> None:
    """The first stage scores every firm against the notice in one pass (the lexical column in one product,
    the notice's terms read once for every firm's guard): the order is that of each firm's signals alone."""
    from matcher.ranking.fusion import fuse, order
    from matcher.ranking.signals import compute_signals
    from matcher.services.recommender import first_stage

    loaded.upsert_firms([
        FirmProfile(firm_id="probes", name="P", description="ultrasound probes and scanners",
                    keywords=["probes", "thermostat"], target_countries=["FR"], max_value=100_000, currency="EUR"),
        FirmProfile(firm_id="valves", name="V", description="thermostat valves", keywords=["thermostat"],
                    codes=["CPV:42131000"], target_countries=["DE"]),
        FirmProfile(firm_id="scan", name="S", description="hospital scanners", min_value=1_000_000,
                    currency="EUR"),
        FirmProfile(firm_id="kr", name="K", description="초음파 진단기 제조", keywords=["초음파"]),
    ])
    rec = loaded.recommender
    loaded_index = rec.engine.index.current()
    firms = rec.catalog.all_firms()
    embedder = rec.engine.embedder
    guarded = 0
    for tender_id in ("test:1", "test:2", "test:6"):
        tender = rec.catalog.get_tender(tender_id)
        dense = embedder.encode_queries([f.text() for f in firms]) @ embedder.encode_documents([tender.text()])[0]
        alone = [compute_signals(f, [tender], [float(d)], loaded_index.lexical)[0]
                 for f, d in zip(firms, dense, strict=True)]
        expected = order(fuse(alone, rec.scorer), [f.firm_id for f in firms])
        assert first_stage(firms, tender, dense, loaded_index, rec.scorer) == expected
        guarded += sum(s.guard.multiplier < 1 for s in alone)
    assert guarded  # a firm's distinctive keyword was missing from a notice: the guard took part


def test_every_firm_is_read_again_after_a_write_to_firms(loaded: Matcher) -> None:
    """Firms-for keeps the parsed firms between calls; any write to firms is seen by the next call."""
    assert [f.firm_id for f in loaded.recommender.catalog.all_firms()] == ["medi", "roads"]
    loaded.upsert_firms([FIRM.model_copy(update={"description": "road resurfacing works"})])
    assert loaded.recommender.catalog.all_firms(["medi"])[0].description == "road resurfacing works"
    loaded.upsert_firms([FirmProfile(firm_id="asphalt", name="A", description="road resurfacing works")])
    assert [f.firm_id for f in loaded.recommender.catalog.all_firms()] == ["asphalt", "medi", "roads"]
    assert sorted(m.firm_id for m in loaded.firms_for("test:2")) == ["asphalt", "medi", "roads"]


def test_incremental_sync_adds_updates_and_removes(loaded: Matcher) -> None:
    before = loaded.index.current()
    changed = tender("2", "Road resurfacing and ultrasound scanners")
    loaded.upsert_tenders([changed, tender("7", "Ultrasound gel")])
    after = loaded.index.current()
    assert after.build_id != before.build_id
    assert "test:7" in after.vectors and len(after.vectors) == 7
    assert loaded.delete_tenders(["test:7"]) == 1
    assert "test:7" not in loaded.index.current().vectors
    report = loaded.sync_index()
    assert (report.added, report.updated, report.removed) == (0, 0, 0)


def test_reingest_is_idempotent(loaded: Matcher) -> None:
    result = loaded.upsert_tenders(TENDERS)
    assert (result.report.new, result.report.updated, result.report.unchanged) == (0, 0, 6)
    result = loaded.upsert_tenders([tender("1", "Supply of ultrasound scanners (corrected)")])
    assert (result.report.new, result.report.updated) == (0, 1)
    assert loaded.get_tender("test:1").title == "Supply of ultrasound scanners (corrected)"


def test_errors_name_the_problem(matcher: Matcher) -> None:
    with pytest.raises(NotFound, match="unknown firm 'nope'"):
        matcher.recommend("nope")
    matcher.upsert_firms([FIRM])
    with pytest.raises(IndexNotReady, match="matcher index build"):
        matcher.recommend("medi")


def test_clock_decides_what_is_open(loaded: Matcher) -> None:
    loaded.settings.clock = datetime(2030, 1, 1, tzinfo=UTC)
    assert loaded.recommend("medi") == []


def test_partner_decisions_feed_back_into_ranking(loaded: Matcher) -> None:
    for tid in ("test:1", "test:5", "test:6"):
        loaded.propose("medi", tid, actor="partner-kim")
    loaded.decide("medi", "test:1", "approved", actor="partner-kim", note="good fit")
    loaded.decide("medi", "test:5", "rejected", actor="partner-kim", note="too far")
    matches = {m.tender_id: m for m in loaded.recommend("medi", MatchQuery(k=10))}
    assert "test:5" not in matches  # rejected items never come back
    assert matches["test:1"].parts.feedback == 1.0
    assert "approved for this firm by its partner" in matches["test:1"].reasons.summary
    assert matches["test:6"].parts.feedback == 0.75  # still proposed
    events = loaded.feedback_events()
    assert [(e.tender_id, e.decision) for e in events][-2:] == [("test:1", "approved"), ("test:5", "rejected")]


def test_recommend_many_equals_recommend_one_by_one(loaded: Matcher) -> None:
    firms = ["medi", "roads"]
    batched = loaded.recommend_many(firms, MatchQuery(k=3))
    single = [loaded.recommend(f, MatchQuery(k=3)) for f in firms]
    assert [[m.tender_id for m in ms] for ms in batched] == [[m.tender_id for m in ms] for ms in single]


def test_partner_decisions_are_training_rows_without_their_own_feedback(loaded: Matcher) -> None:
    from matcher.evaluate.decision_pairs import decision_features
    from matcher.ranking.features import FEATURES

    for tid in ("test:1", "test:5", "test:6"):
        loaded.propose("medi", tid, actor="partner-kim")
    loaded.decide("medi", "test:5", "approved", actor="partner-kim")
    loaded.decide("medi", "test:5", "rejected", actor="partner-kim")  # the latest counts
    loaded.decide("medi", "test:1", "approved", actor="partner-kim")
    [(approved, rejected)] = decision_features(loaded)
    assert approved.shape == (1, len(FEATURES)) and rejected.shape == (1, len(FEATURES))
    assert approved[0, FEATURES.index("feedback")] == rejected[0, FEATURES.index("feedback")] == 0.5
    assert approved[0, FEATURES.index("country")] == 0.0 and rejected[0, FEATURES.index("country")] == 1.0  # FR vs KE
    assert decision_features(loaded, before=datetime(2000, 1, 1, tzinfo=UTC)) == []



def test_a_shorter_list_is_the_start_of_a_longer_one(matcher: Matcher) -> None:
    # The candidate pool once grew with the list asked for (20 per result), so a firm asking for 50 saw a notice
    # at rank 5 that its list of 10 did not hold (12 of the 24 profiles of evaluation/judged_fresh8.json). Here
    # the firm's target country and value range lift notices that the text alone ranks below the first 50.
    fillers = ["road", "valve", "pump", "software", "training", "cleaning", "meter", "water", "cable", "laptop"]
    tenders = [tender(str(i), f"ultrasound {fillers[i % 10]} {fillers[(i // 10) % 10]} lot {i}",
                      buyer_country="KE" if i % 7 == 0 else "FR", value=300_000 if i % 7 == 0 else None,
                      currency="EUR")
               for i in range(300)]
    matcher.upsert_tenders(tenders)
    matcher.upsert_firms([FirmProfile.model_validate(
        FIRM.model_dump() | {"min_value": 100_000, "max_value": 500_000, "currency": "EUR"})])
    matcher.build_index()
    longest = [m.tender_id for m in matcher.recommend("medi", MatchQuery(k=50))]
    assert len(longest) == 50
    for k in (1, 2, 5, 10, 25):
        assert [m.tender_id for m in matcher.recommend("medi", MatchQuery(k=k))] == longest[:k], k

"""Near neighbours kept apart (issue 11): real TED notices a firm could confuse with its own line of business.

Each case pairs the notice a firm could bid for (``right``) with notices that share its words or its sector but
buy something the firm does not sell (``near``): health *services* and a hospital design contract for an X-ray
maker, guarding and beach lifeguards for a cybersecurity consultancy, a cultural centre's roofing works for a
PV-module maker, architects' design contests for a builder, the cleaning of trains for a rolling-stock
components maker. The notices are copied unchanged from the TED sample into tests/fixtures/ted_cases (see its
README); the profiles are written as the judged set's are (evaluation/judged.json: three are its profiles word
for word).

The fast tests use the FakeEncoder, so dense similarity says next to nothing and the order comes from the other
signals. The FakeEncoder's code inference is noise (hashed words against English code labels: the X-ray maker
got CPV 38654110 "microfiches" and 45262220 "water-well drilling"), so they pin each profile's inferred codes to
what ranking reads with the real encoder over the whole TED sample and the OCDS examples (the judged store,
evaluation/JUDGING.md), measured with ``Matcher(get_settings()).suggestions.inferred(firm).ranked()[:5]``
(MATCHER_HOME=/work/jhome, MATCHER_ENCODER=use-multilingual; a keyword's translation first, with its keyword:
the PV maker's 태양전지 -> 31712331 photovoltaic cells, and since English keywords of a firm without codes are
translated too, the builder's "building construction" -> 45210000 and the rail supplier's "railway brakes" ->
34322300 brake linings), and weigh them as ``Matcher.inferred_codes`` does. The slow test runs everything for
real.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.normalize.codes import codebook
from matcher.pipeline import Matcher
from matcher.ranking.features import weigh_inferred
from matcher.schema import FirmProfile, Match
from matcher.search.code_inference import Inferred, SuggestedCode
from matcher.search.retrieve import MatchQuery
from matcher.services.code_suggestions import INFERRED_FOR_RANKING, INFERRED_RULE
from tests.conftest import FIXTURES

CASES_DIR = FIXTURES / "ted_cases"
#: After the newest notice used here (ted:251916-2022, published 2022-05): a "now" hides later notices.
CLOCK = datetime(2023, 1, 1, tzinfo=UTC)
#: ``matcher.ranking.explain``: a nature fit at or below 0.2 is a concern; the issue asks for "low", below 0.5.
LOW_NATURE = 0.5


@dataclass(frozen=True)
class Case:
    name: str
    firm: FirmProfile
    near: tuple[str, ...]
    right: tuple[str, ...] = ()  # empty when the sample holds no notice the firm should get (said per case)
    #: What ranking reads on the judged store with the real encoder (the module docstring): (code, confidence),
    #: and the keyword it translates when it is a keyword's translation.
    inferred: tuple[tuple[str, float] | tuple[str, float, str], ...] = ()
    #: False where the near neighbours buy the same kind of contract as the firm sells (both services): the
    #: contract nature cannot tell them apart, only the ranking is asserted.
    nature_separates: bool = True
    #: A further concern every near neighbour shown must carry (the builder's: "published as a design contest").
    concern: str | None = None


def firm(firm_id: str, name: str, description: str, keywords: list[str], languages: list[str]) -> FirmProfile:
    return FirmProfile(firm_id=firm_id, name=name, description=description, keywords=keywords, languages=languages)


XRAY = Case(
    name="xray",
    # evaluation/judged.json dev-ko-xray, word for word (judged there: 421813-2018 relevant 1, 400604-2019 0).
    firm=firm("dev-ko-xray", "한빛메디텍",
              "당사는 디지털 X선 촬영장치(DR)와 이동형 X선 장비를 개발·제조하는 의료기기 중소기업입니다. "
              "평판 검출기(FPD)를 자체 설계하며, 저선량 촬영과 PACS 연동을 지원합니다. "
              "CE 및 식약처 인증을 보유하고 있으며 동남아와 아프리카 보건소에 수출한 실적이 있습니다.",
              ["디지털 X선", "DR 시스템", "이동형 엑스레이", "평판 검출기"], ["ko", "en"]),
    right=("ted:421813-2018",),  # supply of imaging devices incl. a radiography-fluoroscopy X-ray unit (CZ)
    near=("ted:400604-2019",  # fetal scanning services (CPV 85150000 medical imaging services)
          "ted:187250-2018"),  # design documentation to rebuild a hospital pavilion (CPV 71220000)
    inferred=(("CPV:33111000", 0.609), ("CPV:33151200", 0.142), ("CPV:33124000", 0.134), ("CPV:33182400", 0.053),
              ("CPV:33197000", 0.039)),
)
XRAY_PLAIN = Case(
    name="xray-plain",
    # The same firm in the brief's shortest style: what it makes and nothing about design.
    firm=firm("ko-xray-plain", "한빛메디텍",
              "디지털 X선 촬영장치와 이동형 X선 장비를 제조합니다. 병원과 보건소에 공급합니다.",
              ["디지털 X선", "이동형 엑스레이"], ["ko"]),
    right=XRAY.right, near=XRAY.near,
    inferred=(("CPV:33111300", 0.879), ("CPV:33151200", 0.486), ("CPV:33124000", 0.325), ("CPV:33165000", 0.115),
              ("CPV:33194000", 0.098)),
)
CYBER = Case(
    name="cyber",
    firm=firm("en-cyber", "Seoul Cyber Defence",
              "Cybersecurity consultancy: penetration testing, vulnerability assessment, security monitoring (SOC) "
              "and incident response for public bodies and banks. ISO 27001 certified.",
              ["cybersecurity", "incident response", "penetration testing"], ["en"]),
    right=("ted:251916-2022",),  # ANSSI-qualified security incident response providers (judged 2 for dev-ko-cyber)
    near=("ted:074220-2017",  # "Security and safety services Luxembourg": guarding (CPV 79710000)
          "ted:402844-2021"),  # vigilance and rescue on beaches: lifeguards (CPV 75252000, 92332000)
    inferred=(("CPV:79710000", 0.443), ("CPV:73431000", 0.029), ("UNSPSC:43222503", 0.029), ("UNSPSC:80171501", 0.017),
              ("UNSPSC:43233204", 0.012)),
    nature_separates=False,  # guarding and lifeguards are services, as cybersecurity consulting is
)
PV = Case(
    name="pv",
    firm=firm("ko-pv", "해솔에너지",
              "당사는 고효율 태양광 모듈(단결정 PERC)을 생산하는 제조기업입니다. "
              "태양광 발전소와 건물 지붕용 모듈을 공급합니다.",
              ["태양광 모듈", "태양전지"], ["ko"]),
    # No right notice: the sample's opportunity notices hold no supply of PV modules or solar panels (no CPV
    # 09331xxx / 31712331 supply; the solar ones are an EPC works contract, an R&D pre-commercial procurement
    # and a decarbonisation works DPS), so only the near neighbour is checked.
    near=("ted:161749-2021",),  # fit-out works of a cultural centre incl. roof covering (CPV 45261210, works)
    inferred=(("CPV:09331200", 0.043, "태양광 모듈"), ("CPV:31712331", 0.029, "태양전지"), ("UNSPSC:72151203", 0.029),
              ("UNSPSC:26131507", 0.026), ("UNSPSC:26111607", 0.021)),
)
BUILDER = Case(
    name="builder",
    # evaluation/judged.json dev-en-building, word for word (judged: 282113-2016 relevant 2, both contests 0).
    firm=firm("dev-en-building", "Hyosung Building Construction",
              "Building contractor for public buildings: schools, hospitals and clinics, and government offices, "
              "from structural works to finishing and building services. We delivered hospital and school projects "
              "in Uzbekistan and Cambodia.",
              ["building construction", "schools", "hospitals"], ["en"]),
    right=("ted:282113-2016",),  # general contractor for a new school building (DE, works)
    near=("ted:286093-2021",  # architects' design contest (TED type D) for a health centre
          "ted:046639-2019"),  # architects' design contest (TED type D) for a primary school
    concern="design_contest",
    inferred=(("CPV:45210000", 0.338, "building construction"), ("CPV:15894210", 0.029, "schools"),
              ("CPV:44211300", 0.029, "hospitals"), ("CPV:71221000", 0.119), ("UNSPSC:72121406", 0.029)),
)
RAIL = Case(
    name="rail",
    # evaluation/judged.json dev-en-rail, word for word (judged: 168955-2021 relevant 2, 358055-2020 0).
    firm=firm("dev-en-rail", "Woojin Rail Systems",
              "Supplier of railway rolling stock components: bogies, brake systems, couplers and pantographs for "
              "metros, trams and locomotives, plus overhaul of these components. We supply Korean rolling stock "
              "builders and operators in Turkey and Malaysia.",
              ["rolling stock parts", "bogies", "railway brakes"], ["en"]),
    right=("ted:168955-2021",),  # brake linings and metal-ceramic brake blocks for railway vehicles (SK, supplies)
    near=("ted:358055-2020",),  # SNCF Voyageurs: cleaning of rolling stock (CPV 90917000, services)
    inferred=(("CPV:34322300", 0.03, "railway brakes"), ("CPV:34630000", 0.156), ("CPV:34621000", 0.056),
              ("UNSPSC:72141603", 0.029), ("UNSPSC:95121607", 0.024)),
)
CASES = (XRAY, XRAY_PLAIN, CYBER, PV, BUILDER, RAIL)
FILES = (
    "imaging_supply_cs_421813-2018.xml", "fetal_scanning_services_en_400604-2019.xml",
    "hospital_design_pl_187250-2018.xml", "incident_response_fr_251916-2022.xml",
    "security_guarding_en_074220-2017.xml", "beach_lifeguards_es_402844-2021.xml",
    "cultural_centre_works_fr_161749-2021.xml", "school_new_build_de_282113-2016.xml",
    "design_contest_health_centre_fr_286093-2021.xml", "design_contest_school_fr_046639-2019.xml",
    "railway_brake_blocks_sk_168955-2021.xml", "republished_fr_358055-2020.xml",
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", encoder="fake", clock=CLOCK, min_candidates=50)


def ingest(matcher: Matcher) -> None:
    result = matcher.ingest_tenders([CASES_DIR / name for name in FILES])
    assert result.report.new == len(FILES) and not result.report.rejected
    matcher.build_index()


def ranked(matcher: Matcher, case: Case) -> dict[str, Match]:
    matches = matcher.recommend(case.firm, MatchQuery(k=len(FILES), include_closed=True))
    return {m.tender_id: m for m in matches}


def describe(match: Match) -> str:
    p = match.parts
    return (f"{match.tender_id} rank {match.rank} score {match.score:.3f} (dense {p.dense:.2f} lexical "
            f"{p.lexical:.2f} codes {p.codes:.2f} nature {p.nature:.2f} term_guard {p.term_guard:.2f})")


def check_case(found: dict[str, Match], case: Case) -> None:
    for right in case.right:
        assert right in found, f"{case.name}: {right} missing from the results"
    for near in case.near:
        if near not in found:
            continue  # absent is kept apart too
        match = found[near]
        for right in case.right:
            assert found[right].rank < match.rank, (
                f"{case.name}: near neighbour {describe(match)} above {describe(found[right])}")
        if case.nature_separates:
            kinds = {r.kind for r in match.reasons.reasons}
            concerns = {r.kind for r in match.reasons.concerns}
            assert match.parts.nature < LOW_NATURE, f"{case.name}: {describe(match)}"
            assert "contract_nature_fit" not in kinds, f"{case.name}: {near} reasons {sorted(kinds)}"
            assert "contract_nature_mismatch" in concerns, f"{case.name}: {near} concerns {sorted(concerns)}"
        if case.concern is not None:
            assert case.concern in {r.kind for r in match.reasons.concerns}, f"{case.name}: {near}"


def pin_inferred(matcher: Matcher, monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    """The case's suggestions in place of the FakeEncoder's, read by ranking as every suggestion is
    (``CodeSuggestions.for_ranking`` and ``translated_keywords`` both read ``CodeSuggestions.inferred``)."""
    def suggested(code: str, confidence: float, keyword: str | None) -> SuggestedCode:
        return SuggestedCode(code=code, label=codebook().label(code) or code, confidence=confidence,
                             source="keyword" if keyword else "labels+notices", keyword=keyword)

    found = [suggested(item[0], item[1], item[2] if len(item) > 2 else None) for item in case.inferred]
    pinned = Inferred(tuple(s for s in found if not s.keyword), tuple(s for s in found if s.keyword))
    # Ranking asks the suggestions service (``Recommender`` -> ``CodeSuggestions.for_ranking``); a pin on the
    # facade's ``Matcher.inferred_codes`` alone was never read, and these tests ran on the FakeEncoder's noise.
    monkeypatch.setattr(matcher.suggestions, "inferred", lambda firm: pinned)
    assert matcher.recommender.suggestions is matcher.suggestions
    assert matcher.inferred_codes(case.firm) == weigh_inferred([(s.code, s.confidence) for s in found], INFERRED_RULE,
                                                               INFERRED_FOR_RANKING)


#: Cases the product still gets wrong (issue 11), with the signals measured when this test was written.
FAILING: dict[str, str] = {
    "cyber": "the inferred CPV 79710000 (security services) is the guarding code: guarding 074220-2017 ranks 1 "
             "(codes 0.80, lexical 0.28) above incident response 251916-2022 (rank 4, codes 0.00, lexical 0.18)",
}


def marked(cases: tuple[Case, ...], failing: dict[str, str]) -> list[object]:
    return [pytest.param(c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=failing[c.name])]
                         if c.name in failing else []) for c in cases]


@pytest.mark.parametrize("case", marked(CASES, FAILING))
def test_the_near_neighbour_ranks_below_and_is_flagged(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch, case: Case
) -> None:
    ingest(matcher)
    pin_inferred(matcher, monkeypatch, case)
    check_case(ranked(matcher, case), case)


# ---------------------------------------------------------------------------------- the real encoder
REAL_FAILING: dict[str, str] = {
    "cyber": "guarding 074220-2017 ranks 1 (codes 0.80 from the inferred CPV 79710000, lexical 0.36) above "
             "incident response 251916-2022 (rank 2, codes 0.56, lexical 0.25)",
}


@pytest.fixture(scope="module")
def real_matcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matcher]:
    from tests.conftest import shared_path

    shared_path("ted_xml_sample")  # the model comes with the shared environment; skip where it does not
    settings = Settings(home=tmp_path_factory.mktemp("real") / "home", encoder="use-multilingual", clock=CLOCK,
                        min_candidates=50)
    instance = Matcher(settings)
    ingest(instance)
    yield instance
    instance.close()


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("case", marked(CASES, REAL_FAILING))
def test_with_the_real_encoder_the_right_notice_is_first(real_matcher: Matcher, case: Case) -> None:
    found = ranked(real_matcher, case)
    if case.right:
        first = min(found.values(), key=lambda m: m.rank)
        assert first.tender_id in case.right, (
            f"{case.name}: first is {describe(first)}; right: {[describe(found[r]) for r in case.right]}")
    check_case(found, case)


@pytest.mark.slow
@pytest.mark.shared
def test_declining_the_physical_security_codes_puts_incident_response_first(real_matcher: Matcher) -> None:
    """The cyber case's remedy until ranking gets it right alone: a partner reads the firm's suggested codes
    and declines those of physical security its words sit near ("Security services" is guarding; "Safety
    consultancy" and "Fire and explosion protection consultancy" follow it on this small store), and the
    guarding and lifeguard notices lose the code matches that put them first."""
    physical = ["CPV:79710000", "CPV:79417000", "CPV:71317100"]
    real_matcher.upsert_firms([CYBER.firm])
    suggested = [s.code for s in real_matcher.suggest_codes(CYBER.firm.firm_id, 5)]
    assert set(physical) <= set(suggested)
    firm = real_matcher.decline_codes(CYBER.firm.firm_id, physical, "partner")
    assert not set(physical) & {code for code, _ in real_matcher.inferred_codes(firm)}
    found = {m.tender_id: m for m in real_matcher.recommend(firm, MatchQuery(k=len(FILES), include_closed=True))}
    first = min(found.values(), key=lambda m: m.rank)
    assert first.tender_id in CYBER.right, f"first is {describe(first)}"
    check_case(found, CYBER)

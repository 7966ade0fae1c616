"""Reasons a person believes: meaningful whole words, plain code reasons, negative facts only as concerns."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from matcher.ingest.ted import read_ted
from matcher.normalize.codes import code_overlap, codebook
from matcher.ranking.explain import FEEDBACK_KINDS, explain
from matcher.ranking.feedback import Decided, feedback_signal
from matcher.ranking.reasons import days_left, deadline_note, render
from matcher.ranking.signals import FEATURES, Signals, compute_signals
from matcher.schema import CodeMatch, Explanation, FirmProfile, Reason, Tender
from matcher.search.lexical import LexicalModel
from tests.conftest import FIXTURES, NOW

TED = FIXTURES / "ted"


def notices() -> list[Tender]:
    found = [t for path in sorted(TED.glob("*.xml")) for t in read_ted(path)]
    return [t for t in found if isinstance(t, Tender)]


def fixture(name: str) -> Tender:
    tender = next(iter(read_ted(TED / name)))
    assert isinstance(tender, Tender)
    return tender


def words_of(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[\w\-]+", text)}


def explained_terms(firm: FirmProfile, tender: Tender) -> list[str]:
    collection = notices()
    lexical = LexicalModel().fit([t.text() for t in collection])
    (signals,) = compute_signals(firm, [tender], [0.5], lexical)
    return signals.shared_terms


@pytest.mark.parametrize(
    ("name", "description", "generic", "meaningful"),
    [
        (
            "defence_contract_notice_fr_029213-2021.xml",
            "Prestations de services et fournitures : travaux, marchés, accord-cadre, systèmes de sécurité "
            "incendie, installations, commande, qualité.",
            {"systèmes", "marchés", "accord", "cadre", "travaux", "commande", "des", "de", "la", "et", "accord-cadre"},
            "incendie",
        ),
        (
            "corrigendum_en_026522-2021.xml",
            "We supply quality equipment and machinery for the food industry: services, delivery, procurement "
            "support and development projects.",
            {"supply", "quality", "equipment", "services", "service", "procurement", "development", "project",
             "and", "the", "for", "of"},
            "machinery",
        ),
    ],
)
def test_matched_terms_are_meaningful_whole_words_of_the_notice(
    name: str, description: str, generic: set[str], meaningful: str
) -> None:
    tender = fixture(name)
    firm = FirmProfile(firm_id="f", name="F", description=description)
    terms = explained_terms(firm, tender)
    assert meaningful in terms
    assert not {t.casefold() for t in terms} & generic
    notice_words = words_of(tender.text())
    assert all(t.casefold() in notice_words for t in terms), terms


def test_surface_form_is_the_notices_word_not_the_folded_stem() -> None:
    tender = Tender(tender_id="t:1", source="t", title="Supply of LABORATORIES furniture",
                    description="Furniture for the laboratories of the X-ray unit.")
    firm = FirmProfile(firm_id="f", name="F", description="We furnish laboratory rooms and x-ray laboratories.")
    lexical = LexicalModel().fit([tender.text(), "Road works", "School meals"])
    (signals,) = compute_signals(firm, [tender], [0.5], lexical)
    assert "laboratories" in signals.shared_terms and "laboratorie" not in signals.shared_terms
    assert "x-ray" in signals.shared_terms  # the whole hyphenated word, not the stem "ray"


def tender(**extra: object) -> Tender:
    fields: dict[str, object] = {"tender_id": "t:1", "source": "t", "title": "Digital X-ray units",
                                 "deadline": NOW + timedelta(days=30), "buyer_country": "KE", "language": "en"}
    fields.update(extra)
    return Tender.model_validate(fields)


def firm(**extra: object) -> FirmProfile:
    fields: dict[str, object] = {"firm_id": "f", "name": "F", "description": "디지털 X선 촬영 장치 제조"}
    fields.update(extra)
    return FirmProfile.model_validate(fields)


def signals(**extra: object) -> Signals:
    """Signals with these feature values (the rest neutral) and other fields, e.g. ``signals(nature=1.0,
    tender_nature="supplies")``."""
    values: dict[str, object] = {"dense": 0.2, "lexical": 0.0, "codes": 0.5, "country": 0.5, "value": 0.5}
    values.update({name: extra.pop(name) for name in list(extra) if name in FEATURES})
    return Signals(values, **extra)  # type: ignore[arg-type]


def kinds(reasons: list[Reason]) -> list[str]:
    return [r.kind for r in reasons]


def test_value_above_the_range_is_a_concern_not_a_reason() -> None:
    profile = firm(max_value=500_000, currency="EUR")
    out = explain(signals(), profile, tender(value=2_000_000, currency="EUR"), NOW)
    assert kinds(out.concerns) == ["value_above_range"] and kinds(out.reasons) == ["similar_text"]
    assert out.summary == ["the notice's text is only loosely related to the profile's description",
                           "concern: value 2,000,000 EUR is above the firm's maximum (500,000 EUR)"]
    inside = explain(signals(), profile, tender(value=300_000, currency="EUR"), NOW)
    assert kinds(inside.reasons) == ["value_in_range"] and not inside.concerns


def test_closing_in_three_days_is_a_concern() -> None:
    out = explain(signals(), firm(), tender(deadline=NOW + timedelta(days=3, hours=2)), NOW)
    assert out.concerns == [Reason(kind="closing_soon", params={"days": 3, "deadline": "2021-06-04 02:00 UTC"})]
    assert not explain(signals(), firm(), tender(deadline=NOW + timedelta(days=8)), NOW).concerns


def test_a_language_the_firm_does_not_list_is_a_concern_only_when_it_lists_some() -> None:
    out = explain(signals(), firm(languages=["en", "ko"]), tender(language="bg"), NOW)
    assert out.concerns == [Reason(kind="language_not_listed", params={"language": "bg", "languages": ["en", "ko"]})]
    assert render(out.concerns[0]) == "the notice is in Bulgarian, not a language the firm lists (English, Korean)"
    assert not explain(signals(), firm(), tender(language="bg"), NOW).concerns
    assert not explain(signals(), firm(languages=["en"]), tender(language="en"), NOW).concerns


def test_code_reasons_are_plain_words_with_the_label_and_say_when_inferred() -> None:
    _, matches = code_overlap(["CPV:33111000"], ["CPV:33111000"])
    label = codebook().label("CPV:33111000")
    assert label
    out = explain(signals(code_matches=matches), firm(), tender(codes=["CPV:33111000"]), NOW)
    assert out.summary == [f"same product: {label} (CPV 33111000)"]
    _, near = code_overlap(["CPV:33111600"], ["CPV:33111000"])
    guessed = [m.model_copy(update={"inferred": True}) for m in near]
    out = explain(signals(code_matches=guessed), firm(), tender(codes=["CPV:33111000"]), NOW)
    assert out.summary == [f"same product category: {label} (CPV 33111000); the code suggested from the firm's "
                           "description is Radiography devices (CPV 33111600)"]
    # A Korean reader gets the code's Korean label before the English one.
    assert render(out.reasons[0], "ko").startswith(
        f"같은 세분류: 엑스선 장치 / {label} (CPV 33111000); 회사 소개에서 추정한 코드는 ")


def test_a_code_translated_from_a_keyword_names_the_keyword() -> None:
    _, near = code_overlap(["CPV:34114121"], ["CPV:34114121"])
    translated = [m.model_copy(update={"inferred": True, "keyword": "구급차"}) for m in near]
    out = explain(signals(code_matches=translated), firm(keywords=["구급차"]), tender(codes=["CPV:34114121"]), NOW)
    assert out.reasons[0].params["origin"] == "keyword" and out.reasons[0].params["keyword"] == "구급차"
    assert out.summary == ["same product: Ambulances (CPV 34114121), the code of the firm's keyword \u201c구급차\u201d"]
    assert render(out.reasons[0], "ko") == (
        "같은 품목: 구급차, 앰뷸런스 / Ambulances (CPV 34114121), 회사 키워드 \u2018구급차\u2019의 코드")


def test_a_loose_code_match_does_not_repeat_a_firm_code_already_named() -> None:
    """Trial: a pump maker (keywords translated to Water pumps 42122130 and Submersible pumps 43134100) on a
    Polish mining group's catch-all (ted:074731-2018, its pump-related codes below) read two class-level
    reasons through Water pumps, and the notice's Downhole equipment, near its other code, came third."""
    notice = ["CPV:42100000", "CPV:42120000", "CPV:42124000", "CPV:42131150", "CPV:43136000", "CPV:43140000"]
    _, matches = code_overlap(["CPV:42122130", "CPV:43134100"], notice)
    assert [(m.tender_code, m.level) for m in matches[:3]] == [
        ("CPV:42120000", "class"), ("CPV:42124000", "class"), ("CPV:43136000", "class")]
    out = explain(signals(code_matches=matches), firm(), tender(codes=notice), NOW)
    assert [r.params["code"] for r in out.reasons if r.kind == "code_match"] == ["CPV 42120000", "CPV 43136000"]
    # A close sibling (same category) still gets its own reason beside the exact match of the same firm code.
    _, close = code_overlap(["CPV:24312220"], ["CPV:24312220", "CPV:24312123", "CPV:24311000"])
    out = explain(signals(code_matches=close), firm(), tender(), NOW)
    assert [r.params["code"] for r in out.reasons if r.kind == "code_match"] == ["CPV 24312220", "CPV 24312123"]


def test_broad_code_levels_only_when_nothing_finer() -> None:
    fine = CodeMatch(firm_code="CPV:33111000", tender_code="CPV:33111000", level="exact", similarity=1.0)
    broad = CodeMatch(firm_code="CPV:33000000", tender_code="CPV:33600000", level="division", similarity=0.3)
    both = explain(signals(code_matches=[fine, broad]), firm(), tender(), NOW)
    assert [r.params["level"] for r in both.reasons] == ["exact"]
    alone = explain(signals(code_matches=[broad]), firm(), tender(), NOW)
    assert alone.summary == ["same sector: CPV 33600000"]


def test_a_sector_match_through_a_code_guessed_from_the_description_is_no_reason() -> None:
    """Demo trial: an optics maker (kr-saebyeol-optics) was told "+ same sector: Pharmaceutical products (CPV
    33600000); the code suggested from the firm's description is Magnetic resonance imaging equipment" for a
    rebate contract on an antibody drug: its description's fifth suggestion, at confidence 0.01, shares only CPV
    division 33 (medical equipment, pharmaceuticals and personal care) with the notice. A division says nothing
    when the firm never named the code; named by the firm, or a keyword's translation, it still does."""
    broad = CodeMatch(firm_code="CPV:33113000", tender_code="CPV:33600000", level="division", similarity=0.3)
    guessed = broad.model_copy(update={"inferred": True})
    out = explain(signals(code_matches=[guessed], dense=0.22), firm(target_countries=["KE"]), tender(), NOW)
    assert kinds(out.reasons) == ["country_target"]
    alone = explain(signals(code_matches=[guessed], dense=0.22), firm(), tender(), NOW)
    assert kinds(alone.reasons) == ["similar_text"]  # still says why it is there: the weak likeness, honestly
    translated = guessed.model_copy(update={"keyword": "의료기기"})
    assert [r.params["level"] for r in explain(signals(code_matches=[translated]), firm(), tender(), NOW).reasons
            if r.kind == "code_match"] == ["division"]
    assert [r.params["level"] for r in explain(signals(code_matches=[broad]), firm(), tender(), NOW).reasons
            if r.kind == "code_match"] == ["division"]


def test_a_korean_profile_is_told_what_matched_in_the_notices_language() -> None:
    # A Bulgarian water-meter notice; the Korean firm's English keyword names its CPV label.
    bulgarian = tender(title="Доставка на водомери", language="bg", codes=["CPV:38421100"])
    profile = firm(description="스마트 수도 계량기 제조", keywords=["수도 계량기", "water meters"])
    inferred = CodeMatch(firm_code="CPV:38421100", tender_code="CPV:38421100", level="exact", similarity=1.0,
                         label=codebook().label("CPV:38421100"), inferred=True)
    out = explain(signals(dense=0.46, code_matches=[inferred]), profile, bulgarian, NOW)
    assert kinds(out.reasons) == ["code_match", "keyword_match", "similar_text"]
    assert out.reasons[1].params == {"keyword": "water meters", "found": "Water meters", "via": "label"}
    korean = [render(r, "ko") for r in out.reasons]
    assert korean[0] == "같은 품목: 수도 계량기 / Water meters (CPV 38421100) (회사 소개에서 추정한 코드)"
    assert korean[1] == "회사 키워드 \u2018water meters\u2019: 공고 분류 이름과 일치 (\u2018Water meters\u2019)"
    assert korean[2] == "공고 내용이 회사 소개와 비슷함"


def test_a_korean_keyword_is_told_by_what_it_shares_with_a_codes_korean_label() -> None:
    # A water-quality analyser maker's keyword, a notice coded Analysers (분석기) and Water meters (수도 계량기)
    notice = tender(title="Dostawa analizatorów", language="pl", codes=["CPV:38421100", "CPV:38434000"])
    profile = firm(description="수질 분석 장비 제조", keywords=["수질 분석기", "의료 장비"])
    out = explain(signals(), profile, notice, NOW)
    assert [r.params for r in out.reasons if r.kind == "keyword_match"] == [
        {"keyword": "수질 분석기", "found": "분석기", "via": "korean_label", "label": "Analysers", "label_ko": "분석기",
         "code": "CPV 38434000"}]  # "의료 장비" shares only 장비 (equipment) with no label here: nothing to name
    # a code a code reason already names is not named again through its Korean label
    named = CodeMatch(firm_code="CPV:38434000", tender_code="CPV:38434000", level="exact", similarity=1.0,
                      label="Analysers", inferred=True)
    out = explain(signals(code_matches=[named]), profile, notice, NOW)
    assert kinds(out.reasons) == ["code_match"]


def test_keyword_found_in_the_text_is_named_as_written_and_not_repeated_as_a_term() -> None:
    out = explain(signals(shared_terms=["X-ray", "units"]), firm(keywords=["x-ray unit", "services"]), tender(), NOW)
    assert out.reasons == [
        Reason(kind="keyword_match", params={"keyword": "x-ray unit", "found": "X-ray units", "via": "text"}),
    ]  # "services" names nothing, and the shared words are the keyword's


def test_contract_nature_fit_is_a_reason_and_a_mismatch_a_concern() -> None:
    goods = {"firm_offers": ("supplies",)}
    fit = explain(signals(nature=1.0, tender_nature="supplies", **goods), firm(), tender(), NOW)
    assert fit.summary == ["a supply contract, and the firm sells goods"]
    miss = explain(signals(nature=0.1, tender_nature="services", **goods), firm(), tender(), NOW)
    assert miss.summary[-1] == "concern: a services contract; the firm sells goods"
    assert kinds(miss.reasons) == ["similar_text"]
    unknown = explain(signals(nature=0.5, tender_nature=None, dense=0.35, **goods), firm(), tender(), NOW)
    assert unknown == Explanation(reasons=unknown.reasons, deadline=unknown.deadline, country_fit="", value_fit="",
                                  summary=unknown.summary)
    assert kinds(unknown.reasons) == ["similar_text"]


def test_a_design_contest_is_a_concern_for_a_firm_that_does_not_design() -> None:
    contest = tender(title="Concours de maîtrise d'oeuvre : école primaire", design_contest=True,
                     codes=["CPV:71221000", "CPV:45214200"])
    builder = explain(signals(tender_nature="services", firm_offers=("works",)), firm(), contest, NOW)
    assert kinds(builder.concerns) == ["design_contest"]
    assert builder.summary[-1] == ("concern: published as a design contest: the buyer acquires a plan or design "
                                   "chosen by a jury, not the goods or works it names; the firm builds (works)")
    for offers in (("services",), ("works", "services"), ()):  # a designer, or nothing known: no concern
        assert "design_contest" not in kinds(explain(signals(firm_offers=offers), firm(), contest, NOW).concerns)
    works = tender(codes=["CPV:45214200"])  # an ordinary notice is never one
    assert "design_contest" not in kinds(explain(signals(firm_offers=("works",)), firm(), works, NOW).concerns)


def test_neutral_facts_are_neither_reasons_nor_concerns() -> None:
    out = explain(signals(dense=0.35), firm(), tender(value=2_000_000, currency="EUR"), NOW)  # no range, no targets
    assert kinds(out.reasons) == ["similar_text"] and not out.concerns


def test_country_outside_the_targets_is_a_concern() -> None:
    out = explain(signals(dense=0.35), firm(target_countries=["VN"]), tender(), NOW)
    assert kinds(out.concerns) == ["country_not_target"] and kinds(out.reasons) == ["similar_text"]
    inside = explain(signals(), firm(target_countries=["KE"]), tender(), NOW)
    assert inside.reasons == [Reason(kind="country_target", params={"countries": ["KE"]})]


def test_every_feedback_note_maps_to_a_reason_kind() -> None:
    vectors = np.eye(4, dtype=np.float32)
    none = Decided(np.zeros((0, 4), dtype=np.float32))
    notes = feedback_signal(["a", "b", "c", "d"], vectors, {"a": "approved", "b": "proposed"},
                            Decided(vectors[[0]]), none)
    assert {n for _, n in notes if n} <= set(FEEDBACK_KINDS)
    similar = feedback_signal(["c"], vectors[[0]], {}, Decided(vectors[[0]]), none)
    assert FEEDBACK_KINDS[similar[0][1]] == "like_approved"
    out = explain(signals(feedback=1.0, feedback_note=notes[0][1]), firm(), tender(), NOW)
    assert out.summary == ["approved for this firm by its partner"]


def test_the_text_similarity_is_a_word_not_a_number() -> None:
    words = [explain(signals(dense=d), firm(), tender(), NOW).summary for d in (0.2, 0.35, 0.5, 0.7)]
    assert words == [
        ["the notice's text is only loosely related to the profile's description"],
        ["the notice's text is related to the profile's description"],
        ["the notice's text is close to the profile's description"],
        ["the notice's text is very close to the profile's description"],
    ]


def test_missing_distinctive_terms_are_a_concern(tmp_path: Path) -> None:
    from matcher.search.lexical import TermGuard

    out = explain(signals(guard=TermGuard(["cryostat"], 0.75)), firm(), tender(), NOW)
    assert out.concerns == [Reason(kind="missing_distinctive_terms", params={"terms": ["cryostat"]})]
    assert out.missing_terms == ["cryostat"]


def test_feedback_pulls_notices_that_buy_what_the_approved_one_buys() -> None:
    # Two candidates read equally like the approved notice (cosine 0.6 each); one buys the same product class.
    approved = Decided(np.array([[1.0, 0.0]], dtype=np.float32), [["CPV:38421100"]])  # water meters
    none = Decided(np.zeros((0, 2), dtype=np.float32))
    vectors = np.array([[0.6, 0.8], [0.6, 0.8]], dtype=np.float32)
    found = feedback_signal(["same", "other"], vectors, {}, approved, none,
                            [["CPV:38421000"], ["CPV:45233141"]])  # flow-measuring equipment / road works
    # likeness = (cosine 0.6 + code closeness) / 2; value = 0.5 + likeness / 2
    assert found[0][0] == pytest.approx(0.5 + (0.6 + 0.9) / 4)  # 38421000 is an ancestor of 38421100: 0.9
    assert found[1][0] == pytest.approx(0.5 + (0.6 + 0.0) / 4)


def test_every_result_has_a_reason_even_when_only_the_text_is_loosely_alike() -> None:
    """A trial saw results with no reason at all: a list entry must say why it is there, honestly."""
    out = explain(signals(dense=0.22), firm(), tender(), NOW)
    assert out.reasons == [Reason(kind="similar_text", params={"strength": "weak", "similarity": 0.22})]
    assert render(out.reasons[0], "ko") == "공고 내용이 회사 소개와 약간 관련 있음"
    # any other reason makes the weak similarity unsaid
    placed = explain(signals(dense=0.22), firm(target_countries=["KE"]), tender(), NOW)
    assert kinds(placed.reasons) == ["country_target"]


def test_a_keyword_named_as_a_reason_is_not_also_listed_as_missing() -> None:
    """The guard reads the notice's words; a keyword found through the notice's category label (or its English
    title) is a reason, and the concern must not say the notice does not mention it."""
    from matcher.search.lexical import TermGuard

    meters = tender(title="Dostavka na vodomeri", language="bg", codes=["CPV:38421100"])
    guard = TermGuard(["water meters", "ultrasonic"], 0.75)
    out = explain(signals(guard=guard), firm(keywords=["water meters", "ultrasonic"]), meters, NOW)
    assert ("keyword_match", "water meters") in [(r.kind, r.params.get("keyword")) for r in out.reasons]
    assert out.concerns == [Reason(kind="missing_distinctive_terms", params={"terms": ["ultrasonic"]})]
    assert out.missing_terms == ["ultrasonic"]


def test_no_nature_concern_when_the_firm_holds_a_code_of_that_nature() -> None:
    """A maker that also lists a works code of its own (installation) is not told a works contract does not fit
    it beside a reason naming that very code."""
    works = tender(contract_nature="works", codes=["CPV:45332000"])
    plumber = firm(codes=["CPV:45332000", "CPV:38421100"])
    out = explain(signals(nature=0.2, tender_nature="works", firm_offers=("supplies",)), plumber, works, NOW)
    assert "contract_nature_mismatch" not in kinds(out.concerns)
    seller = firm(codes=["CPV:38421100"])
    out = explain(signals(nature=0.2, tender_nature="works", firm_offers=("supplies",)), seller, works, NOW)
    assert kinds(out.concerns) == ["contract_nature_mismatch"]


@pytest.mark.parametrize(("hours", "left", "left_ko"), [
    (12, "less than a day", "1일 미만"), (30, "1 day", "1일"), (50, "2 days", "2일")])
def test_the_deadline_note_counts_the_days_left_in_words(hours: int, left: str, left_ko: str) -> None:
    """A deadline one whole day away read "(1 days left)", and one hours away "(0 days left)"."""
    deadline = datetime(2021, 6, 30, 12, tzinfo=UTC)
    now = deadline - timedelta(hours=hours)
    assert deadline_note(deadline, now) == f"closes 2021-06-30 12:00 UTC ({left} left)"
    assert deadline_note(deadline, now, language="ko") == f"2021-06-30 12:00 UTC 마감 ({left_ko} 남음)"


@pytest.mark.parametrize(("left_for", "english", "korean"), [
    (timedelta(0), "less than a day left", "1일 미만 남음"),
    (timedelta(hours=23, minutes=59), "less than a day left", "1일 미만 남음"),
    (timedelta(days=1), "1 day left", "1일 남음"),
    (timedelta(hours=47, minutes=59), "1 day left", "1일 남음"),
    (timedelta(days=2), "2 days left", "2일 남음"),
    (timedelta(days=30, hours=5), "30 days left", "30일 남음")])
def test_days_left_counts_whole_days_in_each_language(left_for: timedelta, english: str, korean: str) -> None:
    """The reasons, firms-for's status line and the digests each had their own copy of these words."""
    deadline = datetime(2021, 6, 30, 12, tzinfo=UTC)
    assert (days_left(deadline, deadline - left_for), days_left(deadline, deadline - left_for, "ko")) == (
        english, korean)


def test_the_deadline_note_says_closed_cancelled_or_not_given_in_each_language() -> None:
    deadline = datetime(2021, 6, 30, 12, tzinfo=UTC)
    after = deadline + timedelta(days=1)
    assert (deadline_note(deadline, after), deadline_note(deadline, after, language="ko")) == (
        "closed on 2021-06-30 12:00 UTC", "2021-06-30 12:00 UTC 마감됨")
    cancelled = deadline_note(deadline, after, cancelled=True)
    assert (cancelled, deadline_note(None, after, cancelled=True, language="ko")) == (
        "cancelled by a later notice (its deadline was 2021-06-30 12:00 UTC)", "이후 공고로 취소됨")
    assert (deadline_note(None, after), deadline_note(None, after, language="ko")) == (
        "no deadline given", "마감 일시 미기재")

"""Corrigenda change the stored notice they correct (matcher.store.corrections), whichever arrives first, and
everything that reads a deadline sees the corrected one: the stored record, the open filter in SQL and in
Python, recommendations and their reasons, and the content hash the index sync compares. On SQLite and, when
MATCHER_TEST_POSTGRES_URL is set, on PostgreSQL (each test in a schema of its own, dropped afterwards)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from matcher.pipeline import Matcher
from matcher.schema import Correction, FirmProfile, Tender
from matcher.search.retrieve import MatchQuery
from matcher.store import TenderFilter
from tests.conftest import FIXTURES, NOW

CORRECTIONS = FIXTURES / "ted_corrections"
CORRIGENDUM = CORRECTIONS / "corrigendum_bg_218017-2021.xml"
EXTENDED = datetime(2021, 5, 21, 20, 59, tzinfo=UTC)  # 21 May 23:59 in Sofia (UTC+3)
FIRST = datetime(2021, 5, 17, 20, 59, tzinfo=UTC)  # 17 May 23:59 in Sofia
BETWEEN = datetime(2021, 5, 19, 12, tzinfo=UTC)  # after the first deadline, before the extended one


@pytest.fixture
def matcher(matcher_on_each_store: Matcher) -> Matcher:
    return matcher_on_each_store


def original_as_published(tmp_path: Path) -> Path:
    """contract_notice_bg_189849-2021.xml as TED published it on 16 April 2021. The sample holds TED's later
    export, whose coded DT_DATE_FOR_SUBMISSION already carries the corrigendum's 21 May; its form still says
    DATE_RECEIPT_TENDERS 2021-05-17, TIME_RECEIPT_TENDERS 23:59, which is what the coded data said then."""
    data = (CORRECTIONS / "contract_notice_bg_189849-2021.xml").read_bytes()
    coded = b"<DT_DATE_FOR_SUBMISSION>20210521 23:59</DT_DATE_FOR_SUBMISSION>"
    assert data.count(coded) == 1
    path = tmp_path / "contract_notice_bg_189849-2021.xml"
    path.write_bytes(data.replace(coded, b"<DT_DATE_FOR_SUBMISSION>20210517 23:59</DT_DATE_FOR_SUBMISSION>"))
    return path


def notice(tid: str, published: date, deadline: datetime | None = None, **extra: object) -> Tender:
    return Tender(tender_id=f"t:{tid}", source="test", title=f"pump supply {tid}", published=published,
                  deadline=deadline, **extra)


def correction(tid: str, published: date, target: str = "t:call", **changes: object) -> Tender:
    return notice(tid, published, notice_type="other", corrects=[Correction(notice=target, **changes)])


def open_ids(matcher: Matcher, at: datetime) -> list[str]:
    with matcher.engine.db.connect() as conn:
        return sorted(matcher.catalog.tenders.open_ids(conn, at))


# ----------------------------------------------------------------------------- the real F14 pair


@pytest.mark.parametrize("corrigendum_first", [False, True])
def test_a_real_extension_holds_whichever_arrives_first(matcher: Matcher, tmp_path: Path,
                                                        corrigendum_first: bool) -> None:
    original = original_as_published(tmp_path)
    for path in ([CORRIGENDUM, original] if corrigendum_first else [original, CORRIGENDUM]):
        matcher.ingest_tenders([path], sync=False)
    assert matcher.get_tender("ted:189849-2021").deadline == EXTENDED
    assert open_ids(matcher, BETWEEN) == ["ted:189849-2021"]  # the F14 itself is "other", never open
    assert open_ids(matcher, EXTENDED + timedelta(minutes=1)) == []
    total, found = matcher.search_tenders(TenderFilter(open_at=BETWEEN))
    assert (total, [t.deadline for t in found]) == (1, [EXTENDED])
    assert matcher.recommender.open_now.at(BETWEEN).is_open(matcher.get_tender("ted:189849-2021"))


def test_the_original_alone_keeps_its_first_deadline(matcher: Matcher, tmp_path: Path) -> None:
    matcher.ingest_tenders([original_as_published(tmp_path)], sync=False)
    assert matcher.get_tender("ted:189849-2021").deadline == FIRST
    assert open_ids(matcher, BETWEEN) == []


def test_the_original_ingested_again_keeps_the_correction(matcher: Matcher, tmp_path: Path) -> None:
    original = original_as_published(tmp_path)
    matcher.ingest_tenders([original, CORRIGENDUM], sync=False)
    again = matcher.ingest_tenders([original], sync=False).report
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)  # nothing to rewrite: it is stored corrected
    assert matcher.get_tender("ted:189849-2021").deadline == EXTENDED
    edited = matcher.get_tender("ted:189849-2021").model_copy(update={"title": "Insulated hand tools",
                                                                        "deadline": FIRST})
    assert matcher.upsert_tenders([edited], sync=False).report.updated == 1  # the source republished it
    stored = matcher.get_tender("ted:189849-2021")
    assert (stored.title, stored.deadline) == ("Insulated hand tools", EXTENDED)


def test_deleting_the_corrigendum_restores_the_deadline_as_published(matcher: Matcher, tmp_path: Path) -> None:
    matcher.ingest_tenders([original_as_published(tmp_path), CORRIGENDUM], sync=False)
    assert matcher.delete_tenders(["ted:218017-2021"]) == 1
    assert matcher.get_tender("ted:189849-2021").deadline == FIRST
    assert open_ids(matcher, BETWEEN) == []


def test_deleting_and_reloading_the_original_applies_the_correction_again(matcher: Matcher, tmp_path: Path) -> None:
    original = original_as_published(tmp_path)
    matcher.ingest_tenders([original, CORRIGENDUM], sync=False)
    matcher.delete_tenders(["ted:189849-2021"])
    matcher.ingest_tenders([original], sync=False)
    assert matcher.get_tender("ted:189849-2021").deadline == EXTENDED


# ----------------------------------------------------------------------------- several corrigenda


def test_the_latest_published_corrigendum_wins_in_any_arrival_order(matcher: Matcher) -> None:
    published = NOW.date() - timedelta(days=30)
    call = notice("call", published, NOW - timedelta(days=5))
    # Ids sort against publication order, so only the publication day can put them right.
    early = correction("z-early", published + timedelta(days=5), deadline=NOW + timedelta(days=10), title="Pumps")
    late = correction("a-late", published + timedelta(days=9), deadline=NOW + timedelta(days=20))
    matcher.upsert_tenders([late], sync=False)
    matcher.upsert_tenders([call], sync=False)
    matcher.upsert_tenders([early], sync=False)  # published before ``late``: its deadline loses, its title stays
    stored = matcher.get_tender("t:call")
    assert (stored.deadline, stored.title) == (NOW + timedelta(days=20), "Pumps")
    matcher.upsert_tenders([call], sync=False)  # the original again: both corrections, in publication order
    assert matcher.get_tender("t:call") == stored
    matcher.upsert_tenders([correction("a-late", published + timedelta(days=9), title="Water pumps")], sync=False)
    stored = matcher.get_tender("t:call")  # ``late`` corrected itself: it no longer moves the deadline
    assert (stored.deadline, stored.title) == (NOW + timedelta(days=10), "Water pumps")
    matcher.delete_tenders(["t:a-late"])
    stored = matcher.get_tender("t:call")
    assert (stored.deadline, stored.title) == (NOW + timedelta(days=10), "Pumps")
    matcher.delete_tenders(["t:z-early"])
    assert matcher.get_tender("t:call") == call


def test_a_corrigendum_and_its_notice_in_one_batch(matcher: Matcher) -> None:
    published = NOW.date() - timedelta(days=10)
    report = matcher.upsert_tenders([
        correction("fix", published + timedelta(days=2), deadline=NOW + timedelta(days=3)),
        notice("call", published, NOW - timedelta(days=1)),
    ], sync=False).report
    assert (report.new, report.updated) == (2, 0)
    assert matcher.get_tender("t:call").deadline == NOW + timedelta(days=3)
    report = matcher.upsert_tenders([  # the corrigendum corrected to correct nothing, with its notice again
        notice("fix", published + timedelta(days=2), notice_type="other"),
        notice("call", published, NOW - timedelta(days=1)),
    ], sync=False).report
    assert (report.new, report.updated) == (0, 2)
    assert matcher.get_tender("t:call").deadline == NOW - timedelta(days=1)


def test_a_main_code_replaced_moves_the_notice_between_code_filters(matcher: Matcher) -> None:
    published = NOW.date() - timedelta(days=10)
    matcher.upsert_tenders([notice("call", published, codes=["CPV:33183300", "CPV:33141770"])], sync=False)
    matcher.upsert_tenders([correction("fix", published, replaced_codes={"CPV:33183300": "CPV:33183100"})],
                           sync=False)
    assert matcher.get_tender("t:call").codes == ["CPV:33183100", "CPV:33141770"]
    assert matcher.search_tenders(TenderFilter(code_prefix="CPV:331831"))[0] == 1
    assert matcher.search_tenders(TenderFilter(code_prefix="CPV:331833"))[0] == 0


# ----------------------------------------------------------------------------- what readers see


def test_an_extended_notice_is_recommended_with_its_new_deadline(matcher: Matcher) -> None:
    firm = FirmProfile(firm_id="f", name="F", description="pump supply")
    matcher.upsert_firms([firm])
    published = NOW.date() - timedelta(days=20)
    matcher.upsert_tenders([notice("call", published, NOW - timedelta(days=1)), notice("other", published,
                                                                                        NOW + timedelta(days=30))])
    matcher.build_index()
    assert [m.tender_id for m in matcher.recommend(firm)] == ["t:other"]  # the call closed yesterday
    result = matcher.upsert_tenders([correction("fix", published + timedelta(days=5),
                                                deadline=NOW + timedelta(days=2))])
    assert result.index is not None and (result.index.added, result.index.updated) == (1, 1)  # fix; call re-hashed
    matches = {m.tender_id: m for m in matcher.recommend(firm)}
    assert sorted(matches) == ["t:call", "t:other"]
    assert matches["t:call"].deadline == NOW + timedelta(days=2)
    assert [r.kind for r in matches["t:call"].reasons.concerns if r.kind == "closing_soon"] == ["closing_soon"]
    assert "t:call" in [m.tender_id for m in matcher.recommend(firm, MatchQuery(include_closed=True))]


# ----------------------------------------------------------------------------- eForms change notices


@pytest.mark.parametrize("change_first", [False, True])
def test_a_real_eforms_change_notice_moves_the_deadline_of_the_notice_it_names(matcher: Matcher,
                                                                              change_first: bool) -> None:
    original, change = CORRECTIONS / "eforms_cn_24_open.xml", CORRECTIONS / "eforms_change-cn_24_open_dates.xml"
    for path in ([change, original] if change_first else [original, change]):
        matcher.ingest_tenders([path], sync=False)
    notice_id = "ted:c4c415ee-ac08-4465-8fa6-57568cf69462-01"
    assert matcher.get_tender(notice_id).deadline == datetime(2020, 6, 12, 11, 0, tzinfo=UTC)  # was 3 April
    assert open_ids(matcher, datetime(2020, 5, 1, tzinfo=UTC)) == [notice_id]


def test_an_eforms_change_finds_a_published_notice_by_its_alias(matcher: Matcher) -> None:
    """Once published, an eForms notice's id is TED's publication number; the change names its UUID."""
    published = NOW.date() - timedelta(days=10)
    call = notice("00123456-2024", published, NOW + timedelta(days=5), aliases=["eforms:0c0ffee0-01"])
    change = correction("00124000-2024", published + timedelta(days=3), target="eforms:0c0ffee0-01",
                        title="Pump maintenance framework", description="Servicing of 40 pumping stations.")
    matcher.upsert_tenders([change], sync=False)
    matcher.upsert_tenders([call], sync=False)
    stored = matcher.get_tender("t:00123456-2024")
    assert (stored.title, stored.description, stored.deadline) == (
        "Pump maintenance framework", "Servicing of 40 pumping stations.", NOW + timedelta(days=5))
    assert matcher.search_tenders(TenderFilter(text="maintenance framework"))[0] == 1


def test_a_real_eforms_cancellation_closes_the_notice_from_its_publication_day(matcher: Matcher) -> None:
    matcher.ingest_tenders([CORRECTIONS / "eforms_change-cn_24_void.xml"], sync=False)
    matcher.ingest_tenders([CORRECTIONS / "eforms_cn_24_minimal.xml"], sync=False)
    notice_id = "ted:f42be27e-09cf-4f0e-a745-63ec689631e6-01"  # published 2019-11-21, deadline 2020-02-04
    before, after = datetime(2019, 12, 20, tzinfo=UTC), datetime(2019, 12, 22, tzinfo=UTC)  # void: 2019-12-21
    assert open_ids(matcher, before) == [notice_id]
    assert open_ids(matcher, after) == []
    with matcher.engine.db.connect() as conn:
        assert notice_id in matcher.catalog.tenders.cancelled_ids(conn, after)
        assert notice_id not in matcher.catalog.tenders.cancelled_ids(conn, before)
    assert matcher.recommender.open_now.at(after).closed(matcher.get_tender(notice_id))

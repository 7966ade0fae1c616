"""What "open" means (matcher.normalize.openness): the window after publication for notices without a deadline,
notices published after "now" hidden, cancellations by a later notice, and every place that decides it
agreeing (the rule on one notice, the hard filter, the store's open-now prefilter, the tenders listing)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from matcher.config import Settings
from matcher.errors import NotFound
from matcher.ingest.detect import read_tenders
from matcher.ingest.ted import parse_ted_document
from matcher.ingest.ted_cancel import ojs_tender_id
from matcher.normalize.openness import OpenAt, OpenRule
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Match, Tender
from matcher.search.retrieve import MatchQuery, passes
from matcher.store import TenderFilter
from tests.conftest import FIXTURES, NOW

RULE = OpenRule(open_call_days=60, prior_information_days=180)
TODAY = NOW.date()
CANCELLATION = FIXTURES / "ted_cancellation" / "award_discontinued_ro_430877-2022.xml"
CANCELLED = FIXTURES / "ted" / "contract_notice_ro_306344-2022.xml"


def notice(tid: str, days_ago: int | None, kind: str = "open_call", deadline: datetime | None = None,
           **extra: object) -> Tender:
    published = None if days_ago is None else TODAY - timedelta(days=days_ago)
    return Tender(tender_id=f"t:{tid}", source="test", title=f"pump supply {tid}", notice_type=kind,
                  published=published, deadline=deadline, **extra)


# ----------------------------------------------------------------------------- the rule on one notice


@pytest.mark.parametrize(("kind", "days_ago", "is_open"), [
    ("open_call", 59, True),
    ("open_call", 60, True),  # open through the 60th day after publication
    ("open_call", 61, False),
    ("prior_information", 100, True),  # a PIN announces months ahead: still open where a call is not
    ("prior_information", 180, True),
    ("prior_information", 181, False),
    ("open_call", 0, True),  # published today
    ("open_call", -1, False),  # published tomorrow: not public yet
    ("award", 1, False),  # history, never open
])
def test_a_notice_without_deadline_is_open_for_its_types_window(kind: str, days_ago: int, is_open: bool) -> None:
    assert RULE.is_open(notice("x", days_ago, kind), NOW) is is_open


def test_a_deadline_decides_whatever_the_publication_day() -> None:
    old = notice("old", 400, deadline=NOW + timedelta(hours=1))  # a qualification system open for years
    assert RULE.is_open(old, NOW)
    assert not RULE.is_open(notice("due", 3, deadline=NOW - timedelta(minutes=1)), NOW)
    future = notice("future", -2, deadline=NOW + timedelta(days=30))
    assert not RULE.is_open(future, NOW)  # its deadline is ahead, but at NOW nobody has seen it yet
    assert RULE.is_open(future, NOW + timedelta(days=2))


def test_an_undated_notice_stays_open_and_a_zero_window_is_refused() -> None:
    assert RULE.is_open(notice("undated", None), NOW)  # neither date: an officer's own entry (see the module)
    with pytest.raises(ValueError, match="open_call_days must be at least 1 day, not 0"):
        OpenRule(0, 180)


def test_publication_day_is_compared_with_the_utc_day_of_now() -> None:
    today = notice("today", 0)
    late_evening_in_seoul = datetime(2021, 6, 1, 8, 0, tzinfo=UTC).astimezone()  # same instant, any zone
    assert RULE.is_open(today, late_evening_in_seoul)
    assert not RULE.is_open(today, NOW - timedelta(seconds=1))  # 31 May 23:59:59 UTC: published tomorrow


def test_the_window_settings_are_validated_and_reach_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_OPEN_CALL_WINDOW_DAYS", "30")
    monkeypatch.setenv("MATCHER_PRIOR_INFORMATION_WINDOW_DAYS", "365")
    assert OpenRule.from_settings(Settings()) == OpenRule(30, 365)
    assert OpenRule.from_settings(Settings(open_call_window_days=7)).open_call_days == 7
    monkeypatch.setenv("MATCHER_OPEN_CALL_WINDOW_DAYS", "0")
    with pytest.raises(ValidationError, match="open_call_window_days"):
        Settings()


# ----------------------------------------------------------------------------- everywhere agrees

GRID = [
    notice("call-59", 59), notice("call-61", 61), notice("pin-100", 100, "prior_information"),
    notice("pin-200", 200, "prior_information"), notice("undated", None), notice("tomorrow", -1),
    notice("due-later", 300, deadline=NOW + timedelta(days=3)), notice("due-past", 2, deadline=NOW - timedelta(days=1)),
    notice("future-deadline", -3, deadline=NOW + timedelta(days=20)), notice("award", 5, "award"),
    notice("other", 5, "other"), notice("cancelled", 10),
    notice("canceller", 1, "award", cancels=["t:cancelled", "t:not-stored"]),
    notice("late-canceller", -5, "award", cancels=["t:call-59"]),  # published after NOW: cancels nothing yet
]


@pytest.mark.parametrize("shift_days", [-10, -1, 0, 1, 30, 100, 250])
def test_the_open_now_prefilter_and_the_listing_agree_with_the_hard_filter(matcher: Matcher, shift_days: int) -> None:
    matcher.upsert_tenders(GRID, sync=False)
    now = NOW + timedelta(days=shift_days, hours=5)
    at = matcher.recommender.open_now.at(now)
    by_filter = {t.tender_id for t in GRID if passes(t, MatchQuery(), at)}
    assert by_filter == {t.tender_id for t in GRID if at.is_open(t)}
    with matcher.engine.db.connect() as conn:
        assert set(matcher.catalog.tenders.open_ids(conn, now)) == by_filter
    total, listed = matcher.search_tenders(TenderFilter(open_at=now), limit=100)
    assert total == len(by_filter) and {t.tender_id for t in listed} == by_filter


def test_what_is_open_at_the_fixture_clock(matcher: Matcher) -> None:
    matcher.upsert_tenders(GRID, sync=False)
    with matcher.engine.db.connect() as conn:
        # call-59's canceller is published after NOW; "cancelled" was cancelled a day ago.
        open_ids = sorted(matcher.catalog.tenders.open_ids(conn, NOW))
        assert open_ids == ["t:call-59", "t:due-later", "t:pin-100", "t:undated"]
        # Ten days on: call-59 is past its window (and cancelled), due-later past its deadline; the notices
        # published after NOW are out and within their window or before their deadline.
        assert sorted(matcher.catalog.tenders.open_ids(conn, NOW + timedelta(days=10))) == [
            "t:future-deadline", "t:pin-100", "t:tomorrow", "t:undated",
        ]


# ----------------------------------------------------------------------------- cancellations


@pytest.mark.parametrize("cancellation_first", [False, True])
def test_a_cancelled_notice_is_closed_whichever_arrives_first(matcher: Matcher, cancellation_first: bool) -> None:
    call = notice("call", 5)
    cancel = notice("cancel", 1, "award", cancels=["t:call"])
    firm = FirmProfile(firm_id="f", name="F", description="pump supply")
    matcher.upsert_firms([firm])
    matcher.upsert_tenders([cancel] if cancellation_first else [call, notice("filler", 3)])
    matcher.build_index()
    matcher.upsert_tenders([call, notice("filler", 3)] if cancellation_first else [cancel])
    ids = [m.tender_id for m in matcher.recommend(firm)]
    assert ids == ["t:filler"]
    assert "t:call" in [m.tender_id for m in matcher.recommend(firm, MatchQuery(include_closed=True))]
    with matcher.engine.db.connect() as conn:
        assert matcher.catalog.tenders.cancelled_ids(conn, NOW) == {"t:call"}
        assert matcher.catalog.tenders.cancelled_ids(conn, NOW - timedelta(days=2)) == set()  # before it was published
    matcher.settings.clock = NOW - timedelta(days=2)  # a replay: the cancellation is not public yet
    assert sorted(m.tender_id for m in matcher.recommend(firm)) == ["t:call", "t:filler"]
    matcher.settings.clock = NOW
    assert [m.tender_id for m in matcher.recommend(firm)] == ["t:filler"]
    matcher.upsert_tenders([notice("cancel", 1, "award")])  # the award notice corrected: it cancels nothing
    assert sorted(m.tender_id for m in matcher.recommend(firm)) == ["t:call", "t:filler"]
    matcher.upsert_tenders([cancel])
    assert [m.tender_id for m in matcher.recommend(firm)] == ["t:filler"]
    assert matcher.delete_tenders(["t:cancel"]) == 1  # deleting the canceller reopens the call
    assert sorted(m.tender_id for m in matcher.recommend(firm)) == ["t:call", "t:filler"]


def test_a_real_discontinued_award_notice_names_the_contract_notice_it_ends() -> None:
    award = parse_ted_document(CANCELLATION.read_bytes(), CANCELLATION.name)
    assert isinstance(award, Tender)
    assert (award.tender_id, award.notice_type, award.published) == ("ted:430877-2022", "award", date(2022, 8, 5))
    assert award.cancels == ["ted:306344-2022"]  # PROCEDURE/NOTICE_NUMBER_OJ "2022/S 108-306344"
    call = parse_ted_document(CANCELLED.read_bytes(), CANCELLED.name)
    assert isinstance(call, Tender) and call.cancels == [] and call.tender_id == "ted:306344-2022"
    assert ojs_tender_id("2021/S 5-4358") == "ted:004358-2021" and ojs_tender_id("n/a") is None


@pytest.mark.parametrize("order", [(CANCELLED, CANCELLATION), (CANCELLATION, CANCELLED)])
def test_real_notices_store_the_cancellation_in_either_order(matcher: Matcher, order: tuple[Path, Path]) -> None:
    for path in order:
        matcher.ingest_tenders([path], sync=False)
    call = matcher.get_tender("ted:306344-2022")  # published 2022-06-07, deadline 2022-06-27 06:00 UTC
    before, after = datetime(2022, 6, 20, tzinfo=UTC), datetime(2022, 8, 5, 12, tzinfo=UTC)
    with matcher.engine.db.connect() as conn:
        assert matcher.catalog.tenders.cancelled_ids(conn, before) == set()
        assert matcher.catalog.tenders.cancelled_ids(conn, after) == {"ted:306344-2022"}
        assert matcher.catalog.tenders.open_ids(conn, before) == ["ted:306344-2022"]
    assert matcher.recommender.open_now.at(after).closed(call)


def test_a_cancelled_or_unsuccessful_ocds_tender_is_not_open(tmp_path: Path) -> None:
    releases = [
        {"ocid": f"ocds-x-{status}", "id": "1", "date": "2021-05-20T00:00:00Z", "tag": ["tender"],
         "tender": {"id": "1", "title": "Pumps", "status": status,
                    "tenderPeriod": {"endDate": "2021-06-30T00:00:00Z"}}}
        for status in ("active", "cancelled", "unsuccessful")
    ]
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"uri": "x", "publishedDate": "2021-05-20T00:00:00Z", "releases": releases}))
    found = {t.tender_id: t for t in read_tenders(path) if isinstance(t, Tender)}
    assert {tid: RULE.is_open(t, NOW) for tid, t in found.items()} == {
        "ocds:ocds-x-active": True, "ocds:ocds-x-cancelled": False, "ocds:ocds-x-unsuccessful": False,
    }


# ----------------------------------------------------------------------------- the clock in the facade


def test_recommend_and_firms_for_do_not_see_notices_published_after_now(matcher: Matcher) -> None:
    soon = notice("soon", -3, deadline=NOW + timedelta(days=30))
    matcher.upsert_tenders([soon, notice("now", 2)])
    firm = FirmProfile(firm_id="f", name="F", description="pump supply")
    matcher.upsert_firms([firm])
    matcher.build_index()
    assert [m.tender_id for m in matcher.recommend(firm, MatchQuery(include_closed=True))] == ["t:now"]
    with pytest.raises(NotFound, match=r"tender 't:soon' is published on 2021-06-04, after now \(2021-06-01 00:00"):
        matcher.firms_for("t:soon")
    matcher.settings.clock = NOW + timedelta(days=3)
    assert sorted(m.tender_id for m in matcher.recommend(firm)) == ["t:now", "t:soon"]
    assert [m.firm_id for m in matcher.firms_for("t:soon")] == ["f"]


def test_a_cached_list_expires_at_midnight_when_windows_end_and_notices_appear(matcher: Matcher) -> None:
    last_day = Match(tender_id="t:a", firm_id="f", rank=1, score=0.5, parts={}, reasons={}, title="x",
                     published=TODAY - timedelta(days=60))  # open through today (day 60), closed at midnight
    late = NOW + timedelta(hours=23, minutes=30)
    assert matcher.fresh_until([last_day], late) == datetime(2021, 6, 2, tzinfo=UTC)
    assert matcher.fresh_until([last_day], NOW) == NOW + timedelta(seconds=matcher.settings.result_cache_max_age)


def test_open_at_without_store_knowledge_matches_the_rule() -> None:
    at = OpenAt(RULE, NOW, frozenset({"t:call-59"}))
    assert not at.is_open(GRID[0]) and RULE.is_open(GRID[0], NOW)  # cancelled: only the store knows


def test_closure_names_the_first_rule_a_notice_fails_and_none_exactly_when_open() -> None:
    """One reading of why a notice is not open (``OpenAt.closure``), which the shortlists, the workspace and
    firms-for word each in their own way."""
    at = OpenAt(OpenRule(60, 180), NOW, frozenset({"t:ended", "t:ended-award"}))
    day = NOW.date()

    def notice(tender_id: str, **extra: object) -> Tender:
        return Tender.model_validate({"tender_id": tender_id, "source": "t", "title": "x", **extra})

    cases = {
        "cancelled": notice("t:ended", deadline=NOW + timedelta(days=9), published=day),
        "award": notice("t:award", notice_type="award", published=day),
        "other": notice("t:other", notice_type="other", published=day),
        "unpublished": notice("t:future", deadline=NOW + timedelta(days=9), published=day + timedelta(days=1)),
        "deadline": notice("t:passed", deadline=NOW - timedelta(hours=1), published=day - timedelta(days=9)),
        "window": notice("t:stale", published=day - timedelta(days=61)),
        None: notice("t:open", deadline=NOW + timedelta(days=9), published=day),
    }
    for closure, tender in cases.items():
        assert at.closure(tender) == closure, tender.tender_id
        assert at.is_open(tender) is (closure is None)
    # rule 4 first: a cancelled award notice reads as cancelled
    assert at.closure(notice("t:ended-award", notice_type="award", published=day)) == "cancelled"
    assert at.closure(notice("t:window-open", published=day - timedelta(days=60))) is None

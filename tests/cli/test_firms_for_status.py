"""``matcher firms-for TENDER`` (text) says first which notice it is and whether it is open at now (``--as-of``):
an officer must not send a firm to a call that has closed, was cancelled, or is not a call at all. The rule is
the product's one open rule (``matcher.normalize.openness``). The JSON output keeps its documented shape (an array
of matches, each with ``reasons.deadline``) and gives each match the same reading as ``notice_status``: open or
not, the closure's code and the text's line, so a script need not re-derive the rule."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender

runner = CliRunner()


def notice(tender_id: str, **fields: object) -> Tender:
    return Tender(tender_id=tender_id, source="test", title=f"Water meters {tender_id}", **fields)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MATCHER_HOME", str(home))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    matcher = Matcher(Settings(home=home, encoder="fake"))
    matcher.upsert_tenders([
        notice("x:dated", published=date(2021, 3, 1), deadline=datetime(2021, 6, 30, 12, tzinfo=UTC)),
        notice("x:undated", published=date(2021, 3, 1)),  # an open call: open through 1 March + 60 days
        notice("x:bare"),
        notice("x:pin", notice_type="prior_information", published=date(2021, 3, 1)),  # 180 days
        notice("x:cancelled", published=date(2021, 3, 1), deadline=datetime(2021, 6, 30, 12, tzinfo=UTC)),
        notice("x:ended", notice_type="award", published=date(2021, 4, 1), cancels=["x:cancelled"]),
        notice("x:award", notice_type="award", published=date(2021, 4, 1)),
        notice("x:other", notice_type="other", published=date(2021, 4, 1)),
    ])
    matcher.upsert_firms([FirmProfile(firm_id="meters", name="Meters Co", description="water meters")])
    matcher.build_index()
    matcher.close()
    return home


def head(tender_id: str, as_of: str, *args: str) -> list[str]:
    result = runner.invoke(app, ["firms-for", tender_id, "--as-of", as_of, *args])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[2].startswith(" 1. ") and "Meters Co" in lines[2]  # the firms follow the two lines
    return lines[:2]


@pytest.mark.parametrize(("tender_id", "as_of", "status"), [
    # 30 June 12:00 - 28 April 12:00 = 63 days
    ("x:dated", "2021-04-28T12:00", "OPEN: closes 2021-06-30 12:00 UTC, 63 days left (as of 2021-04-28 12:00 UTC)"),
    ("x:dated", "2021-07-01", "CLOSED: the deadline passed on 2021-06-30 12:00 UTC (as of 2021-07-01 00:00 UTC)"),
    ("x:dated", "2021-06-29T06:00", "OPEN: closes 2021-06-30 12:00 UTC, 1 day left (as of 2021-06-29 06:00 UTC)"),
    # 1 March + 60 days = 30 April
    ("x:undated", "2021-04-30T23:00", "OPEN: no deadline given; counted open through 2021-04-30, 60 days after its "
                                      "publication on 2021-03-01 (as of 2021-04-30 23:00 UTC)"),
    ("x:undated", "2021-05-01", "CLOSED: no deadline given, and it was counted open only through 2021-04-30, 60 days "
                                "after its publication on 2021-03-01 (as of 2021-05-01 00:00 UTC)"),
    # 1 March + 180 days = 28 August
    ("x:pin", "2021-08-29", "CLOSED: no deadline given, and it was counted open only through 2021-08-28, 180 days "
                            "after its publication on 2021-03-01 (as of 2021-08-29 00:00 UTC)"),
    ("x:bare", "2021-05-01", "OPEN: neither a deadline nor a publication date given (as of 2021-05-01 00:00 UTC)"),
    # the award notice ending it is published on 1 April: open before, cancelled from that day
    ("x:cancelled", "2021-03-31", "OPEN: closes 2021-06-30 12:00 UTC, 91 days left (as of 2021-03-31 00:00 UTC)"),
    ("x:cancelled", "2021-04-01", "CLOSED: cancelled: a later notice ended its procedure without an award "
                                  "(as of 2021-04-01 00:00 UTC)"),
    ("x:award", "2021-04-02", "CLOSED: an award notice, not a call for bids (as of 2021-04-02 00:00 UTC)"),
    ("x:other", "2021-04-02", "CLOSED: not a call for bids or a prior information notice (as of 2021-04-02 00:00 UTC)"),
])
def test_the_text_says_first_whether_the_notice_is_open(home: Path, tender_id: str, as_of: str, status: str) -> None:
    assert head(tender_id, as_of) == [f"{tender_id}: Water meters {tender_id}", status]


def test_a_time_zone_given_to_as_of_is_shown_in_utc(home: Path) -> None:
    assert head("x:dated", "2021-06-30T20:00+09:00")[1] == (
        "OPEN: closes 2021-06-30 12:00 UTC, less than a day left (as of 2021-06-30 11:00 UTC)")
    assert head("x:dated", "2021-06-30T22:00+09:00")[1] == (
        "CLOSED: the deadline passed on 2021-06-30 12:00 UTC (as of 2021-06-30 13:00 UTC)")


def test_the_status_is_worded_in_korean_with_lang_ko(home: Path) -> None:
    assert head("x:dated", "2021-07-01", "--lang", "ko")[1] == (
        "마감됨: 마감 일시(2021-06-30 12:00 UTC)가 지났습니다 (기준 시각 2021-07-01 00:00 UTC)")
    assert head("x:dated", "2021-04-28T12:00", "--lang", "ko")[1] == (
        "접수 중: 2021-06-30 12:00 UTC 마감, 63일 남음 (기준 시각 2021-04-28 12:00 UTC)")


def test_the_json_output_keeps_its_shape(home: Path) -> None:
    result = runner.invoke(app, ["firms-for", "x:dated", "--as-of", "2021-07-01", "--json"])
    assert result.exit_code == 0
    matches = json.loads(result.stdout)
    assert isinstance(matches, list) and [m["firm_id"] for m in matches] == ["meters"]
    assert matches[0]["reasons"]["deadline"] == "closed on 2021-06-30 12:00 UTC"


@pytest.mark.parametrize(("tender_id", "as_of", "is_open", "closure"), [
    ("x:dated", "2021-04-28T12:00", True, None),
    ("x:dated", "2021-07-01", False, "deadline"),
    ("x:undated", "2021-05-01", False, "window"),
    ("x:cancelled", "2021-03-31", True, None),  # the award notice ending it is published on 1 April
    ("x:cancelled", "2021-04-01", False, "cancelled"),
    ("x:award", "2021-04-02", False, "award"),
    ("x:other", "2021-04-02", False, "other"),
])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_each_json_match_says_what_the_text_line_says(
    home: Path, tender_id: str, as_of: str, is_open: bool, closure: str | None, lang: str
) -> None:
    result = runner.invoke(app, ["firms-for", tender_id, "--as-of", as_of, "--json", "--lang", lang])
    assert result.exit_code == 0, result.output
    matches = json.loads(result.stdout)
    assert [m["firm_id"] for m in matches] == ["meters"]
    as_of_utc = datetime.fromisoformat(as_of).replace(tzinfo=UTC)
    assert matches[0]["notice_status"] == {
        "open": is_open, "closure": closure, "as_of": as_of_utc.isoformat().replace("+00:00", "Z"),
        "detail": head(tender_id, as_of, "--lang", lang)[1],
    }


def test_a_notice_not_yet_published_is_still_refused(home: Path) -> None:
    result = runner.invoke(app, ["firms-for", "x:award", "--as-of", "2021-03-31"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "error: tender 'x:award' is published on 2021-04-01, after now (2021-03-31 00:00 UTC)\n"


def test_without_firms_the_text_says_so_after_the_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """firms-for has no --include-closed: the empty list must not suggest it (recommend's message did)."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "empty"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    matcher = Matcher(Settings(home=tmp_path / "empty", encoder="fake"))
    matcher.upsert_tenders([notice("x:dated", published=date(2021, 3, 1))])
    matcher.close()
    result = runner.invoke(app, ["firms-for", "x:dated", "--as-of", "2021-03-02"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "OPEN: no deadline given; counted open through 2021-04-30, 60 days after its publication on 2021-03-01 "
        "(as of 2021-03-02 00:00 UTC)",
        "  no firms to list (none stored, or every firm's partner rejected this notice)",
    ]

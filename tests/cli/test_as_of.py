"""``--as-of`` on ``matcher recommend`` and ``matcher firms-for``: the moment taken as now, as on
``matcher digest run`` (UTC when no zone is given): what was published and open then."""

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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with two calls: A published 1 March (deadline 30 June), B published 10 May (deadline 30 July)."""
    home = tmp_path / "home"
    monkeypatch.setenv("MATCHER_HOME", str(home))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_CLOCK", "2021-01-01T00:00:00Z")  # before both: --as-of must override it
    matcher = Matcher(Settings(home=home, encoder="fake"))
    matcher.upsert_tenders([
        Tender(tender_id="x:A", source="test", title="Water meters supply", published=date(2021, 3, 1),
               deadline=datetime(2021, 6, 30, 12, tzinfo=UTC)),
        Tender(tender_id="x:B", source="test", title="Smart water meters", published=date(2021, 5, 10),
               deadline=datetime(2021, 7, 30, 12, tzinfo=UTC)),
    ])
    matcher.upsert_firms([FirmProfile(firm_id="meters", name="Meters Co", description="water meters")])
    matcher.build_index()
    matcher.close()
    return home


def recommended(*args: str) -> list[str]:
    result = runner.invoke(app, ["recommend", "meters", "--json", *args])
    assert result.exit_code == 0, result.stderr
    return sorted(item["tender_id"] for item in json.loads(result.stdout))


def test_recommend_sees_what_was_published_and_open_at_as_of(home: Path) -> None:
    assert recommended() == []  # MATCHER_CLOCK, 1 January: nothing published yet
    assert recommended("--as-of", "2021-04-28T12:00") == ["x:A"]  # B is published 12 days later
    assert recommended("--as-of", "2021-04-28T12:00", "--include-closed") == ["x:A"]  # closed or not: unseen
    assert recommended("--as-of", "2021-05-20T00:00:00+00:00") == ["x:A", "x:B"]
    assert recommended("--as-of", "2021-07-01") == ["x:B"]  # A's deadline has passed
    # A naive time is UTC: B is published on 10 May (UTC), so 08:00 in Seoul that day is still 9 May.
    assert recommended("--as-of", "2021-05-10T00:00") == ["x:A", "x:B"]
    assert recommended("--as-of", "2021-05-10T08:00+09:00") == ["x:A"]


def test_firms_for_refuses_a_tender_not_yet_published_at_as_of(home: Path) -> None:
    early = runner.invoke(app, ["firms-for", "x:B", "--json", "--as-of", "2021-04-28T12:00"])
    assert early.exit_code == 2
    assert early.stderr == "error: tender 'x:B' is published on 2021-05-10, after now (2021-04-28 12:00 UTC)\n"
    later = runner.invoke(app, ["firms-for", "x:B", "--json", "--as-of", "2021-05-11"])
    assert later.exit_code == 0 and [m["firm_id"] for m in json.loads(later.stdout)] == ["meters"]


@pytest.mark.parametrize("command", [["recommend", "meters"], ["firms-for", "x:A"]])
def test_a_bad_as_of_is_one_line_and_exit_2(home: Path, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--as-of", "next tuesday"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: bad --as-of 'next tuesday' (expected ISO 8601, e.g. 2021-04-28T08:00)\n"
    )


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31T23:59:59", "1900-01-01T02:00:00+05:00"])
@pytest.mark.parametrize("command", [["recommend", "meters"], ["firms-for", "x:A"], ["digest", "run"]])
def test_an_as_of_out_of_range_is_one_line_and_exit_2(home: Path, command: list[str], as_of: str) -> None:
    """Dates are moved by days and years from now (publication windows, suggestion ages): the year 1 and the
    year 9999 were tracebacks (OverflowError), and firms-for printed now's year 1 as '1-01-01'."""
    result = runner.invoke(app, [*command, "--as-of", as_of])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: bad --as-of {as_of!r} (expected a year from 1900 to 2200, in UTC)\n"
    assert result.stdout == ""


@pytest.mark.parametrize("clock", ["0001-01-01", "9999-12-31T23:59:59"])
def test_a_matcher_clock_out_of_range_is_one_line_and_exit_2(
    home: Path, monkeypatch: pytest.MonkeyPatch, clock: str
) -> None:
    monkeypatch.setenv("MATCHER_CLOCK", clock)
    result = runner.invoke(app, ["recommend", "meters"])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: bad setting MATCHER_CLOCK: ")
    assert "is out of range (expected a year from 1900 to 2200, in UTC)" in result.stderr


def test_the_edges_of_the_range_are_accepted(home: Path) -> None:
    assert recommended("--as-of", "1900-01-01") == []  # nothing published yet
    assert recommended("--as-of", "2200-12-31T23:59:59") == []  # both long closed
    assert recommended("--as-of", "2200-12-31T23:59:59", "--include-closed") == ["x:A", "x:B"]

"""``matcher feeds``, ``matcher schedule --once`` and ``matcher ingest ungm`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from matcher.cli import app
from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.store.feeds import FeedRepository, FeedSpec
from tests.conftest import FIXTURES

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_CLOCK", "2026-12-02T08:00:00Z")
    monkeypatch.setenv("MATCHER_FEEDS_RETRIES", "0")
    monkeypatch.setenv("MATCHER_FEEDS_HOST_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("MATCHER_FEEDS_ALLOW_PRIVATE", "1")  # the test feed servers listen on 127.0.0.1
    return tmp_path / "home"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_add_list_reset_remove(home: Path) -> None:
    assert run("feeds", "list") == (0, "no feeds yet: add one with `matcher feeds add NAME --kind "
                                       "ted|worldbank|ocds`\n", "")
    code, out, _ = run("feeds", "add", "ted-medical", "--kind", "ted", "--query", "classification-cpv IN (33100000)")
    assert code == 0 and out == "added feed ted-medical (ted, public default endpoint)\n"
    code, out, _ = run("feeds", "list", "--json")
    listed = json.loads(out)
    assert [(f["name"], f["kind"], f["query"], f["cursor"], f["last_run"]["status"]) for f in listed] == [
        ("ted-medical", "ted", "classification-cpv IN (33100000)", {}, None)]
    assert run("feeds", "list")[1] == ("ted-medical  ted  public default endpoint  query='classification-cpv IN "
                                       "(33100000)'\n    never run\n")
    assert run("feeds", "reset", "ted-medical")[0] == 0
    assert run("feeds", "remove", "ted-medical") == (0, "removed feed ted-medical\n", "")
    assert run("feeds", "list", "--json")[1].strip() == "[]"


@pytest.mark.parametrize(("args", "message"), [
    (("feeds", "add", "X Y", "--kind", "ted"), "error: feed name 'X Y': use 1-60 lower-case letters"),
    (("feeds", "add", "x", "--kind", "ungm"), "error: feed kind 'ungm': expected one of ted, worldbank, ocds"),
    (("feeds", "add", "x", "--kind", "ocds"), "error: an ocds feed needs --url"),
    (("feeds", "add", "x", "--kind", "ocds", "--url", "file:///etc/passwd"), "error: feed url 'file:///etc/passwd'"),
    (("feeds", "add", "x", "--kind", "worldbank", "--page-size", "0"), "error: feed page size 0"),
    (("feeds", "add", "x", "--kind", "ted", "--query", "FT=\u202eretaw"),
     "error: feed query holds U+202E RIGHT-TO-LEFT OVERRIDE at position 4, a bidirectional control"),
    (("feeds", "add", "x", "--kind", "ocds", "--url", "https://tenders.example/releases/\u202egpj.exe"),
     "error: feed url holds U+202E RIGHT-TO-LEFT OVERRIDE at position 34, a bidirectional control"),
    (("feeds", "run", "nope"), "error: unknown feed 'nope'"),
    (("feeds", "run", "--since", "yesterday"),
     "error: bad --since 'yesterday' (expected an ISO 8601 day, e.g. 2021-04-28)"),
    (("feeds", "remove", "nope"), "error: unknown feed 'nope'"),
])
def test_bad_input_is_one_line_and_exit_2(home: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and err.startswith(message) and err.count("\n") == 1 and out == ""


def test_a_url_refused_for_a_bidi_control_says_its_percent_encoded_form(home: Path) -> None:
    code, out, err = run("feeds", "add", "x", "--kind", "ocds", "--url", "https://tenders.example/\u2066a\u2069/api")
    assert code == 2 and out == "" and err.count("\n") == 1 and "\u2066" not in err
    assert err.endswith("percent-encoded it is taken: 'https://tenders.example/%E2%81%A6a%E2%81%A9/api'\n"), err
    code, out, _ = run("feeds", "add", "x", "--kind", "ocds", "--url", "https://tenders.example/%E2%81%A6a%E2%81%A9/api")
    assert code == 0 and out == "added feed x (ocds, https://tenders.example/%E2%81%A6a%E2%81%A9/api)\n"


def test_a_url_stored_with_a_bidi_control_is_listed_encoded(home: Path) -> None:
    """A feed stored before the rule: the line shows its URL percent-encoded (the terminal would display the rest
    of the line reordered: '.../releases/exe.jpg'), the JSON as stored; no traceback."""
    spoofed = "https://tenders.example/releases/\u202egpj.exe"
    matcher = Matcher(Settings(home=home, encoder="fake"))
    with matcher.engine.db.begin() as conn:
        FeedRepository().add(conn, FeedSpec("kenya", "ocds", spoofed, None, None), "officer-1")
    matcher.close()
    assert run("feeds", "list") == (
        0, "kenya  ocds  https://tenders.example/releases/%E2%80%AEgpj.exe\n    never run\n", "")
    code, out, _ = run("feeds", "list", "--json")
    assert code == 0 and json.loads(out)[0]["url"] == spoofed


def test_duplicate_name_is_refused_and_the_first_kept(home: Path) -> None:
    run("feeds", "add", "wb", "--kind", "worldbank")
    code, _, err = run("feeds", "add", "wb", "--kind", "ted")
    assert code == 2 and err == "error: a feed named 'wb' already exists\n"
    assert json.loads(run("feeds", "list", "--json")[1])[0]["kind"] == "worldbank"


def test_a_failing_source_exits_1_and_is_listed_with_its_error(home: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/releases").respond_with_data("down for maintenance", status=503)
    url = httpserver.url_for("/releases")
    assert run("feeds", "add", "portal", "--kind", "ocds", "--url", url)[0] == 0
    code, out, _ = run("feeds", "run")
    assert code == 1
    assert out.startswith("portal: failed, 0 pages, 0 new, 0 updated, 0 unchanged, 0 rejected; error: ")
    assert "HTTP 503" in out
    listed = run("feeds", "list")[1]
    assert "last run failed at 20" in listed and "HTTP 503" in listed


def test_schedule_once_runs_the_due_jobs(home: Path, tmp_path: Path) -> None:
    code, out, _ = run("schedule", "--once", "--outbox", str(tmp_path / "outbox"), "--digest-at", "00:00")
    assert code == 0
    assert out == ("feeds: no feeds configured | digests: 0 subscriptions due, sent 0, skipped 0 empty, 0 failed | "
                   "suggested codes not kept: 0 firm(s), firms-for scores up to 200 in full\n")
    # The same hour and day again: both slots are taken (by this or any other scheduler on the database).
    assert run("schedule", "--once", "--outbox", str(tmp_path / "outbox"), "--digest-at", "00:00")[1] == "nothing due\n"
    code, _, err = run("schedule", "--once", "--digest-at", "25:00")
    assert code == 2 and err == "error: bad --digest-at '25:00' (expected HH:MM in UTC, e.g. 06:00)\n"


def test_ingest_ungm_export(home: Path) -> None:
    code, out, err = run("ingest", "ungm", str(FIXTURES / "ungm" / "ungm_notices.csv"))
    assert code == 0, err
    assert out.splitlines()[0] == "UNGM notices: 5 new, 0 updated, 0 unchanged, 0 rejected"
    matcher = Matcher(Settings(home=home, encoder="fake"))
    stored = matcher.fetch_tenders(["ungm:LRPS-2026-9181234", "ungm:2026%2FWHO%2FEOI%2F77", "ungm:UNOPS-RFQ-555"])
    unicef = stored["ungm:LRPS-2026-9181234"]
    assert (unicef.source, unicef.buyer, unicef.countries, unicef.notice_type) == ("ungm", "UNICEF", ["NG"],
                                                                                   "open_call")
    assert unicef.deadline is not None and unicef.deadline.isoformat() == "2026-12-15T16:00:00+00:00"
    assert stored["ungm:2026%2FWHO%2FEOI%2F77"].countries == ["KE", "UG"]
    assert stored["ungm:UNOPS-RFQ-555"].notice_type == "open_call"  # "Not set": the default
    again = run("ingest", "ungm", str(FIXTURES / "ungm" / "ungm_notices.csv"))[1]
    assert again.splitlines()[0] == "UNGM notices: 0 new, 0 updated, 5 unchanged, 0 rejected"


def test_ingest_ungm_refuses_an_unknown_column_by_name(home: Path, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("Title,Deadline,Colour\nA,01-Jan-2027,red\n", encoding="utf-8")
    code, _, err = run("ingest", "ungm", str(export))
    assert code == 2 and "unknown column 'Colour'" in err and err.count("\n") == 1

"""``matcher evaluate --judged`` over a real store: the methods' table, partner decisions and accepting a
suggested code (``matcher.evaluate.judged_accept``), and the error rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.config import Settings
from matcher.evaluate.judged import load_judged
from matcher.evaluate.judged_accept import accept_effect, pick_accepted, relevant_codes
from matcher.normalize.codes import codebook
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile
from matcher.search.code_inference import Inferred, SuggestedCode
from matcher.services.code_suggestions import CodeSuggestions
from tests.conftest import FIXTURES

runner = CliRunner()
CASES = FIXTURES / "ted_cases"
IMAGING = "ted:421813-2018"  # supply of imaging devices: CPV 33100000, 33111400, 33113000, 33115100, 50421000...
FETAL = "ted:400604-2019"  # fetal scanning services (85150000)
HOSPITAL = "ted:187250-2018"  # a hospital pavilion's design documentation (71220000)
GRADES = {IMAGING: 2, FETAL: 0, HOSPITAL: 0}
#: The X-ray maker's suggestions, pinned (the FakeEncoder's are noise): the near neighbours' codes first, as a
#: wrong inference would put them, then the X-ray devices' class.
SUGGESTED = ("CPV:85150000", "CPV:71220000", "CPV:33111000", "CPV:33124000", "CPV:33197000")


def suggestion(code: str, confidence: float = 0.5) -> SuggestedCode:
    return SuggestedCode(code=code, label=codebook().label(code) or code, confidence=confidence, source="labels")


def test_the_partner_accepts_the_first_shown_code_of_a_relevant_category() -> None:
    codes_of = {IMAGING: ["CPV:33100000", "CPV:33111400", "CPV:50421000"], FETAL: ["CPV:85150000"]}
    relevant = relevant_codes(GRADES, codes_of)
    assert relevant == {"CPV:33100000", "CPV:33111400", "CPV:50421000"}  # graded 2 only
    shown = [suggestion("CPV:85150000"), suggestion("CPV:33112000"), suggestion("CPV:33111000"),
             suggestion("CPV:50421000")]
    # 33112000 (echo, ultrasound) shares the class 3311 but not the category 33111: passed over
    assert pick_accepted(shown, relevant) == "CPV:33111000"
    assert pick_accepted(shown[:2], relevant) is None
    # a code coarser than a category is accepted only where a relevant notice carries it
    assert pick_accepted([suggestion("CPV:33100000")], relevant) == "CPV:33100000"
    assert pick_accepted([suggestion("CPV:33110000")], relevant) is None


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_CLOCK", "2023-01-01T00:00:00Z")
    assert runner.invoke(app, ["ingest", "tenders", str(CASES)]).exit_code == 0
    assert runner.invoke(app, ["index", "build"]).exit_code == 0
    pinned = Inferred(tuple(suggestion(code, 0.6 - i / 10) for i, code in enumerate(SUGGESTED)))
    monkeypatch.setattr(CodeSuggestions, "inferred", lambda self, firm: pinned)  # what ranking reads
    monkeypatch.setattr(CodeSuggestions, "shown_inferred", lambda self, firm: pinned)  # what the partner sees
    korean = FirmProfile(firm_id="ko-xray", name="한빛메디텍", languages=["ko"],
                         description="당사는 디지털 X선 촬영장치와 이동형 X선 장비를 제조하는 의료기기 중소기업입니다.")
    english = FirmProfile(firm_id="en-xray", name="Raylight", languages=["en"], codes=["CPV:33111000"],
                          description="We make digital radiography units and mobile X-ray equipment.")
    judged = {"profiles": [{"profile": p.model_dump(mode="json"), "split": "report", "judgments": GRADES}
                           for p in (korean, english)]}
    path = tmp_path / "judged.json"
    path.write_text(json.dumps(judged, ensure_ascii=False), encoding="utf-8")
    return path


def test_judged_evaluation_with_decisions_and_an_accepted_code(store: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--judged", str(store), "--encoder", "fake", "--decisions",
                                 "--accept", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["profiles"] == 2
    assert payload["decisions"]["profiles"] == 2
    accepted = payload["accept"]
    # Only the Korean profile has no codes; its partner passes over the near neighbours' codes and accepts
    # 33111000 (category 33111, as the imaging supply's 33111400); the imaging supply is first (nDCG@10 1; it was
    # before too: over 12 notices the contract nature already puts the services and the design below it).
    assert set(accepted) == {"all", "ko, no codes"}
    assert accepted["all"] == accepted["ko, no codes"]
    assert accepted["all"]["profiles"] == 1 and accepted["all"]["accepted"] == 1
    assert accepted["all"]["ndcg_after"] == 1.0
    assert accepted["all"]["ndcg_before"] == 1.0
    assert accepted["all"]["judged_before"] == accepted["all"]["judged_after"] == 0.3  # 3 judged of 10 shown
    # strict JSON: the decisions' median rank of "the other relevant notices" has none to measure here (the one
    # notice graded 2 is the approved one): null, not NaN
    assert payload["decisions"]["other_relevant_rank_before"] is None
    assert "accepting a code" in result.stderr and "1 of 1 accepted" in result.stderr
    # the same in the library: the code the partner accepted
    matcher = Matcher(Settings(home=store.parent / "home", encoder="fake"))
    profiles = load_judged(store)
    rows = accept_effect(matcher, profiles).rows
    matcher.close()
    assert [(r.group, r.code) for r in rows] == [("ko, no codes", "CPV:33111000")]


def test_progress_shows_on_a_terminal_stderr_and_the_json_on_stdout_is_unchanged(
        store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A judged file of 100,000 profiles ran for minutes without a word: each step now counts profiles on stderr
    when stderr is a terminal (tqdm's bar), and stdout stays the one JSON object."""
    options = ["evaluate", "--judged", str(store), "--encoder", "fake", "--decisions", "--accept", "--json"]
    piped = runner.invoke(app, options)
    monkeypatch.setattr("matcher.cli.evaluate._stderr_is_terminal", lambda: True)
    terminal = runner.invoke(app, options)
    assert piped.exit_code == terminal.exit_code == 0, terminal.output
    assert json.loads(terminal.stdout) == json.loads(piped.stdout)
    assert "profile" not in piped.stderr.replace("profiles", "")  # no bar when stderr is a file or a pipe
    for step in ("reading", "default", "lexical", "decisions", "accepting a code"):
        assert f"{step}: 100%" in terminal.stderr and "2/2" in terminal.stderr


def test_decisions_and_accept_need_a_judged_file(tmp_path: Path) -> None:
    awards = tmp_path / "awards.jsonl"
    awards.write_text("", encoding="utf-8")
    for flag in ("--accept", "--decisions"):
        result = runner.invoke(app, ["evaluate", "--awards", str(awards), flag])
        assert result.exit_code == 2
        assert "--decisions and --accept measure judged profiles: give them with --judged FILE" in result.output

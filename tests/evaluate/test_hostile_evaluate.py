"""Hostile input to ``matcher evaluate``, ``train-ranker`` and the judged file: one clear error, never a traceback."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.errors import InvalidInput
from matcher.evaluate.judged import load_judged
from matcher.evaluate.report import evaluate
from matcher.ranking.fusion import WeightedScorer
from matcher.schema import Award
from matcher.search.encoders import Embedder, FakeEncoder
from tests.conftest import FIXTURES

runner = CliRunner()
PROFILE = {"firm_id": "a", "name": "a", "description": "x-ray units"}


def _judged(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "judged.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_grade_too_long_to_read_as_a_number_is_one_clear_error(tmp_path: Path) -> None:
    # Python refuses integers of more than 4,300 digits with a ValueError that is not a JSONDecodeError
    path = _judged(tmp_path, '{"profiles": [{"split": "tune", "profile": {"firm_id": "a", "name": "a", '
                             '"description": "x"}, "judgments": {"t": ' + "9" * 5000 + "}}]}")
    with pytest.raises(InvalidInput, match=r"cannot read judged file .*4300 digits"):
        load_judged(path)


def test_a_notice_judged_twice_in_one_profile_is_refused_naming_it(tmp_path: Path) -> None:
    # json.loads keeps the last of two equal keys: the first grade was dropped without a word
    text = ('{"profiles": [{"split": "tune", "profile": ' + json.dumps(PROFILE)
            + ', "judgments": {"ted:1": 2, "ted:2": 0, "ted:1": 0}}]}')
    with pytest.raises(InvalidInput, match=r"profile 0: notice 'ted:1' is judged twice \(2 and 0; one grade each\)"):
        load_judged(_judged(tmp_path, text))
    # the same grade twice is no contradiction, and still one judgment
    same = text.replace('"ted:1": 0}', '"ted:1": 2}')
    assert load_judged(_judged(tmp_path, same))[0].grades == {"ted:1": 2, "ted:2": 0}


@pytest.mark.parametrize("language", [{"a": 1}, ["ko"], 3, ""])
def test_a_profile_language_that_is_not_a_language_code_is_refused(tmp_path: Path, language: object) -> None:
    entry = {"split": "tune", "profile": PROFILE, "judgments": {}, "language": language}
    with pytest.raises(InvalidInput, match=r"profile 0: language .* \(expected a language code"):
        load_judged(_judged(tmp_path, json.dumps({"profiles": [entry]})))


def _embedders() -> dict[str, Embedder]:
    return {"fake": Embedder(FakeEncoder(), None)}


@pytest.mark.parametrize(("cut", "says"), [
    (date(2011, 1, 1), "no awards before 2011-01-01 in this file (its awards run from 2012-01-01 to 2013-11-26)"),
    (date(2015, 1, 1), "no awards on or after 2015-01-01 in this file (its awards run from 2012-01-01 to 2013-11-26)"),
])
def test_a_cut_outside_the_awards_is_one_clear_error(awards: list[Award], cut: date, says: str) -> None:
    # with a saved scorer no training runs: the empty side reached scikit-learn (a ValueError, a traceback)
    with pytest.raises(InvalidInput, match=re.escape(says)):
        evaluate(awards, cut, _embedders(), "fake", reranker=WeightedScorer())


def test_a_cut_no_supplier_has_wins_on_both_sides_of_is_one_clear_error(awards: list[Award]) -> None:
    # 2012-01-15: only two distinct wins per supplier before it (0, 1, 2 days after the start, then a month on)
    cut = date(2012, 1, 15)
    with pytest.raises(InvalidInput, match="no supplier has 3 distinct wins before 2012-01-15 and 1 on or after"):
        evaluate(awards, cut, _embedders(), "fake", reranker=WeightedScorer())


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    return tmp_path / "home"


def _write_awards(path: Path, rows: list[Award]) -> Path:
    path.write_text("".join(r.model_dump_json() + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["evaluate", "train-ranker"])
def test_an_award_with_a_negative_value_is_a_row_skipped_by_name(
    home: Path, tmp_path: Path, awards: list[Award], command: str,
) -> None:
    """It was a ValidationError traceback in the middle of the work (an Award took a negative value, the tender
    it is read as did not); the schema now refuses it (tests/test_award_values.py), so it is one row skipped."""
    rows = [*awards[:5], awards[5].model_copy(update={"value": -200_000.0}), *awards[6:]]
    path = _write_awards(tmp_path / "awards.jsonl", rows)
    result = runner.invoke(app, [command, "--awards", str(path), "--cutoff", "2013-06-01", "--encoder", "fake"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        f"skipped 1 of {len(rows)} rows of {path} that are not awards (first: awards.jsonl:6: value: a negative "
        "value -200000 (expected an amount of 0 or more))")


def test_evaluate_with_a_cut_after_every_award_is_one_line(home: Path, tmp_path: Path, awards: list[Award]) -> None:
    # the re-ranker trained on every award (all before the cut), then the empty candidates reached scikit-learn
    path = _write_awards(tmp_path / "awards.jsonl", awards)
    result = runner.invoke(app, ["evaluate", "--awards", str(path), "--encoder", "fake", "--cutoff", "2015-01-01"])
    assert result.exit_code == 2, result.output
    assert result.stderr == ("error: no awards on or after 2015-01-01 in this file (its awards run from 2012-01-01 "
                             "to 2013-11-26)\n")


def test_a_judged_file_is_read_as_the_ingest_reads_text(tmp_path: Path) -> None:
    """A UTF-8 BOM is allowed (Notepad writes one), anything but UTF-8 is named as such, and an empty file says
    it is empty, as for every file ``matcher ingest`` reads (matcher.ingest.base)."""
    text = json.dumps({"profiles": [{"split": "tune", "profile": PROFILE, "judgments": {"ted:1": 2}}]})
    path = tmp_path / "judged.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_judged(path)[0].grades == {"ted:1": 2}
    path.write_text(text, encoding="utf-16")
    with pytest.raises(InvalidInput, match=r"judged.json: not UTF-8 text \(byte 0: b'\\xff'\); re-save"):
        load_judged(path)
    path.write_bytes(b"\n  \n")
    with pytest.raises(InvalidInput, match=r"judged\.json: empty file: it holds no records"):
        load_judged(path)


@pytest.fixture
def store(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The TED cases ingested and indexed (14 opportunity notices), as tests/evaluate/test_judged_cli.py."""
    monkeypatch.setenv("MATCHER_CLOCK", "2023-01-01T00:00:00Z")
    assert runner.invoke(app, ["ingest", "tenders", str(FIXTURES / "ted_cases")]).exit_code == 0
    assert runner.invoke(app, ["index", "build"]).exit_code == 0
    return home


def _judged_on(tmp_path: Path, split: str, grades: dict[str, int]) -> Path:
    path = tmp_path / "judged.json"
    path.write_text(json.dumps({"profiles": [{"split": split, "profile": PROFILE, "judgments": grades}]}))
    return path


@pytest.mark.parametrize("command", [["evaluate", "--encoder", "fake", "--split", "tune"], ["calibrate"]])
def test_a_judged_file_none_of_whose_notices_is_stored_is_one_line(
    store: Path, tmp_path: Path, command: list[str],
) -> None:
    # every figure was 0 (evaluate) or 'calibration needs at least 20 judged matches of both kinds, got 0'
    path = _judged_on(tmp_path, "tune", {"ted:1-2099": 2, "ted:2-2099": 0})
    result = runner.invoke(app, [*command, "--judged", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"error: none of the 2 judged notices of {path} is among this store's 14 opportunity "
                             "notices: ingest the judged corpus first (see evaluation/JUDGING.md)\n")
    assert not list((tmp_path / "models").rglob("*.json"))  # no model saved (its empty folder may be made)


def test_calibrate_on_a_judged_file_without_a_tuning_half_is_one_line(store: Path, tmp_path: Path) -> None:
    # it said 'calibration needs at least 20 judged matches of both kinds, got 0'
    path = _judged_on(tmp_path, "report", {"ted:421813-2018": 2})
    result = runner.invoke(app, ["calibrate", "--judged", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: no judged profiles in split 'tune' in {path}\n"


@pytest.mark.parametrize("command", ["evaluate", "train-ranker"])
def test_award_rows_that_cannot_be_read_are_said_not_dropped_in_silence(
    home: Path, tmp_path: Path, awards: list[Award], command: str,
) -> None:
    path = _write_awards(tmp_path / "awards.jsonl", awards)
    lines = path.read_text().splitlines()
    lines[3] = json.dumps({**json.loads(lines[3]), "date": "yesterday"})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # stop right after reading: the cut is before every award (the message is the one tested above)
    result = runner.invoke(app, [command, "--awards", str(path), "--cutoff", "2011-01-01", "--encoder", "fake"])
    assert result.exit_code == 2
    skipped, error = result.stderr.splitlines()
    assert skipped.startswith(f"skipped 1 of {len(awards)} rows of {path} that are not awards (first: ")
    assert "yesterday" in skipped
    assert error.startswith("error: no awards before 2011-01-01")


@pytest.mark.parametrize("option", [["--cutoff", "2013-06-01"], ["--cutoff-quantile", "0.5"], ["--k", "5"]])
def test_an_award_history_option_given_with_judged_is_refused_not_ignored(tmp_path: Path, option: list[str]) -> None:
    # --k 5 read as 'measure at 5' was ignored without a word: the judged metrics have fixed depths
    path = _judged_on(tmp_path, "tune", {"ted:1": 2})
    result = runner.invoke(app, ["evaluate", "--judged", str(path), *option])
    assert result.exit_code == 2
    assert result.stderr == (f"error: {option[0]} applies to --awards only (the judged metrics are p@5, p@5h, "
                             "ndcg@10, r@50 and judged@10)\n")


MODEL_COMMANDS = [("calibrate", "--judged"), ("train-ranker", "--awards")]


@pytest.mark.parametrize(("command", "subfolder"), [(MODEL_COMMANDS[0], "calibration"),
                                                    (MODEL_COMMANDS[1], "reranker")], ids=lambda c: str(c[0]))
@pytest.mark.parametrize("in_the_way", ["file", "manifest folder"])
def test_a_model_file_with_a_folder_or_file_in_its_way_is_refused_before_the_work(
    home: Path, tmp_path: Path, awards: list[Award], command: tuple[str, str], subfolder: str, in_the_way: str,
) -> None:
    """The models folder itself was checked, its model's own folder and manifest not: train-ranker trained in
    full, then mkdir (FileExistsError) or the rename (IsADirectoryError) was a traceback."""
    models = tmp_path / "models"
    if in_the_way == "file":
        models.mkdir()
        (models / subfolder).write_text("not a folder")
        says = f"cannot write models into {models / subfolder}: not a folder but a regular file"
    else:
        (models / subfolder / "manifest.json").mkdir(parents=True)
        says = f"cannot write {models / subfolder / 'manifest.json'}: a folder is in the way"
    given = _write_awards(tmp_path / "awards.jsonl", awards) if command[1] == "--awards" else _judged_on(
        tmp_path, "tune", {"ted:1": 2})
    result = runner.invoke(app, [*command, str(given), "--models-dir", str(models)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {says}\n"


@pytest.mark.parametrize("judgments", [{}, None])
def test_a_profile_without_judgments_is_refused_not_counted_as_zero(tmp_path: Path, judgments: object) -> None:
    # it measured nothing, yet scored 0 in every metric and pulled every mean down without a word
    entries: list[dict[str, object]] = [{"split": "report", "profile": PROFILE, "judgments": {"ted:1": 2}},
                                        {"split": "report", "profile": {**PROFILE, "firm_id": "b"}}]
    if judgments is not None:
        entries[1]["judgments"] = judgments
    with pytest.raises(InvalidInput, match=r"profile 1: no judgments \(expected at least one notice graded 0, 1 or 2"):
        load_judged(_judged(tmp_path, json.dumps({"profiles": entries})))


def test_evaluate_awards_json_counts_firms_on_a_terminal_stderr_and_stdout_stays_json(
        home: Path, tmp_path: Path, awards: list[Award], monkeypatch: pytest.MonkeyPatch) -> None:
    # --json turned the firms' bar off, so a long evaluation printed nothing for minutes; stdout is the JSON alone
    path = _write_awards(tmp_path / "awards.jsonl", awards)
    options = ["evaluate", "--awards", str(path), "--encoder", "fake", "--cutoff", "2013-06-01", "--json"]
    monkeypatch.setattr("matcher.cli.evaluate._stderr_is_terminal", lambda: True)
    result = runner.invoke(app, options)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cutoff"] == "2013-06-01"
    assert "evaluating firms: 100%" in result.stderr


def test_calibrate_counts_the_profiles_it_ranks_on_a_terminal_stderr(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # evaluate --judged counted its profiles; calibrate ranked every tuning profile without a word
    path = _judged_on(tmp_path, "tune", {"ted:421813-2018": 2})
    monkeypatch.setattr("matcher.cli.evaluate._stderr_is_terminal", lambda: True)
    result = runner.invoke(app, ["calibrate", "--judged", str(path), "--models-dir", str(tmp_path / "models")])
    assert "calibrate: 100%" in result.stderr and "1/1" in result.stderr, result.stderr
    assert result.stderr.rstrip().endswith("calibration needs at least 20 judged matches of both kinds, got 1")

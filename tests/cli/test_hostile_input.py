"""Hostile command-line input (issue 15): non-finite numbers and deeply nested JSON are refused with one
clear error and exit code 2, never accepted and never a traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.cli import test_cli
from tests.cli.test_cli import TED, run, snapshot
from tests.conftest import FIXTURES
from tests.digest.test_cli import BAD_OUTBOXES, bad_outbox

ROOT = Path(__file__).resolve().parents[2]
home = test_cli.home  # the fixture: MATCHER_HOME in a temporary folder, the fake encoder


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize("value", ["inf", "Infinity", "nan", "-inf", "1e999"])
@pytest.mark.parametrize("option", ["--min-value", "--max-value"])
def test_recommend_value_range_must_be_finite(option: str, value: str) -> None:
    code, out, err = run("recommend", "some-firm", option, value)
    assert code == 2 and out == ""
    assert option in err and "finite number" in err, err


@pytest.mark.usefixtures("home")
@pytest.mark.parametrize(("value", "says"), [("nan", "finite number"), ("inf", "finite number"),
                                             ("1.5", "at most 1"), ("-0.1", "at least 0"), ("abc", "a number")])
def test_subscribe_min_score_must_be_a_finite_number_in_range(value: str, says: str) -> None:
    code, out, err = run("subscribe", "some-firm", "--email", "a@example.com", "--min-score", value)
    assert code == 2 and out == ""
    assert "--min-score" in err and says in err, err


@pytest.mark.usefixtures("home")
def test_recommend_value_range_still_accepts_plain_numbers() -> None:
    code, _, err = run("recommend", "some-firm", "--min-value", "1e6", "--max-value", "2500000.5")
    assert code == 2 and err == "error: unknown firm 'some-firm'\n"  # the numbers passed; the firm is unknown


def test_deeply_nested_json_is_one_line_and_changes_nothing(home: Path, tmp_path: Path) -> None:
    assert run("ingest", "tenders", str(TED))[0] == 0
    before = snapshot(home)
    deep = "[" * 100_000 + "]" * 100_000
    files = {"deep.json": deep, "deep.jsonl": deep + "\n", "package.json": '{"releases": ' + deep + "}"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        code, _, err = run("ingest", "tenders", str(tmp_path / name))
        assert code == 2 and err.count("\n") == 1 and err.startswith("error: "), err[-500:]
        assert name in err and "nested too deeply" in err
    firms = tmp_path / "firms.json"
    firms.write_text(deep)
    code, _, err = run("ingest", "firms", str(firms))
    assert code == 2 and err.count("\n") == 1 and "firms.json" in err and "nested too deeply" in err
    firms.write_text('[{"firm_id": "f", "name": "F", "description": "d", "max_value": 1' + "0" * 5_000 + "}]")
    code, _, err = run("ingest", "firms", str(firms))  # a ValueError traceback
    assert code == 2 and err.count("\n") == 1 and "a number of 5001 digits is too long to read" in err, err[-500:]
    assert snapshot(home) == before


@pytest.mark.parametrize(("row", "field", "value"), [
    ("z9,Far future,,9999-12-31T23:59:59-05:00", "deadline", "9999-12-31T23:59:59-05:00"),
    ("z9,Far past,0001-01-01T00:00:00+01:00,", "published", "0001-01-01"),
])
def test_a_date_out_of_range_rejects_its_row_and_the_rest_loads(
    home: Path, tmp_path: Path, row: str, field: str, value: str
) -> None:
    """The year 10000 (or 0) in UTC was a traceback and exit 1, and nothing of the file was stored."""
    table = tmp_path / "farfuture.csv"
    table.write_text(f"tender_id,title,published,deadline\nz1,Water meters,2021-03-01,2021-06-30\n{row}\n")
    code, out, err = run("ingest", "tenders", str(table))
    assert code == 0, err
    assert "1 new, 0 updated, 0 unchanged, 1 rejected" in out
    assert err == (f"  rejected farfuture.csv:3: {field}: {value} is out of range "
                   "(expected a year from 1900 to 2200, in UTC)\n")
    assert [tender_id for tender_id, _ in snapshot(home)[0]] == ["csv:z1"]


@pytest.mark.parametrize("name", ["notices.csv", "notices.csv.gz", "notices.xml", "notices.zip", "notices.tar.gz"])
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(home: Path, tmp_path: Path, name: str) -> None:
    """Opening a pipe waits for a writer, and ingest reads a file more than once (its digest, its format, its
    records): `ingest tenders` on a FIFO hung for ever, with or without a writer. Now it is refused unopened."""
    assert run("ingest", "tenders", str(TED))[0] == 0
    before = snapshot(home)
    fifo = tmp_path / name
    os.mkfifo(fifo)
    code, out, err = run("ingest", "tenders", str(fifo))
    assert code == 2 and out == ""
    assert err == f"error: {fifo}: not a regular file but a named pipe (expected a file, a folder or an archive)\n"
    firms = tmp_path / "firms.json"
    os.mkfifo(firms)
    code, _, err = run("ingest", "firms", str(firms))
    assert code == 2 and err == f"error: {firms}: not a regular file but a named pipe (expected a .csv, .json or " \
                                ".jsonl file, optionally .gz)\n"  # ingest firms takes no folder or archive
    assert snapshot(home) == before


def test_a_named_pipe_inside_a_folder_is_skipped(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    shutil.copytree(TED, folder)
    os.mkfifo(folder / "stuck.xml")
    code, out, err = run("ingest", "tenders", str(folder))
    assert code == 0 and "6 new, 0 updated, 0 unchanged, 0 rejected" in out, err


#: Every command that reads a file the user names, with that path put where {} is.
FILE_COMMANDS = [("ingest", "tenders", "{}"), ("ingest", "ungm", "{}"), ("ingest", "firms", "{}"),
                 ("ingest", "awards", "{}"), ("evaluate", "--awards", "{}"), ("train-ranker", "--awards", "{}"),
                 ("evaluate", "--judged", "{}"), ("calibrate", "--judged", "{}")]


@pytest.mark.parametrize("command", FILE_COMMANDS, ids=" ".join)
def test_a_symbolic_link_loop_is_named_by_every_file_command(
    home: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """A link to itself, or two links to each other, never reach a file: `ingest tenders LOOP` said 'no such file
    or folder', `ingest firms` 'unknown table format', and `evaluate --awards` 'does not exist' in a framed box."""
    assert run("ingest", "tenders", str(TED))[0] == 0
    before = snapshot(home)
    (tmp_path / "self").symlink_to("self")
    (tmp_path / "a.csv").symlink_to("b.csv")
    (tmp_path / "b.csv").symlink_to("a.csv")
    for loop in (tmp_path / "self", tmp_path / "a.csv"):
        code, out, err = run(*(part.format(loop) for part in command))
        assert code == 2 and out == "", err
        assert err == f"error: {loop}: a loop of symbolic links (it never reaches a file or a folder)\n"
    missing = tmp_path / "missing.csv"
    code, out, err = run(*(part.format(missing) for part in command))
    assert code == 2 and err == f"error: no such file or folder: {missing}\n"
    assert snapshot(home) == before


@pytest.mark.parametrize("name", BAD_OUTBOXES)
def test_schedule_refuses_an_outbox_it_cannot_write_before_any_job(home: Path, tmp_path: Path, name: str) -> None:
    """`schedule --outbox LOOP` ran the feeds, took the digest slot and then failed with a FileExistsError
    traceback (--outbox FILE: every digest recorded, then failed); the scheduler left running died at the
    first digest time. Now it is refused before anything runs, and the slots stay free."""
    outbox = bad_outbox(tmp_path, name)
    code, out, err = run("schedule", "--once", "--outbox", str(outbox), "--digest-at", "00:00")
    assert (code, out) == (2, "") and err == f"error: cannot write digests into {outbox}: {BAD_OUTBOXES[name]}\n"
    code, out, _ = run("schedule", "--once", "--outbox", str(tmp_path / "outbox"), "--digest-at", "00:00")
    assert code == 0 and out.startswith("feeds: no feeds configured | digests: 0 subscriptions due, sent 0")


#: The commands that save a model into --models-dir, before the work that produces it.
MODEL_COMMANDS = [("calibrate", "--judged", str(ROOT / "evaluation" / "judged.json")),
                  ("train-ranker", "--awards", str(FIXTURES / "awards" / "mixed_real_rows.jsonl"))]


@pytest.mark.parametrize("command", MODEL_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("name", ["loop", "dangling", "file", "file/outbox"])
def test_a_models_folder_that_cannot_be_written_is_refused_before_the_work(
    home: Path, tmp_path: Path, command: tuple[str, ...], name: str
) -> None:
    """`calibrate --models-dir LOOP` ranked every judged profile, then mkdir failed: a traceback (train-ranker
    after its whole training)."""
    models = bad_outbox(tmp_path, name)
    code, out, err = run(*command, "--models-dir", str(models))
    assert (code, out) == (2, "") and err == f"error: cannot write models into {models}: {BAD_OUTBOXES[name]}\n"


TABLE_FILE = "a .csv, .json or .jsonl file, optionally .gz"
#: What each file command says it accepts when given something that is not a regular file.
ACCEPTS: dict[tuple[str, ...], str] = {
           ("ingest", "tenders"): "a file, a folder or an archive", ("ingest", "ungm"): TABLE_FILE,
           ("ingest", "firms"): TABLE_FILE, ("ingest", "awards"): TABLE_FILE, ("evaluate", "--awards"): TABLE_FILE,
           ("train-ranker", "--awards"): TABLE_FILE, ("evaluate", "--judged"): "a judged relevance JSON file",
           ("calibrate", "--judged"): "a judged relevance JSON file"}


@pytest.mark.parametrize("command", FILE_COMMANDS, ids=" ".join)
def test_a_path_that_is_not_a_regular_file_is_refused_naming_what_the_command_takes(
    home: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """'expected a file, a folder or an archive' was said by every command, also of a folder given to those
    that take no folder (`ingest firms DIR.csv`, `evaluate --judged DIR`)."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    (folder / "firms.json").write_text("[]")
    accepts = ACCEPTS[command[:2]]
    code, out, err = run(*(part.format(fifo) for part in command))
    assert (code, out) == (2, "")
    assert err == f"error: {fifo}: not a regular file but a named pipe (expected {accepts})\n"
    if command[:2] == ("ingest", "tenders"):
        return  # a folder is what it takes
    code, out, err = run(*(part.format(folder) for part in command))
    assert (code, out) == (2, "") and err == f"error: {folder}: not a regular file but a folder (expected {accepts})\n"

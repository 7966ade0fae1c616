"""Two runs saving a model at once (``matcher calibrate`` twice, ``train-ranker`` beside ``calibrate``) shared one
temporary file name: one run renamed the other's half-written file into place, a reader met unreadable JSON, and
the other run's rename failed with a traceback (found by the helper's adversarial test of the commands). Each write
now has a temporary file of its own (``matcher.paths.replace_atomically``)."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from matcher.paths import replace_atomically
from matcher.ranking.calibration import fit_calibration, save_calibration

SAVES = 500  # at 150 the old shared name was not always caught; at 500 it failed each of 2 runs


def _calibration_saves(models_dir: str) -> None:
    scores = [0.1 + 0.01 * i for i in range(40)]
    relevant = [i % 3 == 0 for i in range(40)]
    calibration = fit_calibration(scores, relevant, relevant, {"split": "tune"}, method="isotonic")
    for _ in range(SAVES):
        save_calibration(calibration, Path(models_dir))


def test_two_calibrations_saved_at_once_leave_a_whole_file_every_moment(tmp_path: Path) -> None:
    _calibration_saves(str(tmp_path))  # the file exists before the race
    manifest = tmp_path / "calibration" / "manifest.json"
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_calibration_saves, args=(str(tmp_path),)) for _ in range(2)]
    for writer in writers:
        writer.start()
    unreadable = 0
    while any(writer.is_alive() for writer in writers):
        try:
            json.loads(manifest.read_text())
        except ValueError:
            unreadable += 1
    for writer in writers:
        writer.join()
    assert [writer.exitcode for writer in writers] == [0, 0]  # a rename of a file the other had moved: exit 1
    assert unreadable == 0
    assert sorted(p.name for p in manifest.parent.iterdir()) == ["manifest.json"]


def test_a_write_overtaken_by_another_installs_each_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    seen: list[str] = []

    def slow(partial: Path) -> None:
        partial.write_text('{"run": "fir')
        replace_atomically(path, lambda other: other.write_text('{"run": "second"}'))  # finishes meanwhile
        seen.append(path.read_text())
        partial.write_text('{"run": "first"}')

    replace_atomically(path, slow)
    assert seen == ['{"run": "second"}'] and path.read_text() == '{"run": "first"}'
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_a_write_that_fails_keeps_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text("kept")

    def failing(partial: Path) -> None:
        partial.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_atomically(path, failing)
    assert path.read_text() == "kept" and [p.name for p in tmp_path.iterdir()] == ["model.json"]

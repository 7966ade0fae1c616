"""A judged file is checked before it is read: a regular file of at most ``MAX_JUDGED_BYTES`` (a file of
gigabytes was read whole into memory; a named pipe waited for ever, /dev/zero never ended)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.errors import InvalidInput
from matcher.evaluate.judged import MAX_JUDGED_BYTES, load_judged

runner = CliRunner()
SHIPPED = Path(__file__).resolve().parents[2] / "evaluation"


def test_the_limit_leaves_room_above_every_shipped_judged_file() -> None:
    largest = max(p.stat().st_size for p in SHIPPED.glob("judged*.json"))
    assert largest * 100 < MAX_JUDGED_BYTES  # 246 KB shipped; the limit is 128 MiB, 500 times more


def test_a_judged_file_above_the_limit_is_refused_unread_naming_its_size_and_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "judged.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_JUDGED_BYTES + 1)  # sparse: no disk, and read whole it would be 128 MiB of zeros
    with pytest.raises(InvalidInput) as caught:
        load_judged(path)
    assert str(caught.value) == (f"judged file {path} is {MAX_JUDGED_BYTES + 1:,} bytes, more than the "
                                 f"{MAX_JUDGED_BYTES:,} a judged file may hold")


def test_a_judged_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "judged.json"
    path.write_bytes(b" " * 10)  # blank: read, then refused for what it holds, not for its size
    with pytest.raises(InvalidInput, match="no records"):
        load_judged(path)


NOT_REGULAR = [
    pytest.param(os.mkfifo, "named pipe", id="fifo"),  # read whole, it waited for a writer for ever
    pytest.param(Path.mkdir, "folder", id="folder"),
    pytest.param(lambda p: p.symlink_to("/dev/zero"), "device", id="dev-zero"),  # read whole, it never ended
]


@pytest.mark.parametrize(("make", "kind"), NOT_REGULAR)
def test_a_judged_path_that_is_not_a_regular_file_is_refused_unopened(
        tmp_path: Path, make: Callable[[Path], object], kind: str) -> None:
    path = tmp_path / "judged.json"
    make(path)
    with pytest.raises(InvalidInput) as caught:  # every reader of a judged file (scripts too), not the CLI alone
        load_judged(path)
    assert str(caught.value) == f"{path}: not a regular file but a {kind} (expected a judged relevance JSON file)"


@pytest.mark.parametrize("command", [["evaluate", "--encoder", "fake"], ["calibrate"]])
def test_the_commands_refuse_such_a_judged_file_in_one_line(tmp_path: Path, command: list[str]) -> None:
    big, pipe = tmp_path / "big.json", tmp_path / "pipe.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_JUDGED_BYTES + 1)
    os.mkfifo(pipe)
    for path, says in ((big, f"is {MAX_JUDGED_BYTES + 1:,} bytes, more than"), (pipe, "not a regular file")):
        result = runner.invoke(app, [*command, "--judged", str(path)])
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1 and says in result.output

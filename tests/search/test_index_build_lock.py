"""One index build at a time per index, and a build folder left by a build that died is cleaned up.

Two ``matcher index build`` at once both embedded every notice; the last to finish won and the other's build
was pruned or left behind as a hidden ``.tmp-*`` folder, kept for six hours in case it was alive."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.config import Settings
from matcher.errors import Conflict
from matcher.search.index_folder import IndexFolder
from tests.conftest import FIXTURES

runner = CliRunner()


def test_a_second_build_while_one_runs_is_refused_in_one_line_and_builds_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    assert runner.invoke(app, ["ingest", "tenders", str(FIXTURES / "ted")]).exit_code == 0
    folder = IndexFolder(Settings(home=tmp_path / "home").indexes_dir / "tenders")
    with folder.building():  # the first build, still embedding
        result = runner.invoke(app, ["index", "build"])
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines() == [
            f"error: another index build is running on {folder.root} (it holds {folder.root / '.build.lock'}); "
            "wait for it to finish"]
        assert folder.current() is None and not list(folder.root.glob(".tmp-*"))
    assert runner.invoke(app, ["index", "build"]).exit_code == 0  # once it is done, the next one runs
    assert folder.current() is not None


def test_building_is_held_by_one_holder_at_a_time(tmp_path: Path) -> None:
    folder = IndexFolder(tmp_path / "tenders")
    with folder.building(), pytest.raises(Conflict, match="another index build is running"), \
            IndexFolder(tmp_path / "tenders").building():
        pass
    with folder.building():  # released on the way out
        pass


def test_the_folder_of_a_build_that_died_is_removed_by_the_next_build(tmp_path: Path) -> None:
    folder = IndexFolder(tmp_path / "tenders")
    dead = folder.root / ".tmp-20261208T010000000000-abcdef"
    (dead / "part").mkdir(parents=True)
    (dead / "part" / "index.faiss").write_bytes(b"half written")  # a minute old: it was kept for six hours
    with folder.new_build() as staging:
        assert not dead.exists()  # a build writing holds the publishing lock: any other staging folder is dead
        (staging / "hashes.json").write_text("{}")
    assert sorted(p.name for p in folder.root.iterdir() if p.name.startswith(".tmp-")) == []
    current = folder.current()
    assert current is not None and (current / "hashes.json").exists()

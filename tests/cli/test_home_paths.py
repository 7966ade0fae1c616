"""A data folder (MATCHER_HOME or --home) that leads nowhere says why in one line: a loop of symbolic links and a
link to nothing both read "not a folder", which sent an operator looking for a file that is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import run


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_ENCODER", "fake")


def test_a_loop_of_links_is_named(tmp_path: Path) -> None:
    loop = tmp_path / "home"
    loop.symlink_to(loop)
    code, out, err = run("recommend", "acme", "--home", str(loop))
    assert (code, out) == (2, "")
    assert err == (f"error: bad setting MATCHER_HOME (or --home): cannot use '{loop}' as the data folder: a loop "
                   "of symbolic links (it never reaches a file or a folder)\n")


def test_a_link_to_nothing_is_named(tmp_path: Path) -> None:
    dangling = tmp_path / "home"
    dangling.symlink_to(tmp_path / "gone")
    code, _, err = run("recommend", "acme", "--home", str(dangling))
    assert code == 2
    assert err == (f"error: bad setting MATCHER_HOME (or --home): cannot use '{dangling}' as the data folder: a "
                   f"symbolic link to {tmp_path / 'gone'}, which does not exist\n")
    assert not (tmp_path / "gone").exists()  # nothing made at the link's far end


def test_a_file_is_still_not_a_folder(tmp_path: Path) -> None:
    file = tmp_path / "home"
    file.write_text("x")
    code, _, err = run("recommend", "acme", "--home", str(file))
    assert code == 2 and err.endswith(f"cannot use '{file}' as the data folder: not a folder\n")

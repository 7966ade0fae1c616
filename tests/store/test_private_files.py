"""What MATCHER_HOME holds stays private (issue 15, item 9): the database (API key hashes, subscriber emails,
digest bodies, sessions) was created 0644 in a 0755 home. A home the matcher creates is 0700 and its database
files (with SQLite's -wal and -shm beside them) 0600, whatever the umask; the home's database from an older
version is tightened; a folder or database file the operator made and pointed at keeps its mode."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile
from matcher.search.encoders import FakeEncoder
from matcher.services.access import AccessControl


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000], ids=lambda u: f"umask-{u:03o}")
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The most common umask, and permissive ones: the modes must not depend on it."""
    old = os.umask(request.param)
    yield int(request.param)
    os.umask(old)


def use(settings: Settings) -> None:
    """Open the store and write secrets into it (a key, a firm), as a first run would."""
    matcher = Matcher(settings, encoder=FakeEncoder())
    try:
        AccessControl(matcher.engine.db).create_key("officer", "officer-1")
        matcher.upsert_firms([FirmProfile(firm_id="f1", name="F1", description="pumps")])
    finally:
        matcher.close()


def database_files(home: Path) -> list[Path]:
    return sorted(home.glob("matcher.db*"))


def test_a_new_home_and_its_database_are_private(tmp_path: Path, umask: int) -> None:
    home = tmp_path / "new" / "home"
    settings = Settings(home=home, encoder="fake")
    matcher = Matcher(settings, encoder=FakeEncoder())
    try:
        AccessControl(matcher.engine.db).create_key("officer", "officer-1")
        files = database_files(home)
        # WAL mode: while the store is open, SQLite keeps -wal and -shm beside the database
        assert [f.name for f in files] == ["matcher.db", "matcher.db-shm", "matcher.db-wal"]
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        matcher.close()
    assert mode(home) == 0o700
    assert mode(home / "matcher.db") == 0o600


def test_a_home_the_operator_made_keeps_its_mode(tmp_path: Path, umask: int) -> None:
    home = tmp_path / "shared-home"
    home.mkdir()
    home.chmod(0o750)  # e.g. readable by a group that reads the indexes
    use(Settings(home=home, encoder="fake"))
    assert mode(home) == 0o750
    assert mode(home / "matcher.db") == 0o600  # the database itself is private all the same


def test_the_homes_database_from_an_older_version_is_tightened(tmp_path: Path, umask: int) -> None:
    home = tmp_path / "home"
    use(Settings(home=home, encoder="fake"))
    (home / "matcher.db-wal").touch()  # as a killed process leaves it (empty: nothing to replay)
    for file in [home, *database_files(home)]:
        file.chmod(0o755 if file.is_dir() else 0o644)  # as versions before issue 15 left them
    assert Settings(home=home).ensure_home() == home
    assert {f.name: mode(f) for f in database_files(home)} == {"matcher.db": 0o600, "matcher.db-wal": 0o600}
    assert mode(home) == 0o755  # an existing home is the operator's to change
    use(Settings(home=home, encoder="fake"))  # and the store opens as before
    assert mode(home / "matcher.db") == 0o600


def test_a_database_elsewhere_is_created_private_and_an_existing_one_left_alone(tmp_path: Path, umask: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    folder_mode = mode(shared)
    created = shared / "created.db"
    use(Settings(home=tmp_path / "home", encoder="fake", database_url=f"sqlite:///{created}"))
    assert mode(created) == 0o600 and mode(shared) == folder_mode

    existing = shared / "existing.db"
    use(Settings(home=tmp_path / "home2", encoder="fake", database_url=f"sqlite:///{existing}"))
    existing.chmod(0o640)  # the operator lets a backup group read it
    use(Settings(home=tmp_path / "home2", encoder="fake", database_url=f"sqlite:///{existing}"))
    assert mode(existing) == 0o640

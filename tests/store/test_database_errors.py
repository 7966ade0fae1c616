"""A database the store cannot use, and a database URL it cannot read, are one line naming them (the password
hidden), not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.errors import InvalidInput, MatcherError
from matcher.store.db import Database


@pytest.mark.parametrize("content", [b"\x8f" * 5_000, b"SQLite format 3\x00" + b"\x00" * 84 + b"\xff" * 4_000],
                         ids=["not a database", "damaged header"])
def test_a_file_that_is_no_database_is_one_line_naming_it(tmp_path: Path, content: bytes) -> None:
    """'file is not a database' is SQLite's DatabaseError, not an OperationalError: it escaped create_all as a
    traceback from the API's start and every command but those the CLI guards."""
    path = tmp_path / "matcher.db"
    path.write_bytes(content)
    with pytest.raises(MatcherError) as caught:
        Database(f"sqlite:///{path}").create_all()
    message = str(caught.value)
    assert message.startswith(f"the database {path} cannot be used: ") and "\n" not in message, message
    assert path.read_bytes() == content


@pytest.mark.parametrize(("url", "shown"), [
    ("sqlite://user:secret@/x", "sqlite://user:***@/x"),
    ("postgresql+nodriver://kim:secret@db.example/matcher", "postgresql+nodriver://kim:***@db.example/matcher"),
])
def test_a_bad_database_url_is_named_without_its_password(url: str, shown: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Database(url)
    message = str(caught.value)
    assert message.startswith(f"bad database URL {shown!r}: ") and "secret" not in message and "\n" not in message



def test_a_home_database_that_is_a_loop_of_links_is_one_line_naming_it(tmp_path: Path) -> None:
    """Settings.db_url resolved the path, which raised a RuntimeError (a traceback from the API's start)."""
    from matcher.config import DATABASE_FILE, Settings

    home = tmp_path / "home"
    home.mkdir()
    database = home / DATABASE_FILE
    database.symlink_to(home / "loop")
    (home / "loop").symlink_to(database)
    url = Settings(home=home).db_url
    assert url == f"sqlite:///{database}"
    with pytest.raises(MatcherError) as caught:
        Database(url).create_all()
    assert str(caught.value).startswith(f"the database {database} cannot be used: "), caught.value

"""Signed unsubscribe tokens and the database lease that keeps two digest runs apart."""

from __future__ import annotations

import stat
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from matcher.config import MIN_SECRET_KEY, Settings
from matcher.digest.tokens import KEY_FILE, make_token, read_token
from matcher.errors import InvalidInput, MatcherError
from matcher.store.db import Database
from matcher.store.locks import Lease


def test_token_round_trip_and_forgery(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, secret_key="k1" * 16)
    token = make_token(settings, "sub123")
    assert read_token(settings, token) == "sub123"
    with pytest.raises(InvalidInput, match="signature"):
        read_token(settings, "sub124." + token.split(".", 1)[1])
    with pytest.raises(InvalidInput, match="signature"):
        read_token(Settings(home=tmp_path, secret_key="k2" * 16), token)
    with pytest.raises(InvalidInput, match="expected"):
        read_token(settings, "garbage")


def test_generated_key_is_persisted_once_with_0600(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    token = make_token(settings, "s")
    key_file = tmp_path / "home" / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    assert read_token(Settings(home=tmp_path / "home"), token) == "s"  # a later process reads the same key
    assert key_file.read_text() == key


#: A hand-written MATCHER_HOME/secret_key, and why it is refused (after the path).
BAD_KEY_FILES = [
    ("k1\n", f" holds 2 characters (expected at least {MIN_SECRET_KEY}: set MATCHER_SECRET_KEY, or delete the file "
              "to have a new key generated; links already sent stop working)"),
    ("  \n", f" is empty (expected at least {MIN_SECRET_KEY} characters: set MATCHER_SECRET_KEY, or delete the file "
             "to have a new key generated; links already sent stop working)"),
    ("clé-" + "x" * 40, " is not ASCII text (expected the key as letters, digits and punctuation)"),
]


@pytest.mark.parametrize(("text", "says"), BAD_KEY_FILES)
def test_a_weak_or_unreadable_key_file_is_refused_naming_it(tmp_path: Path, text: str, says: str) -> None:
    """'k1' hand-written into the key file signed every unsubscribe link with a 2-character key; the setting
    itself must be at least MIN_SECRET_KEY long. A non-ASCII key was a UnicodeDecodeError traceback."""
    key_file = tmp_path / KEY_FILE
    key_file.write_text(text, encoding="utf-8")
    with pytest.raises(MatcherError) as refused:
        make_token(Settings(home=tmp_path), "s")
    assert str(refused.value) == f"secret key file {key_file}{says}"
    assert not isinstance(refused.value, InvalidInput)  # the server's own setup, not the caller's input


def test_a_key_file_that_is_a_folder_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).mkdir()
    with pytest.raises(MatcherError, match=f"^cannot read secret key file {tmp_path / KEY_FILE}: Is a directory$"):
        make_token(Settings(home=tmp_path), "s")


def test_a_key_file_of_the_minimum_length_is_used(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("k" * MIN_SECRET_KEY + "\n")
    token = make_token(Settings(home=tmp_path), "s")
    assert read_token(Settings(home=tmp_path, secret_key="k" * MIN_SECRET_KEY), token) == "s"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """SQLite, and PostgreSQL when MATCHER_TEST_POSTGRES_URL is set (a fresh schema each time)."""
    database = Database(database_url)
    database.create_all()
    yield database
    database.dispose()


def test_lease_excludes_expires_and_releases(db: Database) -> None:
    first = Lease(db, "job", timedelta(seconds=30))
    second = Lease(db, "job", timedelta(seconds=30))
    assert first.acquire()
    assert not second.acquire()
    assert first.renew()
    first.release()
    assert second.acquire()
    second.release()
    short = Lease(db, "job", timedelta(milliseconds=50))
    assert short.acquire()
    time.sleep(0.1)
    taker = Lease(db, "job", timedelta(seconds=30))
    assert taker.acquire()  # a crashed holder's lease expires
    assert not short.renew()  # and the old holder finds out


def test_concurrent_claims_have_one_winner(db: Database) -> None:
    url = db.url
    barrier = threading.Barrier(8)
    won: list[bool] = []

    def claim() -> None:
        database = Database(url)  # own engine: separate connections, as separate processes would have
        lease = Lease(database, "race", timedelta(seconds=30))
        barrier.wait()
        won.append(lease.acquire())
        database.dispose()

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]

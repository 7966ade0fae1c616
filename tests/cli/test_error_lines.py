"""An error is one line on stderr and exit code 2 whatever it quotes and wherever it comes from: a file named with
a line break or a terminal escape (the message quotes the path as given: the name printed on two lines, or drove
the terminal), and a store's database that cannot be used (a truncated file, a file that is not a database, a
lock held past the wait): SQLAlchemy's error was a traceback of some 150 lines and exit code 1."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg.errors
import pytest
from sqlalchemy import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from matcher.config import DATABASE_FILE, Settings
from matcher.paths import LOOP
from matcher.pipeline import Matcher
from tests.cli import test_cli
from tests.cli.test_cli import FIRMS, run
from tests.conftest import postgres_schema_url

home = test_cli.home  # the fixture: MATCHER_HOME in a temporary folder, the fake encoder

FIRM = json.loads(FIRMS.read_text())[0]["firm_id"]
#: A line break and an OSC sequence (ESC ] 0 ; ... BEL sets the window title; click strips only CSI sequences).
HOSTILE = "a\nfirms: 9 new\x1b]0;owned\x07"
SHOWN = "a\\nfirms: 9 new\\x1b]0;owned\\x07"


def one_error_line(code: int, out: str, err: str) -> str:
    assert (code, out) == (2, ""), err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert not any(c in err for c in "\x1b\x07"), err
    return err


def test_a_file_name_with_control_characters_is_escaped_in_the_error_line(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / f"{HOSTILE}.json"
    bad.write_text("[1", encoding="utf-8")
    err = one_error_line(*run("ingest", "firms", str(bad)))
    assert f"{SHOWN}.json: not valid JSON" in err
    err = one_error_line(*run("ingest", "tenders", "--no-index", str(tmp_path / f"missing {HOSTILE}.csv")))
    assert f"no such file or folder: {tmp_path}/missing {SHOWN}.csv" in err


def test_a_command_line_with_control_characters_is_escaped_in_the_error_line(home: Path) -> None:
    err = one_error_line(*run(f"no-such-{HOSTILE}"))
    assert f"No such command 'no-such-{SHOWN}'" in err


def stored_firms(home: Path) -> Path:
    """A store holding the fixture's firms, its engine closed (so SQLite's WAL is folded into the file): the
    database file."""
    matcher = Matcher(Settings(home=home, encoder="fake"))
    matcher.ingest_firms([FIRMS])
    matcher.close()
    database = home / DATABASE_FILE
    assert not database.with_name(f"{DATABASE_FILE}-wal").exists()
    return database


def locked(*args: object, **kwargs: object) -> None:
    raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize("damage", ["truncated", "not a database"])
def test_a_database_that_cannot_be_read_is_one_line_naming_it_and_is_left_as_it_was(
        home: Path, damage: str) -> None:
    database = stored_firms(home)
    if damage == "truncated":  # the first pages only: the schema names tables whose pages are gone
        with database.open("r+b") as file:
            file.truncate(3 * 4096)
    else:
        database.write_bytes(b"these bytes are no SQLite database\n" * 400)
    before = database.read_bytes()
    expected = "database disk image is malformed" if damage == "truncated" else "file is not a database"
    for command in (("keys", "list"), ("recommend", "some-firm"), ("store", "check"), ("ingest", "firms", str(FIRMS))):
        err = one_error_line(*run(*command))
        assert err == f"error: the database {database} cannot be used: {expected}\n", (command, err)
    assert database.read_bytes() == before


def test_a_lock_held_past_the_wait_is_one_line(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite waits for a writer's lock (busy_timeout, 30 s), then fails with 'database is locked': too long to
    wait in a test, so the read fails here as SQLAlchemy reports it then."""
    database = stored_firms(home)
    monkeypatch.setattr(Matcher, "suggest_keywords", locked)
    err = one_error_line(*run("firms", "suggest-keywords", "some-firm"))
    assert err == f"error: the database {database} cannot be used: database is locked\n"


@pytest.mark.postgres
def test_a_database_url_is_named_without_its_password(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with postgres_schema_url() as url:
        monkeypatch.setenv("MATCHER_DATABASE_URL", url)
        monkeypatch.setattr(Matcher, "suggest_keywords", locked)
        err = one_error_line(*run("firms", "suggest-keywords", "some-firm"))
    password = make_url(url).password
    assert password and f":{password}@" not in err and ":***@" in err
    assert err == f"error: the database {make_url(url).render_as_string()} cannot be used: database is locked\n"


def test_a_broken_constraint_is_still_a_bug_not_bad_input(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A constraint the app itself broke is its own fault, not passed off as bad input."""
    stored_firms(home)

    def clash(*args: object, **kwargs: object) -> None:
        raise IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE constraint failed: firms.firm_id"))

    monkeypatch.setattr(Matcher, "suggest_keywords", clash)
    code, _, _ = run("firms", "suggest-keywords", "some-firm")
    assert code == 1


def test_a_database_file_that_is_a_loop_of_links_is_named(home: Path) -> None:
    """Settings.db_url resolves the file: a loop of links was a RuntimeError traceback."""
    home.mkdir(parents=True)
    (home / "a").symlink_to(home / "b")
    (home / "b").symlink_to(home / "a")
    (home / DATABASE_FILE).symlink_to(home / "a")
    err = one_error_line(*run("keys", "list"))
    assert err == f"error: the database {home / DATABASE_FILE} cannot be used: {LOOP}\n"


@pytest.mark.parametrize("args", [
    ("recommend", "kr-\udcffwater"),
    ("firms-for", "ted:\udcff"),
    ("firms", "accept-codes", "kr-\udcffwater", "CPV:38421100"),
    ("subscribe", FIRM, "--email", "a\udcff@example.com"),
])
def test_a_value_that_is_not_utf8_is_one_line_naming_it(home: Path, args: tuple[str, ...]) -> None:
    """Bytes that are not UTF-8 on the command line reach Python as lone surrogates (\\udcff for byte 0xff), which
    no database can store: binding one was a UnicodeEncodeError traceback."""
    stored_firms(home)
    value = next(a for a in args if "\udcff" in a)
    err = one_error_line(*run(*args))
    assert err == (f"error: {value!r} is not UTF-8 text (byte 0xff); give command-line values and MATCHER_ settings "
                   "in UTF-8\n")


#: What a command another writer raced says (``matcher.cli.root.RACED``).
RACED = ("error: another writer changed the same records at the same moment; nothing of this command was stored: "
         "run it again\n")


@pytest.mark.parametrize("error", [
    IntegrityError("INSERT INTO awards ...", {}, psycopg.errors.UniqueViolation("duplicate key: awards_pkey")),
    OperationalError("INSERT INTO firms ...", {}, psycopg.errors.DeadlockDetected("deadlock detected")),
    OperationalError("UPDATE tenders ...", {}, psycopg.errors.SerializationFailure("could not serialize access")),
], ids=["key", "deadlock", "serialization"])
def test_a_command_another_writer_raced_is_one_line_and_exit_1(
        home: Path, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """Two writers at once on PostgreSQL: the later one's key broken (awards_pkey), or a deadlock PostgreSQL ended
    by failing one, was an 87-line traceback (or 'the database cannot be used', which it can). It is no fault of
    the operator's input (not exit 2), and running the command again is what to do."""
    stored_firms(home)

    def raced(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(Matcher, "suggest_keywords", raced)
    code, out, err = run("firms", "suggest-keywords", "some-firm")
    assert (code, out, err) == (1, "", RACED)

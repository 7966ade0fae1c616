"""Every date option of every command follows the product's one date rule (``matcher.dates``): ISO 8601, a year
from 1900 to 2200 in UTC; a bad one is one line on stderr and exit code 2, before any work is done.

The test walks the whole command tree, so a date option added later is checked too (it must declare itself with
one of ``matcher.cli.common.DATE_METAVARS``; an option whose help speaks of a date or day without one fails here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from matcher.cli import app
from matcher.cli.common import DATE_METAVARS
from matcher.dates import DATE_RANGE

runner = CliRunner()

#: Options whose help mentions a date or a day but that take none: a quantile, a time of day, a count.
NOT_DATES = {"--cutoff-quantile", "--digest-at"}
_SPEAKS_OF_DATES = re.compile(r"\b(?:dates?|days?|date-times?|YYYY|as-of|since|until|before|after)\b", re.IGNORECASE)


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path, command


def _date_options() -> list[tuple[tuple[str, ...], str, Any]]:
    found = []
    for path, command in _commands(typer.main.get_command(app)):
        for param in command.params:
            if param.param_type_name == "option" and param.metavar in DATE_METAVARS:
                found.append((path, param.opts[0], command))
    return found


DATE_OPTIONS = _date_options()
EACH_DATE_OPTION = pytest.mark.parametrize(("path", "option", "command"), DATE_OPTIONS,
                                           ids=[f"{' '.join(p)} {o}" for p, o, _ in DATE_OPTIONS])


def test_the_walk_finds_every_date_option() -> None:
    """The walk sees the six date options there are today, and no option that reads a date hides from it."""
    assert sorted((" ".join(path), option) for path, option, _ in DATE_OPTIONS) == [
        ("digest run", "--as-of"), ("evaluate", "--cutoff"), ("feeds run", "--since"),
        ("firms-for", "--as-of"), ("recommend", "--as-of"), ("train-ranker", "--cutoff"),
    ]
    for path, command in _commands(typer.main.get_command(app)):
        for param in command.params:
            words = f"{param.opts[0]} {getattr(param, 'help', '') or ''}"
            if param.param_type_name == "option" and param.opts[0] not in NOT_DATES and _SPEAKS_OF_DATES.search(words):
                assert param.metavar in DATE_METAVARS, f"{' '.join(path)} {param.opts[0]} reads a date"


def _invocation(path: tuple[str, ...], command: Any, tmp_path: Path) -> list[str]:
    """The command with each required argument and option given an empty file that exists (what an option
    that must name a file needs; a firm or tender of that name is simply unknown)."""
    existing = tmp_path / "exists.jsonl"
    existing.write_text("")
    args = list(path)
    for param in command.params:
        if param.required:
            args += [str(existing)] if param.param_type_name == "argument" else [param.opts[0], str(existing)]
    return args


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    return tmp_path / "home"


@EACH_DATE_OPTION
@pytest.mark.parametrize(("value", "expected"), [
    ("next tuesday", "ISO 8601"),
    ("", "ISO 8601"),  # an unset shell variable ("--as-of $WHEN"): was taken as no option at all
    ("2021-13-01", "ISO 8601"),
    ("0001-01-01", DATE_RANGE),
    ("1899-12-31", DATE_RANGE),
    ("2201-01-01", DATE_RANGE),
    ("9999-12-31T23:59:59", DATE_RANGE),
    ("1900-01-01T02:00:00+05:00", DATE_RANGE),  # 31 December 1899 in UTC
    ("2200-12-31T23:00:00-05:00", DATE_RANGE),  # 1 January 2201 in UTC
])
def test_a_bad_date_is_one_line_and_exit_2(
    home: Path, tmp_path: Path, path: tuple[str, ...], option: str, command: Any, value: str, expected: str
) -> None:
    result = runner.invoke(app, [*_invocation(path, command, tmp_path), option, value])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: bad {option} {value!r} (expected ")
    assert expected in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert not home.exists() or not any(home.iterdir())  # refused before the store was opened


@EACH_DATE_OPTION
@pytest.mark.parametrize("value", ["1900-01-01", "2200-12-31", "2021-04-28T08:00+09:00"])
def test_a_date_within_the_range_is_not_refused_as_a_date(
    home: Path, tmp_path: Path, path: tuple[str, ...], option: str, command: Any, value: str
) -> None:
    """The edges pass the date rule (the command may still fail later, on its placeholder arguments)."""
    result = runner.invoke(app, [*_invocation(path, command, tmp_path), option, value])
    assert f"bad {option}" not in result.stderr

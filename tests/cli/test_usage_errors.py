"""A command line the parser cannot read is one line naming the problem and where to look, exit code 2: typer
drew a framed box of several lines ("╭─ Error ─...") with its message wrapped inside."""

from __future__ import annotations

import pytest

from tests.cli.test_cli import run


@pytest.mark.parametrize(("args", "expected"), [
    (("recommend", "acme", "--lang", "xx"),
     "error: Invalid value for '--lang': 'xx' is not one of 'en', 'ko'. (see matcher recommend --help)"),
    (("recommend",), "error: Missing argument 'firm_id'. (see matcher recommend --help)"),
    (("recommend", "acme", "--k", "0"),
     "error: Invalid value for '--k': Input should be greater than or equal to 1 (see matcher recommend --help)"),
    (("firms", "suggest-codes"), "error: Missing argument 'firm_id'. (see matcher firms suggest-codes --help)"),
    (("no-such-command",), "error: No such command 'no-such-command'. (see matcher --help)"),
    (("--no-such-option",), "error: No such option: --no-such-option (see matcher --help)"),
])
def test_a_usage_error_is_one_line(args: tuple[str, ...], expected: str) -> None:
    code, out, err = run(*args)
    assert (code, out, err) == (2, "", expected + "\n")


def test_an_unknown_option_of_a_command_is_named() -> None:
    code, _, err = run("recommend", "acme", "--nope")
    assert code == 2 and err.startswith("error: No such option: --nope") and err.count("\n") == 1

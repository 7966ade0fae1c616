"""``recommend``'s value range: a currency the matcher cannot convert ('XYZ') once let every value through, and
a minimum above the maximum was taken silently (found by an outside trial). Both are one line and exit 2."""

from __future__ import annotations

import pytest

from tests.cli.test_cli import home, run  # noqa: F401  (the fixture)


@pytest.mark.parametrize(("args", "message"), [
    (["--currency", "XYZ"], "error: --currency: unknown currency 'XYZ' for a value range (expected one of the "),
    (["--currency", "xau", "--max-value", "5"], "error: --currency: unknown currency 'xau' for a value range"),
    (["--min-value", "100", "--max-value", "10"], "error: --min-value 100 is greater than --max-value 10\n"),
])
def test_a_bad_value_range_is_one_line_and_exit_2(home: object, args: list[str], message: str) -> None:  # noqa: F811
    code, out, err = run("recommend", "any-firm", *args)
    assert code == 2, (out, err)
    assert err.startswith(message) and err.count("\n") == 1


def test_a_currency_is_read_in_any_case(home: object) -> None:  # noqa: F811
    code, _, err = run("recommend", "any-firm", "--currency", "krw", "--max-value", "5")
    assert code == 2 and err == "error: unknown firm 'any-firm'\n"  # past the range: the firm is what is missing

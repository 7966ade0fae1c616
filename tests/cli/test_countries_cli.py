"""``--country`` takes ISO 3166-1 alpha-2 codes, as profiles and the API do (issue 15): an unknown code is one
line and exit 2; a valid code no notice carries (AQ, Antarctica) is simply an empty answer."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import FIRMS, TED, home, run  # noqa: F401  (the fixture)


@pytest.mark.parametrize("args", [
    ["recommend", "any-firm", "--country", "KR", "--country", "ZZ"],
    ["subscribe", "any-firm", "--email", "a@example.org", "--country", "ZZ"],
])
def test_an_unknown_country_is_one_line_and_exit_2(home: object, args: list[str]) -> None:  # noqa: F811
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert err == "error: --country: unknown country 'ZZ' (expected ISO 3166 alpha-2, e.g. 'KR')\n"


def test_antarctica_is_valid_and_matches_nothing(home: object) -> None:  # noqa: F811
    assert run("ingest", "tenders", str(TED))[0] == 0
    assert run("ingest", "firms", str(FIRMS))[0] == 0
    assert run("index", "build")[0] == 0
    firm_id = json.loads(FIRMS.read_text())[0]["firm_id"]
    code, out, err = run("recommend", firm_id, "--include-closed", "--country", "aq", "--json")
    assert code == 0, err
    assert json.loads(out) == []
    code, out, _ = run("recommend", firm_id, "--include-closed", "--json")
    assert code == 0 and json.loads(out)  # the same firm has matches elsewhere

"""``matcher recommend --min-fit-band``: the first k matches at a fit band or better, as the API's
``min_fit_band`` and the workspace's fit filter keep them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The bundled demo, at its date; the water-treatment firm's list holds a possible fit and weak ones."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_CLOCK", "2021-04-28T12:00:00Z")
    assert run("demo")[0] == 0
    return "kr-hanbit-water"


@pytest.mark.slow
def test_min_fit_band_keeps_that_band_and_better_ones(demo: str) -> None:
    code, out, _ = run("recommend", demo, "--json", "--k", "50")
    assert code == 0
    every = json.loads(out)
    bands = [m["fit_band"] for m in every]
    assert "weak" in bands and set(bands) - {"weak"}, bands
    code, out, _ = run("recommend", demo, "--json", "--k", "50", "--min-fit-band", "possible")
    assert code == 0 and json.loads(out) == [m for m in every if m["fit_band"] != "weak"]
    code, out, _ = run("recommend", demo, "--json", "--k", "1", "--min-fit-band", "weak")
    assert code == 0 and json.loads(out) == every[:1]


def test_an_unknown_band_is_one_line_naming_the_choices(demo: str) -> None:
    code, out, err = run("recommend", demo, "--min-fit-band", "medium")
    assert (code, out) == (2, "")
    assert err == ("error: Invalid value for '--min-fit-band': 'medium' is not one of 'strong', 'good', 'possible', "
                   "'weak'. (see matcher recommend --help)\n")


def test_firms_for_keeps_that_band_and_better_ones(demo: str) -> None:
    """The ultrafiltration notice is a possible fit for the water-treatment firm, a weak one for the others."""
    code, out, _ = run("firms-for", "ted:023838-2021", "--json", "--k", "20")
    assert code == 0
    every = json.loads(out)
    assert {m["fit_band"] for m in every} >= {"possible", "weak"}
    code, out, _ = run("firms-for", "ted:023838-2021", "--json", "--k", "20", "--min-fit-band", "possible")
    assert code == 0 and json.loads(out) == [m for m in every if m["fit_band"] != "weak"]

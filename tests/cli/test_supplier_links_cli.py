"""``matcher link-supplier`` and ``matcher unlink-supplier``: what they print, and one line and exit code 2 for
every refusal, nothing stored. Found by the helper's review: a name no stored award names was linked, and the
count printed was the firm's other wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import Award
from tests.cli import test_cli
from tests.cli.test_cli import FIRMS, run
from tests.cli.test_error_lines import one_error_line
from tests.services.test_supplier_links import award

home = test_cli.home  # the fixture: MATCHER_HOME in a temporary folder, the fake encoder

FIRM = json.loads(FIRMS.read_text())[0]["firm_id"]


def write(path: Path, *rows: Award) -> Path:
    path.write_text("\n".join(r.model_dump_json() for r in rows))
    return path


@pytest.fixture
def stored(home: Path, tmp_path: Path) -> Path:
    """The fixture's firm and two suppliers' awards: Bluefors (2 wins), Oxford Instruments (1)."""
    assert run("ingest", "firms", str(FIRMS))[0] == 0
    file = write(tmp_path / "a.jsonl", award("a1", "Bluefors Oy"), award("a2", "BLUEFORS OY"),
                 award("a3", "Oxford Instruments plc"))
    assert run("ingest", "awards", str(file))[0] == 0
    return home


def links(home: Path) -> list[str]:
    matcher = Matcher(Settings(home=home, encoder="fake"))
    with matcher.engine.db.connect() as conn:
        found = matcher.awards.repo.links(conn, FIRM)
    matcher.close()
    return sorted(found)


def test_link_prints_the_suppliers_wins_and_the_firms(stored: Path) -> None:
    assert run("link-supplier", FIRM, "Oxford Instruments") == (
        0, f"{FIRM} -> sup:oxford-instruments 'Oxford Instruments plc' (1 past win; the firm's: 1)\n", "")
    code, out, _ = run("link-supplier", FIRM, "bluefors ltd.")
    assert (code, out) == (0, f"{FIRM} -> sup:bluefors 'BLUEFORS OY' (2 past wins; the firm's: 3)\n")
    code, out, _ = run("link-supplier", FIRM, "BLUEFORS")
    assert (code, out) == (0, f"{FIRM} already linked to sup:bluefors 'BLUEFORS OY' (2 past wins; the firm's: 3)\n")
    assert links(stored) == ["sup:bluefors", "sup:oxford-instruments"]


@pytest.mark.parametrize(("name", "expected"), [
    ("Some Name", "no stored award names a supplier like 'Some Name' (2 suppliers stored"),
    ("", "'' is not a supplier name"),
    ("  \t ", "'  \\t ' is not a supplier name"),
    ("Acme\x1b]0;owned\x07", "no stored award names a supplier like 'Acme\\x1b]0;owned\\x07'"),
    ("z" * 10_000, f"no stored award names a supplier like {'z' * 80!r}... (10,000 characters)"),
])
def test_a_name_no_stored_award_names_is_one_line_and_links_nothing(stored: Path, name: str, expected: str) -> None:
    err = one_error_line(*run("link-supplier", FIRM, name))
    assert expected in err and len(err) < 400
    assert links(stored) == []


def test_an_unknown_firm_of_10000_characters_is_quoted_in_part(stored: Path) -> None:
    for command in ("link-supplier", "unlink-supplier"):
        err = one_error_line(*run(command, "f" * 10_000, "Bluefors Oy"))
        assert err == f"error: unknown firm {'f' * 80!r}... (10,000 characters)\n"


def test_unlink_removes_the_link_and_refuses_one_that_does_not_exist(stored: Path) -> None:
    assert run("link-supplier", FIRM, "Bluefors Oy")[0] == 0
    assert run("link-supplier", FIRM, "Oxford Instruments")[0] == 0
    assert run("unlink-supplier", FIRM, "bluefors") == (
        0, f"{FIRM} -/-> sup:bluefors (the firm's past wins: 1)\n", "")
    assert links(stored) == ["sup:oxford-instruments"]
    err = one_error_line(*run("unlink-supplier", FIRM, "Bluefors Oy"))
    assert err == (f"error: firm {FIRM!r} is not linked to a supplier like 'Bluefors Oy' "
                   "(its links: sup:oxford-instruments)\n")
    assert links(stored) == ["sup:oxford-instruments"]


def test_ingesting_awards_whose_suppliers_are_all_blank_rejects_each_and_keeps_the_links(stored: Path,
                                                                                         tmp_path: Path) -> None:
    assert run("link-supplier", FIRM, "Bluefors Oy")[0] == 0
    file = tmp_path / "blank.jsonl"
    file.write_text("\n".join(
        award(f"b{i}", "Bluefors Oy").model_dump_json().replace('"Bluefors Oy"', '"  "') for i in range(3)))
    code, out, err = run("ingest", "awards", str(file))
    assert (code, out) == (0, "awards: 0 new, 0 updated, 0 unchanged, 3 rejected\n"
                              "0 firms newly linked to their award history\n")
    assert err.count("supplier: String should have at least 1 character") == 3
    assert links(stored) == ["sup:bluefors"]
    assert run("unlink-supplier", FIRM, "sup:bluefors")[1] == f"{FIRM} -/-> sup:bluefors (the firm's past wins: 0)\n"

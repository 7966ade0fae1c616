"""The command line over a real store: ingest, index, recommend, firms-for, and the error rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.config import Settings
from matcher.pipeline import Matcher
from tests.conftest import FIXTURES

runner = CliRunner()
TED = FIXTURES / "ted"
FIRMS = FIXTURES / "firms" / "firms.json"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_CLOCK", "2021-01-01T00:00:00Z")
    return tmp_path / "home"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def snapshot(home: Path) -> tuple[list[tuple[str, str]], str | None]:
    """Everything stored: (tender id, content hash) rows and the serving index build."""
    matcher = Matcher(Settings(home=home, encoder="fake"))
    with matcher.engine.db.connect() as conn:
        rows = sorted(matcher.catalog.tenders.hashes(conn).items())
    current = matcher.index.folder.current()
    matcher.close()
    return rows, current.name if current else None


def test_ingest_index_recommend_round_trip(home: Path) -> None:
    code, out, _ = run("ingest", "tenders", str(TED))
    assert code == 0 and "6 new, 0 updated, 0 unchanged, 0 rejected" in out
    code, out, _ = run("ingest", "tenders", str(TED))
    assert "0 new, 0 updated, 6 unchanged" in out
    assert run("ingest", "firms", str(FIRMS))[0] == 0
    code, out, _ = run("index", "build")
    assert code == 0 and "6 vectors, flat index, encoder fake@1" in out
    # the fixture's one valid firm (the other has a field no profile holds), scored in full by firms-for
    assert "suggested codes not kept: 1 firm(s), firms-for scores up to 200 in full" in out
    firm_id = json.loads(FIRMS.read_text())[0]["firm_id"]
    code, out, _ = run("recommend", firm_id, "--include-closed", "--json", "--k", "3")
    assert code == 0
    results = json.loads(out)
    assert 1 <= len(results) <= 3
    for item in results:
        assert {"tender_id", "score", "title", "buyer", "country", "deadline", "codes", "reasons"} <= set(item)
        assert 0 <= item["score"] <= 1 and item["reasons"]["summary"]
    code, out, _ = run("firms-for", results[0]["tender_id"], "--json")
    assert code == 0 and json.loads(out)[0]["firm_id"]


def test_unreadable_file_fails_in_one_line_and_changes_nothing(home: Path, tmp_path: Path) -> None:
    assert run("ingest", "tenders", str(TED))[0] == 0
    assert run("index", "build")[0] == 0
    before = snapshot(home)
    broken = tmp_path / "broken.xml"
    broken.write_text("<TED_EXPORT><unclosed></TED_EXPORT")
    mixed = tmp_path / "mixed"
    shutil.copytree(TED, mixed)
    (mixed / "notice.json").write_text('{"releases": [')  # a second, unreadable file in the same run
    for bad in (broken, tmp_path / "missing.xml"):
        code, _, err = run("ingest", "tenders", str(TED / "award_it_331730-2021.xml"), str(bad))
        assert code == 2
        assert err.count("\n") == 1 and err.startswith("error: ") and bad.name in err
    not_utf8 = tmp_path / "latin1.csv"
    not_utf8.write_bytes("tender_id,title\nx,Caf\xe9\n".encode("latin-1"))
    code, _, err = run("ingest", "tenders", str(not_utf8))
    assert code == 2 and "not UTF-8" in err
    assert snapshot(home) == before


def test_malformed_record_is_rejected_and_the_rest_loads(home: Path, tmp_path: Path) -> None:
    table = tmp_path / "tenders.jsonl"
    table.write_text(
        '{"tender_id": "ungm:1", "source": "ungm", "title": "Solar pumps", "buyer_country": "KE"}\n'
        '{"tender_id": "ungm:2", "source": "ungm", "title": "Water meters", "buyer_country": "XX"}\n'
    )
    code, out, err = run("ingest", "tenders", str(table))
    assert code == 0 and "1 new, 0 updated, 0 unchanged, 1 rejected" in out
    assert "unknown country 'XX'" in err


def test_firm_with_unknown_field_is_rejected_by_name(home: Path, tmp_path: Path) -> None:
    firms = tmp_path / "firms.json"
    firms.write_text(json.dumps([
        {"firm_id": "a", "name": "A", "description": "의료기기 제조"},
        {"firm_id": "b", "name": "B", "description": "x", "turnover": 5},
    ], ensure_ascii=False))
    code, out, err = run("ingest", "firms", str(firms))
    assert code == 0 and "1 new" in out and "1 rejected" in out and "turnover" in err


def test_recommend_unknown_firm_and_missing_index_are_clear_errors(home: Path) -> None:
    code, _, err = run("recommend", "nobody")
    assert code == 2 and err == "error: unknown firm 'nobody'\n"
    assert run("ingest", "firms", str(FIRMS))[0] == 0
    firm_id = json.loads(FIRMS.read_text())[0]["firm_id"]
    code, _, err = run("recommend", firm_id)
    assert code == 2 and "matcher index build" in err


def test_index_built_with_another_encoder_is_refused(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("ingest", "tenders", str(TED))[0] == 0
    assert run("index", "build")[0] == 0
    assert run("ingest", "firms", str(FIRMS))[0] == 0
    monkeypatch.setenv("MATCHER_ENCODER", "use-multilingual")
    firm_id = json.loads(FIRMS.read_text())[0]["firm_id"]
    code, _, err = run("recommend", firm_id)
    assert code == 2 and "built with encoder 'fake@1'" in err


def test_every_command_is_documented() -> None:
    """Every command the app registers, read from the app itself, appears in the README as `matcher ...`."""
    import typer.main

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    root = typer.main.get_command(app)
    commands: list[str] = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        commands.extend(f"{name} {child}" for child in sub) if sub else commands.append(name)
    assert len(commands) >= 15
    missing = [c for c in commands if f"matcher {c}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"

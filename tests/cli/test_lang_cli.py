"""``matcher recommend --lang`` and ``matcher firms-for --lang``: reasons and concerns in the reader's language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from matcher.cli.render import MAX_REASONS
from matcher.ranking.reasons import shown_lines, summary
from matcher.schema import Match
from tests.cli.test_cli import FIRMS, TED, run

HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture
def indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store with the TED fixtures and firms, indexed; returns the first firm's id."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_CLOCK", "2021-01-01T00:00:00Z")
    for args in (("ingest", "tenders", str(TED)), ("ingest", "firms", str(FIRMS)), ("index", "build")):
        assert run(*args)[0] == 0
    firm_id: str = json.loads(FIRMS.read_text())[0]["firm_id"]
    return firm_id


def printed(out: str, marker: str) -> list[str]:
    return [line.strip()[2:] for line in out.splitlines() if line.startswith(f"    {marker} ")]


def expected(matches: list[Match], language: str, marker: str) -> list[str]:
    lines = []
    for match in matches:
        reasons, concerns = shown_lines(match.reasons, language)
        lines += reasons[:MAX_REASONS] if marker == "+" else concerns
    return lines


def test_recommend_prints_reasons_in_korean(indexed: str) -> None:
    code, out, _ = run("recommend", indexed, "--include-closed", "--json")
    assert code == 0
    matches = [Match.model_validate(m) for m in json.loads(out)]
    assert matches and any(m.reasons.concerns for m in matches), "the fixtures give at least one concern"

    code, korean, _ = run("recommend", indexed, "--include-closed", "--lang", "ko")
    assert code == 0
    assert printed(korean, "+") == expected(matches, "ko", "+") and printed(korean, "!") == expected(matches, "ko", "!")
    assert all(HANGUL.search(line) for line in printed(korean, "+") + printed(korean, "!"))

    code, english, _ = run("recommend", indexed, "--include-closed")
    assert code == 0 and printed(english, "+") == expected(matches, "en", "+")
    assert not any(HANGUL.search(line) for line in printed(english, "+") + printed(english, "!"))


def test_firms_for_prints_reasons_in_korean(indexed: str) -> None:
    code, out, _ = run("recommend", indexed, "--include-closed", "--json", "--k", "1")
    tender_id = json.loads(out)[0]["tender_id"]
    code, out, _ = run("firms-for", tender_id, "--json")
    matches = [Match.model_validate(m) for m in json.loads(out)]
    code, korean, _ = run("firms-for", tender_id, "--lang", "ko")
    assert code == 0 and printed(korean, "+") == expected(matches, "ko", "+")
    assert printed(korean, "+") and all(HANGUL.search(line) for line in printed(korean, "+"))


def test_the_lines_above_the_reasons_are_in_korean_too(indexed: str) -> None:
    """--lang ko worded the reasons and concerns and left each match's first two lines in English: "[weak fit 0.12,
    score 0.341]", "closes ... (9 days left)", "value not given"."""
    code, out, _ = run("recommend", indexed, "--include-closed", "--json")
    matches = [Match.model_validate(m) for m in json.loads(out)]
    code, korean, _ = run("recommend", indexed, "--include-closed", "--lang", "ko")
    assert code == 0
    heads = [line for line in korean.splitlines() if re.match(r"\s*\d+\. \[", line)]
    facts = [line.strip() for line in korean.splitlines() if line.startswith("    ") and line.strip()[:1] not in "+!"]
    assert len(heads) == len(facts) == len(matches)
    for match, head, fact in zip(matches, heads, facts, strict=True):
        assert f"점수 {match.score:.3f}]" in head and "score" not in head and "fit" not in head
        assert fact.startswith(f"{match.tender_id} | ")
        assert not re.search(r"\b(given|left|closes|closed|cancelled)\b", fact), fact
    assert any("마감" in fact for fact in facts)


def test_an_unknown_language_is_refused(indexed: str) -> None:
    code, _, err = run("recommend", indexed, "--lang", "fr")
    assert code == 2 and "--lang" in err



def test_json_words_the_summary_in_the_asked_language_and_keeps_the_codes(indexed: str) -> None:
    code, out, _ = run("recommend", indexed, "--include-closed", "--json")
    english = json.loads(out)
    code_ko, out_ko, _ = run("recommend", indexed, "--include-closed", "--json", "--lang", "ko")
    korean = json.loads(out_ko)
    assert code == code_ko == 0
    assert [m["reasons"]["reasons"] for m in korean] == [m["reasons"]["reasons"] for m in english]
    parsed = [Match.model_validate(m).reasons for m in english]
    assert [m["reasons"]["summary"] for m in english] == [summary(r.reasons, r.concerns) for r in parsed]
    assert any(HANGUL.search(line) for m in korean for line in m["reasons"]["summary"])

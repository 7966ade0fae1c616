"""Award history in the product: ingest, identity links, and history-aware recommend; the CLI commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from matcher.cli import app
from matcher.pipeline import Matcher
from matcher.schema import Award, FirmProfile, Tender
from matcher.search.retrieve import MatchQuery
from tests.conftest import NOW


def _write(rows: list[Award], path: Path) -> Path:
    path.write_text("\n".join(r.model_dump_json() for r in rows))
    return path


def test_ingest_links_by_name_and_history_shapes_recommend(matcher: Matcher, awards: list[Award],
                                                           tmp_path: Path) -> None:
    open_ = NOW + timedelta(days=10)
    matcher.upsert_tenders([
        Tender(tender_id="t:steril", source="t", title="STERILIZER", buyer="Canadian Food Inspection Agency",
               codes=["GSIN:N6530SB"], deadline=open_),
        Tender(tender_id="t:transl", source="t", title="Translation Services", codes=["GSIN:R109D"],
               buyer="Public Works & Government Services Canada", deadline=open_),
    ])
    matcher.build_index()
    firm = FirmProfile(firm_id="getinge", name="Getinge Canada Inc.", description="services")
    matcher.upsert_firms([firm])
    plain = matcher.recommend("getinge", MatchQuery(k=2))
    report, linked = matcher.awards.ingest([_write(awards, tmp_path / "awards.jsonl")])
    assert report.new == len(awards) and linked == 1
    wins = matcher.awards.wins("getinge", before=datetime(2030, 1, 1, tzinfo=UTC))
    assert wins and {w.title for w in wins} == {"STERILIZER"}
    ranked = matcher.recommend("getinge", MatchQuery(k=2))
    assert ranked[0].tender_id == "t:steril"
    assert ranked[0].parts.history > ranked[1].parts.history
    assert "from this buyer" in ranked[0].reasons.history
    assert plain[0].parts.history == 0.5  # before ingest: no history, neutral
    # Re-ingesting is idempotent; an explicit link replaces the name link.
    assert matcher.awards.ingest([tmp_path / "awards.jsonl"])[0].unchanged == len(awards)
    assert matcher.awards.link("getinge", "VERSION PLUS INC").identity == "sup:version-plus"
    assert {w.title for w in matcher.awards.wins("getinge")} == {"Translation Services"}


def test_cli_ingest_awards_and_evaluate_json(awards: list[Award], tmp_path: Path) -> None:
    path = _write(awards, tmp_path / "awards.jsonl")
    runner = CliRunner()
    home = str(tmp_path / "home")
    done = runner.invoke(app, ["ingest", "awards", str(path), "--home", home])
    assert done.exit_code == 0, done.output
    assert f"{len(awards)} new" in done.output
    result = runner.invoke(app, ["evaluate", "--awards", str(path), "--cutoff", "2013-06-01", "--k", "5",
                                 "--encoder", "fake", "--json", "--home", home])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout[result.stdout.index("{"):])
    assert set(payload) == {"cutoff", "firms", "positives", "candidates", "default", "methods"}
    assert payload["cutoff"] == "2013-06-01" and payload["firms"] == 3
    assert set(payload["methods"][payload["default"]]) == {"recall@5", "hr@5", "mrr", "ndcg@5"}
    assert {"baseline:random", "baseline:label-history", "baseline:label+buyer-history",
            "baseline:tfidf-past-titles", "dense:fake", "lexical", "codes", "history"} <= set(payload["methods"])
    # The specialists are easy: the shipped default finds each firm's next win at the top.
    assert payload["methods"]["default"]["hr@5"] == 1.0


def test_cli_bad_cutoff_is_one_clear_line(awards: list[Award], tmp_path: Path) -> None:
    path = _write(awards, tmp_path / "awards.jsonl")
    result = CliRunner().invoke(app, ["evaluate", "--awards", str(path), "--cutoff", "June", "--encoder", "fake"])
    assert result.exit_code == 2 and "bad --cutoff 'June'" in result.output

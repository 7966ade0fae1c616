"""``matcher ingest awards``, ``matcher link-supplier``, ``matcher evaluate`` and ``matcher train-ranker``."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer

from matcher.cli.common import HomeOption, as_paths, echo_json, open_matcher, print_ingest
from matcher.config import EncoderName, get_settings
from matcher.embed import Embedder, EmbeddingCache, make_encoder
from matcher.errors import InvalidInput
from matcher.evaluate.report import EvalReport, evaluate, shipped_scorer
from matcher.evaluate.split import cutoff_at_quantile
from matcher.evaluate.train import train, training_set
from matcher.pipeline import IngestResult
from matcher.reranker import load_reranker, save_reranker, trained_until
from matcher.schema import Award

log = logging.getLogger(__name__)

AwardsFile = Annotated[Path, typer.Option("--awards", exists=True, dir_okay=False, help="award-history file")]
Cutoff = Annotated[str | None, typer.Option("--cutoff", help="cut date YYYY-MM-DD (default: --cutoff-quantile)")]
Quantile = Annotated[float, typer.Option("--cutoff-quantile", min=0.01, max=0.99, help="cut at this date quantile")]
Encoders = Annotated[
    list[str] | None, typer.Option("--encoder", help="dense encoders to report (repeatable; first is the default)")
]


def awards(files: Annotated[list[Path], typer.Argument(help="award-history JSONL(.gz) or OCDS files")],
           home: HomeOption = None) -> None:
    """Load award history: suppliers are resolved into identities and linked to firms of the same name."""
    matcher = open_matcher(home)
    report, linked = matcher.awards.ingest(as_paths(files))
    print_ingest(IngestResult(report), "awards")
    typer.echo(f"{linked} firms newly linked to their award history")


def link_supplier(
    firm_id: Annotated[str, typer.Argument(help="the firm")],
    supplier: Annotated[str, typer.Argument(help="a supplier name as published in award notices")],
    home: HomeOption = None,
) -> None:
    """Link a firm to a supplier identity explicitly (its past wins then shape its recommendations)."""
    matcher = open_matcher(home)
    matcher.get_firm(firm_id)
    identity = matcher.awards.link(firm_id, supplier)
    if identity is None:
        raise InvalidInput(f"{supplier!r} is not a supplier name (expected a firm name as published)")
    typer.echo(f"{firm_id} -> {identity} ({len(matcher.awards.wins(firm_id))} past wins)")


def _load(path: Path) -> list[Award]:
    from matcher.award_history import read_award_file

    rows = [r for r in read_award_file(path) if isinstance(r, Award)]
    if not rows:
        raise InvalidInput(f"no award rows in {path} (expected the award-history JSONL format or OCDS awards)")
    return rows


def _cut(rows: list[Award], cutoff: str | None, quantile: float) -> date:
    if cutoff is None:
        return cutoff_at_quantile(rows, quantile)
    try:
        return date.fromisoformat(cutoff)
    except ValueError as exc:
        raise InvalidInput(f"bad --cutoff {cutoff!r} (expected YYYY-MM-DD)") from exc


def _embedders(names: list[str], home: Path | None) -> dict[str, Embedder]:
    settings = get_settings(**({"home": home} if home else {}))
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
    out: dict[str, Embedder] = {}
    for name in names:
        out[name] = Embedder(make_encoder(name), cache, settings.embed_batch_size)  # type: ignore[arg-type]
    return out


def format_report(report: EvalReport) -> str:
    k = report.k
    lines = [f"cut {report.cutoff}: {report.firms} firms, {report.positives} held-out wins, "
             f"{report.candidates} candidates ({report.seconds:.0f}s; default = {report.scorer.get('name')})",
             f"{'method':32} {'recall@' + str(k):>10} {'hr@' + str(k):>8} {'mrr':>7} {'ndcg@' + str(k):>8}"]
    for name, m in report.methods.items():
        lines.append(f"{name:32} {m[f'recall@{k}']:>10.3f} {m[f'hr@{k}']:>8.3f} {m['mrr']:>7.3f} "
                     f"{m[f'ndcg@{k}']:>8.3f}")
    return "\n".join(lines)


def evaluate_command(
    awards_file: AwardsFile, cutoff: Cutoff = None, quantile: Quantile = 0.7,
    k: Annotated[int, typer.Option("--k", min=1, max=500)] = 10,
    encoders: Encoders = None,
    json_output: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    home: HomeOption = None,
) -> None:
    """Time-split evaluation: profiles from wins before the cut, ranked against every award after it."""
    settings = get_settings(**({"home": home} if home else {}))
    rows = _load(awards_file)
    cut = _cut(rows, cutoff, quantile)
    names = encoders or [settings.encoder, "minilm"]
    reranker = shipped_scorer(load_reranker(settings.models_dir), trained_until(settings.models_dir), cut)
    report = evaluate(rows, cut, _embedders(list(dict.fromkeys(names)), home), names[0], k, reranker,
                      progress=not json_output)
    typer.echo(format_report(report), err=json_output)
    if json_output:
        echo_json(report.to_json())


def train_ranker(
    awards_file: AwardsFile, cutoff: Cutoff = None, quantile: Quantile = 0.7,
    encoder: Annotated[EncoderName | None, typer.Option("--encoder", help="encoder for the dense features")] = None,
    models_dir: Annotated[Path | None, typer.Option("--models-dir", help="default: MATCHER_MODELS_DIR")] = None,
    home: HomeOption = None,
) -> None:
    """Train the re-ranker on award history before the cut and save it with its manifest."""
    settings = get_settings(**({"home": home} if home else {}))
    rows = _load(awards_file)
    cut = _cut(rows, cutoff, quantile)
    name = encoder or settings.encoder
    training = training_set(rows, cut, _embedders([name], home), name, progress=True)
    decisions = open_matcher(home).decision_features(before=datetime.combine(cut, time.min, tzinfo=UTC))
    scorer, info = train(training, decisions=decisions)
    info |= {"awards_file": awards_file.name, "encoder": name}
    path = save_reranker(scorer, models_dir or settings.models_dir, info)
    typer.echo(f"shipped {info['selected']} (validation {info['validation'][info['selected']]}) -> {path}")


def register(app: typer.Typer, ingest_app: typer.Typer) -> None:
    ingest_app.command("awards")(awards)
    app.command("link-supplier")(link_supplier)
    app.command("evaluate")(evaluate_command)
    app.command("train-ranker")(train_ranker)

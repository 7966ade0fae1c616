"""``matcher ingest awards``, ``matcher link-supplier``, ``matcher evaluate`` and ``matcher train-ranker``."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.cli.common import HomeOption, as_paths, day_option, echo_json, open_matcher, parse_day, print_ingest
from matcher.cli.render import terminal_text
from matcher.config import EncoderName, get_settings
from matcher.errors import InvalidInput
from matcher.paths import writable_folder
from matcher.schema import Award, quoted

if TYPE_CHECKING:
    from matcher.evaluate.judged import JudgedProfile
    from matcher.evaluate.judged_methods import Corpus
    from matcher.evaluate.report import EvalReport
    from matcher.pipeline import Matcher
    from matcher.search.encoders import Embedder

log = logging.getLogger(__name__)

# The files are checked where they are read (matcher.ingest.base.regular_file, as every ingest), not by typer's
# exists=True: that said 'does not exist' of a loop of symbolic links, in a framed box.
AwardsFile = Annotated[Path, typer.Option("--awards", help="award-history file")]
JudgedFile = Annotated[Path | None, typer.Option("--judged", help="judged relevance file (evaluation/judged.json)")]
MODELS_HELP = "default: MATCHER_MODELS_DIR, else MATCHER_HOME/models"
SplitOption = Annotated[str, typer.Option("--split", help="judged profiles to use: report, tune or all")]
Cutoff = Annotated[str | None, day_option("--cutoff", "cut date (default: --cutoff-quantile)")]
Quantile = Annotated[float, typer.Option("--cutoff-quantile", min=0.01, max=0.99, help="cut at this date quantile")]
QUANTILE, K = 0.7, 10  # --cutoff-quantile and --k of evaluate --awards
Encoders = Annotated[
    list[str] | None, typer.Option("--encoder", help="dense encoders to report (repeatable; first is the default)")
]


def awards(files: Annotated[list[Path], typer.Argument(help="award-history JSONL(.gz) or OCDS files")],
           home: HomeOption = None) -> None:
    """Load award history: suppliers are resolved into identities and linked to firms of the same name."""
    from matcher.pipeline import IngestResult

    matcher = open_matcher(home)
    report, linked = matcher.awards.ingest(as_paths(files))
    print_ingest(IngestResult(report), "awards")
    typer.echo(f"{linked} firms newly linked to their award history")


def link_supplier(
    firm_id: Annotated[str, typer.Argument(help="the firm")],
    supplier: Annotated[str, typer.Argument(help="a supplier name as published in award notices, or its identity "
                                                 "as printed (sup:...)")],
    home: HomeOption = None,
) -> None:
    """Link a firm to a supplier identity explicitly (its past wins then shape its recommendations). The name must
    be one stored awards give, in any spelling the supplier resolver joins; unlink-supplier removes a link."""
    matcher = open_matcher(home)
    done = matcher.awards.link(firm_id, supplier)
    said, wins = "->" if done.new else "already linked to", f"{done.wins:,} past win{'' if done.wins == 1 else 's'}"
    typer.echo(f"{firm_id} {said} {done.identity} {quoted(done.name)} ({wins}; the firm's: "
               f"{len(matcher.awards.wins(firm_id))})")


def unlink_supplier(
    firm_id: Annotated[str, typer.Argument(help="the firm")],
    supplier: Annotated[str, typer.Argument(help="a supplier name it is linked to, or the identity link-supplier "
                                                 "printed (sup:...)")],
    home: HomeOption = None,
) -> None:
    """Remove a firm's link to a supplier identity: its wins no longer count, and ingesting awards does not link it
    again by the firm's name (link-supplier does)."""
    matcher = open_matcher(home)
    identity = matcher.awards.unlink(firm_id, supplier)
    typer.echo(f"{firm_id} -/-> {identity} (the firm's past wins: {len(matcher.awards.wins(firm_id))})")


def _load(path: Path) -> list[Award]:
    from matcher.services.awards import read_award_file

    read = read_award_file(path)
    rows = [r for r in read if isinstance(r, Award)]
    rejected = [r for r in read if not isinstance(r, Award)]
    if rows and rejected:  # measured on part of the file: said, not dropped in silence
        typer.echo(f"skipped {len(rejected)} of {len(read)} rows of {path} that are not awards (first: "
                   f"{terminal_text(rejected[0].record)}: {terminal_text(rejected[0].reason)})", err=True)
    if not rows:
        raise InvalidInput(f"no award rows in {path} (expected the award-history JSONL format or OCDS awards)")
    return rows


def _cut(rows: list[Award], cutoff: date | None, quantile: float) -> date:
    from matcher.evaluate.split import cutoff_at_quantile

    return cutoff_at_quantile(rows, quantile) if cutoff is None else cutoff


def _embedders(names: list[str], home: Path | None) -> dict[str, Embedder]:
    from matcher.search.encoders import Embedder, EmbeddingCache, make_encoder

    settings = get_settings(**({"home": home} if home else {}))
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
    out: dict[str, Embedder] = {}
    for name in names:
        encoder = make_encoder(name, settings.cache_dir / "onnx")  # type: ignore[arg-type]
        out[name] = Embedder(encoder, cache, settings.embed_batch_size)
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
    awards_file: Annotated[Path | None, typer.Option("--awards", help="award-history file")] = None,
    judged: JudgedFile = None,
    split: SplitOption = "report",
    decisions: Annotated[bool, typer.Option("--decisions", help="also measure partner decisions")] = False,
    accept: Annotated[bool, typer.Option(
        "--accept", help="also measure accepting one suggested code (profiles without codes)")] = False,
    cutoff: Cutoff = None, quantile: Quantile = QUANTILE,
    k: Annotated[int, typer.Option("--k", min=1, max=500)] = K,
    encoders: Encoders = None,
    json_output: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    home: HomeOption = None,
) -> None:
    """Time-split evaluation on award history (--awards), or judged relevance over the stored notices (--judged):
    profiles from wins before the cut ranked against every award after it, or judged profiles ranked against
    the opportunity notices of this store."""
    from matcher.evaluate.report import evaluate, shipped_scorer
    from matcher.ranking.reranker import load_reranker, trained_until

    cut_day = parse_day("--cutoff", cutoff) if cutoff is not None else None
    if (awards_file is None) == (judged is None):
        raise InvalidInput("give exactly one of --awards FILE or --judged FILE")
    if judged is None and (decisions or accept):
        raise InvalidInput("--decisions and --accept measure judged profiles: give them with --judged FILE")
    _refuse_award_options(judged, cutoff, quantile, k)
    settings = get_settings(**({"home": home} if home else {}))
    if judged is not None:
        _evaluate_judged(judged, split, encoders or ["use-multilingual", "minilm"], json_output, home, decisions,
                         accept)
        return
    assert awards_file is not None
    rows = _load(awards_file)
    cut = _cut(rows, cut_day, quantile)
    names = encoders or [settings.encoder, "minilm"]
    reranker = shipped_scorer(load_reranker(settings.models_dir), trained_until(settings.models_dir), cut)
    report = evaluate(rows, cut, _embedders(list(dict.fromkeys(names)), home), names[0], k, reranker,
                      progress=not json_output or _stderr_is_terminal())  # stderr: the JSON on stdout is alone
    typer.echo(format_report(report), err=json_output)
    if json_output:
        echo_json(report.to_json())


def _refuse_award_options(judged: Path | None, cutoff: str | None, quantile: float, k: int) -> None:
    """An option of the time split given with --judged was ignored without a word (--k 5 read as 'at 5')."""
    from matcher.evaluate.judged import METRICS

    given = [name for name, on in (("--cutoff", cutoff is not None), ("--cutoff-quantile", quantile != QUANTILE),
                                   ("--k", k != K)) if on]
    if judged is not None and given:
        raise InvalidInput(f"{given[0]} applies to --awards only (the judged metrics are {', '.join(METRICS[:-1])} "
                           f"and {METRICS[-1]})")


def _judged_store(path: Path, split: str, home: Path | None,
                  bar: bool = False) -> tuple[list[JudgedProfile], Matcher, Corpus]:
    from matcher.evaluate.judged import load_judged
    from matcher.evaluate.judged_methods import Corpus

    if split not in ("report", "tune", "all"):
        raise InvalidInput(f"bad --split {split!r} (expected report, tune or all)")
    profiles = [p for p in load_judged(path, bar) if split == "all" or p.split == split]
    if not profiles:  # calibrate said 'needs at least 20 judged matches of both kinds, got 0'
        raise InvalidInput(f"no judged profiles in split {split!r} in {path}")
    matcher = open_matcher(home)
    corpus = Corpus.of(matcher)
    if not corpus.tenders:
        raise InvalidInput("no opportunity notices in this store: ingest the judged corpus first (see evaluation/)")
    judged = {t for p in profiles for t in p.grades}
    if judged and judged.isdisjoint(corpus.ids):  # every figure 0, as if measured
        raise InvalidInput(f"none of the {len(judged)} judged notices of {path} is among this store's "
                           f"{len(corpus.tenders)} opportunity notices: ingest the judged corpus first "
                           "(see evaluation/JUDGING.md)")
    return profiles, matcher, corpus


def _evaluate_judged(path: Path, split: str, encoders: list[str], json_output: bool, home: Path | None,
                     decisions: bool, accept: bool) -> None:
    from matcher.evaluate.judged import evaluate_judged, format_judged
    from matcher.evaluate.judged_accept import SHOWN, accept_effect
    from matcher.evaluate.judged_decisions import band_shares, decision_effect
    from matcher.evaluate.judged_methods import judged_methods

    bar = _stderr_is_terminal()  # a bar per step on a terminal; a log file gets the lines below only
    profiles, matcher, corpus = _judged_store(path, split, home, bar)
    methods = judged_methods(matcher, corpus, _embedders(list(dict.fromkeys(encoders)), home))
    report = evaluate_judged(profiles, methods, corpus.languages(), split,
                             progress=None if json_output else lambda name: typer.echo(f"ranking: {name}", err=True),
                             bar=bar)
    payload = report.to_json()
    typer.echo(format_judged(report), err=json_output)
    if decisions:
        effect = decision_effect(matcher, profiles, bar=bar)
        payload["decisions"] = effect.to_json()
        typer.echo(f"\ndecisions (approve the best judged notice outside the top 10, reject the worst inside; "
                   f"{effect.decided} of {effect.profiles} profiles): nDCG@10 of the other notices "
                   f"{effect.ndcg_before:.3f} -> {effect.ndcg_after:.3f}; median rank of the other relevant "
                   f"notices {effect.other_relevant_rank_before:.1f} -> {effect.other_relevant_rank_after:.1f}",
                   err=json_output)
    if accept:
        accepted = accept_effect(matcher, profiles, bar=bar)
        payload["accept"] = accepted.to_json()
        typer.echo(f"\naccepting a code (the first of the first {SHOWN} suggestions of a CPV category a relevant "
                   "notice has), profiles without codes:", err=json_output)
        for name, row in accepted.summaries().items():
            typer.echo(f"  {name:14} {row['accepted']} of {row['profiles']} accepted; nDCG@10 {row['ndcg_before']:.3f} "
                       f"-> {row['ndcg_after']:.3f}; top 10 judged {row['judged_before']:.3f} -> "
                       f"{row['judged_after']:.3f}", err=json_output)
    if matcher.calibration is not None:
        bands = band_shares(matcher, profiles, bar=bar)
        payload["fit bands"] = bands
        shown = "; ".join(f"{b} {v['judged']:.0f}, {v['relevant']:.2f}, {v['useful']:.2f}" for b, v in bands.items())
        typer.echo(f"\nfit bands (judged matches in the top 20: count, share relevant, share relevant or partly): "
                   f"{shown}", err=json_output)
    if json_output:
        echo_json(payload)


def _stderr_is_terminal() -> bool:
    """Whether progress bars may be drawn: on a terminal (stdout, the report or its JSON, is never touched)."""
    return sys.stderr is not None and sys.stderr.isatty()


def calibrate(
    judged: Annotated[Path, typer.Option("--judged", help="judged relevance file")],
    depth: Annotated[int, typer.Option("--depth", min=5, max=50, help="results per profile to fit on")] = 20,
    models_dir: Annotated[Path | None, typer.Option("--models-dir", help=MODELS_HELP)] = None,
    home: HomeOption = None,
) -> None:
    """Fit the score calibration (raw score -> share judged relevant) on the judged tuning half and save it."""
    from matcher.evaluate.judged import counted
    from matcher.ranking.calibration import FOLDER as CALIBRATION_FOLDER
    from matcher.ranking.calibration import fit_calibration, save_calibration
    from matcher.search.retrieve import MatchQuery

    models = _models_folder(models_dir, home, CALIBRATION_FOLDER)
    bar = _stderr_is_terminal()  # as evaluate --judged: a count on a terminal, nothing in a log
    profiles, matcher, _ = _judged_store(judged, "tune", home, bar)
    scores: list[float] = []
    grades: list[int] = []
    for item in counted(profiles, "calibrate", bar):
        for match in matcher.recommend(item.profile, MatchQuery(k=depth, include_closed=True)):
            if match.tender_id in item.grades:  # unjudged results say nothing either way
                scores.append(match.score)
                grades.append(item.grades[match.tender_id])
    info = {"judged_file": judged.name, "split": "tune", "depth": depth, "matches": len(scores),
            "encoder": matcher.settings.encoder}
    calibration = fit_calibration(scores, [g == 2 for g in grades], [g >= 1 for g in grades], info)
    path = save_calibration(calibration, models)
    bands = ", ".join(f"{b.name} >= {b.floor:.2f}: {b.judged} matches, {b.relevant_share} relevant"
                      for b in calibration.bands)
    typer.echo(f"calibrated on {len(scores)} judged matches -> {path}\n{bands}")


def train_ranker(
    awards_file: AwardsFile, cutoff: Cutoff = None, quantile: Quantile = QUANTILE,
    encoder: Annotated[EncoderName | None, typer.Option("--encoder", help="encoder for the dense features")] = None,
    models_dir: Annotated[Path | None, typer.Option("--models-dir", help=MODELS_HELP)] = None,
    home: HomeOption = None,
) -> None:
    """Train the re-ranker on award history before the cut and save it with its manifest."""
    from matcher.evaluate.decision_pairs import decision_features
    from matcher.evaluate.train import train, training_set
    from matcher.ranking.reranker import FOLDER as RERANKER_FOLDER
    from matcher.ranking.reranker import save_reranker

    cut_day = parse_day("--cutoff", cutoff) if cutoff is not None else None
    settings = get_settings(**({"home": home} if home else {}))
    models = _models_folder(models_dir, home, RERANKER_FOLDER)
    rows = _load(awards_file)
    cut = _cut(rows, cut_day, quantile)
    name = encoder or settings.encoder
    training = training_set(rows, cut, _embedders([name], home), name, progress=True)
    decisions = decision_features(open_matcher(home), before=datetime.combine(cut, time.min, tzinfo=UTC))
    scorer, info = train(training, decisions=decisions)
    info |= {"awards_file": awards_file.name, "encoder": name}
    path = save_reranker(scorer, models, info)
    typer.echo(f"shipped {info['selected']} (validation {info['validation'][info['selected']]}) -> {path}")


def _models_folder(models_dir: Path | None, home: Path | None, model: str) -> Path:
    """--models-dir (default MATCHER_MODELS_DIR, else the home's models/, made as a copy of the shipped ones:
    ``Settings.own_models_dir``), checked writable before the work whose model goes there: a loop of links or
    a file was a traceback from mkdir after the whole fit. So is the model's own folder (``model``) and its
    manifest: a file named like the folder, or a folder named like the manifest, failed the same way."""
    settings = get_settings(**({"home": home} if home else {}))
    folder = models_dir or settings.own_models_dir
    if models_dir is None and folder == settings.home / "models":
        _seed_home_models(folder)
    writable_folder(folder, "models")
    writable_folder(folder / model, "models")
    manifest = folder / model / "manifest.json"
    if manifest.is_dir() and not manifest.is_symlink():  # a link is replaced, a folder cannot be
        raise InvalidInput(f"cannot write {manifest}: a folder is in the way")
    return folder


def _seed_home_models(folder: Path) -> None:
    """Make the home's models/ a copy of the shipped models when it does not exist yet: from then on the home's
    models are read alone, so the model not retrained here (the judged re-ranker, a calibration) must be there
    too. Copied beside it and renamed into place: a copy cut short is never read."""
    from matcher.config import SHIPPED_MODELS

    if folder.exists() or folder.is_symlink() or folder.resolve() == SHIPPED_MODELS.resolve():
        return
    writable_folder(folder.parent, "models", 0o700)  # a home not made yet is made private, as the matcher makes it
    partial = folder.with_name(f".models-{os.getpid()}")
    try:
        shutil.copytree(SHIPPED_MODELS, partial, ignore=shutil.ignore_patterns("README.md"))
        partial.rename(folder)
    except OSError as exc:
        if not folder.is_dir():  # else another run made it first
            raise InvalidInput(f"cannot copy the shipped models into {folder}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def register(app: typer.Typer, ingest_app: typer.Typer) -> None:
    ingest_app.command("awards")(awards)
    app.command("link-supplier")(link_supplier)
    app.command("unlink-supplier")(unlink_supplier)
    app.command("evaluate")(evaluate_command)
    app.command("train-ranker")(train_ranker)
    app.command("calibrate")(calibrate)

"""Screen a ranking idea on the judged TUNING half before it is built into the product (never the report half).

``--split all`` screens every profile of a file used for development instead: the second and third fresh sets
became development sets on 2026-12-04 (evaluation/RESULTS.md), and a set is never screened before its one
held-out reading.

Each experiment starts from the shipped scorer's features over every opportunity notice, computed as
``scripts/tune_judged.py`` computes them, and prints mean nDCG@10, p@5 and p@5h overall and nDCG@10 per
profile group, the shipped scorer first:

- ``prf``: dense pseudo-relevance feedback (Rocchio). The profile's query vector moves towards the mean
  vector of the first ranking's top ``m`` notices (weight ``beta``), and the dense column is recomputed.
- ``reranker``: a learned re-ranker over the shipped ranking's top 100 (its features, the term-guard
  multiplier and the shipped score), trained on the judged grades of the other tuning profiles and scored
  on each profile in turn (leave one profile out). Logistic regressions and gradient-boosted trees.
- ``gates``: the contract-nature fit as a multiplicative gate (on the whole score, or on the code signal)
  instead of a weighted term.
- ``views``: what the dense signal compares with a profile (a notice's whole text as shipped, without the
  description, the description cut short, titles only), and the firm's best keyword mixed into it.
- ``floor``: the cosines between judged profiles and the notices, for the kNN vote floor
  (``code_inference.KNN_MIN_COSINE``).
- ``breadth``: the code signal discounted by the number of CPV groups a notice spans.
- ``ownnature``: the suggested codes ranking reads kept to the natures the firm's own words (cues) and
  confirmed codes say it sells: a builder's inferred "Architects' services" dropped (or replaced by the next
  suggestion of a nature it sells); every nature, or only services, works or supplies suggestions.
- ``trust``: the first five suggestions kept only above a confidence (absolute, or relative to the best) or
  only when stored notices voted for them (not ``labels`` alone): a wrong suggestion pulls a services firm's
  ranking off (judged_fresh3.json), a filter must not silence the right ones.
- ``agree``: the suggestions kept only when their nature (supplies, services, works) is a fair share of the
  contract natures of the notices nearest the profile (dense cosine), with or without the next suggestions
  taking the place of those left out.
- ``offnature``: a code match through a notice's code whose nature (supplies, services, works) is not the
  nature the notice states it buys discounted: a design contest's works codes name the building designed, a
  supply notice's repair code the after-sales service, not the purchase.
- ``decisions``: partner decisions, measured as ``matcher evaluate --judged --decisions`` measures them (approve
  each profile's best judged notice outside its top 10, reject its worst inside), with the pull towards the
  approved notice and the push away from the rejected one of ``matcher.ranking.feedback`` scaled, or their
  likeness measured by the text cosine alone, or the push going only through the rejected notice's codes that
  the firm's own codes (confirmed, or confirmed and suggested) do not already reach at the group or class
  level; ``--only-new`` runs the shipped signal and these last variants.
- ``columns``: one more column for the shipped trees, leave one development set out (the profile's cosine
  with a notice's code labels or its title, the dense score's rank, a keyword's cosine with the notice).
- ``orders``: the suggested codes ranking reads in other orders (by confidence, translations first only when
  confident, the description's alone), the trees retrained on each, leave one development set out.
- ``prototypes``: one more column for the shipped trees, leave one development set out: a notice's cosine with
  the prototype (mean notice vector) of the CPV classes ranking reads for the firm.
- ``learners``: the shipped trees' columns with other targets (graded 2 only, other weights for a 2, a
  regression on the gains) and other tree settings, leave one development set out.
- ``script``: the suggestions weighed less (x 0 or x 0.5), or only the first one or two kept, for profiles written
  in a script the notices use (English...), without confirmed codes or all of them.
- ``loso``: a learned re-ranker of the shipped top 100 trained on three development sets (``DEVELOPMENT_SETS``)
  and scored on the fourth, each in turn, with the shipped features alone or with what says when to trust the
  code signal (a notice's CPV breadth, the profile's codes, script and best suggestion's confidence).
- ``sources``: the shipped trees without the two columns that say where a code match comes from (a keyword's
  translation or the description's suggestions), with only a flag for a match through a translation, and as
  shipped, leave one development set out (or ``--held-out``), each against the first per profile.
- ``korean``: the shipped trees without the column that reads a notice's codes' Korean labels in Korean (the
  BM25 of a Korean profile's keywords in character bigrams, ``matcher.ranking.korean_labels``), as shipped, and
  with the whole text's Hangul as the query, leave one development set out (or ``--held-out``).
- ``keywords``: ranking with a profile's keywords translated into codes ahead of the other suggestions
  (``matcher.search.code_inference.keyword_suggestions``, ``Inferred.ranked``): none (ranking before the
  Korean labels' translations), those in a script no notice uses (what ranking reads), or every keyword, at
  several floors for a keyword's cosine with a label in its own language (Korean).

Usage (results in evaluation/RESULTS.md):

    MATCHER_HOME=/path/to/judged/store python scripts/screen_judged.py \
        prf|reranker|gates|keywords|views|breadth|offnature|ownnature|trust|agree|decisions|floor|script|loso|sources|korean|\
        own_language|columns|learners|orders|prototypes
"""

from __future__ import annotations

import argparse
import inspect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from tune_judged import Prepared, prepare  # run as a script: scripts/ is on the path

from matcher.config import get_settings
from matcher.evaluate.judged import JudgedProfile, load_judged, mean_metrics, profile_metrics
from matcher.evaluate.judged_decisions import decision_effect
from matcher.evaluate.judged_methods import Corpus
from matcher.normalize.nature import firm_natures, nature_of_code
from matcher.pipeline import Matcher
from matcher.ranking import feedback, judged_reranker
from matcher.ranking.features import FEATURES, code_similarity, prepare_candidates, weigh_inferred, weighted_codes
from matcher.ranking.fusion import WeightedScorer, fuse_matrix, order
from matcher.ranking.korean_labels import bigrams, korean_label_match, query_bigrams
from matcher.ranking.own_language import DEFAULT_LANGUAGE, STEM, notice_text, stems
from matcher.ranking.signals import score_candidates
from matcher.reference.codebook import codebook
from matcher.schema import MAX_SUGGESTIONS, FirmProfile, Tender, code_labels
from matcher.search.code_inference import (
    Inferred,
    SuggestedCode,
    foreign_script,
    infer_codes,
    keyword_suggestions,
    knn_votes,
    nearest_notices,
)
from matcher.search.code_labels import class_key, label_languages, label_space
from matcher.search.lexical import LexicalModel
from matcher.services.code_suggestions import INFERRED_FOR_RANKING, INFERRED_RULE

#: The shipped rule for suggested codes (the first 5, each as 1) and a dense query of the profile's own words.
SHIPPED_VARIANT = ("flat", 5, False)
#: How deep the re-ranker re-orders the shipped ranking.
DEPTH = 100
#: The shipped trees' columns saying where a code match comes from (``judged_reranker.SOURCES``).
SOURCE_COLUMNS = ("codes via keywords", "codes via description")
#: The BM25 of a Korean profile's keywords against the Korean labels of a notice's codes
#: (``judged_reranker.COLUMNS``' "korean_label_match").
KOREAN_COLUMN = "korean label match"
#: The best share of the label of one of the firm's codes, in the notice's language, found in the notice's own
#: words (``own_language``; screened, not built).
OWN_LANGUAGE_COLUMN = "own language label"


def report(name: str, rows: Sequence[tuple[Prepared, dict[str, float]]]) -> None:
    overall = mean_metrics(r for _, r in rows)
    groups: defaultdict[str, list[dict[str, float]]] = defaultdict(list)
    for prepared, r in rows:
        groups[prepared.judged.group].append(r)
    shown = " | ".join(f"{g} {mean_metrics(v)['ndcg@10']:.3f}" for g, v in sorted(groups.items()))
    print(f"{name:30s} ndcg@10 {overall['ndcg@10']:.3f}  p@5 {overall['p@5']:.3f}  p@5h {overall['p@5h']:.3f}"
          f" | {shown}", flush=True)


def replaced(prepared: Prepared, column: int, values: np.ndarray) -> np.ndarray:
    """The profile's feature matrix with one column replaced (a copy)."""
    matrix = prepared.matrix.copy()
    matrix[:, column] = values
    return matrix


def shipped_scores(prepared: Prepared, matrix: np.ndarray | None = None) -> np.ndarray:
    return fuse_matrix(prepared.matrix if matrix is None else matrix, prepared.guards, WeightedScorer())


def prf(matcher: Matcher, corpus: Corpus, prepared: list[Prepared]) -> None:
    ids, column = corpus.ids, FEATURES.index("dense")
    documents = matcher.embedder.encode_documents([t.text() for t in corpus.tenders])
    queries = matcher.embedder.encode_queries([p.judged.profile.text() for p in prepared])
    settings = [(0, 0.0)] + [(m, beta) for m in (3, 5, 10, 20) for beta in (0.3, 0.6, 1.0, 2.0)]
    for m, beta in settings:
        rows = []
        for p, query in zip(prepared, queries, strict=True):
            scores = shipped_scores(p)
            if m:
                moved = query + beta * documents[np.argsort(-scores)[:m]].mean(axis=0)
                matrix = p.matrix.copy()
                matrix[:, column] = np.clip(documents @ (moved / np.linalg.norm(moved)), 0.0, 1.0)
                scores = shipped_scores(p, matrix)
            rows.append((p, profile_metrics([ids[i] for i in order(scores, ids, 50)], p.judged.grades)))
        report("shipped" if not m else f"prf m={m} beta={beta}", rows)


Model = Callable[[], Any]


def leave_one_out(data: list[tuple[np.ndarray, np.ndarray]]) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    for k in range(len(data)):
        yield (k, np.vstack([x for j, (x, _) in enumerate(data) if j != k]),
               np.concatenate([y for j, (_, y) in enumerate(data) if j != k]))


def reranker(corpus: Corpus, prepared: list[Prepared]) -> None:
    ids = corpus.ids
    tops, data = [], []
    for p in prepared:
        base = shipped_scores(p)
        top = np.argsort(-base, kind="stable")[:DEPTH]
        tops.append(top)
        data.append((np.column_stack([p.matrix[top], p.guards[top], base[top]]),
                     np.array([p.judged.grades.get(ids[i], 0) for i in top])))
    models: dict[str, Model | None] = {"shipped (top 100)": None}
    for c in (0.1, 1.0, 10.0):
        models[f"logistic C={c}"] = partial(LogisticRegression, C=c, max_iter=2000)
    for depth in (2, 3):
        models[f"trees depth={depth}"] = partial(
            HistGradientBoostingClassifier, max_depth=depth, max_iter=100, learning_rate=0.05, min_samples_leaf=20)
    for name, make in models.items():
        rows = []
        for k, x_train, y_train in leave_one_out(data):
            x, _ = data[k]
            if make is None:
                scores = x[:, -1]
            else:  # relevant = graded 1 or 2; a 2 weighs three times a 1
                model = make().fit(x_train, (y_train >= 1).astype(int),
                                   sample_weight=np.where(y_train == 2, 3.0, 1.0))
                scores = model.predict_proba(x)[:, 1]
            ranked = [ids[tops[k][i]] for i in np.argsort(-scores, kind="stable")]
            rows.append((prepared[k], profile_metrics(ranked[:50], prepared[k].judged.grades)))
        report(name, rows)


#: The judged files screened on (the tuning half of the first, every profile of the others), in the order they
#: were built. The first file's reported half and the first fresh set are held out.
DEVELOPMENT_SETS = (("tuning half", "judged.json", "tune"), ("second fresh set", "judged_fresh2.json", "all"),
                    ("third fresh set", "judged_fresh3.json", "all"), ("fourth fresh set", "judged_fresh4.json", "all"))


@dataclass
class Candidates:
    """One profile's shipped top ``DEPTH``: their positions in the corpus, grades, shipped scores and the
    columns a learned re-ranker may read."""

    prepared: Prepared
    top: np.ndarray
    grades: np.ndarray
    base: np.ndarray
    columns: dict[str, np.ndarray]


def ranking_codes(matcher: Matcher, profile: FirmProfile) -> list[str]:
    """Every code ranking reads for a firm: its confirmed codes, then the suggestions (``ProfileView.codes``)."""
    return list(dict.fromkeys((*profile.codes, *(code for code, _ in matcher.suggestions.for_ranking(profile)))))


def candidates_of(matcher: Matcher, corpus: Corpus, prepared: Prepared, breadths: np.ndarray) -> Candidates:
    base = shipped_scores(prepared)
    top = np.argsort(-base, kind="stable")[:DEPTH]
    profile = prepared.judged.profile
    codes = prepared.matrix[top, FEATURES.index("codes")]
    breadth = breadths[top]
    has_codes, foreign = float(bool(profile.codes)), float(foreign_script(profile.text()))
    columns = {
        **{f"feature {name}": prepared.matrix[top, j] for j, name in enumerate(FEATURES)},
        "term guard": prepared.guards[top], "shipped score": base[top],
        "breadth": breadth,
        "profile has codes": np.full(len(top), has_codes), "profile in a foreign script": np.full(len(top), foreign),
        "best suggestion's confidence": np.full(len(top), matcher.suggestions.best_confidence(profile)),
        "codes x has codes": codes * has_codes, "codes x foreign script": codes * foreign,
        "codes x breadth": codes * breadth,
        **dict(zip(SOURCE_COLUMNS, judged_reranker.code_sources(
            [corpus.tenders[i] for i in top], matcher.suggestions.by_source(profile)).T, strict=True)),
        KOREAN_COLUMN: korean_label_match(query_bigrams(profile), [corpus.tenders[i] for i in top]),
    }
    return Candidates(prepared, top, np.array([prepared.judged.grades.get(corpus.ids[i], 0) for i in top]),
                      base[top], columns)


#: The held-out sets: never trained or screened on, read once per candidate (``loso --held-out``).
HELD_OUT_SETS = (("reported half", "judged.json", "report"), ("first fresh set", "judged_fresh.json", "all"),
                 ("fifth fresh set", "judged_fresh5.json", "all"), ("sixth fresh set", "judged_fresh6.json", "all"),
                 ("seventh fresh set", "judged_fresh7.json", "all"))
#: The candidates read on them, chosen on the leave-one-set-out table before the reading (RESULTS.md).
HELD_OUT_CANDIDATES = (("trees depth=2", "+ breadth, profile facts"), ("trees depth=3", "+ breadth"))


def development_data(matcher: Matcher, corpus: Corpus, folder: Path, held_out: bool = False,
                     ordered: Callable[[Inferred], list[SuggestedCode]] = Inferred.ranked,
                     ) -> dict[str, list[Candidates]]:
    """Each development set's (and with ``held_out`` each held-out set's) profiles as shipped top-``DEPTH``
    candidates (with the suggestions ranking reads in the order ``ordered`` gives them)."""
    breadths = judged_reranker.breadth(corpus.tenders)
    data: dict[str, list[Candidates]] = {}
    for name, file, split in (*DEVELOPMENT_SETS, *(HELD_OUT_SETS if held_out else ())):
        judged = [j for j in load_judged(folder / file) if split == "all" or j.split == split]
        data[name] = [candidates_of(matcher, corpus, p, breadths)
                      for p in prepare(matcher, corpus, judged, SHIPPED_VARIANT, ordered)]
    return data


#: A learner: trained on (columns, grades), it returns what scores new rows.
Fit = Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]]


def relevance_fit(make: Model, relevant: int = 1, weight_of_2: float = 3.0) -> Fit:
    """A classifier of ``grade >= relevant``, a 2 weighing ``weight_of_2`` times a 1 (shipped: 1 and 3)."""
    def fit(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        model = make().fit(x, (y >= relevant).astype(int), sample_weight=np.where(y == 2, weight_of_2, 1.0))
        return lambda rows: model.predict_proba(rows)[:, 1]
    return fit


def trained(fit: Fit, train: Sequence[Candidates], kept: Sequence[str]) -> Callable[[Candidates], np.ndarray]:
    """What ``fit`` learns from ``train``'s columns ``kept`` (standardised on ``train``): a profile's scores."""
    x = np.vstack([np.column_stack([c.columns[n] for n in kept]) for c in train])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    score = fit((x - mean) / scale, np.concatenate([c.grades for c in train]))
    return lambda c: score((np.column_stack([c.columns[n] for n in kept]) - mean) / scale)


def set_out(corpus: Corpus, data: dict[str, list[Candidates]], kept: Sequence[str], fit: Fit | None,
            held: str, train_on: Sequence[str]) -> tuple[dict[str, float], list[tuple[str, dict[str, float]]]]:
    """The candidates of set ``held`` re-ranked by what ``fit`` learns from the sets ``train_on`` (``None``: the
    shipped score): its mean metrics, and each profile's group and metrics."""
    scored = None if fit is None else trained(fit, [c for name in train_on for c in data[name]], kept)
    rows = []
    for c in data[held]:
        scores = c.base if scored is None else scored(c)
        ranked = [corpus.ids[c.top[i]] for i in np.argsort(-scores, kind="stable")]
        rows.append((c.prepared.judged.group, profile_metrics(ranked[:50], c.prepared.judged.grades)))
    return mean_metrics(m for _, m in rows), rows


def shipped_trees(**settings: Any) -> Model:
    """The shipped trees' learner (``judged_reranker.PARAMS``, as ``scripts/train_judged_reranker.py`` trains
    it), with ``settings`` changed."""
    return partial(HistGradientBoostingClassifier, **{**judged_reranker.PARAMS, **settings})


def report_set_out(corpus: Corpus, data: dict[str, list[Candidates]], label: str, kept: Sequence[str],
                   fit: Fit | None, targets: Sequence[str] | None = None, recall: bool = False) -> list[float]:
    """One line: nDCG@10 / p@5 (and r@50 with ``recall``) of each development set re-ranked by what ``fit``
    learns from the other three (``None``: the shipped score), or of each of ``targets`` by what it learns from
    all four, then nDCG@10 per profile group over them. Returns each profile's nDCG@10, in order."""
    development = [name for name, _, _ in DEVELOPMENT_SETS]
    cells, groups, each = [], defaultdict(list), []
    for held in targets or development:
        found, rows = set_out(corpus, data, kept, fit, held, [n for n in development if n != held])
        cells.append(f"{held} {found['ndcg@10']:.3f} / {found['p@5']:.3f}"
                     + (f" / {found['r@50']:.3f}" if recall else ""))
        for group, metrics in rows:
            groups[group].append(metrics["ndcg@10"])
            each.append(metrics["ndcg@10"])
    shown = " ".join(f"{g} {np.mean(v):.3f}" for g, v in sorted(groups.items()))
    print(f"{label:42s} " + " | ".join(cells) + f" || {shown}", flush=True)
    return each


def paired_interval(after: Sequence[float], before: Sequence[float], rounds: int = 10_000,
                    seed: int = 7) -> tuple[float, float, float]:
    """The mean per-profile difference and a 95% percentile bootstrap interval over profiles: sets of 24
    profiles whose nDCG@10 swings by 0.1-0.5 each move by a few hundredths by chance (evaluation/RESULTS.md)."""
    diff = np.asarray(after) - np.asarray(before)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(rounds, len(diff)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(diff.mean()), float(np.percentile(means, 97.5))


def shipped_view(names: Sequence[str]) -> list[str]:
    """The columns the shipped trees read, as ``candidates_of`` names them."""
    return [n for n in names if n.startswith("feature ") or n in (
        "term guard", "shipped score", "breadth", "profile has codes", "profile in a foreign script",
        "best suggestion's confidence", *SOURCE_COLUMNS, KOREAN_COLUMN)]


def loso(matcher: Matcher, corpus: Corpus, folder: Path, held_out: bool = False) -> None:
    """A learned re-ranker of the shipped top ``DEPTH``, trained on the grades of three development sets and
    scored on the fourth, each in turn (leave one set out): the shipped features alone (as ``reranker``), then
    with what says when to trust the code signal (how many CPV groups a notice spans; whether the profile has
    confirmed codes, is written in a script no notice uses, how confident its best suggestion is; and their
    products with the code column)."""
    data = development_data(matcher, corpus, folder, held_out)
    names = list(data[DEVELOPMENT_SETS[0][0]][0].columns)
    plain = [n for n in names if n.startswith("feature ") or n in ("term guard", "shipped score")]
    views = {"shipped features": plain, "+ breadth": [*plain, "breadth"],
             "+ breadth, profile facts": shipped_view(names), "+ interactions": names}
    models: dict[str, Model | None] = {"shipped": None, "logistic C=1": partial(LogisticRegression, C=1.0,
                                                                                  max_iter=3000)}
    for depth in (2, 3):
        models[f"trees depth={depth}"] = shipped_trees(max_depth=depth)
    development = [name for name, _, _ in DEVELOPMENT_SETS]
    for view, kept in views.items():
        for model_name, make in models.items():
            if make is None and view != "shipped features":
                continue
            if held_out and make is not None and (model_name, view) not in HELD_OUT_CANDIDATES:
                continue
            cells = []
            # held out: trained on every development set, scored on the held-out sets only
            for held in [name for name, _, _ in HELD_OUT_SETS] if held_out else development:
                found, _ = set_out(corpus, data, kept, None if make is None else relevance_fit(make), held,
                                   [n for n in development if n != held])
                cells.append(f"{held} {found['ndcg@10']:.3f} / {found['p@5']:.3f}")
            label = "shipped" if make is None else f"{model_name}, {view}"
            print(f"{label:50s} " + " | ".join(cells), flush=True)


def compare_views(corpus: Corpus, data: dict[str, list[Candidates]], views: dict[str, list[str]],
                  held_out: bool) -> None:
    """The shipped trees retrained on each view's columns (``report_set_out``: leave one development set out,
    or with ``held_out`` trained on all four and read on the held-out sets), then each view after the first
    against the first, per profile (``paired_interval``)."""
    targets = [name for name, _, _ in HELD_OUT_SETS] if held_out else None
    each = {view: report_set_out(corpus, data, view, kept, relevance_fit(shipped_trees()), targets, recall=True)
            for view, kept in views.items()}
    first = next(iter(views))
    for view in list(views)[1:]:
        low, mean, high = paired_interval(each[view], each[first])
        print(f"{view} - {first}: nDCG@10 per profile {mean:+.3f} (95% interval {low:+.3f} to {high:+.3f}) over "
              f"{len(each[view])} profiles")


def sources(matcher: Matcher, corpus: Corpus, folder: Path, held_out: bool = False) -> None:
    """The shipped trees with and without the columns saying where a code match comes from (``SOURCE_COLUMNS``:
    through the keywords' translations, through the description's suggestions), and with only a flag for a
    match through a translation, leave one development set out (with ``held_out``: trained on all four, read
    on the held-out sets); each against the trees without them, per profile (``paired_interval``)."""
    data = development_data(matcher, corpus, folder, held_out)
    for candidates in data.values():
        for c in candidates:
            c.columns["match through a translation"] = (c.columns[SOURCE_COLUMNS[0]] >= c.columns[SOURCE_COLUMNS[1]]
                                                        ) & (c.columns[SOURCE_COLUMNS[0]] > 0)
    names = list(data[DEVELOPMENT_SETS[0][0]][0].columns)
    without = [n for n in shipped_view(names) if n not in SOURCE_COLUMNS]
    views = {"without the sources": without, "with a translation flag": [*without, "match through a translation"],
             "with the sources (shipped)": shipped_view(names)}
    compare_views(corpus, data, views, held_out)


def korean(matcher: Matcher, corpus: Corpus, folder: Path, held_out: bool = False) -> None:
    """The shipped trees without the Korean-label column (``KOREAN_COLUMN``), with it as shipped (the firm's
    Korean keywords as the query), and with the whole text's Hangul as the query instead, leave one development
    set out (with ``held_out``: trained on all four, read on the held-out sets); each against the first, per
    profile (``paired_interval``)."""
    data = development_data(matcher, corpus, folder, held_out)
    for candidates in data.values():
        for c in candidates:
            whole = tuple(bigrams(c.prepared.judged.profile.text()))
            c.columns["korean, whole text"] = korean_label_match(whole, [corpus.tenders[i] for i in c.top])
    shipped = shipped_view(list(data[DEVELOPMENT_SETS[0][0]][0].columns))
    without = [n for n in shipped if n != KOREAN_COLUMN]
    views = {"without the Korean labels": without, "with them, the keywords (shipped)": shipped,
             "with them, the whole text": [*without, "korean, whole text"]}
    compare_views(corpus, data, views, held_out)


def own_language(matcher: Matcher, corpus: Corpus, folder: Path, held_out: bool = False) -> None:
    """The shipped trees, and with one more column: the labels of the firm's codes, in a notice's language,
    looked up in the notice's own words (``matcher.ranking.own_language``): the best code's share of label stems
    found, stems of 6 letters (``OWN_LANGUAGE_COLUMN``), leave one development set out (with ``held_out``:
    trained on all four, read on the held-out sets); then, on the development sets only, forms screened beside
    it: stems of 5 or 7 letters, and a label's stems weighed by their IDF over the list's labels in that
    language. Screened and not built: evaluation/RESULTS.md, "A notice's own words"."""
    data = development_data(matcher, corpus, folder, held_out)
    variants = {OWN_LANGUAGE_COLUMN: (STEM, False)}
    if not held_out:
        variants |= {"stems of 5": (5, False), "stems of 7": (7, False), "IDF-weighted": (STEM, True)}
    book = codebook()
    for candidates in data.values():
        for c in candidates:
            codes = ranking_codes(matcher, c.prepared.judged.profile)
            for name, (stem, weighed) in variants.items():
                values = []
                for i in c.top:
                    tender = corpus.tenders[i]
                    language, found = tender.language or DEFAULT_LANGUAGE, text_stems(notice_text(tender), stem)
                    values.append(max((label_weight_found(label, language, found, stem, weighed) for code in codes
                                       if (label := book.label_in(code, language))), default=0.0))
                c.columns[name] = np.array(values)
    shipped = shipped_view(list(data[DEVELOPMENT_SETS[0][0]][0].columns))
    views = {"shipped": shipped, f"+ the notice's own words (stems of {STEM})": [*shipped, OWN_LANGUAGE_COLUMN]}
    views |= {f"+ {name}": [*shipped, name] for name in variants if name != OWN_LANGUAGE_COLUMN}
    compare_views(corpus, data, views, held_out)


@lru_cache(maxsize=64)
def label_stem_idf(language: str, stem: int) -> dict[str, float]:
    """IDF of each stem over the CPV list's labels in ``language`` (one document per label)."""
    book = codebook()
    labels = book.labels.values() if language == "en" else book.translations.get(language, {}).values()
    documents = [set(stems(label, stem)) for label in labels]
    frequency = Counter(s for document in documents for s in document)
    return {s: float(np.log((len(documents) + 1) / (f + 0.5))) for s, f in frequency.items()}


@lru_cache(maxsize=20_000)
def text_stems(text: str, stem: int) -> frozenset[str]:
    """The distinct stems (``own_language.stems``) of a notice's text."""
    return frozenset(stems(text, stem))


def label_weight_found(label: str, language: str, found: frozenset[str], stem: int, weighed: bool) -> float:
    """The share of a label's stems that ``found`` holds, each stem counting 1 or (``weighed``) its IDF over the
    list's labels in ``language``."""
    mine = set(stems(label, stem))
    if not weighed:
        return len(mine & found) / len(mine) if mine else 0.0
    language_idf = label_stem_idf(language, stem)
    total = sum(language_idf.get(s, 0.0) for s in mine)
    return sum(language_idf.get(s, 0.0) for s in mine if s in found) / total if total > 0 else 0.0


def columns(matcher: Matcher, corpus: Corpus, folder: Path) -> None:
    """One more column for the shipped trees (depth 2, the shipped view), leave one development set out: the
    profile's best cosine with the labels of a notice's codes (its Korean labels too for a Korean text, as code
    inference compares them), the same for the notice's main code, the profile's cosine with the notice's
    English title (or title), the dense score's rank within the candidates, and the best cosine of one of the
    firm's keywords with the notice's text or title (the profile's own cosines when it has no keywords)."""
    data = development_data(matcher, corpus, folder)
    embedder = matcher.embedder
    space = label_space(embedder, "CPV")
    rows_of: dict[str, list[int]] = defaultdict(list)
    for row, code in enumerate(space.codes):
        rows_of[code].append(row)
    titles = embedder.encode_documents([t.titles.get("en") or t.title for t in corpus.tenders])
    documents = embedder.encode_documents([t.text() for t in corpus.tenders])
    for candidates in data.values():
        for c in candidates:
            profile = c.prepared.judged.profile
            text = profile.text()
            query = embedder.encode_queries([text])[0]
            if profile.keywords:
                keywords = embedder.encode_queries(list(profile.keywords))
                c.columns["keyword cosine"] = (documents[c.top] @ keywords.T).max(axis=1)
                c.columns["keyword title cosine"] = (titles[c.top] @ keywords.T).max(axis=1)
            else:
                c.columns["keyword cosine"] = c.columns["feature dense"]
                c.columns["keyword title cosine"] = titles[c.top] @ query
            languages = label_languages(text)
            best, main = [], []
            for i in c.top:
                cosines = [max((float(space.matrix[r] @ query) for r in rows_of[code]
                                if space.languages is None or space.languages[r] in languages), default=None)
                           for code in corpus.tenders[i].codes]
                known = [x for x in cosines if x is not None]
                best.append(max(known, default=0.0))
                main.append(cosines[0] if cosines and cosines[0] is not None else 0.0)
            c.columns["label cosine"] = np.array(best)
            c.columns["main label cosine"] = np.array(main)
            c.columns["title cosine"] = titles[c.top] @ query
            dense = c.columns["feature dense"]
            c.columns["dense rank"] = np.argsort(np.argsort(-dense)) / len(dense)
    base = shipped_view(list(data[DEVELOPMENT_SETS[0][0]][0].columns))
    views = {"shipped": [], "+ label cosine": ["label cosine"], "+ main label cosine": ["main label cosine"],
             "+ title cosine": ["title cosine"], "+ label and title cosines": ["label cosine", "title cosine"],
             "+ dense rank": ["dense rank"], "+ keyword cosine": ["keyword cosine"],
             "+ keyword title cosine": ["keyword title cosine"]}
    for view, extra in views.items():
        report_set_out(corpus, data, view, [*base, *extra], relevance_fit(shipped_trees()))


def prototypes(matcher: Matcher, corpus: Corpus, folder: Path) -> None:
    """One more column for the shipped trees, leave one development set out: a notice's cosine with the
    prototype of the CPV classes ranking reads for the firm (each class's prototype: the normalised mean vector
    of the stored notices carrying a code of that class), over every code ranking reads or the first only. A
    class's notices sit together in the encoder's space whatever their language (their texts carry the codes'
    English labels), so the prototype reaches a notice in Bulgarian through its Bulgarian siblings' words."""
    data = development_data(matcher, corpus, folder)
    documents = matcher.embedder.encode_documents([t.text() for t in corpus.tenders])
    documents = documents / (np.linalg.norm(documents, axis=1, keepdims=True) + 1e-12)
    members: dict[str, list[int]] = defaultdict(list)
    for i, tender in enumerate(corpus.tenders):
        for key in {class_key(code) for code in tender.codes} - {None}:
            members[str(key)].append(i)
    centroid = {key: documents[rows].mean(axis=0) for key, rows in members.items()}

    def column(codes: Sequence[str], top: np.ndarray, dense: np.ndarray) -> np.ndarray:
        found = [centroid[k] for k in dict.fromkeys(class_key(c) for c in codes) if k is not None and k in centroid]
        if not found:
            return dense
        prototype = np.mean(found, axis=0)
        return np.asarray(documents[top] @ (prototype / (np.linalg.norm(prototype) + 1e-12)))

    for candidates in data.values():
        for c in candidates:
            codes = ranking_codes(matcher, c.prepared.judged.profile)
            dense = c.columns["feature dense"]
            c.columns["prototype, every code"] = column(codes, c.top, dense)
            c.columns["prototype, first code"] = column(codes[:1], c.top, dense)
            c.columns["prototype, first three"] = column(codes[:3], c.top, dense)
    base = shipped_view(list(data[DEVELOPMENT_SETS[0][0]][0].columns))
    views = {"shipped": [], "+ prototype, every code": ["prototype, every code"],
             "+ prototype, first code": ["prototype, first code"],
             "+ prototype, first three": ["prototype, first three"]}
    shipped = None
    for view, extra in views.items():
        each = report_set_out(corpus, data, view, [*base, *extra], relevance_fit(shipped_trees()))
        if shipped is None:
            shipped = each
        else:
            low, mean, high = paired_interval(each, shipped)
            print(f"{'':42s} per profile {mean:+.3f} ({low:+.3f} to {high:+.3f})", flush=True)


def learners(matcher: Matcher, corpus: Corpus, folder: Path) -> None:
    """The shipped trees' columns, other targets and settings, leave one development set out: relevant = graded
    2 only, a 2 weighing 1 or 6 times a 1, a regression on the nDCG gains, deeper or slower trees."""
    data = development_data(matcher, corpus, folder)
    kept = shipped_view(list(data[DEVELOPMENT_SETS[0][0]][0].columns))

    def gains(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        model = HistGradientBoostingRegressor(**judged_reranker.PARAMS).fit(x, np.array([0.0, 1.0, 3.0])[y])
        return model.predict  # type: ignore[no-any-return]

    variants: dict[str, Fit] = {
        "shipped": relevance_fit(shipped_trees()), "relevant = graded 2": relevance_fit(shipped_trees(), 2, 1.0),
        "a 2 weighs 1": relevance_fit(shipped_trees(), 1, 1.0), "a 2 weighs 6": relevance_fit(shipped_trees(), 1, 6.0),
        "regression on gains 0/1/3": gains,
        "depth 3, leaf 80": relevance_fit(shipped_trees(max_depth=3, min_samples_leaf=80)),
        "300 trees, rate 0.03": relevance_fit(shipped_trees(max_iter=300, learning_rate=0.03)),
        "75 trees": relevance_fit(shipped_trees(max_iter=75)),
        "leaf 100": relevance_fit(shipped_trees(min_samples_leaf=100)),
    }
    for name, fit in variants.items():
        report_set_out(corpus, data, name, kept, fit)


def suggestion_orders(matcher: Matcher, corpus: Corpus, folder: Path) -> None:
    """The suggested codes ranking reads (its first five) in other orders, each with trees retrained on it,
    leave one development set out: the keywords' translations first (shipped), every suggestion by confidence
    (``Inferred.shown``), a translation first only above a confidence, or the description's suggestions
    alone."""

    def confident_translations(floor: float) -> Callable[[Inferred], list[SuggestedCode]]:
        def ordered(inferred: Inferred) -> list[SuggestedCode]:
            return Inferred(inferred.described, tuple(s for s in inferred.translated if s.confidence >= floor)
                            ).ranked()
        return ordered

    orders: dict[str, Callable[[Inferred], list[SuggestedCode]]] = {
        "translations first (shipped)": Inferred.ranked, "by confidence": Inferred.shown,
        "translations of confidence >= 0.05 first": confident_translations(0.05),
        "translations of confidence >= 0.2 first": confident_translations(0.2),
        "description's suggestions alone": lambda inferred: list(inferred.described),
    }
    for name, ordered in orders.items():
        data = development_data(matcher, corpus, folder, ordered=ordered)
        kept = shipped_view(list(data[DEVELOPMENT_SETS[0][0]][0].columns))
        report_set_out(corpus, data, name, kept, relevance_fit(shipped_trees()))


def gates(corpus: Corpus, prepared: list[Prepared]) -> None:
    """The contract-nature fit as a gate instead of a weighted term: the whole score times a function of it, or
    the code signal's distance from neutral scaled by it."""
    nature, codes = FEATURES.index("nature"), FEATURES.index("codes")

    def power(g: float) -> Callable[[Prepared], np.ndarray]:
        return lambda p: shipped_scores(p) * p.matrix[:, nature] ** g

    def floor(a: float) -> Callable[[Prepared], np.ndarray]:
        return lambda p: shipped_scores(p) * (a + (1 - a) * p.matrix[:, nature])

    def gated_codes(c: float) -> Callable[[Prepared], np.ndarray]:
        def score(p: Prepared) -> np.ndarray:
            matrix = p.matrix.copy()
            matrix[:, codes] = 0.5 + (matrix[:, codes] - 0.5) * np.minimum(1.0, matrix[:, nature] / c)
            return shipped_scores(p, matrix)
        return score

    variants: dict[str, Callable[[Prepared], np.ndarray]] = {"shipped": shipped_scores}
    variants |= {f"score x nature^{g}": power(g) for g in (0.25, 0.5, 1.0)}
    variants |= {f"score x ({a} + {1 - a:.1f} nature)": floor(a) for a in (0.3, 0.5, 0.7)}
    variants |= {f"codes gated by nature / {c}": gated_codes(c) for c in (0.5, 1.0)}
    for name, scores in variants.items():
        report(name, [(p, metrics_of(corpus.ids, scores(p), p)) for p in prepared])


def what_it_buys(tender: Tender) -> str:
    """Title, TED's English title and the codes' English labels; the whole text for a notice whose codes
    have no label to say what it buys."""
    labels = code_labels(tender.codes)
    if not labels:
        return tender.text()
    english = tender.titles.get("en", "")
    return "\n".join(p for p in (tender.title, english if english != tender.title else "", labels) if p)


def views(matcher: Matcher, corpus: Corpus, prepared: list[Prepared]) -> None:
    """What the dense signal compares with a profile: a notice's whole text as shipped (title, English title,
    code labels, description: ``Tender.text``), what it buys without the description (``what_it_buys``), the
    description cut short, or the titles alone; and the firm's keywords, each against the whole text (the
    best keyword, mixed into the dense signal). Every notice is scored, as if retrieval were perfect."""
    column = FEATURES.index("dense")
    queries = matcher.embedder.encode_queries([p.judged.profile.text() for p in prepared])

    def cut(t: Tender, keep: int) -> str:
        return t.text().replace(t.description, t.description[:keep]) if t.description and t.codes else t.text()

    recipes: dict[str, Callable[[Tender], str]] = {
        "whole text": Tender.text,
        "no description": what_it_buys,
        "description's first 300 characters": lambda t: cut(t, 300),
        "description's first 800 characters": lambda t: cut(t, 800),
        "titles only": lambda t: "\n".join(dict.fromkeys(x for x in (t.title, t.titles.get("en", "")) if x)),
    }
    vectors = {name: matcher.embedder.encode_documents([recipe(t) for t in corpus.tenders])
               for name, recipe in recipes.items()}
    for name, documents in vectors.items():
        report(f"dense embeds: {name}", [
            (p, metrics_of(corpus.ids, shipped_scores(p, replaced(p, column, np.clip(documents @ q, 0.0, 1.0))), p))
            for p, q in zip(prepared, queries, strict=True)])
    whole = vectors["whole text"]
    best_keyword = [
        np.clip((whole @ matcher.embedder.encode_queries(list(p.judged.profile.keywords)).T).max(axis=1), 0.0, 1.0)
        if p.judged.profile.keywords else None for p in prepared]
    for weight in (0.3, 0.5):
        rows = []
        for p, query, best in zip(prepared, queries, best_keyword, strict=True):
            dense = np.clip(whole @ query, 0.0, 1.0)
            mixed = dense if best is None else (1 - weight) * dense + weight * best
            rows.append((p, metrics_of(corpus.ids, shipped_scores(p, replaced(p, column, mixed)), p)))
        report(f"whole text, best keyword mixed in at {weight}", rows)


def breadth(corpus: Corpus, prepared: list[Prepared]) -> None:
    """The code signal discounted by how many CPV groups a notice spans: a supply catalogue listing 158 codes
    over 59 groups matches some code of almost every goods maker."""
    codes = FEATURES.index("codes")
    groups = np.array([max(1, len({c[:7] for c in t.codes if c.startswith("CPV:")})) for t in corpus.tenders])
    shares = [np.mean(groups == 1), np.mean((groups > 1) & (groups < 5)), np.mean((groups >= 5) & (groups < 10)),
              np.mean(groups >= 10)]
    print("notices by CPV groups spanned: 1: {:.2f}, 2-4: {:.2f}, 5-9: {:.2f}, 10+: {:.2f}".format(*shares))

    def discounted(free: int, power: float, neutral: bool) -> Callable[[Prepared], np.ndarray]:
        factor = np.minimum(1.0, (free / groups) ** power)

        def score(p: Prepared) -> np.ndarray:
            column = p.matrix[:, codes]
            # either the whole value shrinks, or only its distance above neutral
            values = np.where(column > 0.5, 0.5 + (column - 0.5) * factor, column) if neutral else column * factor
            return shipped_scores(p, replaced(p, codes, values))
        return score

    variants: dict[str, Callable[[Prepared], np.ndarray]] = {"shipped": shipped_scores}
    for free in (3, 5, 10):
        for power in (0.5, 1.0):
            for neutral in (False, True):
                variants[f"codes x ({free}/groups)^{power}{' above 0.5' if neutral else ''}"] = discounted(
                    free, power, neutral)
    for name, scores in variants.items():
        report(name, [(p, metrics_of(corpus.ids, scores(p), p)) for p in prepared])


@dataclass
class WithSuggestions:
    """Ranking each judged profile with another list of suggested codes, as ``Matcher.recommend`` scores it:
    the notices' and the profiles' vectors are encoded once, each list is weighed as ranking weighs it."""

    corpus: Corpus
    judged: list[JudgedProfile]
    lexical: LexicalModel
    documents: np.ndarray
    queries: np.ndarray

    @classmethod
    def of(cls, matcher: Matcher, corpus: Corpus, judged: list[JudgedProfile]) -> WithSuggestions:
        return cls(corpus, judged, matcher.index.current().lexical,
                   matcher.embedder.encode_documents([t.text() for t in corpus.tenders]),
                   matcher.embedder.encode_queries([j.profile.text() for j in judged]))

    def dense(self, i: int) -> np.ndarray:
        """Profile ``i``'s cosine with every notice."""
        return np.asarray(self.documents @ self.queries[i])

    def metrics(
        self, i: int, pairs: Sequence[tuple[str, float]], scale: float = 1.0
    ) -> tuple[Prepared, dict[str, float]]:
        """Profile ``i`` ranked with the suggested (code, confidence) ``pairs`` (their ranking weights times
        ``scale``), and its metrics."""
        inferred = [(c, w * scale) for c, w in weigh_inferred(list(pairs), INFERRED_RULE, INFERRED_FOR_RANKING)]
        item = self.judged[i]
        scored = score_candidates(item.profile, self.corpus.tenders, self.dense(i).tolist(), self.lexical, None,
                                  inferred)
        prepared = Prepared(item, scored.matrix, scored.multipliers)
        return prepared, metrics_of(self.corpus.ids, shipped_scores(prepared), prepared)


#: (a notice's stated contract nature, the nature of one of its codes)
NaturePair = tuple[str, str]


def offnature(matcher: Matcher, corpus: Corpus, prepared: list[Prepared]) -> None:
    """The code signal with matches through off-nature codes (a code whose nature is not the notice's stated
    contract nature) weighed by ``alpha``, on every notice or on notices of one stated nature only."""
    column = FEATURES.index("codes")
    batch = prepare_candidates(corpus.tenders, matcher.index.current().lexical)
    natures = [nature_of_code(c) for c in batch.codes]
    table = batch.code_table
    stated = np.array([t.contract_nature or "" for t in corpus.tenders])
    slot_nature = np.array([[natures[j] or "" if j >= 0 else "" for j in row] for row in table], dtype=object)
    off = (slot_nature != "") & (stated[:, None] != "") & (slot_nature != stated[:, None])
    print(f"notices with an off-nature code: {np.mean(off.any(axis=1)):.2f}; by stated nature: " + ", ".join(
        f"{n} {np.mean(off[stated == n].any(axis=1)):.2f} of {np.sum(stated == n)}"
        for n in ("supplies", "services", "works")), flush=True)
    weighed = [weigh_inferred([(s.code, s.confidence) for s in matcher.suggestions.inferred(p.judged.profile)
                               .ranked()[:10]], INFERRED_RULE, INFERRED_FOR_RANKING) for p in prepared]
    bests = []
    for p, inferred in zip(prepared, weighed, strict=True):
        best = np.zeros(len(batch.codes) + 1, dtype=np.float64)  # the last reads padding (-1) as 0
        for code, weight in weighted_codes(p.judged.profile.codes, inferred):
            for j in range(len(batch.codes)):
                best[j] = max(best[j], weight * code_similarity(code, batch.codes[j]))
        bests.append(best[table])
    shipped_column = [p.matrix[:, column] for p in prepared]

    def discounted(alpha: float, pairs: frozenset[NaturePair] | None) -> Callable[[int, Prepared], np.ndarray]:
        hit = off if pairs is None else np.isin(
            np.char.add(np.char.add(stated[:, None].astype(str), ">"), slot_nature.astype(str)),
            [f"{a}>{b}" for a, b in pairs])

        def score(i: int, p: Prepared) -> np.ndarray:
            values = np.where(batch.has_codes, (bests[i] * np.where(hit, alpha, 1.0)).max(axis=1),
                              shipped_column[i])
            return shipped_scores(p, replaced(p, column, values))
        return score

    assert all(np.allclose(discounted(1.0, None)(i, p), shipped_scores(p)) for i, p in enumerate(prepared))
    kinds: dict[str, frozenset[NaturePair] | None] = {
        "": None,
        " on services": frozenset({("services", "supplies"), ("services", "works")}),
        " on supplies": frozenset({("supplies", "services"), ("supplies", "works")}),
        " on works": frozenset({("works", "supplies"), ("works", "services")}),
        ": works codes on services": frozenset({("services", "works")}),
        ": supplies codes on services": frozenset({("services", "supplies")}),
        ": services codes on supplies": frozenset({("supplies", "services")}),
        ": works codes on services, services codes on supplies": frozenset(
            {("services", "works"), ("supplies", "services")}),
    }
    variants = {"shipped": discounted(1.0, None)}
    for kind, pairs in kinds.items():
        for alpha in (0.75, 0.5, 0.0):
            variants[f"off-nature x {alpha}{kind}"] = discounted(alpha, pairs)
    for name, scores in variants.items():
        report(name, [(p, metrics_of(corpus.ids, scores(i, p), p)) for i, p in enumerate(prepared)])


def ownnature(matcher: Matcher, corpus: Corpus, judged: list[JudgedProfile]) -> None:
    """Suggested codes of a nature the firm's own words and confirmed codes do not give it (a share below
    ``tau`` times its main nature's) left out of ranking; with ``refill`` the next suggestions take their place.
    A firm whose words and codes say nothing keeps every suggestion."""
    ranking = WithSuggestions.of(matcher, corpus, judged)
    suggested = [[(s.code, s.confidence) for s in matcher.suggestions.inferred(j.profile).ranked()[:MAX_SUGGESTIONS]]
                 for j in judged]
    own = [firm_natures(j.profile) for j in judged]
    for j, natures, pairs in zip(judged, own, suggested, strict=True):
        top = max(natures.values(), default=0.0)
        print(f"  {j.profile.firm_id:26s} {' '.join(f'{n}={v:.2f}' for n, v in natures.items() if v)} | "
              + " ".join(f"{c}{'' if not top or natures.get(nature_of_code(c) or '', top) >= top / 2 else '(x)'}"
                         for c, _ in pairs[:INFERRED_FOR_RANKING]))

    def kept(pairs: list[tuple[str, float]], natures: dict[str, float], tau: float, refill: bool,
             only: str | None = None) -> list[tuple[str, float]]:
        top = max(natures.values(), default=0.0)
        allowed = [(c, w) for c, w in pairs
                   if not top or nature_of_code(c) is None or (only is not None and nature_of_code(c) != only)
                   or natures.get(nature_of_code(c) or "", 0.0) >= tau * top]
        if refill:
            return allowed
        first = pairs[:INFERRED_FOR_RANKING]
        return [pair for pair in allowed if pair in first]

    variants: list[tuple[str, float, bool, str | None]] = [("shipped", 0.0, False, None)]
    for o in (None, "services", "works", "supplies"):
        for t in (0.01, 0.5):
            for r in (False, True):
                variants.append((f"own nature >= {t} x main{' refilled' * r}{f' ({o})' if o else ''}", t, r, o))
    for name, tau, refill, only in variants:
        report(name, [ranking.metrics(i, kept(pairs, natures, tau, refill, only))
                      for i, (pairs, natures) in enumerate(zip(suggested, own, strict=True))])


#: Whether to keep a suggestion, given the first five.
Keep = Callable[[SuggestedCode, list[SuggestedCode]], bool]


def trust(matcher: Matcher, corpus: Corpus, judged: list[JudgedProfile]) -> None:
    """Ranking with only the suggestions (of the first five) that each variant's ``Keep`` passes."""
    ranking = WithSuggestions.of(matcher, corpus, judged)
    suggested = [matcher.suggestions.inferred(j.profile).ranked()[:INFERRED_FOR_RANKING] for j in judged]

    def at_least(t: float) -> Keep:
        return lambda s, _: s.confidence >= t

    def relative(t: float) -> Keep:
        return lambda s, first: s.confidence >= t * max(x.confidence for x in first)

    variants: dict[str, Keep] = {"shipped": lambda s, _: True}
    for t in (0.02, 0.05, 0.1, 0.2):
        variants[f"confidence >= {t}"] = at_least(t)
        variants[f"confidence >= {t} x the best"] = relative(t)
    variants["voted for by notices (not labels alone)"] = lambda s, _: s.source != "labels"
    for name, keep in variants.items():
        report(name, [ranking.metrics(i, [(s.code, s.confidence) for s in first if keep(s, first)])
                      for i, first in enumerate(suggested)])


def script(matcher: Matcher, corpus: Corpus, judged: list[JudgedProfile]) -> None:
    """Suggestions weighed less, or fewer of them, for a profile written in a script the notices use (English,
    French...): its own words already reach the notices through the lexical and dense signals, and a wrong
    suggestion pulls its ranking off; a Korean profile reaches them only through its suggestions. ``codes``
    variants apply to every such profile, the others only to those without confirmed codes."""
    ranking = WithSuggestions.of(matcher, corpus, judged)
    suggested = [[(s.code, s.confidence) for s in matcher.suggestions.inferred(j.profile).ranked()[:MAX_SUGGESTIONS]]
                 for j in judged]
    notice_script = [not foreign_script(j.profile.text()) for j in judged]
    print("  profiles in a notice script:", sum(notice_script), "of", len(judged), "; of them without codes:",
          sum(n and not j.profile.codes for n, j in zip(notice_script, judged, strict=True)))
    variants: list[tuple[str, float, int, bool]] = [("shipped", 1.0, INFERRED_FOR_RANKING, True)]
    for with_codes in (False, True):
        for scale in (0.0, 0.5):
            variants.append((f"suggestions x {scale}{' (codes too)' * with_codes}", scale, INFERRED_FOR_RANKING,
                             with_codes))
        for k in (1, 2):
            variants.append((f"first {k} suggestions{' (codes too)' * with_codes}", 1.0, k, with_codes))
    for name, scale, k, with_codes in variants:
        rows = []
        for i, (j, pairs) in enumerate(zip(judged, suggested, strict=True)):
            applies = notice_script[i] and (with_codes or not j.profile.codes)
            rows.append(ranking.metrics(i, pairs[:k] if applies else pairs, scale if applies else 1.0))
        report(name, rows)


def agree(matcher: Matcher, corpus: Corpus, judged: list[JudgedProfile]) -> None:
    """Ranking with only the suggestions whose nature makes up at least ``share`` of the stated contract natures
    of the profile's ``k`` nearest notices (a suggestion of unknown nature, or a profile whose neighbours state
    none, keeps them all); ``refill`` lets the next suggestions take the place of those left out."""
    ranking = WithSuggestions.of(matcher, corpus, judged)
    suggested = [matcher.suggestions.inferred(j.profile).ranked()[:MAX_SUGGESTIONS] for j in judged]
    stated = [t.contract_nature for t in corpus.tenders]

    def kept(first: list[SuggestedCode], near: np.ndarray, share: float, refill: bool) -> list[tuple[str, float]]:
        counts = Counter(stated[i] for i in near if stated[i])
        whole = sum(counts.values())
        pool = first if refill else first[:INFERRED_FOR_RANKING]
        return [(s.code, s.confidence) for s in pool if not whole or (nature := nature_of_code(s.code)) is None
                or counts[nature] / whole >= share][:INFERRED_FOR_RANKING]

    settings = [(0, 0.0, False)] + [(k, share, refill) for k in (10, 30) for share in (0.1, 0.2, 0.34)
                                    for refill in (False, True)]
    for k, share, refill in settings:
        rows = [ranking.metrics(i, kept(first, np.argsort(-ranking.dense(i))[:k], share, refill))
                for i, first in enumerate(suggested)]
        report("shipped" if not k else f"agree k={k} share>={share}{' refilled' if refill else ''}", rows)


def floor(matcher: Matcher, files: Sequence[Path]) -> None:
    """Where ``code_inference.KNN_MIN_COSINE`` comes from: the cosines between judged profiles and every
    indexed notice (percentiles), and the least cosine of a profile's 10th nearest notice, per judged file."""
    loaded = matcher.index.current()
    for path in files:
        profiles = [j.profile for j in load_judged(path)]
        queries = matcher.embedder.encode_queries([p.text() for p in profiles])
        rows = loaded.vectors.search(queries, len(loaded.vectors))
        cosines = np.array([sim for row in rows for _, sim in row])
        tenth = min(row[9][1] for row in rows)
        print(f"{path.name}: {len(profiles)} profiles; cosine to every notice p50 {np.percentile(cosines, 50):.3f}, "
              f"p97 {np.percentile(cosines, 97):.3f}, p99 {np.percentile(cosines, 99):.3f}; "
              f"least 10th-nearest {tenth:.3f}")


def metrics_of(ids: list[str], scores: np.ndarray, prepared: Prepared) -> dict[str, float]:
    return profile_metrics([ids[i] for i in order(scores, ids, 50)], prepared.judged.grades)


def keywords(matcher: Matcher, corpus: Corpus, judged: list[JudgedProfile]) -> None:
    """Ranking with keywords translated into codes (``code_inference.keyword_suggestions``) ahead of the other
    suggestions: none, those in a script no notice uses (what ranking reads), or every keyword; at several
    floors for the cosine with a label in the keyword's own language."""
    loaded = matcher.index.current()
    ranking = WithSuggestions.of(matcher, corpus, judged)
    space = label_space(matcher.embedder, "CPV")
    codes_of = matcher.suggestions._codes_of
    rules: dict[str, tuple[Callable[[str], bool], float]] = {
        "none (before)": (lambda _: False, 1.1),
        **{f"foreign script, own-language cosine >= {c}": (foreign_script, c) for c in (0.7, 0.75, 0.8, 0.85)},
        **{f"every keyword, own-language cosine >= {c}": (lambda _: True, c) for c in (0.75,)},
    }
    base = []
    for i, item in enumerate(judged):
        near = nearest_notices(loaded.vectors.search, ranking.queries[i : i + 1])[0]
        votes = knn_votes(near, codes_of([t for t, _ in near]))
        schemes = matcher.suggestions._schemes_in_use(item.profile, loaded.build_id)
        suggested = infer_codes(matcher.embedder, [item.profile.text()], loaded.vectors.search, codes_of, schemes,
                                MAX_SUGGESTIONS)[0].described
        base.append((votes, suggested))
    for name, (chosen, floor) in rules.items():
        rows = []
        for i, (item, (votes, suggested)) in enumerate(zip(judged, base, strict=True)):
            words = [w for w in item.profile.keywords if chosen(w)]
            translated = keyword_suggestions(words, matcher.embedder.encode_queries(words), space, votes,
                                             min_cosine_own=floor) if words else []
            ranked = Inferred(tuple(suggested), tuple(translated)).ranked()
            rows.append(ranking.metrics(i, [(s.code, s.confidence) for s in ranked]))
        report(name, rows)


FeedbackSignal = Callable[..., list[tuple[float, str]]]


def decisions(matcher: Matcher, judged: list[JudgedProfile], only_new: bool = False) -> None:
    """The decision effect with ``feedback_signal``'s pull and push scaled (``value = 0.5 + (pull * a - push *
    b) / 2``), or either likeness by the text cosine alone. The recommender reads ``feedback_signal`` from its
    module, so each variant takes its place there for one run."""
    import matcher.services.recommender as recommender

    shipped: FeedbackSignal = feedback.feedback_signal
    namespace = vars(recommender)  # where ``Recommender`` looks the signal up

    def blended(ids: Sequence[str], vectors: np.ndarray, statuses: dict[str, str], approved: feedback.Decided,
                rejected: feedback.Decided, codes: Sequence[Sequence[str]], toward: np.ndarray,
                away: np.ndarray) -> list[tuple[float, str]]:
        """The shipped signal where no likeness is involved (a decided notice, a firm without decisions), else
        0.5 plus half the variant's ``toward - away``."""
        decided = len(approved.vectors) or len(rejected.vectors)
        return [value if statuses.get(tid) in ("approved", "proposed") or not decided
                else (float(np.clip(0.5 + (toward[i] - away[i]) / 2, 0.0, 1.0)), "")
                for i, (tid, value) in enumerate(zip(ids, shipped(ids, vectors, statuses, approved, rejected, codes),
                                                     strict=True))]

    def variant(pull: float, push: float, pull_codes: bool = True, push_codes: bool = True) -> FeedbackSignal:
        def signal(ids: Sequence[str], vectors: np.ndarray, statuses: dict[str, str], approved: feedback.Decided,
                   rejected: feedback.Decided, codes: Sequence[Sequence[str]] = ()) -> list[tuple[float, str]]:
            toward = feedback.likeness(vectors, codes if pull_codes else (), approved) * pull
            away = feedback.likeness(vectors, codes if push_codes else (), rejected) * push
            return blended(ids, vectors, statuses, approved, rejected, codes, toward, away)
        return signal

    # The firm being ranked (its confirmed codes and the suggestions ranking uses), for the variants that tell
    # what a rejection teaches apart from what the firm's own codes say.
    firm_codes: list[str] = []
    confirmed_codes: list[str] = []
    rank_tenders = recommender.Recommender._rank_tenders

    def stash(self: Any, firm: Any, *args: Any, **kwargs: Any) -> Any:
        bound = inspect.signature(rank_tenders).bind(self, firm, *args, **kwargs)
        firm_codes[:] = [*firm.codes, *(c for c, _ in bound.arguments["inferred"])]
        confirmed_codes[:] = firm.codes
        return rank_tenders(self, firm, *args, **kwargs)

    def outside_firm(level: float, text_when_covered: bool, confirmed: bool = False) -> FeedbackSignal:
        """The rejected notices' codes that the firm's own codes reach at ``level`` or closer teach nothing
        about the class: the push goes through the others only (by text alone when none is left, with
        ``text_when_covered``)."""
        def signal(ids: Sequence[str], vectors: np.ndarray, statuses: dict[str, str], approved: feedback.Decided,
                   rejected: feedback.Decided, codes: Sequence[Sequence[str]] = ()) -> list[tuple[float, str]]:
            mine = confirmed_codes if confirmed else firm_codes
            kept = [[c for c in theirs if max((code_similarity(f, c) for f in mine), default=0.0) < level]
                    for theirs in rejected.codes]
            toward = feedback.likeness(vectors, codes, approved)
            away = np.zeros(len(vectors), dtype=np.float32)
            for r, left in enumerate(kept):
                one = feedback.Decided(rejected.vectors[r:r + 1], [left] if left or not text_when_covered else [])
                away = np.maximum(away, feedback.likeness(vectors, codes if one.codes else (), one))
            return blended(ids, vectors, statuses, approved, rejected, codes, toward, away)
        return signal

    variants: dict[str, FeedbackSignal] = {
        "shipped": shipped, "same as shipped": variant(1.0, 1.0), "no pull": variant(0.0, 1.0),
        "no push": variant(1.0, 0.0), "push by text only": variant(1.0, 1.0, push_codes=False),
        "pull by text only": variant(1.0, 1.0, pull_codes=False), "push x 0.5": variant(1.0, 0.5),
        "push x 1.5": variant(1.0, 1.5), "push x 2": variant(1.0, 2.0), "pull x 0.5": variant(0.5, 1.0),
    }
    if only_new:
        variants = {"shipped": shipped}
    for level, name in ((0.5, "group"), (0.7, "class")):
        variants[f"push through codes outside the firm's {name}"] = outside_firm(level, False)
        variants[f"the same, by text alone when none is left ({name})"] = outside_firm(level, True)
        variants[f"push through codes outside the firm's confirmed {name}"] = outside_firm(level, False, True)
    recommender.Recommender._rank_tenders = stash  # type: ignore[method-assign]
    try:
        for name, signal in variants.items():
            namespace["feedback_signal"] = signal
            effect = decision_effect(matcher, judged)
            print(f"{name:30s} {effect.decided}/{effect.profiles} profiles  nDCG@10 of the other notices "
                  f"{effect.ndcg_before:.3f} -> {effect.ndcg_after:.3f}  median rank of the other relevant "
                  f"{effect.other_relevant_rank_before:.1f} -> {effect.other_relevant_rank_after:.1f}", flush=True)
    finally:
        namespace["feedback_signal"] = shipped
        recommender.Recommender._rank_tenders = rank_tenders  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=("prf", "reranker", "gates", "keywords", "breadth", "offnature",
                                               "ownnature", "trust", "agree", "views", "decisions", "floor",
                                               "script", "loso", "columns", "learners", "orders",
                                               "sources", "korean", "own_language", "prototypes"))
    parser.add_argument("--judged", type=Path, default=Path("evaluation/judged.json"))
    parser.add_argument("--held-out", action="store_true",
                        help="loso, sources, korean, own_language: train on every development set, read the held-out "
                             "sets once")
    parser.add_argument("--only-new", action="store_true", help="decisions: the shipped signal and the newest variants")
    parser.add_argument("--split", choices=("tune", "all"), default="tune",
                        help="'all' screens every profile of a file used for development (the fresh sets have no "
                             "tuning half); never a file's reported profiles before its one held-out reading")
    args = parser.parse_args()
    matcher = Matcher(get_settings())
    corpus = Corpus.of(matcher)
    tune = [j for j in load_judged(args.judged) if args.split == "all" or j.split == "tune"]
    on_profiles = {"keywords": keywords, "ownnature": ownnature, "trust": trust, "agree": agree, "script": script}
    if args.experiment in on_profiles:
        on_profiles[args.experiment](matcher, corpus, tune)
        return
    if args.experiment == "decisions":
        decisions(matcher, tune, only_new=args.only_new)
        return
    if args.experiment == "floor":
        floor(matcher, [args.judged, args.judged.with_name("judged_fresh.json")])
        return
    if args.experiment in ("loso", "sources", "korean", "own_language"):
        experiment = {"loso": loso, "sources": sources, "korean": korean, "own_language": own_language}[args.experiment]
        experiment(matcher, corpus, args.judged.parent, held_out=args.held_out)
        return
    if args.experiment in ("columns", "learners", "orders", "prototypes"):
        screens = {"columns": columns, "learners": learners, "orders": suggestion_orders, "prototypes": prototypes}
        screens[args.experiment](matcher, corpus, args.judged.parent)
        return
    prepared = prepare(matcher, corpus, tune, SHIPPED_VARIANT)
    if args.experiment == "prf":
        prf(matcher, corpus, prepared)
    elif args.experiment == "gates":
        gates(corpus, prepared)
    elif args.experiment == "views":
        views(matcher, corpus, prepared)
    elif args.experiment == "breadth":
        breadth(corpus, prepared)
    elif args.experiment == "offnature":
        offnature(matcher, corpus, prepared)
    else:
        reranker(corpus, prepared)


if __name__ == "__main__":
    main()

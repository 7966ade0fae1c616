"""Measure code inference on stored notices whose codes are hidden (evaluation/CODE_INFERENCE.md).

For a seeded sample of TED notices with CPV codes (up to ``--per-language`` per notice language), each
notice's text (title, English title, description: never its codes' labels) is embedded and its codes are
inferred with the notice itself left out of the vote (and any stored copy of it: neighbours at cosine
>= 0.999). Reported per language, on the held-out half: top-1 and top-5 accuracy at the CPV group level
(the notice's main code's group, first 3 digits, or its division when the main code is a division, among
the groups of the first 1 / 5 suggestions) for labels only, notices only (the kNN vote; and a scikit-learn
logistic regression over notice embeddings, for comparison) and combined. The combination's logistic
coefficients and the kNN settings are chosen on the other half. Plus a reliability table and a few Korean
profiles as a sanity check.

    .venv/bin/python scripts/measure_code_inference.py --home /work/jhome

The home is read only: it is copied to ``--work`` (kept between runs, so label vectors are embedded once).
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.search.code_inference import Calibration, Candidate, Votes, candidates, knn_votes
from matcher.search.code_labels import label_space, significant

KOREAN = [
    "디지털 엑스레이 촬영 장치를 제조합니다",
    "스마트 수도 계량기를 제조하는 회사입니다. 초음파 수도미터와 원격검침 시스템을 공급합니다.",
    "태양광 패널과 인버터를 생산합니다",
    "병원용 초음파 진단기를 제조합니다",
    "보안 소프트웨어와 방화벽 솔루션을 개발합니다",
    "소방차와 구급차를 제조합니다",
]
DUPLICATE = 0.999
KS = (10, 20, 40)
TEMPERATURES = (0.02, 0.05, 1.0)
Ranker = Callable[[list[Candidate]], list[Candidate]]


def notice_text(t: Tender) -> str:
    """The notice's own words, as the index embedded them before code labels were added to notice text."""
    english = t.titles.get("en", "")
    return "\n".join(p for p in (t.title, english if english and english != t.title else "", t.description) if p)


def target(t: Tender) -> str:
    digits = t.codes[0][4:]
    return digits[:3] if len(significant(t.codes[0])) >= 3 else digits[:2]


def hit(suggested: list[Candidate], t: Tender, n: int) -> bool:
    want = target(t)
    return any(c.code[4:].startswith(want) for c in suggested[:n])


def sample(matcher: Matcher, per_language: int, seed: int) -> list[Tender]:
    by_language: dict[str, list[Tender]] = defaultdict(list)
    for t in matcher.all_tenders():
        if t.source == "ted" and t.codes and t.codes[0].startswith("CPV:") and t.language:
            by_language[t.language].append(t)
    rng = random.Random(seed)
    picked: list[Tender] = []
    for language in sorted(by_language):
        items = sorted(by_language[language], key=lambda t: t.tender_id)
        picked.extend(rng.sample(items, min(per_language, len(items))))
    return picked


def neighbours_of(matcher: Matcher, tenders: list[Tender], queries: np.ndarray) -> list[list[tuple[str, float]]]:
    found = matcher.index.current().vectors.search(queries, max(KS) + 10)
    return [[(tid, s) for tid, s in row if tid != t.tender_id and s < DUPLICATE][: max(KS)]
            for t, row in zip(tenders, found, strict=True)]


def rankers(calibration: Calibration) -> dict[str, Ranker]:
    return {
        "labels": lambda cs: sorted((c for c in cs if c.in_label_top), key=lambda c: -c.label_cosine),
        "notices (kNN)": lambda cs: sorted((c for c in cs if c.class_share > 0),
                                           key=lambda c: (-c.class_share, -c.group_share)),
        "combined": lambda cs: sorted(cs, key=lambda c: -calibration.confidence(
            c.label_gap, c.class_share, c.group_share)),
    }


def features(cs: list[Candidate]) -> np.ndarray:
    return np.array([[c.label_gap, c.class_share, c.group_share] for c in cs], dtype=np.float64)


def right(t: Tender, cs: list[Candidate]) -> list[bool]:
    """Whether each suggestion's CPV class is among the classes of the notice's codes: the confidence
    estimates this (a group-level target would give a class's own notice support no weight, as any class of
    the right group counts, and rank a voted class below an unvoted sibling with a closer label)."""
    classes = {code[4:8] for code in t.codes if len(significant(code)) >= 4}
    return [c.code[4:8] in classes for c in cs]


def fit_calibration(rows: list[tuple[Tender, list[Candidate]]]) -> Calibration:
    x = np.concatenate([features(cs) for _, cs in rows])
    y = np.concatenate([right(t, cs) for t, cs in rows])
    model = LogisticRegression(C=10.0, max_iter=1000).fit(x, y)
    b = model.coef_[0]
    return Calibration(round(float(model.intercept_[0]), 3), round(float(b[0]), 3), round(float(b[1]), 3),
                       round(float(b[2]), 3))


def accuracy(rows: list[tuple[Tender, list[Candidate]]], rank: Ranker) -> dict[str, tuple[float, float, int]]:
    per: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for t, cs in rows:
        ranked = rank(cs)
        per[t.language or "?"].append((hit(ranked, t, 1), hit(ranked, t, 5)))
        per["all"].append(per[t.language or "?"][-1])
    return {lang: (float(np.mean([a for a, _ in v])), float(np.mean([b for _, b in v])), len(v))
            for lang, v in per.items()}


def classifier_accuracy(
    matcher: Matcher, held_out: list[Tender], queries: np.ndarray
) -> dict[str, tuple[float, float, int]]:
    """A logistic regression over the embeddings of every stored TED notice outside the held-out half."""
    skip = {t.tender_id for t in held_out}
    train = [t for t in matcher.all_tenders() if t.tender_id not in skip and t.codes and t.codes[0].startswith("CPV:")]
    x = matcher.embedder.encode_documents([notice_text(t) for t in train])
    model = LogisticRegression(C=10.0, max_iter=2000).fit(x, [target(t) for t in train])
    proba = model.predict_proba(queries)
    per: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for t, p in zip(held_out, proba, strict=True):
        top = [model.classes_[i] for i in np.argsort(-p)[:5]]
        result = (top[0] == target(t), target(t) in top)
        per[t.language or "?"].append(result)
        per["all"].append(result)
    return {lang: (float(np.mean([a for a, _ in v])), float(np.mean([b for _, b in v])), len(v))
            for lang, v in per.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/work/jhome"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/code-inference-home"))
    parser.add_argument("--per-language", type=int, default=60)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if not args.work.exists():
        shutil.copytree(args.home, args.work)
    matcher = Matcher(Settings(home=args.work, encoder="use-multilingual"))
    started = time.perf_counter()
    space = label_space(matcher.embedder, "CPV")
    print(f"CPV label matrix: {len(space.codes)} labels in {time.perf_counter() - started:.1f} s "
          "(read from the embedding cache after the first run)")
    tenders = sample(matcher, args.per_language, args.seed)
    queries = matcher.embedder.encode_queries([notice_text(t) for t in tenders])
    neighbours = neighbours_of(matcher, tenders, queries)
    codes = {tid: t.codes for tid, t in matcher.fetch_tenders(
        list({tid for row in neighbours for tid, _ in row})).items()}
    rng = random.Random(args.seed)
    tune = {t.tender_id for t in tenders if rng.random() < 0.5}

    def rows_for(k: int, temperature: float, part: bool) -> list[tuple[Tender, list[Candidate]]]:
        out = []
        for t, q, n in zip(tenders, queries, neighbours, strict=True):
            if (t.tender_id in tune) == part:
                votes: Votes = knn_votes(n[:k], codes, temperature)
                out.append((t, candidates(q, space, votes)))
        return out

    best: tuple[float, int, float, Calibration] | None = None
    print("\nkNN settings on the tuning half (combined top-5, calibration fitted on the same half):")
    for k in KS:
        for temperature in TEMPERATURES:
            rows = rows_for(k, temperature, True)
            calibration = fit_calibration(rows)
            score = accuracy(rows, rankers(calibration)["combined"])["all"][1]
            print(f"  k={k:<3} temperature={temperature:<5} top-5 {score:.3f}")
            if best is None or score > best[0]:
                best = (score, k, temperature, calibration)
    assert best is not None
    _, k, temperature, calibration = best
    print(f"\nchosen: k={k}, temperature={temperature}, {calibration}")
    report(matcher, rows_for(k, temperature, False), calibration, [t for t in tenders if t.tender_id not in tune],
           queries[[t.tender_id not in tune for t in tenders]])
    korean(matcher, calibration, k, temperature)


def report(matcher: Matcher, rows: list[tuple[Tender, list[Candidate]]], calibration: Calibration,
           held_out: list[Tender], queries: np.ndarray) -> None:
    results = {name: accuracy(rows, rank) for name, rank in rankers(calibration).items()}
    results["notices (classifier)"] = classifier_accuracy(matcher, held_out, queries)
    languages = ["all", *sorted(k for k in results["combined"] if k != "all")]
    print(f"\nheld-out half: {len(rows)} notices; top-1 / top-5 at the CPV group level")
    print("| language | n | " + " | ".join(results) + " |")
    print("|---|---|" + "---|" * len(results))
    for lang in languages:
        n = results["combined"][lang][2]
        cells = " | ".join(f"{r[lang][0]:.2f} / {r[lang][1]:.2f}" for r in results.values())
        print(f"| {lang} | {n} | {cells} |")
    print("\nreliability of the combined confidence on the held-out half (every candidate; right = its class is "
          "among the notice's classes):")
    confidence = np.concatenate([[calibration.confidence(*f) for f in features(cs)] for _, cs in rows])
    correct = np.concatenate([right(t, cs) for t, cs in rows])
    top5 = np.concatenate([[i < 5 for i in range(len(cs))] for _, cs in
                           [(t, rankers(calibration)["combined"](cs)) for t, cs in rows]])
    print("| confidence | candidates | right | of them in a top 5 |")
    print("|---|---|---|---|")
    for low, high in ((0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01)):
        mask = (confidence >= low) & (confidence < high)
        if mask.any():
            print(f"| {low:.1f}-{min(high, 1):.1f} | {mask.sum()} | {correct[mask].mean():.2f} | {top5[mask].sum()} |")


def korean(matcher: Matcher, calibration: Calibration, k: int, temperature: float) -> None:
    space = label_space(matcher.embedder, "CPV")
    queries = matcher.embedder.encode_queries(KOREAN)
    found = matcher.index.current().vectors.search(queries, k)
    codes = {tid: t.codes for tid, t in matcher.fetch_tenders(list({i for r in found for i, _ in r})).items()}
    print("\nKorean profiles (combined, top 5):")
    for text, q, row in zip(KOREAN, queries, found, strict=True):
        ranked = rankers(calibration)["combined"](candidates(q, space, knn_votes(row, codes, temperature)))
        print(f"- {text}")
        for c in ranked[:5]:
            conf = calibration.confidence(c.label_gap, c.class_share, c.group_share)
            print(f"    {c.code} {c.label} ({conf:.2f}, {c.source})")


if __name__ == "__main__":
    main()

"""Judged relevance: firm profiles with notices graded 0/1/2 by reading them (``evaluation/judged.json``).

Award history says who won; a judged set says what a firm could bid for. This module reads the judged file,
computes graded metrics for any ranking, and groups them the way the product's users differ: profile language,
with or without codes, the tuning or the reporting half, and the notice's language.

Metrics, per profile, macro-averaged:
- ``p@5``: share of the top 5 graded 2 (relevant); ``p@5h`` counts a 1 (partly relevant) as half.
- ``ndcg@10``: graded gains 2^g - 1 (3 for a 2, 1 for a 1) against the ideal order of every judged notice.
- ``r@50``: share of the notices graded 1 or 2 that reach the top 50.
- ``judged@10``: share of the top 10 that was judged at all; unjudged notices count as 0, so a low figure
  means the method surfaces notices the pools never saw and its other figures are a lower bound.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
from pydantic import TypeAdapter, ValidationError
from tqdm import tqdm

from matcher.errors import InvalidInput
from matcher.ingest.base import NO_RECORDS, decode_text, is_blank, regular_file
from matcher.schema import FirmProfile, Language
from matcher.search.encoders import USE_LANGUAGES

Split = Literal["tune", "report"]
SPLITS: tuple[Split, ...] = ("tune", "report")
METRICS = ("p@5", "p@5h", "ndcg@10", "r@50", "judged@10")
DEPTH = 50
#: Seconds between two redraws of a progress bar: a judged file of 100,000 profiles ranks for minutes per method.
REDRAW = 1.0
#: The largest judged file read, in bytes; a larger one is refused unread (a file of gigabytes was read whole,
#: then parsed into objects several times its size, until the memory ran out). The shipped files are 100-250 KB
#: (judged.json: 46 profiles, 2,173 judgments, about 5 KB a profile): 128 MiB is 500 times the largest, some
#: 25,000 such profiles.
MAX_JUDGED_BYTES = 128 * 1024 * 1024
#: What a judged file is, in a message refusing something else.
JUDGED_FILE = "a judged relevance JSON file"
T = TypeVar("T")


@dataclass(frozen=True)
class JudgedProfile:
    profile: FirmProfile
    split: Split
    language: str
    has_codes: bool
    grades: Mapping[str, int]  # tender_id -> 0, 1 or 2

    @property
    def group(self) -> str:
        return f"{self.language}, {'codes' if self.has_codes else 'no codes'}"


def load_judged(path: Path, bar: bool = False) -> list[JudgedProfile]:
    """The profiles of a judged file, validated (a bad file is one clear error naming the problem); ``bar`` counts
    them on stderr (100,000 profiles take half a minute)."""
    data = _read(path)
    if is_blank(data):
        raise InvalidInput(f"{path}: {NO_RECORDS}")
    try:
        raw = json.loads(decode_text(data, str(path)), object_pairs_hook=_Object)
    except (ValueError, RecursionError) as exc:  # ValueError: also a number of over 4,300 digits
        raise InvalidInput(f"cannot read judged file {path}: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("profiles"), list):
        raise InvalidInput(f"{path}: expected an object with a 'profiles' list")
    profiles = [_profile(entry, path, i) for i, entry in enumerate(counted(raw["profiles"], "reading", bar))]
    first: dict[str, int] = {}
    for i, judged in enumerate(profiles):  # twice would count a firm twice, or put it in both halves
        seen = first.setdefault(judged.profile.firm_id, i)
        if seen != i:
            raise InvalidInput(f"{path}: profile {i}: firm {judged.profile.firm_id!r} is judged already in profile "
                               f"{seen} (one entry per firm: merge its judgments)")
    return profiles


def _read(path: Path) -> bytes:
    """The bytes of a judged file: a regular file (a named pipe waited for a writer for ever, /dev/zero never
    ended) of at most ``MAX_JUDGED_BYTES``, both checked before a byte is read."""
    regular_file(path, JUDGED_FILE)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size  # of the file opened, not of one renamed into its place since
            if size > MAX_JUDGED_BYTES:
                raise InvalidInput(f"judged file {path} is {size:,} bytes, more than the {MAX_JUDGED_BYTES:,} a "
                                   "judged file may hold")
            return handle.read()
    except OSError as exc:
        raise InvalidInput(f"cannot read judged file {path}: {exc.strerror or exc}") from exc


class _Object(dict[str, Any]):
    """A JSON object that remembers a key it held twice with different values: ``json`` keeps the last one
    without a word, so a notice graded twice in one profile lost its first grade."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.twice: dict[str, tuple[Any, Any]] = {}
        for key, value in pairs:
            if key in self and self[key] != value:
                self.twice.setdefault(key, (self[key], value))
            self[key] = value


_LANGUAGE: TypeAdapter[str] = TypeAdapter(Language)


def _profile(entry: Any, path: Path, i: int) -> JudgedProfile:
    where = f"{path}: profile {i}"
    if not isinstance(entry, dict):
        raise InvalidInput(f"{where}: expected an object")
    try:
        profile = FirmProfile.model_validate(entry.get("profile"))
    except ValidationError as exc:
        raise InvalidInput(f"{where}: bad profile: {exc.errors()[0]['msg']}") from exc
    split = entry.get("split")
    if split not in SPLITS:
        raise InvalidInput(f"{where}: split {split!r} (expected 'tune' or 'report')")
    grades = entry.get("judgments", {})
    if not isinstance(grades, dict) or any(g not in (0, 1, 2) or isinstance(g, bool) for g in grades.values()):
        raise InvalidInput(f"{where}: judgments must map tender ids to 0, 1 or 2")
    twice: dict[str, tuple[Any, Any]] = getattr(grades, "twice", {})
    if twice:
        tender_id, (first, second) = next(iter(twice.items()))
        raise InvalidInput(f"{where}: notice {tender_id!r} is judged twice ({first} and {second}; one grade each)")
    language = _language(entry, profile, where)
    if not grades:  # it measures nothing, yet scored 0 in every metric and pulled every mean down
        raise InvalidInput(f"{where}: no judgments (expected at least one notice graded 0, 1 or 2)")
    return JudgedProfile(profile, split, language, bool(profile.codes), {str(k): int(v) for k, v in grades.items()})


def _language(entry: dict[str, Any], profile: FirmProfile, where: str) -> str:
    """The profile's group language: its ``language``, else its first one; an object there was a group named
    after the object."""
    if "language" not in entry or entry["language"] is None:
        return profile.languages[0] if profile.languages else ""
    try:
        return _LANGUAGE.validate_python(entry["language"])
    except ValidationError as exc:
        raise InvalidInput(f"{where}: language {entry['language']!r} (expected a language code such as 'ko')") from exc


def profile_metrics(ranking: Sequence[str], grades: Mapping[str, int]) -> dict[str, float]:
    """The metrics of one ranked list of tender ids (best first) against one profile's grades."""
    top5 = [grades.get(t, 0) for t in ranking[:5]]
    gains = np.array([2 ** grades.get(t, 0) - 1 for t in ranking[:10]], dtype=np.float64)
    discounts = 1.0 / np.log2(np.arange(2, 12))
    ideal_gains = np.sort(np.array([2**g - 1 for g in grades.values()], dtype=np.float64))[::-1][:10]
    ideal = float(ideal_gains @ discounts[: len(ideal_gains)])
    wanted = {t for t, g in grades.items() if g >= 1}
    return {
        "p@5": sum(g == 2 for g in top5) / 5,
        "p@5h": sum(1.0 if g == 2 else 0.5 if g == 1 else 0.0 for g in top5) / 5,
        "ndcg@10": float(gains @ discounts[: len(gains)]) / ideal if ideal > 0 else 0.0,
        "r@50": len(wanted & set(ranking[:DEPTH])) / len(wanted) if wanted else 0.0,
        "judged@10": sum(t in grades for t in ranking[:10]) / max(1, min(10, len(ranking))),
    }


def mean_metrics(rows: Iterable[Mapping[str, float]]) -> dict[str, float]:
    found = list(rows)
    return {m: round(float(np.mean([r[m] for r in found])), 3) for m in METRICS} if found else {}


Ranker = Callable[[FirmProfile], list[str]]


def counted(items: Sequence[T], desc: str, bar: bool) -> Iterable[T]:
    """``items``, counted on stderr as they are taken when ``bar`` (a tqdm bar named ``desc``); else as they are."""
    return tqdm(items, desc=desc, unit="profile", mininterval=REDRAW) if bar else items


@dataclass
class JudgedReport:
    """Per method: metrics overall and per group, plus recall by notice language."""

    profiles: int
    split: str
    methods: dict[str, dict[str, dict[str, float]]]  # method -> group -> metric -> value
    notice_languages: dict[str, dict[str, float]]  # method -> notice language -> recall@50 of relevant ones
    counts: dict[str, int]
    judgments: int = 0
    #: Judgments naming a notice that is not among the ranked ones (not in the store, or not an opportunity):
    #: never ranked, each counts as not found.
    not_stored: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"profiles": self.profiles, "split": self.split, "counts": self.counts, "methods": self.methods,
                "recall@50 by notice language": self.notice_languages,
                "judged notices not in this store": self.not_stored}


def evaluate_judged(
    judged: Sequence[JudgedProfile], methods: Mapping[str, Ranker], notice_language: Mapping[str, str | None],
    split: str = "report", progress: Callable[[str], None] | None = None, bar: bool = False,
) -> JudgedReport:
    """Run every method over the profiles of ``split`` ('tune', 'report' or 'all'); ``progress`` is told each
    method's name, and ``bar`` counts its profiles on stderr."""
    chosen = [j for j in judged if split == "all" or j.split == split]
    if not chosen:
        raise InvalidInput(f"no judged profiles in split {split!r}")
    out: dict[str, dict[str, dict[str, float]]] = {}
    by_language: dict[str, dict[str, float]] = {}
    for name, ranker in methods.items():
        if progress is not None:
            progress(name)
        rankings = [ranker(j.profile)[:DEPTH] for j in counted(chosen, name, bar)]
        rows = [profile_metrics(r, j.grades) for r, j in zip(rankings, chosen, strict=True)]
        out[name] = _grouped(chosen, rows)
        by_language[name] = _recall_by_notice_language(chosen, rankings, notice_language)
    counts = {"all": len(chosen), **{g: sum(j.group == g for j in chosen) for g in sorted({j.group for j in chosen})}}
    judgments = sum(len(j.grades) for j in chosen)
    not_stored = sum(t not in notice_language for j in chosen for t in j.grades)
    return JudgedReport(len(chosen), split, out, by_language, counts, judgments, not_stored)


def _grouped(chosen: Sequence[JudgedProfile], rows: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[Mapping[str, float]]] = {"all": list(rows)}
    for j, row in zip(chosen, rows, strict=True):
        for key in (j.language, "codes" if j.has_codes else "no codes", j.group):
            groups.setdefault(key, []).append(row)
    return {key: mean_metrics(found) for key, found in groups.items()}


def _recall_by_notice_language(
    chosen: Sequence[JudgedProfile], rankings: Sequence[Sequence[str]], notice_language: Mapping[str, str | None],
) -> dict[str, float]:
    """Micro recall@50 of the notices graded 1 or 2, by the notice's language and by whether the default
    encoder knows that language: whether a notice in a language it does not know can be found at all."""
    found: dict[str, list[bool]] = {}
    for j, ranking in zip(chosen, rankings, strict=True):
        top = set(ranking)
        for tender_id, grade in j.grades.items():
            if grade >= 1:
                language = notice_language.get(tender_id) or "?"
                group = "known" if language in USE_LANGUAGES else "unknown"
                for key in (language, group):
                    found.setdefault(key, []).append(tender_id in top)
    ordered = sorted(found.items(), key=lambda x: (x[0] not in ("known", "unknown"), -len(x[1])))
    return {lang: round(float(np.mean(hits)), 3) for lang, hits in ordered}


def format_judged(report: JudgedReport) -> str:
    """The table ``matcher evaluate --judged`` prints: one block per group, one row per method."""
    groups = list(next(iter(report.methods.values())).keys())
    lines = [f"judged profiles: {report.profiles} (split {report.split}); "
             + ", ".join(f"{g}: {n}" for g, n in report.counts.items() if g != "all")]
    if report.not_stored:
        lines.append(f"{report.not_stored} of the {report.judgments} judgments name notices this store does not hold "
                     "among its opportunity notices: never ranked, each counts as not found")
    for group in groups:
        lines.append(f"\n[{group}]")
        lines.append(f"{'method':34}" + "".join(f"{m:>11}" for m in METRICS))
        for name, grouped in report.methods.items():
            values = grouped.get(group, {})
            lines.append(f"{name:34}" + "".join(f"{values.get(m, float('nan')):>11.3f}" for m in METRICS))
    lines.append("\nrecall@50 of relevant notices by notice language")
    languages = list(next(iter(report.notice_languages.values())).keys())
    lines.append(f"{'method':34}" + "".join(f"{lang:>8}" for lang in languages))
    for name, values in report.notice_languages.items():
        lines.append(f"{name:34}" + "".join(f"{values.get(lang, float('nan')):>8.2f}" for lang in languages))
    return "\n".join(lines)

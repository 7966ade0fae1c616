"""Copies of a judged file whose Korean profiles have no keywords, the phrases read from their descriptions as
keywords, or the phrases a person would pick from those suggested (evaluation/RESULTS.md, "Keywords read from a
Korean description").

Each copy holds the Korean profiles only (of one split of a file that has halves), every one marked ``report``
so that ``matcher evaluate --judged COPY`` reads them all; nothing else of a profile changes.

- ``none``: keywords emptied;
- ``phrases``: the suggested phrases (``suggested_keywords`` of the profile without keywords), all of them;
- ``picked``: the suggested phrases a person picks, simulated: those naming one of the product lines the
  profile's author wrote as keywords (``picked``);
- ``written``: the profiles as written, for the same table.

Usage::

    .venv/bin/python scripts/judged_without_keywords.py evaluation/judged.json --split tune --out /tmp/copies
    # -> /tmp/copies/judged_tune_{none,phrases,picked,written}.json
    MATCHER_ENCODER=use-multilingual .venv/bin/matcher evaluate --judged /tmp/copies/judged_tune_none.json --json
"""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from matcher.normalize.korean_phrases import description_phrases
from matcher.search.code_inference import shared_bigrams
from matcher.search.code_labels import term_key

#: A suggestion shares at least this Dice share of character bigrams with a written keyword to be picked.
PICK_BIGRAMS = 0.5


def picked(suggested: Sequence[str], written: Sequence[str]) -> list[str]:
    """The suggestions a person who writes ``written`` as keywords would accept (the rule was written before any
    number was read): one that holds a written keyword, or is held by one (spaces and case ignored: "디지털 X선
    촬영장치" holds "디지털 X선"), or shares at least ``PICK_BIGRAMS`` of its character bigrams with one
    (``shared_bigrams``)."""
    def names(suggestion: str, keyword: str) -> bool:
        mine, theirs = term_key(suggestion), term_key(keyword)
        return theirs in mine or mine in theirs or shared_bigrams(suggestion, keyword) >= PICK_BIGRAMS

    return [s for s in suggested if any(names(s, k) for k in written)]


KEYWORDS: dict[str, Callable[[str, list[str]], list[str]]] = {
    "none": lambda description, written: [],
    "phrases": lambda description, written: list(description_phrases(description)),
    "picked": lambda description, written: picked(description_phrases(description), written),
    "written": lambda description, written: written,
}


def korean_copy(judged: dict[str, Any], split: str | None, variant: str) -> dict[str, Any]:
    """The file with only its Korean profiles (of ``split``), their keywords as ``variant`` makes them."""
    out = copy.deepcopy(judged)
    kept = [p for p in out["profiles"] if p["language"] == "ko" and split in (None, p.get("split"))]
    for profile in kept:
        profile["split"] = "report"
        firm = profile["profile"]
        firm["keywords"] = KEYWORDS[variant](firm["description"], list(firm.get("keywords", [])))
    out["profiles"] = kept
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("judged", type=Path)
    parser.add_argument("--split", choices=["tune", "report"], help="one half of a file that has halves")
    parser.add_argument("--out", type=Path, required=True, help="folder for the copies")
    args = parser.parse_args()
    judged = json.loads(args.judged.read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.judged.stem + (f"_{args.split}" if args.split else "")
    for variant in KEYWORDS:
        made = korean_copy(judged, args.split, variant)
        target = args.out / f"{stem}_{variant}.json"
        target.write_text(json.dumps(made, ensure_ascii=False, indent=1), encoding="utf-8")
        keywords = sum(len(p["profile"]["keywords"]) for p in made["profiles"])
        print(f"{target}: {len(made['profiles'])} Korean profiles, {keywords} keywords")


if __name__ == "__main__":
    main()

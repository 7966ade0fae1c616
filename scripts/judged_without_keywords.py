"""Copies of a judged file whose Korean profiles have no keywords, or the phrases read from their descriptions
as keywords (evaluation/RESULTS.md, "Keywords read from a Korean description").

Each copy holds the Korean profiles only (of one split of a file that has halves), every one marked ``report``
so that ``matcher evaluate --judged COPY`` reads them all; nothing else of a profile changes.

Usage::

    .venv/bin/python scripts/judged_without_keywords.py evaluation/judged.json --split tune --out /tmp/copies
    # -> /tmp/copies/judged_tune_none.json and /tmp/copies/judged_tune_phrases.json
    MATCHER_ENCODER=use-multilingual .venv/bin/matcher evaluate --judged /tmp/copies/judged_tune_none.json --json
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

from matcher.normalize.korean_phrases import description_phrases


def korean_copy(judged: dict[str, Any], split: str | None, phrases: bool) -> dict[str, Any]:
    """The file with only its Korean profiles (of ``split``), keywords emptied or replaced by the phrases."""
    out = copy.deepcopy(judged)
    kept = [p for p in out["profiles"] if p["language"] == "ko" and split in (None, p.get("split"))]
    for profile in kept:
        profile["split"] = "report"
        text = profile["profile"]["description"]
        profile["profile"]["keywords"] = list(description_phrases(text)) if phrases else []
    out["profiles"] = kept
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("judged", type=Path)
    parser.add_argument("--split", choices=["tune", "report"], help="one half of a file that has halves")
    parser.add_argument("--out", type=Path, required=True, help="folder for the two copies")
    args = parser.parse_args()
    judged = json.loads(args.judged.read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.judged.stem + (f"_{args.split}" if args.split else "")
    for name, phrases in (("none", False), ("phrases", True)):
        target = args.out / f"{stem}_{name}.json"
        target.write_text(json.dumps(korean_copy(judged, args.split, phrases), ensure_ascii=False, indent=1),
                          encoding="utf-8")
        print(f"{target}: {len(judged['profiles'])} profiles -> Korean "
              f"{len(korean_copy(judged, args.split, False)['profiles'])}")


if __name__ == "__main__":
    main()

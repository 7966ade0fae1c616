"""How often a Korean keyword's translation names what the keyword means (evaluation/keyword_translations.json).

Translates the keywords of every judged profile as ``matcher firms suggest-codes`` does
(``matcher.search.code_inference.keyword_suggestions``; every translation, including one the list shown leaves
out because a more confident suggestion holds its class) over the store at MATCHER_HOME, and compares each
translation with the judged ones: right, wrong, or not judged yet (a translation the file does not hold, as
when the store, the encoder or the code changed; judge it by the file's rule and add it). Prints the counts per
half of the judged set and every translation not judged or judged wrong. Usage:

    MATCHER_HOME=/path/to/judged/store python scripts/measure_keyword_translations.py [--split tune]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from matcher.config import get_settings
from matcher.evaluate.judged import load_judged
from matcher.pipeline import Matcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judged", type=Path, default=Path("evaluation/judged.json"))
    parser.add_argument("--translations", type=Path, default=Path("evaluation/keyword_translations.json"))
    parser.add_argument("--split", choices=("tune", "report", "all"), default="all",
                        help="the half measured (tune while choosing: the reported half is read once)")
    args = parser.parse_args()
    graded = {(t["firm_id"], t["keyword"], t["code"]): t for t in
              json.loads(args.translations.read_text(encoding="utf-8"))["translations"]}
    matcher = Matcher(get_settings())
    counts: Counter[tuple[str, str]] = Counter()
    for item in load_judged(args.judged):
        if args.split not in ("all", item.split):
            continue
        for s in matcher.suggestions.inferred(item.profile).translated:
            judged = graded.get((item.profile.firm_id, s.keyword, s.code))
            verdict = "not judged" if judged is None else "right" if judged["right"] else "wrong"
            counts[item.split, verdict] += 1
            if verdict != "right":
                print(f"  {verdict:10s} {item.profile.firm_id:20s} {s.keyword} -> {s.code} {s.label}")
    for split in ("tune", "report") if args.split == "all" else (args.split,):
        right, wrong, new = (counts[split, v] for v in ("right", "wrong", "not judged"))
        total = right + wrong + new
        print(f"{split}: {total} translations, {right} right, {wrong} wrong, {new} not judged"
              + (f"; right {right / (right + wrong):.2f} of those judged" if right + wrong else ""))


if __name__ == "__main__":
    main()

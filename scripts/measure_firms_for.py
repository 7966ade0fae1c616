"""Measure "firms for a tender" on the judged sets (evaluation/RESULTS.md, "Firms for a tender").

Every judged profile of ``evaluation/judged*.json`` is stored as a firm in a copy of the judged store. For a
seeded sample of notices graded 2 for some profile, all stored firms are ranked for the notice, and the rank
of each profile that judged it 2 is read: MRR and the share in the top 5 / 10, per profile language and for
development / held-out profiles (the trees were trained on the development sets' grades). Two rankings:

- ``now``: ``Matcher.firms_for``, each firm's own match for the notice;
- ``before``: what firms-for ranked on before (each firm's description and confirmed codes, weighted scorer:
  no suggested codes, keyword translations or trees).

A profile judged 0 or never judged for the notice counts as not relevant, so the figures are low bounds that
compare the two rankings, not absolute ones. ``listed``: the share of those profiles within the depth (with
``--depth``, the share the first stage keeps for scoring in full).

    .venv/bin/python scripts/measure_firms_for.py --home /work/jhome --notices 300 [--depth 50] [--extra-firms 10000]

``--extra-firms N`` adds N generated firms (``benchmarks.corpus.make_firms``: English profiles of what one real
TED notice asks for, with its codes) so that the judged profiles compete with an agency's register of that size
for the first stage's places.

The home is read only: it is copied to ``--work`` (replaced on each run).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from matcher.config import Settings
from matcher.evaluate.judged import load_judged
from matcher.pipeline import Matcher
from matcher.ranking.korean_labels import HANGUL_RUN
from matcher.services import code_suggestions, recommender

EVALUATION = Path(__file__).resolve().parents[1] / "evaluation"
#: The judged files whose profiles the trees never trained on (with the reported half of judged.json).
HELD_OUT_FILES = ("judged_fresh.json", "judged_fresh5.json", "judged_fresh6.json", "judged_fresh7.json")


def before(matcher: Matcher, tender_id: str) -> list[str]:
    """Firm ids in the order firms-for ranked them before it gave each firm its own match: its first stage."""
    rec = matcher.recommender
    firms = rec.catalog.all_firms(None)
    tender = rec.catalog.get_tender(tender_id)
    dense = rec.engine.embedder.encode_queries([f.text() for f in firms]) @ rec.engine.embedder.encode_documents(
        [tender.text()])[0]
    return [firms[i].firm_id for i in recommender.first_stage(firms, tender, dense, rec.engine.index.current(),
                                                              rec.scorer)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="the judged store (read only)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/measure_firms_for"))
    parser.add_argument("--notices", type=int, default=300, help="notices sampled (seed 0)")
    parser.add_argument("--depth", type=int, default=None,
                        help="firms-for's first-stage depth and list length (default: every firm); a profile "
                             "below it counts as never found")
    parser.add_argument("--extra-firms", type=int, default=0, help="generated firms added beside the judged ones")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    shutil.copytree(args.home, args.work)
    matcher = Matcher(Settings(home=args.work, encoder="use-multilingual"))

    relevant: dict[str, set[str]] = defaultdict(set)
    group: dict[str, str] = {}
    profiles = {}
    for path in sorted(EVALUATION.glob("judged*.json")):
        for item in load_judged(path):
            profile = item.profile
            profiles[profile.firm_id] = profile
            held = path.name in HELD_OUT_FILES or (path.name == "judged.json" and item.split == "report")
            language = "ko" if HANGUL_RUN.search(profile.description) else "en"
            group[profile.firm_id] = f"{'held out' if held else 'development'}, {language}"
            for tender_id, grade in item.grades.items():
                if grade == 2:
                    relevant[tender_id].add(profile.firm_id)
    matcher.upsert_firms(list(profiles.values()))
    if args.extra_firms:
        sys.path.insert(0, str(EVALUATION.parent))  # the benchmarks package sits beside scripts/, uninstalled
        from benchmarks.corpus import make_firms, seed

        extra, _ = make_firms(seed("use-multilingual"), args.extra_firms, random.Random(7), np.random.default_rng(7))
        matcher.upsert_firms(extra)
    firms = len(matcher.recommender.catalog.all_firms(None))
    depth = args.depth or firms
    code_suggestions.FIRMS_FOR_DEPTH = depth
    sample = sorted(relevant)
    random.Random(0).shuffle(sample)
    sample = sample[: args.notices]

    ranks: dict[tuple[str, str], list[float]] = defaultdict(list)
    for tender_id in sample:
        lists = {"before": before(matcher, tender_id),
                 "now": [m.firm_id for m in matcher.firms_for(tender_id, k=depth)]}
        for name, ranked in lists.items():
            position = {firm_id: float(i) for i, firm_id in enumerate(ranked, start=1)}
            for firm_id in relevant[tender_id]:
                for key in ("all", group[firm_id], group[firm_id].split(", ")[0], group[firm_id].split(", ")[1]):
                    ranks[(name, key)].append(position.get(firm_id, np.inf))
    print(f"{len(sample)} notices, {firms} firms, depth {depth}; rank of each profile that judged the notice 2")
    print(f"{'':8} {'profiles':24} {'pairs':>5} {'MRR':>6} {'top 5':>6} {'top 10':>6} {'listed':>6}")
    keys = sorted({key for _, key in ranks}, key=lambda k: (k != "all", k))
    for key in keys:
        for name in ("before", "now"):
            found = np.array(ranks[(name, key)])
            print(f"{name:8} {key:24} {len(found):5d} {np.mean(1 / found):6.3f} {np.mean(found <= 5):6.3f} "
                  f"{np.mean(found <= 10):6.3f} {np.mean(found <= depth):6.3f}")


if __name__ == "__main__":
    main()

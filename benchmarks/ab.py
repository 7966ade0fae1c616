"""A/B a benchmark part between a base git revision and the working tree, in alternating runs.

    .venv/bin/python -m benchmarks.ab --base c8d59c1 [--head REV] --parts http digest --runs 3 --smoke

Each round runs every part once in the base tree (a temporary ``git worktree``) and once here, alternating which
goes first, so drift of the machine (thermal, other load) falls on both sides. For every row the first number
of "ours" (req/s, seconds, emails/s) is compared: the median over runs on each side and their ratio B/A. A
restructuring that changes no behaviour should keep every ratio within the spread of its own runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"[-+]?\d[\d,]*\.?\d*")


def first_number(text: str) -> float | None:
    found = NUMBER.search(text)
    return float(found.group().replace(",", "")) if found else None


def run_part(tree: Path, part: str, smoke: bool, out: Path) -> dict[str, float]:
    """Run one part in ``tree`` and return figure -> first number of ours."""
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "benchmarks", "--only", part, "--results", str(out),
               "--output", str(out / "report.md"), *(["--smoke"] if smoke else [])]
    # PYTHONPATH, so that the servers a part starts (through .venv/bin/matcher) import this tree's code too.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run(command, cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)
    rows = json.loads((out / f"{part}.json").read_text())["rows"]
    return {row["figure"]: value for row in rows if (value := first_number(row["ours"])) is not None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="git revision to compare against (A)")
    parser.add_argument("--head", default=None, help="git revision to measure (B; default: the working tree)")
    parser.add_argument("--parts", nargs="+", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="the parts' tiny sizes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base], cwd=ROOT, check=True,
                       capture_output=True)
        (base / ".venv").symlink_to(ROOT / ".venv")  # parts run servers with <tree>/.venv/bin/matcher
        head = ROOT
        if args.head is not None:
            head = Path(tmp) / "head"
            subprocess.run(["git", "worktree", "add", "--detach", str(head), args.head], cwd=ROOT, check=True,
                           capture_output=True)
            (head / ".venv").symlink_to(ROOT / ".venv")
        try:
            for part in args.parts:
                a: dict[str, list[float]] = {}
                b: dict[str, list[float]] = {}
                for run in range(args.runs):
                    sides = [("A", base, a), ("B", head, b)]
                    for label, tree, into in sides if run % 2 == 0 else sides[::-1]:
                        for figure, value in run_part(tree, part, args.smoke, Path(tmp) / f"{label}{run}").items():
                            into.setdefault(figure, []).append(value)
                print(f"\n{part}: median of {args.runs} alternating runs, A = {args.base}, "
                      f"B = {args.head or 'the working tree'}")
                for figure in a:
                    if figure in b:
                        ma, mb = statistics.median(a[figure]), statistics.median(b[figure])
                        spread = (max(a[figure]) - min(a[figure])) / ma if ma else 0.0
                        print(f"  {figure}: A {ma:g} (runs {a[figure]}) | B {mb:g} (runs {b[figure]}) | "
                              f"B/A {mb / ma if ma else float('nan'):.3f} | A's own spread {spread:.1%}")
        finally:
            for tree in (base, Path(tmp) / "head"):
                if tree.exists():
                    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()

"""Run the benchmark suite and write BENCHMARKS.md.

    .venv/bin/python -m benchmarks                      # every part at full size (tens of minutes)
    .venv/bin/python -m benchmarks --only million http  # some parts; the others' saved results are kept
    .venv/bin/python -m benchmarks --smoke --results /tmp/r --output /tmp/B.md   # tiny sizes (CI)

Each part is a module with ``run(smoke: bool) -> Part``. Full runs save ``benchmarks/results/<part>.json``
and rebuild ``BENCHMARKS.md`` from every saved part plus ``benchmarks/profiles.md`` (what the profiles showed).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.report import RESULTS, ROOT, load_parts, render

PARTS = {
    "embed": "benchmarks.embed_throughput",
    "encoders": "benchmarks.encoders",
    "million": "benchmarks.million",
    "http": "benchmarks.http_load",
    "digest": "benchmarks.digest_scale",
    "web": "benchmarks.web_pages",
    "feeds": "benchmarks.feeds_day",
    "import": "benchmarks.import_load",
    "firms": "benchmarks.firms_for",
    "cli": "benchmarks.cli_start",
}

PREAMBLE = """\
Every figure is measured in one run side by side with the library doing the same work raw; the ratio is
oriented so that above 1 means faster than (or as good as) the reference. Regenerate with
`.venv/bin/python -m benchmarks` (all parts) or `--only PART ...` (parts: {parts}). Goals are those of the
issue "Speed and scale"; a missed goal is marked **no** and explained in the notes below its table.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=sorted(PARTS), default=None)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds per part (numbers meaningless)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--render", action="store_true", help="run nothing: rebuild the report from saved results")
    args = parser.parse_args(argv)
    failed = []
    for key in [] if args.render else args.only or list(PARTS):
        print(f"== {key}", flush=True)
        start = time.perf_counter()
        try:
            part = importlib.import_module(PARTS[key]).run(smoke=args.smoke)
        except Exception as exc:  # report and go on: one broken part must not lose the others' numbers
            print(f"part {key} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            failed.append(key)
            if args.smoke:
                raise
            continue
        part.smoke = args.smoke
        part.save(args.results)
        print(f"== {key} done in {time.perf_counter() - start:.0f} s", flush=True)
    order = {key: i for i, key in enumerate(PARTS)}
    parts = sorted(load_parts(args.results), key=lambda p: order.get(p.key, len(order)))
    profiles = ROOT / "benchmarks" / "profiles.md"
    appendix = profiles.read_text() if profiles.exists() else ""
    args.output.write_text(render(parts, PREAMBLE.format(parts=", ".join(PARTS)), appendix))
    print(f"wrote {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""What a benchmark part returns, and how the parts become ``BENCHMARKS.md``.

Every figure is measured side by side in one run against the library doing the same work raw, so each row
carries ours, the raw reference, their ratio and the goal. Each part writes its rows to
``benchmarks/results/<part>.json``; the Markdown is assembled from every results file present, so one part
can be re-run alone without losing the others.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SHARED_DATA = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Row:
    """One measured figure. ``ratio`` is ours / reference, oriented so that bigger is better for us
    (throughputs divide directly; for latencies and times pass reference / ours)."""

    figure: str
    ours: str
    reference: str
    ratio: float | None
    goal: str = ""
    met: bool | None = None
    command: str = ""


@dataclass
class Part:
    """A section of the report: its rows plus free-text notes (what was measured, on what data, caveats)."""

    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    smoke: bool = False
    measured_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    machine: str = field(default_factory=lambda: machine())

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(f"  {row.figure}: ours {row.ours} | reference {row.reference} | ratio "
              f"{'-' if row.ratio is None else f'{row.ratio:.2f}'} | goal {row.goal or '-'} | "
              f"{'met' if row.met else 'MISSED' if row.met is False else ''}", flush=True)
        return row

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def save(self, folder: Path = RESULTS) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.key}.json"
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n")
        return path


def load_parts(folder: Path = RESULTS) -> list[Part]:
    parts = []
    for path in sorted(folder.glob("*.json")):
        raw = json.loads(path.read_text())
        raw["rows"] = [Row(**r) for r in raw["rows"]]
        parts.append(Part(**raw))
    return parts


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {load:.1f} at start"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(parts: list[Part], preamble: str = "", appendix: str = "") -> str:
    """The Markdown report: one table per part (figure, ours, raw reference, ratio, goal, command)."""
    lines = ["# Benchmarks", "", preamble.strip(), ""] if preamble.strip() else ["# Benchmarks", ""]
    for part in parts:
        lines += [f"## {part.title}", "", f"Measured {part.measured_at} on {part.machine}"
                  + (" (smoke sizes)" if part.smoke else "") + ".", ""]
        lines += ["| Figure | Ours | Raw reference | Ratio | Goal | Met | Command |",
                  "|---|---|---|---|---|---|---|"]
        for r in part.rows:
            ratio = "" if r.ratio is None else f"{r.ratio:.2f}×"
            met = "" if r.met is None else ("yes" if r.met else "**no**")
            lines.append("| " + " | ".join(_cell(c) for c in (r.figure, r.ours, r.reference, ratio, r.goal, met,
                                                               f"`{r.command}`" if r.command else "")) + " |")
        if part.notes:
            lines.append("")
            lines += [f"- {_cell(n)}" for n in part.notes]
        lines.append("")
    if appendix.strip():
        lines += [appendix.strip(), ""]
    return "\n".join(lines)


@contextmanager
def timer() -> Iterator[list[float]]:
    """``with timer() as t: ...`` then ``t[0]`` is the elapsed wall time in seconds."""
    out: list[float] = []
    start = time.perf_counter()
    try:
        yield out
    finally:
        out.append(time.perf_counter() - start)


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """Current resident set size of this process, MiB (from /proc; peak RSS where that is unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mib()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[pos]

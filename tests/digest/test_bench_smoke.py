"""A tiny run of the digest benchmark so the script cannot rot (its numbers are not checked)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.digest_bench import DEMO, main


def test_digest_benchmark_smoke(tmp_path: Path) -> None:
    timings = main(["--firms", "6", "--tenders", "60", "--encoder", "fake", "--source", str(DEMO),
                    "--home", str(tmp_path / "home")])
    assert timings["emails"] == 6
    assert {"store", "index build", "ranking", "rendering", "outbox"} <= set(timings)

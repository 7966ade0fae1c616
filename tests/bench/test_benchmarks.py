"""The benchmark suite cannot rot: its report is checked here, and every part runs at smoke size (numbers
meaningless, code paths real: servers under wrk, worker pools, filtered IVF search), here or, for the encoders'
comparison and its ONNX build, in tests/search/test_onnx_encoder.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.__main__ import PARTS, main
from benchmarks.http_load import parse_wrk
from benchmarks.report import Part, Row, load_parts, percentile, render

WRK_OUTPUT = """Running 20s test @ http://127.0.0.1:8000/
  2 threads and 20 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    24.43ms   10.12ms 180.31ms   80.00%
  Latency Distribution
     50%   22.10ms
     75%   28.00ms
     90%   35.00ms
     99%    1.20s
  16331 requests in 20.02s, 190.11MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:    815.72
Transfer/sec:      9.50MB
"""


def test_wrk_output_is_parsed_with_units_and_every_kind_of_error() -> None:
    load = parse_wrk(WRK_OUTPUT)
    assert (load.rps, load.p50_ms, load.p99_ms, load.requests, load.errors) == (815.72, 22.1, 1200.0, 16331, 9)


def test_report_has_one_table_per_part_with_ratio_goal_and_verdict(tmp_path: Path) -> None:
    part = Part("embed", "1. Embedding")
    part.add(Row("use: pipeline", "95.0 texts/s", "100.0 texts/s", 0.95, "≥ 0.9×", True, "python -m benchmarks"))
    part.add(Row("minilm: pipeline", "20 | 30", "40", 0.5, "≥ 0.9×", False))
    part.note("data: the TED sample")
    part.save(tmp_path)
    text = render(load_parts(tmp_path), "preamble", "## Profiles\n\nwhat they showed")
    assert "| use: pipeline | 95.0 texts/s | 100.0 texts/s | 0.95× | ≥ 0.9× | yes | `python -m benchmarks` |" in text
    assert "| minilm: pipeline | 20 \\| 30 | 40 | 0.50× | ≥ 0.9× | **no** |  |" in text
    assert "- data: the TED sample" in text and text.rstrip().endswith("what they showed")
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile([1.0] * 99 + [9.0], 99) == 1.0


#: Benchmark parts that load a server with wrk.
WRK_PARTS = {"http", "import"}
#: Parts another test runs at smoke size, with what they print checked: the encoders' comparison
#: (tests/search/test_onnx_encoder.py::test_encoders_benchmark_smoke, over the int8 model that module builds once;
#: here it built the model again: 46 of the run's 144 s on the 2-core machine, measured 2026-12-07).
RUN_ELSEWHERE = {"encoders"}


@pytest.mark.slow
def test_every_part_runs_at_smoke_size(tmp_path: Path) -> None:
    # The parts under wrk need it on the PATH (CI installs it: .ci/run); without it they are left out.
    runnable = set(PARTS) - RUN_ELSEWHERE
    parts = sorted(runnable) if shutil.which("wrk") else sorted(runnable - WRK_PARTS)
    code = main(["--smoke", "--only", *parts, "--results", str(tmp_path / "r"), "--output", str(tmp_path / "B.md")])
    assert code == 0
    saved = {p.key: p for p in load_parts(tmp_path / "r")}
    assert set(saved) == set(parts)
    assert all(p.smoke and p.rows for p in saved.values())
    assert "(smoke sizes)" in (tmp_path / "B.md").read_text()

"""Part 4: the recommendations route under wrk, on a 100,000-notice store, with 1 and 2 uvicorn workers.

    .venv/bin/python -m benchmarks --only http

The store is grown from real TED notices (see ``benchmarks/corpus.py``): 100,000 notices (about one in ten
open at the benchmark's clock, like a year-long feed) and 1,000 firms. ``matcher serve --workers N`` serves it on
127.0.0.1; wrk (https://github.com/wg/wrk) sends ``GET /firms/{id}/recommendations?k=10`` with an officer key,
cycling through the firms, at 1, 20 and 64 concurrent connections. The raw reference is the framework floor:
a bare FastAPI app under the same uvicorn settings answering every request with the same bytes (a real
recommendations response captured first). The ratio is ours / floor in requests per second.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import AS_OF, DEMO, WORK, build_home
from benchmarks.report import ROOT, Part, Row
from matcher.config import EncoderName

COMMAND = ".venv/bin/python -m benchmarks --only http"
FLOOR_APP = '''
import os
from pathlib import Path
from fastapi import FastAPI, Response
body = Path(os.environ["BENCH_BODY"]).read_bytes()
app = FastAPI()
@app.get("/firms/{firm_id}/recommendations")
def recommendations(firm_id: str, k: int = 10) -> Response:
    return Response(body, media_type="application/json")
'''
LUA = '''
local firms = {%s}
local token = "%s"
local n = 0
request = function()
  n = n + 1
  local path = "/firms/" .. firms[(n %% #firms) + 1] .. "/recommendations?k=10"
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
'''


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    max_ms: float = 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, token: str, timeout: float = 300) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=60) as response:
                return bytes(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> Load:
    """Requests/s, p50, p99 and max from ``wrk --latency`` output; errors are socket errors plus non-2xx."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    slowest = _ms(re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Load(rps, p50, p99, errors + (int(non2xx.group(1)) if non2xx else 0), requests, slowest)


#: prctl(2) (Linux; None elsewhere) and its option for the signal a child gets when its parent dies; looked up
#: here, so that the child between fork and exec only calls it (no library loading there).
_PRCTL = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """``preexec_fn`` for a load generator: SIGTERM when the process that started it dies, however it dies
    (Linux ``PR_SET_PDEATHSIG``). A test run killed during the import benchmark left its wrk loading a dead
    port for 45 minutes (tests/bench/test_load_generator.py)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


def wrk(url: str, script: Path, connections: int, seconds: int) -> Load:
    threads = max(1, min(2, connections))
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
         "-s", str(script), url], capture_output=True, text=True, check=True, preexec_fn=die_with_parent,
    ).stdout
    return parse_wrk(out)


class Server:
    """``uvicorn`` in a child process group on 127.0.0.1; stopped with SIGTERM to the whole group."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(argv, env={**os.environ, **env}, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def ours(home: Path, port: int, workers: int, encoder: EncoderName, cache: bool) -> Server:
    env = {"MATCHER_HOME": str(home), "MATCHER_CLOCK": AS_OF.isoformat(), "MATCHER_ENCODER": encoder}
    if not cache:
        env["MATCHER_RESULT_CACHE_SIZE"] = "0"
    return Server([str(ROOT / ".venv/bin/matcher"), "serve", "--port", str(port), "--workers", str(workers)], env)


def floor(folder: Path, body: bytes, port: int, workers: int) -> Server:
    (folder / "floor_app.py").write_text(FLOOR_APP)
    (folder / "body.json").write_bytes(body)
    return Server([sys.executable, "-m", "uvicorn", "floor_app:app", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(workers), "--log-level", "warning", "--app-dir", str(folder)],
                  {"BENCH_BODY": str(folder / "body.json")})


def run(smoke: bool = False) -> Part:
    part = Part("http", "4. HTTP: recommendations under wrk (100,000-notice store)")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    n_tenders, n_firms = (1_000, 20) if smoke else (100_000, 1_000)
    seconds, clients, warmup = (1, (4,), 1) if smoke else (15, (1, 20, 64), 30)
    # At smoke size one server shape runs (two workers, cache on and off): the code paths are the same, and each
    # server start under wrk cost about 7 s of the suite's bench smoke run.
    worker_counts = (2,) if smoke else (1, 2)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home" if smoke else WORK / f"home-{n_tenders // 1000}k"
        encoder: EncoderName = "fake" if smoke else "use-multilingual"
        matcher = build_home(home, n_tenders, n_firms, encoder, source=DEMO if smoke else None)
        token = matcher.access.create_key("officer", "bench").token
        firms = [f"bench-firm-{i}" for i in range(n_firms)]
        matcher.close()
        script = Path(tmp) / "recommend.lua"
        script.write_text(LUA % (",".join(json.dumps(f) for f in firms), token))
        part.note(f"store: {n_tenders:,} notices grown from real TED notices with real multilingual embeddings, "
                  f"{n_firms:,} firms; each wrk run lasts {seconds} s, after a {warmup} s warm-up at 8 connections; "
                  "wrk cycles through every firm. With the result cache on (the default), repeats of a firm are "
                  "served from the per-worker cache while nothing changes; with it off, every request ranks.")
        body = b""
        for workers in worker_counts:
            measured: dict[tuple[bool, int], Load] = {}
            for cache in (True, False):
                port = free_port()
                server = ours(home, port, workers, encoder, cache)
                base = f"http://127.0.0.1:{port}"
                try:
                    body = wait_ready(f"{base}/firms/{firms[0]}/recommendations?k=10", token)
                    wrk(f"{base}/", script, 8, warmup)  # index load and caches in every worker
                    measured.update({(cache, c): wrk(f"{base}/", script, c, seconds) for c in clients})
                finally:
                    server.stop()
            port = free_port()
            reference = floor(Path(tmp), body, port, workers)
            try:
                wait_ready(f"http://127.0.0.1:{port}/firms/x/recommendations", token)
                raw = {c: wrk(f"http://127.0.0.1:{port}/", script, c, seconds) for c in clients}
            finally:
                reference.stop()
            for (cache, c), ok in sorted(measured.items(), key=lambda item: (not item[0][0], item[0][1])):
                ref = raw[c]
                goal = "p99 ≤ 50 ms, no errors" if c == 20 else "no errors"
                met = ok.errors == 0 and (ok.p99_ms <= 50 if c == 20 else True)
                part.add(Row(
                    f"{workers} worker{'s' if workers > 1 else ''}, {c} client{'s' if c > 1 else ''}, "
                    f"result cache {'on (default)' if cache else 'off'}",
                    f"{ok.rps:.0f} req/s, p50 {ok.p50_ms:.1f} ms, p99 {ok.p99_ms:.1f} ms, {ok.errors} errors "
                    f"({ok.requests} requests)",
                    f"floor {ref.rps:.0f} req/s, p50 {ref.p50_ms:.1f} ms, p99 {ref.p99_ms:.1f} ms",
                    ok.rps / ref.rps, goal, met, COMMAND,
                ))
        part.note(f"response size {len(body):,} bytes (10 recommendations with reasons); the floor app returns "
                  "these bytes for every request")
    return part

"""The import benchmark's background wrk never outlives what started it.

Found from outside (2026-12-04): a test run killed during the import benchmark left its wrk (started for up
to an hour, stopped by the benchmark) running against a dead port with 1.3 cores busy for 45 minutes."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from benchmarks.import_load import Wrk

#: Linux x86-64's tgkill(2): a signal to one thread of another process.
TGKILL = 234

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (CI installs it)")

ROOT = Path(__file__).resolve().parents[2]


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` has exited within ``within`` seconds (a zombie has: only its exit status is left)."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):  # exited, waiting to be reaped by whoever adopted it
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


class Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


class Quiet(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # wrk stopped mid-request closes its connections: a broken pipe here is expected, not news


@pytest.fixture
def url() -> Iterator[str]:
    """A server answering 200 on 127.0.0.1 (wrk exits at once when its first connection is refused)."""
    server = Quiet(("127.0.0.1", 0), Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "get.lua"
    path.write_text('wrk.method = "GET"\n')
    return path


def test_wrk_is_stopped_when_the_block_it_loads_raises(url: str, script: Path) -> None:
    with pytest.raises(RuntimeError, match="the upload failed"), Wrk(url, script) as load:
        assert not gone(load.process.pid, within=0.5)  # running
        raise RuntimeError("the upload failed")
    assert load.process.poll() is not None  # stopped and reaped by __exit__


def test_wrk_stopped_inside_the_block_reports_its_load(url: str, script: Path) -> None:
    with Wrk(url, script) as load:
        time.sleep(1.0)
        measured = load.stop()
    assert load.process.poll() is not None
    assert measured.requests > 0 and measured.errors == 0


def test_wrk_stopped_at_once_stops_and_reports(url: str, script: Path) -> None:
    # Found in CI (8b47e0c): the import benchmark's smoke upload was answered before wrk had started catching
    # SIGINT, so the stop was ignored and wrk ran on for its hour (TimeoutExpired after 60 s). Stopped with no
    # pause at all, five times over, wrk must stop at once and still print its statistics.
    for _ in range(5):
        started = time.monotonic()
        with Wrk(url, script) as load:
            measured = load.stop()
        assert time.monotonic() - started < 20
        assert load.process.returncode == 0  # stopped by its handler, not killed by the signal
        assert measured.errors == 0


def test_wrk_stops_when_a_worker_thread_takes_the_signal(url: str, script: Path) -> None:
    # Found in CI (b6768b4's fix run): wrk's main thread sleeps for the whole duration while its worker threads
    # load; Linux gives a process's SIGINT to any thread, and when a worker took it the workers stopped but the
    # main thread slept on (TimeoutExpired after 60 s). The signal is sent here to a worker thread on purpose.
    libc = ctypes.CDLL(None, use_errno=True)
    with Wrk(url, script) as load:
        pid = load.process.pid
        workers = [int(t.name) for t in Path(f"/proc/{pid}/task").iterdir() if int(t.name) != pid]
        assert workers, "wrk runs worker threads"
        assert libc.syscall(TGKILL, pid, workers[0], signal.SIGINT) == 0, os.strerror(ctypes.get_errno())
        started = time.monotonic()
        measured = load.stop()
    assert time.monotonic() - started < 20 and load.process.returncode == 0 and measured.errors == 0


@pytest.mark.slow
def test_wrk_dies_with_the_process_that_started_it(url: str, script: Path) -> None:
    # The benchmark process killed outright (SIGKILL: no finally runs) must not leave its wrk behind.
    code = ("import sys, time; from benchmarks.import_load import Wrk; "
            f"w = Wrk(sys.argv[1], {str(script)!r}); print(w.process.pid, flush=True); time.sleep(120)")
    parent = subprocess.Popen([sys.executable, "-c", code, url], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        assert not gone(child, within=0.5)  # wrk is running
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert gone(child), f"wrk {child} outlived the process that started it"
    finally:
        if not gone(child, within=0):
            os.kill(child, signal.SIGKILL)

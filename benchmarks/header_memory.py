"""What one oversized request head costs the server (issue 15 item 5): a single 100 MiB header on /health/live.

    .venv/bin/python -m benchmarks.header_memory [--tree PATH] [--mib 100]

Starts the server ``matcher serve`` runs (``api.server.run.serve``, the fake encoder, an empty store) from
``--tree`` (default this checkout; a ``git worktree`` of an older revision gives the before numbers), sends
the header through a raw socket and prints the answer, how long it took and the server's resident memory:
before the request, and its peak (VmHWM) after. Not a test: the figures go into the issue's report.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")}


def wait_until_live(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health/live")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server never answered")


def send_header(port: int, size: int) -> tuple[str, float]:
    """(the status line answered, seconds from connecting to the end of the answer)."""
    start = time.perf_counter()
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=300) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: bench\r\nX-Big: ")
            block = b"a" * (1 << 20)
            for _ in range(size // len(block)):
                sock.sendall(block)
            sock.sendall(b"\r\n\r\n")
        with contextlib.suppress(ConnectionResetError):
            while b"\r\n" not in answer and (chunk := sock.recv(1 << 16)):
                answer += chunk
    return answer.split(b"\r\n", 1)[0].decode("latin-1") or "(no answer)", time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--mib", type=int, default=100)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="header-memory-") as home:
        env = {**os.environ, "PYTHONPATH": str(args.tree.resolve()), "MATCHER_HOME": home, "MATCHER_ENCODER": "fake"}
        code = f"from api.server.run import serve; serve('127.0.0.1', {port})"
        process = subprocess.Popen([sys.executable, "-c", code], cwd=args.tree.resolve(), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_live(port, process)
            before = memory(process.pid)
            status, seconds = send_header(port, args.mib << 20)
            after = memory(process.pid)
            wait_until_live(port, process)
        finally:
            process.terminate()
            process.wait(30)
    print(f"{args.mib} MiB header: {status!r} after {seconds:.2f} s; server RSS {before['VmRSS']:.0f} MB before, "
          f"peak {after['VmHWM']:.0f} MB (+{after['VmHWM'] - before['VmHWM']:.0f} MB), {after['VmRSS']:.0f} MB after")


if __name__ == "__main__":
    main()

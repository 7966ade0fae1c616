"""``matcher serve --workers N``: a listening socket per worker, connections spread over them, a dead worker
replaced, all stopped by SIGTERM, and a taken port refused."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api.server.workers import PortInUse, listening_socket

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with listening_socket("127.0.0.1", 0, reuse_port=False) as sock:
        return int(sock.getsockname()[1])


def start(port: int) -> subprocess.Popen[bytes]:
    code = ("from api.server.workers import serve_workers; serve_workers(2, app='tests.api.pid_app:app', "
            f"host='127.0.0.1', port={port}, log_level='warning', loop='asyncio', lifespan='off')")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE)


def pid_of_new_connection(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/")
        return int(connection.getresponse().read())
    finally:
        connection.close()


def until_two_workers_answer(port: int, without: int | None = None) -> set[int]:
    """The pids answering once two workers (none of them ``without``) take connections; a connection the
    kernel queued on a socket that is just going away may be reset meanwhile."""
    deadline = time.monotonic() + 60
    while True:
        try:
            seen = pids(port)
            if len(seen) == 2 and without not in seen:
                return seen
        except OSError:
            pass
        assert time.monotonic() < deadline, "two workers never answered"
        time.sleep(0.2)


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    process = start(port)
    try:
        until_two_workers_answer(port)
        yield process, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def pids(port: int, connections: int = 20) -> set[int]:
    with ThreadPoolExecutor(connections) as pool:
        return set(pool.map(lambda _: pid_of_new_connection(port), range(connections)))


def test_connections_are_spread_over_the_workers_and_sigterm_stops_them_all(
    server: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = server
    workers = pids(port, connections=40)
    assert len(workers) == 2 and process.pid not in workers
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.slow
def test_a_dead_worker_is_replaced(server: tuple[subprocess.Popen[bytes], int]) -> None:
    process, port = server
    before = pids(port)
    victim = min(before)
    time.sleep(5.5)  # past the startup window, so the death counts as a crash, not a failed start
    os.kill(victim, signal.SIGKILL)
    after = until_two_workers_answer(port, without=victim)
    assert before - {victim} <= after and process.poll() is None


def test_a_port_already_served_is_refused(server: tuple[subprocess.Popen[bytes], int]) -> None:
    _, port = server
    second = start(port)
    _, err = second.communicate(timeout=30)
    assert second.returncode != 0 and f"cannot listen on 127.0.0.1:{port}" in err.decode()
    with pytest.raises(PortInUse):
        listening_socket("127.0.0.1", port, reuse_port=False)

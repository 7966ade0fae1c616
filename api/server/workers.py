"""Several uvicorn worker processes, each with its own listening socket on the same port (SO_REUSEPORT).

uvicorn's own ``--workers`` shares one listening socket, and on the stdlib event loop the first worker to
wake accepts every pending connection: twenty clients connecting together all landed on one worker while
the other idled (BENCHMARKS.md part 4). With a socket per worker the kernel spreads new connections over
them. The parent restarts a worker that dies and stops them all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn

log = logging.getLogger(__name__)
BACKLOG = 2048
STARTUP_SECONDS = 5.0


class PortInUse(RuntimeError):
    pass


def listening_socket(host: str, port: int, reuse_port: bool = True) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(BACKLOG)
    return sock


def _worker(options: dict[str, Any]) -> None:
    config = uvicorn.Config(**options)
    uvicorn.Server(config).run(sockets=[listening_socket(config.host, config.port)])


def serve_workers(workers: int, **options: Any) -> None:
    """``uvicorn.run(**options)`` in ``workers`` processes sharing the port; returns when they have stopped.
    ``options`` must be picklable (an import string for the app), since workers are spawned. A worker that
    dies within ``STARTUP_SECONDS`` of starting stops the server (SystemExit) instead of being restarted."""
    host, port = options["host"], options["port"]
    # Without SO_REUSEPORT, so that a server already on this port (ours included) is an error, not a partner.
    listening_socket(host, port, reuse_port=False).close()
    context = multiprocessing.get_context("spawn")
    started: dict[BaseProcess, float] = {}
    stopping = False

    def start() -> None:
        process = context.Process(target=_worker, args=(options,), name="matcher-worker")
        process.start()
        started[process] = time.monotonic()

    def stop(_signum: int = 0, _frame: FrameType | None = None) -> None:
        nonlocal stopping
        stopping = True
        for process in started:
            if process.is_alive():
                process.terminate()

    for _ in range(workers):
        start()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while started:
            wait([p.sentinel for p in started])
            for process in [p for p in started if not p.is_alive()]:
                lived = time.monotonic() - started.pop(process)
                if stopping:
                    continue
                if lived < STARTUP_SECONDS:
                    stop()
                    raise SystemExit(f"a worker failed while starting (exit code {process.exitcode}); see its log")
                log.warning("worker %s exited with code %s: starting another", process.pid, process.exitcode)
                start()
    finally:
        stop()
        for process in list(started):
            process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

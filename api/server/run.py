"""Serving the API under uvicorn: the options every ``matcher serve`` runs with, in one process or several.

The app and the protocol reach uvicorn as import strings, so that spawned workers build their own app; the
strings are derived from the objects imported here, so a rename fails at import time (and under mypy)
instead of when a worker starts.
"""

from __future__ import annotations

from typing import Literal, TypedDict

import uvicorn

from api.main import app_factory
from api.server.protocol import NoDelayHttpToolsProtocol
from api.server.workers import serve_workers


def import_string(obj: type | object) -> str:
    """``module:name`` for a module-level function or class, as uvicorn imports it."""
    module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not name or "<locals>" in name:
        raise ValueError(f"cannot import {obj!r} by name (expected a module-level function or class)")
    return f"{module}:{name}"


APP = import_string(app_factory)
PROTOCOL = import_string(NoDelayHttpToolsProtocol)


class UvicornOptions(TypedDict):
    """Keyword arguments of ``uvicorn.run`` / ``uvicorn.Config``; plain values, since workers are spawned."""

    app: str
    factory: bool
    host: str
    port: int
    log_level: str
    loop: Literal["asyncio"]
    http: str


def uvicorn_options(host: str, port: int) -> UvicornOptions:
    # The stdlib event loop, not uvloop: with a worker saturated by 64 clients, uvloop left some connections
    # waiting seconds (p99 1.7 s against 86 ms, same throughput; BENCHMARKS.md part 4). The protocol is
    # httptools with TCP_NODELAY, which asyncio does not set on sockets handed to worker processes.
    return UvicornOptions(app=APP, factory=True, host=host, port=port, log_level="info", loop="asyncio",
                          http=PROTOCOL)


def serve(host: str, port: int, workers: int = 1) -> None:
    """Serve the API until interrupted: uvicorn itself for one worker, else ``workers`` processes each with
    its own listening socket (api.server.workers). Raises ``PortInUse`` when several workers cannot listen."""
    options = uvicorn_options(host, port)
    if workers == 1:
        uvicorn.run(**options)
    else:
        serve_workers(workers, **options)

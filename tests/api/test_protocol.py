"""``matcher serve`` runs httptools with TCP_NODELAY on every connection, on the stdlib event loop."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.importer import import_from_string
from uvicorn.server import ServerState

from api.main import app_factory
from api.server import run
from api.server.protocol import NoDelayHttpToolsProtocol
from matcher.cli import serve


class Transport:
    """What the protocol reads from an asyncio transport, around a real socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"socket": self.sock, "peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default)

    def is_closing(self) -> bool:
        return False


def test_connections_get_tcp_nodelay_even_when_the_socket_does_not_say_it_is_tcp() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as sock:  # proto 0, as workers see it
        assert sock.proto == 0 and sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        config = Config(app=lambda scope, receive, send: None)
        config.load()
        # A loop of its own: without one the protocol asks asyncio for the current loop, which an earlier test
        # in the same process may have closed and unset (asyncio.run does), as happened under pytest-xdist.
        loop = asyncio.new_event_loop()
        try:
            protocol = NoDelayHttpToolsProtocol(config=config, server_state=ServerState(), app_state={}, _loop=loop)
            protocol.connection_made(Transport(sock))  # type: ignore[arg-type]
        finally:
            loop.close()
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_serve_runs_that_protocol_on_the_stdlib_loop_with_a_socket_per_worker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
) -> None:
    single: dict[str, Any] = {}
    several: dict[str, Any] = {}
    monkeypatch.setattr("api.server.run.uvicorn.run", lambda **kwargs: single.update(kwargs))
    monkeypatch.setattr("api.server.run.serve_workers", lambda n, **kwargs: several.update(kwargs, n=n))
    serve.serve(port=8123, workers=1, home=tmp_path)
    assert single["loop"] == "asyncio" and single["host"] == "127.0.0.1" and single["port"] == 8123
    assert import_from_string(single["http"]) is NoDelayHttpToolsProtocol
    assert single["factory"] is True and import_from_string(single["app"]) is app_factory
    serve.serve(port=8123, workers=2, home=tmp_path)
    assert several == {**single, "n": 2}


def test_only_module_level_objects_have_an_import_string() -> None:
    assert run.import_string(NoDelayHttpToolsProtocol) == "api.server.protocol:NoDelayHttpToolsProtocol"

    def local() -> None: ...

    with pytest.raises(ValueError, match="cannot import"):
        run.import_string(local)

"""The HTTP protocol ``matcher serve`` runs: uvicorn's httptools protocol with TCP_NODELAY on every connection.

asyncio's transport sets TCP_NODELAY only on sockets whose ``proto`` reads IPPROTO_TCP, and the listening
socket uvicorn hands to each of several worker processes comes back with ``proto`` 0. Without the option a
response written as headers then body waits for the client's delayed ACK: 44 ms for every request with
``--workers 2`` (BENCHMARKS.md part 4) against 1.1 ms with one worker. ``api.server.run`` names this class
by an import string derived from it, so spawned workers import it themselves.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

"""The HTTP protocol ``matcher serve`` runs: uvicorn's httptools protocol with bounded request heads and
TCP_NODELAY on every connection.

Bounded heads (issue 15): httptools (llhttp) has no limit of its own on a request's head, and uvicorn's
(``h11_max_incomplete_event_size``) is for h11 only, so one 100 MiB header on /health/live was answered 200
after 15-24 s, for +200 MB of memory (httptools and uvicorn build a header and a URL by appending). Here a
request target longer than ``Settings.max_url_bytes`` is answered 414, and a head larger than
``max_header_bytes`` or with more than ``max_header_count`` headers 431, and the connection is closed, before
the app sees the request. A head is fed to the parser no more bytes than it may still take, so a refused
one has cost about the limit; a body is fed as it comes (a pipelined request's head arriving with the end
of the previous body is counted from the next read on: at most one read, 256 KiB, more).

TCP_NODELAY: asyncio's transport sets it only on sockets whose ``proto`` reads IPPROTO_TCP, and the listening
socket uvicorn hands to each of several worker processes comes back with ``proto`` 0. Without the option a
response written as headers then body waits for the client's delayed ACK: 44 ms for every request with
``--workers 2`` (BENCHMARKS.md part 4) against 1.1 ms with one worker.

``api.server.run`` names the served class by an import string derived from it, so spawned workers import it
themselves; each process reads the limits from its environment's settings once.
"""

from __future__ import annotations

import asyncio
import functools
import json
import socket
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from matcher.config import Settings, get_settings


@dataclass(frozen=True)
class HeadLimits:
    url_bytes: int
    head_bytes: int
    header_count: int

    @classmethod
    def of(cls, settings: Settings) -> HeadLimits:
        return cls(settings.max_url_bytes, settings.max_header_bytes, settings.max_header_count)


@functools.cache
def process_limits() -> HeadLimits:
    """The limits of this process's settings (uvicorn makes a protocol per connection)."""
    return HeadLimits.of(get_settings())


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """httptools with a request's target, head size and header count bounded (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = process_limits()
        self._in_head = True  # from the end of one request (or the connection's start) to its headers' end
        self._head_bytes = self._url_bytes = self._header_count = 0
        self._refusal: tuple[int, str, str] | None = None  # (status, error code, detail)

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return  # the rest of a refused request is not read
        while data:
            if self._in_head:  # no more than the head may still take, so that a refused one stops here
                room = self.limits.head_bytes - self._head_bytes + 1
                piece, data = data[:room], data[room:]
                self._head_bytes += len(piece)
            else:
                piece, data = data, b""
            super().data_received(piece)
            if self.transport.is_closing():
                return  # uvicorn answered a malformed request (400)
            if self._in_head and self._head_bytes > self.limits.head_bytes:
                self._refuse(431, "header_too_large", f"request headers larger than {self.limits.head_bytes} "
                             "bytes (MATCHER_MAX_HEADER_BYTES)")
            if self._refusal is not None:
                self._answer_refusal()
                return
            protocol = self.transport.get_protocol()
            if protocol is not self:  # upgraded (a websocket): the rest of the data is the new protocol's
                if data and isinstance(protocol, asyncio.Protocol):
                    protocol.data_received(data)
                return

    # Parser callbacks: each counts; once the request is refused, none reaches uvicorn's (nor the app).
    def on_message_begin(self) -> None:
        self._url_bytes = self._header_count = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._url_bytes += len(url)
        if self._url_bytes > self.limits.url_bytes:
            self._refuse(414, "uri_too_long", f"request target longer than {self.limits.url_bytes} bytes "
                         "(MATCHER_MAX_URL_BYTES)")
        if self._refusal is None:
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.header_count:
            self._refuse(431, "too_many_headers", f"more than {self.limits.header_count} request headers "
                         "(MATCHER_MAX_HEADER_COUNT)")
        if self._refusal is None:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._refusal is None:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._refusal is None:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_head, self._head_bytes = True, 0
        if self._refusal is None:
            super().on_message_complete()

    def _refuse(self, status: int, error: str, detail: str) -> None:
        """Remember the first reason to refuse the request; it is answered once the parser returns."""
        self._refusal = self._refusal or (status, error, detail)

    def _answer_refusal(self) -> None:
        """Answer now, or after the responses to the requests pipelined before this one (their order)."""
        if self.cycle is not None and not self.cycle.response_complete:
            self.flow.pause_reading()
        else:
            self._send_refusal()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._refusal is not None and self.cycle.response_complete and not self.transport.is_closing():
            self._send_refusal()

    def _send_refusal(self) -> None:
        """The API's Error body, ``Connection: close``, then close (as uvicorn answers a malformed request)."""
        assert self._refusal is not None
        status, error, detail = self._refusal
        self.logger.warning("Request refused: %s", detail)
        body = json.dumps({"error": error, "detail": detail, "problems": []}).encode()
        defaults = [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        self.transport.write(b"".join([
            STATUS_LINE[status], *defaults, b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body), b"connection: close\r\n\r\n", body,
        ]))
        self.transport.close()


class NoDelayHttpToolsProtocol(BoundedHttpToolsProtocol):
    """The served protocol: bounded heads, and TCP_NODELAY on every TCP connection (module docstring)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

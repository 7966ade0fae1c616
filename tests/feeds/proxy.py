"""A small threaded HTTP proxy on 127.0.0.1 for the feed tests: absolute-form requests (``GET http://host/...``)
and CONNECT tunnels, as a corporate proxy serves them.

It resolves names itself, from its own table (every name leads to 127.0.0.1, where the tests' origin servers
listen), never through the test process's resolver that the tests fake: like a real proxy, it sees the network
its own way. It records every connection made to it and every request line it read.
"""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

#: Request headers meant for the proxy itself, not passed on (RFC 9110 7.6.1).
_HOP_BY_HOP = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}


@dataclass
class Seen:
    """What the proxy saw: connections accepted, request lines read, Proxy-Authorization values received."""

    connections: int = 0
    requests: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _ProxyServer

    def setup(self) -> None:
        super().setup()
        with self.server.seen.lock:
            self.server.seen.connections += 1

    def log_message(self, format: str, *args: object) -> None:  # quiet: pytest shows failures, not access logs
        pass

    def _record(self) -> bool:
        """Note the request; False (after answering 407) when the proxy asks for credentials it did not get."""
        with self.server.seen.lock:
            self.server.seen.requests.append(f"{self.command} {self.path}")
            if "Proxy-Authorization" in self.headers:
                self.server.seen.authorizations.append(self.headers["Proxy-Authorization"])
        wanted = self.server.credentials
        if wanted is None or self.headers.get("Proxy-Authorization") == wanted:
            return True
        self.send_response(407)
        self.send_header("Proxy-Authenticate", 'Basic realm="corp"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.close_connection = True
        return False

    def do_CONNECT(self) -> None:
        if not self._record():
            return
        _, _, port = self.path.rpartition(":")
        upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        _pipe(self.connection, upstream)
        self.close_connection = True

    def _forward(self) -> None:
        """An absolute-form request, sent on as origin-form over a new connection, its answer relayed as it
        comes (the origin is asked to close, so the answer ends where the connection does)."""
        if not self._record():
            return
        target = urlsplit(self.path)
        if target.scheme != "http" or target.port is None:
            self.send_error(400, "absolute-form http://host:port/ expected")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        lines = [f"{self.command} {target.path or '/'}{'?' + target.query if target.query else ''} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
        head = "\r\n".join([*lines, "Connection: close", "", ""]).encode("latin-1")
        with socket.create_connection(("127.0.0.1", target.port), timeout=5) as upstream:
            upstream.sendall(head + body)
            while chunk := upstream.recv(65536):
                self.wfile.write(chunk)
        self.close_connection = True

    do_GET = do_POST = do_HEAD = _forward  # noqa: N815


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Relay bytes both ways until either side closes."""
    with upstream:
        sockets = [client, upstream]
        while True:
            ready, _, _ = select.select(sockets, [], [], 5)
            if not ready:
                return
            for sock in ready:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                (upstream if sock is client else client).sendall(chunk)


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, credentials: str | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen = Seen()
        self.credentials = credentials  # the Proxy-Authorization it requires, or None


@dataclass(frozen=True)
class Proxy:
    url: str
    seen: Seen


@contextmanager
def running_proxy(credentials: str | None = None) -> Iterator[Proxy]:
    """A proxy listening on 127.0.0.1 (a private address, as an operator's proxy usually is) until the end; with
    ``credentials`` (a Proxy-Authorization value) it answers 407 to a request without them."""
    server = _ProxyServer(credentials)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Proxy(f"http://127.0.0.1:{server.server_address[1]}", server.seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

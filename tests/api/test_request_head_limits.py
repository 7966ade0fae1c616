"""Request heads are bounded at the server (issue 15 item 5): ``matcher serve`` answers a request line that is
too long with 414, and headers too large or too many with 431, then closes the connection, before the app
sees the request; requests within the limits are served, on a new connection too.

The server is the real one (``api.server.run.serve``, what ``matcher serve`` runs) on 127.0.0.1, spoken to
through raw sockets, with the default limits and with limits set in the environment.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pytest

from api.server.workers import listening_socket

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


@dataclass
class Server:
    port: int

    def send(self, request: bytes) -> Response:
        """Send ``request`` on a new connection; the response, and whether the server then closed it."""
        with connect(self.port) as (sock, stream):
            # The server may stop reading, answer and close before all is sent: the answer is still to be read.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(request)
            response = read_response(stream)
            response.closed = is_closed(sock, stream)
            return response


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool = False

    def detail(self) -> str:
        return str(json.loads(self.body)["detail"])


@contextlib.contextmanager
def connect(port: int) -> Iterator[tuple[socket.socket, BinaryIO]]:
    """A connection and a buffered reader of it (so responses sent back to back are read one by one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock, sock.makefile("rb") as stream:
        yield sock, stream


def read_line(stream: BinaryIO) -> bytes:
    try:
        return stream.readline()
    except ConnectionResetError:
        return b""


def read_response(stream: BinaryIO) -> Response:
    status_line = read_line(stream).decode("latin-1")
    headers = {}
    while (line := read_line(stream).decode("latin-1").strip()):
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    try:
        body = stream.read(int(headers.get("content-length", "0")))
    except ConnectionResetError:
        body = b""
    return Response(int(status_line.split()[1]), headers, body)


def is_closed(sock: socket.socket, stream: BinaryIO) -> bool:
    """Whether the server has closed the connection: a further request on it gets no answer."""
    try:
        sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        return True
    return read_line(stream) == b""


def request(target: str = "/health/live", headers: list[tuple[str, str]] | None = None) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: test", *(f"{name}: {value}" for name, value in headers or [])]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def free_port() -> int:
    with listening_socket("127.0.0.1", 0, reuse_port=False) as sock:
        return int(sock.getsockname()[1])


def start(tmp: Path, **limits: str) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "MATCHER_HOME": str(tmp), "MATCHER_ENCODER": "fake", **limits}
    with (tmp / "server.log").open("wb") as log:
        code = f"from api.server.run import serve; serve('127.0.0.1', {port})"  # what matcher serve runs
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (tmp / "server.log").read_text()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/health/live")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.2)
        yield Server(port)
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server with the default limits."""
    yield from start(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server with small limits from the environment."""
    yield from start(tmp_path_factory.mktemp("serve-strict"), MATCHER_MAX_URL_BYTES="512",
                     MATCHER_MAX_HEADER_BYTES="2048", MATCHER_MAX_HEADER_COUNT="8")


def assert_served(server: Server) -> None:
    response = server.send(request())
    assert response.status == 200 and json.loads(response.body)["status"] == "alive" and not response.closed


@pytest.mark.slow
def test_a_one_mib_header_is_431_and_the_connection_closed(server: Server) -> None:
    response = server.send(request(headers=[("X-Big", "a" * MiB)]))
    assert response.status == 431 and response.closed, response
    assert response.headers["connection"] == "close" and response.headers["content-type"] == "application/json"
    assert "32768" in response.detail() and "MATCHER_MAX_HEADER_BYTES" in response.detail()
    assert_served(server)


@pytest.mark.slow
def test_five_hundred_headers_are_431_and_the_connection_closed(server: Server) -> None:
    response = server.send(request(headers=[(f"X-Header-{i}", "v") for i in range(500)]))
    assert response.status == 431 and response.closed, response
    assert "100" in response.detail() and "MATCHER_MAX_HEADER_COUNT" in response.detail()
    assert_served(server)


def test_a_hundred_kib_request_line_is_414_and_the_connection_closed(server: Server) -> None:
    response = server.send(request("/health/live?q=" + "a" * (100 * 1024)))
    assert response.status == 414 and response.closed, response
    assert "8192" in response.detail() and "MATCHER_MAX_URL_BYTES" in response.detail()
    assert_served(server)


def test_requests_within_the_default_limits_are_served(server: Server) -> None:
    # 8192 bytes of target, 98 headers besides Host, 25,000 bytes of them (a large cookie): all allowed.
    target = "/health/live?q=" + "a" * (8192 - len("/health/live?q="))
    headers = [("Cookie", "c" * 25_000), *((f"X-Header-{i}", "v") for i in range(98))]
    for one in (request(target), request(headers=headers)):
        response = server.send(one)
        assert response.status == 200 and not response.closed, response


def test_keep_alive_requests_are_each_held_to_the_limits(server: Server) -> None:
    """The limits are per request: several requests on one connection, each within them, are all served."""
    with connect(server.port) as (sock, stream):
        for _ in range(3):
            sock.sendall(request(headers=[("X-Pad", "p" * 20_000)]))
            assert read_response(stream).status == 200


def test_a_refused_request_pipelined_after_a_good_one_is_answered_after_it(server: Server) -> None:
    """Responses keep the requests' order: the good one's answer, then the refusal, then the close."""
    with connect(server.port) as (sock, stream):
        sock.sendall(request() + request(headers=[(f"X-Header-{i}", "v") for i in range(500)]))
        first, second = read_response(stream), read_response(stream)
        assert (first.status, second.status) == (200, 431)
        assert json.loads(first.body)["status"] == "alive" and "MATCHER_MAX_HEADER_COUNT" in second.detail()
        assert is_closed(sock, stream)


@pytest.mark.slow
def test_the_limits_come_from_the_settings(strict: Server) -> None:
    assert strict.send(request("/health/live?q=" + "a" * 600)).status == 414
    assert strict.send(request(headers=[("X-Big", "a" * 3000)])).status == 431
    response = strict.send(request(headers=[(f"X-Header-{i}", "v") for i in range(8)]))  # 9 with Host
    assert response.status == 431 and "8" in response.detail() and response.closed
    assert strict.send(request(headers=[(f"X-Header-{i}", "v") for i in range(7)])).status == 200
    assert_served(strict)

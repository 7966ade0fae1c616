"""``matcher serve`` on an address it cannot listen on (a port another server holds, a host that is no address):
one line naming the address and exit code 2, before the demo loads or the workspace's address is printed. With
one worker (the default) uvicorn said it in six log lines and exit code 3, after printing the addresses as if
serving; with several, the line blamed --port for a bad --host."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.cli import serve
from tests.cli import test_cli
from tests.cli.test_cli import run

home = test_cli.home  # the fixture: MATCHER_HOME in a temporary folder, the fake encoder


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another server listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int]]:
    """The servers the command started (none is, here: it would serve until stopped)."""
    calls: list[tuple[str, int, int]] = []
    monkeypatch.setattr(serve, "run_server", lambda host, port, workers: calls.append((host, port, workers)))
    return calls


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_another_server_holds_is_one_line_and_exit_2(
        home: Path, taken_port: int, served: list[tuple[str, int, int]], workers: str) -> None:
    code, out, err = run("serve", "--port", str(taken_port), "--workers", workers)
    assert (code, out, served) == (2, "", [])
    assert err == f"error: cannot listen on 127.0.0.1:{taken_port}: Address already in use\n"


def test_a_host_that_is_no_address_is_named(home: Path, served: list[tuple[str, int, int]]) -> None:
    code, out, err = run("serve", "--host", "256.1.1.1", "--port", "8765", "--demo")
    assert (code, out, served) == (2, "", [])
    assert err.startswith("error: cannot listen on 256.1.1.1:8765: ") and err.count("\n") == 1, err
    assert "--port" not in err


def test_a_free_port_is_served(home: Path, served: list[tuple[str, int, int]]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out, err = run("serve", "--port", str(port))
    assert code == 0, err
    assert served == [("127.0.0.1", port, 1)] and f"Workspace: http://127.0.0.1:{port}/web/" in out

"""A real ``matcher serve`` on 127.0.0.1 for the browser tests: a child process on a free port with its own
MATCHER_HOME and the fake encoder. With the demo (``--demo`` loads it in a few seconds) the keys are the ones it
printed per role; without, the store is empty and holds one officer key made with ``matcher keys create``."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
#: What ``matcher serve --demo`` prints per role (matcher/cli/serve.py).
KEY_LINE = re.compile(r"^demo (officer|partner|firm)\s+key: (\S+)$")
#: The first demo firm, the one the demo firm key belongs to, and the second one its partner also sees.
OWN_FIRM, PARTNER_SECOND_FIRM = "kr-hanbit-water", "kr-saebyeol-optics"
STARTUP_SECONDS = 180
#: Screenshot runs (MATCHER_SCREENSHOTS=1, tests/web/conftest.py) use the shipped multilingual encoder, so the
#: pictures show real matches and searches (~40 s to embed the demo); every other run the fake one (~3 s).
SCREENSHOTS_ENV = "MATCHER_SCREENSHOTS"


@dataclass
class DemoServer:
    base_url: str
    home: Path
    secret_key: str
    process: subprocess.Popen[str]
    keys: dict[str, str] = field(default_factory=dict)
    output: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _read_output(server: DemoServer) -> None:
    assert server.process.stdout is not None
    for line in server.process.stdout:
        server.output.append(line.rstrip("\n"))
        found = KEY_LINE.match(line.strip())
        if found:
            server.keys[found.group(1)] = found.group(2)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _wait_until_up(server: DemoServer, keys: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not (_answers(server.url("/health/live")) and len(server.keys) == keys):
        tail = "\n".join(server.output[-30:])
        if server.process.poll() is not None:
            raise RuntimeError(f"matcher serve --demo exited early:\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"matcher serve --demo not up after {STARTUP_SECONDS}s:\n{tail}")
        time.sleep(0.2)


def _environment(home: Path, secret_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHER_")}
    # A known secret key lets a test sign an unsubscribe link the way the digest would.
    encoder = "use-multilingual" if os.environ.get(SCREENSHOTS_ENV) == "1" else "fake"
    env.update(MATCHER_HOME=str(home), MATCHER_ENCODER=encoder, MATCHER_SECRET_KEY=secret_key, PYTHONUNBUFFERED="1")
    return env


def _matcher(*args: str) -> list[str]:
    return [sys.executable, "-c", "from matcher.cli import main; main()", *args]


def _officer_key(env: dict[str, str]) -> str:
    """``matcher keys create`` prints the new key alone on its last line."""
    done = subprocess.run(_matcher("keys", "create", "--role", "officer", "--name", "web-officer"), cwd=ROOT,
                          env=env, capture_output=True, text=True, check=True, timeout=STARTUP_SECONDS)
    return done.stdout.strip().splitlines()[-1]


@contextmanager
def demo_server(home: Path, secret_key: str, demo: bool = True) -> Iterator[DemoServer]:
    """``matcher serve [--demo]`` until the block ends (SIGTERM, then SIGKILL if it will not stop)."""
    port = free_port()
    env = _environment(home, secret_key)
    keys = {} if demo else {"officer": _officer_key(env)}
    command = _matcher("serve", *(["--demo"] if demo else []), "--host", "127.0.0.1", "--port", str(port))
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace")
    server = DemoServer(f"http://127.0.0.1:{port}", home, secret_key, process, keys)
    reader = threading.Thread(target=_read_output, args=(server,), daemon=True)
    reader.start()
    try:
        _wait_until_up(server, keys=3 if demo else 1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        reader.join(timeout=5)

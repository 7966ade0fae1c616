"""Calls to the demo server's JSON API, to set up what a browser test needs and to check what it did."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from tests.web.browser.server import DemoServer


def call(server: DemoServer, method: str, path: str, role: str, body: object | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url(path), data=data, method=method)
    request.add_header("Authorization", f"Bearer {server.keys[role]}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())

"""Workspace pages beside the JSON route: how long the server takes to answer a firm's page whose
recommendations are cached, against the JSON recommendations route for the same firm (issue 13's goal: the
page's p50 at most 50 ms).

The app runs in this process behind Starlette's test client (no sockets), so the time is the server's: routing,
the session and access checks, the facade's cached ranking, and (for the page) the template. A signed-in
partner session (the demo partner key, through the sign-in form) asks for the page; the same key asks for JSON.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from benchmarks.report import Part, Row
from matcher.config import EncoderName, Settings
from matcher.demo import demo_data, demo_firms, load_demo
from matcher.pipeline import Matcher

COMMAND = ".venv/bin/python -m benchmarks --only web"
GOAL_MS = 50.0
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def timed(client: TestClient, url: str, n: int, headers: dict[str, str] | None = None) -> list[float]:
    """Milliseconds of each of ``n`` requests (all must answer 200)."""
    out = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        out.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return out


def sign_in(client: TestClient, key: str) -> None:
    form = client.get("/web/sign-in")
    found = _CSRF.search(form.text)
    if found is None:
        raise SystemExit("the sign-in page has no csrf_token field")
    done = client.post("/web/sign-in", data={"key": key, "csrf_token": found.group(1), "next": "/web/"},
                       follow_redirects=False)
    if done.status_code != 303:
        raise SystemExit(f"sign-in answered {done.status_code}")


def summary(ms: list[float]) -> tuple[float, float, str]:
    p50 = statistics.median(ms)
    p99 = sorted(ms)[max(0, int(len(ms) * 0.99) - 1)]
    return p50, p99, f"p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(ms)} requests)"


def run(smoke: bool = False) -> Part:
    part = Part("web", "6. Workspace pages: a firm's page against the JSON route")
    n = 20 if smoke else 300
    encoder: EncoderName = "fake" if smoke else "use-multilingual"
    with tempfile.TemporaryDirectory() as tmp:
        data = demo_data()
        settings = Settings(home=Path(tmp) / "home", encoder=encoder, clock=data.as_of)
        matcher = Matcher(settings)
        load_demo(matcher)
        firm = demo_firms(matcher)[0].firm_id
        key = matcher.access.create_key("partner", "bench-partner").token
        matcher.access.assign("bench-partner", firm, actor="bench")
        with TestClient(create_app(matcher=matcher)) as client:
            sign_in(client, key)
            page_url, json_url = f"/web/firms/{firm}", f"/firms/{firm}/recommendations?k=10"
            bearer = {"Authorization": f"Bearer {key}"}
            timed(client, page_url, 3)  # ranks once and fills the caches
            timed(client, json_url, 3, bearer)
            page = timed(client, page_url, n)
            raw = timed(client, json_url, n, bearer)
        matcher.close()
    page_p50, _, page_text = summary(page)
    json_p50, _, json_text = summary(raw)
    part.add(Row(f"firm page (cached recommendations), {encoder} encoder", page_text, f"JSON route {json_text}",
                 json_p50 / page_p50, f"p50 ≤ {GOAL_MS:.0f} ms", page_p50 <= GOAL_MS, COMMAND))
    part.note("demo store (bundled real TED notices), one partner session; the ratio is the JSON route's p50 over "
              "the page's (what the page's session check and template add)")
    return part

"""Security headers (issue 15, item 9): nosniff on every response, no-store on every answer to a request with
credentials, and on HTML without its own policy a restrictive Content-Security-Policy that allows /docs' one
inline script by its hash and frames nowhere. The workspace's and the unsubscribe pages keep their own policy.
(tests/web/browser/test_docs.py renders /docs and /redoc in Chromium under these headers, with no console
error: a CSP violation is one.)"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

import pytest
from httpx2 import Response  # what starlette's TestClient answers with

from api import pages
from api.web.render import CSP
from matcher.digest.tokens import make_token
from tests.api.conftest import OWN, World
from tests.web.pages_world import sign_in


class InlineScripts(HTMLParser):
    """The text of each <script> without a src (an independent reading of the page, not the middleware's)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and "src" not in dict(attrs):
            self._open = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._open = self._open and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._open:
            self.scripts[-1] += data


def directives(response: Response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = [part.split() for part in policy.split(";") if part.strip()]
    return {words[0]: words[1:] for words in parsed}


def test_nosniff_on_every_kind_of_response(world: World) -> None:
    officer = world.auth("officer")
    for response in (
        world.client.get("/health/live"),
        world.client.get("/tenders", headers=officer),
        world.client.get("/tenders"),  # 401
        world.client.get("/nothing-here"),  # 404
        world.client.request("TRACE", "/tenders"),  # 405
        world.client.get("/docs"),
        world.client.get("/web/static/web.css"),
        world.client.get(f"/firms/{OWN}/shortlist/export.csv", headers=officer),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.url


@pytest.mark.parametrize("how", ["bearer", "x-api-key", "bad key"])
def test_answers_to_credentials_are_not_stored(world: World, how: str) -> None:
    key = "not-a-key" if how == "bad key" else world.keys["officer"]
    headers = {"X-API-Key": key} if how == "x-api-key" else {"Authorization": f"Bearer {key}"}
    for path in ("/tenders", f"/firms/{OWN}/recommendations", f"/firms/{OWN}/shortlist/export.csv",
                 f"/firms/{OWN}/shortlist/export.ics", f"/firms/{OWN}"):
        response = world.client.get(path, headers=headers)
        assert response.status_code == (401 if how == "bad key" else 200), (path, response.text)
        assert response.headers["Cache-Control"] == "no-store", path


def test_public_and_static_answers_keep_their_caching(world: World) -> None:
    assert "Cache-Control" not in world.client.get("/health/live").headers
    assert world.client.get("/static-docs/redoc.standalone.js").headers["Cache-Control"] == "public, max-age=86400"
    signed_in = sign_in(world.client, world.keys["firm"])
    assert signed_in.status_code in (200, 303)
    css = world.client.get("/web/static/web.css")  # the session cookie goes along (its path is /web)
    assert "tm_session" in world.client.cookies
    assert css.status_code == 200 and "no-store" not in css.headers.get("Cache-Control", "")
    page = world.client.get(f"/web/firms/{OWN}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"


def test_docs_allow_their_one_inline_script_by_hash(world: World) -> None:
    response = world.client.get("/docs")
    reader = InlineScripts()
    reader.feed(response.text)
    assert len(reader.scripts) == 1 and "SwaggerUIBundle" in reader.scripts[0]
    digest = base64.b64encode(hashlib.sha256(reader.scripts[0].encode()).digest()).decode()
    policy = directives(response)
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert policy["default-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and response.headers["X-Frame-Options"] == "DENY"


def test_redoc_may_style_inline_but_runs_no_inline_script(world: World) -> None:
    response = world.client.get("/redoc")
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"] and policy["worker-src"] == ["'self'", "blob:"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_pages_with_their_own_policy_keep_it(world: World) -> None:
    sign_in_page = world.client.get("/web/sign-in")
    assert sign_in_page.headers["Content-Security-Policy"] == CSP
    added = world.client.post(f"/firms/{OWN}/subscriptions", json={"email": "a@example.com"},
                              headers=world.auth("officer"))
    assert added.status_code == 201, added.text
    token = make_token(world.matcher.settings, added.json()["subscription_id"])
    unsubscribe = world.client.get("/unsubscribe", params={"token": token})
    assert unsubscribe.status_code == 200 and unsubscribe.headers["content-type"].startswith("text/html")
    assert unsubscribe.headers["Content-Security-Policy"] == pages.HEADERS["Content-Security-Policy"]

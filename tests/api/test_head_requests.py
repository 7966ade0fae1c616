"""HEAD is answered wherever GET is (RFC 9110 section 9.1: a general-purpose server must support GET and HEAD):
the GET's status and headers, no body. FastAPI's routes answered HEAD with 405 and ``Allow: GET`` (a hostile
sweep; a load balancer checking ``HEAD /health/live`` saw the service as refusing it)."""

from __future__ import annotations

import pytest

from tests.api.conftest import OWN, World

#: (path, who): a public route, API routes with a key, a file download, and a workspace page.
READS = [
    ("/health/live", None),
    ("/me", "firm"),
    (f"/firms/{OWN}", "partner"),
    ("/tenders?limit=2", "officer"),
    (f"/firms/{OWN}/shortlist/export.csv", "officer"),
    ("/web/static/web.css", None),
]


@pytest.mark.parametrize(("path", "who"), READS, ids=[p for p, _ in READS])
def test_head_has_the_gets_status_and_headers_and_no_body(world: World, path: str, who: str | None) -> None:
    headers = world.auth(who) if who else {}
    got = world.client.get(path, headers=headers)
    head = world.client.head(path, headers=headers)
    assert got.status_code == 200 and got.content, got.text
    assert head.status_code == 200, head.text
    assert head.content == b""
    for name in ("content-type", "content-length", "cache-control", "x-content-type-options"):
        assert head.headers.get(name) == got.headers.get(name), name


def test_head_is_refused_as_the_get_is(world: World) -> None:
    """No key: the GET's 401 (with its challenge); a firm the key may not see: its 403; no body either way."""
    anonymous = world.client.head(f"/firms/{OWN}")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    hidden = world.client.head(f"/firms/{OWN}", headers=world.auth("firm_b"))
    assert hidden.status_code == 403 and hidden.content == b""


def test_head_of_a_path_that_takes_no_get_is_405_naming_its_methods(world: World) -> None:
    response = world.client.head(f"/firms/{OWN}/codes", headers=world.auth("officer"))
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("TRACE", "/health/live", "GET, HEAD"),
    ("DELETE", "/tenders", "GET, HEAD, POST"),
    ("PUT", f"/firms/{OWN}/codes", "POST"),
])
def test_a_405_names_head_where_get_is_allowed(world: World, method: str, path: str, allow: str) -> None:
    response = world.client.request(method, path, headers=world.auth("officer"))
    assert response.status_code == 405 and response.headers["Allow"] == allow

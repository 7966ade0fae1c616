"""Every 405 names the methods its resource answers to in ``Allow`` (RFC 9110 section 15.5.6; issue 15,
item 9: TRACE got a 405 without one). Starlette named only the first route on a path, and static files none."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.errors import METHODS
from api.main import create_app
from matcher.pipeline import Matcher


@pytest.fixture
def client(empty_matcher: Matcher) -> Iterator[TestClient]:
    with TestClient(create_app(matcher=empty_matcher)) as test_client:
        yield test_client


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("TRACE", "/health/live", "GET, HEAD"),  # HEAD wherever GET (api.head_requests)
    ("PUT", "/health/live", "GET, HEAD"),
    ("TRACE", "/tenders", "GET, HEAD, POST"),  # two routes on one path: both methods
    ("DELETE", "/tenders", "GET, HEAD, POST"),
    ("PUT", "/firms/kr-hanbit-water/shortlist", "GET, HEAD, POST"),
    ("TRACE", "/firms/kr-hanbit-water/shortlist/ted:1-2021", "PATCH"),
    ("POST", "/web/static/web.css", "GET, HEAD"),  # static files
    ("DELETE", "/static-offline-docs/swagger-ui.css", "GET, HEAD"),
])
def test_405_names_the_allowed_methods(client: TestClient, method: str, path: str, allow: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == allow
    if path.startswith("/web/"):  # the workspace answers with its own page, the API in JSON
        assert response.headers["content-type"].startswith("text/html")
    else:
        assert response.json()["error"] == "method_not_allowed"


@pytest.mark.slow
def test_every_405_of_every_documented_path_carries_allow(client: TestClient) -> None:
    """Each path of the OpenAPI schema with every method: a 405 carries Allow, and exactly the methods it
    lists are the ones that are not refused with 405 there (paths overlap: GET /tenders/import is
    GET /tenders/{tender_id}). HEAD is among them wherever GET is (tests/api/test_head_requests.py)."""
    paths = client.get("/openapi.json").json()["paths"]
    refused = 0
    for template in paths:
        path = re.sub(r"\{[^}]+\}", "x1", template)
        answers = {method: client.request(method, path) for method in METHODS}
        accepted = ", ".join(m for m, r in answers.items() if r.status_code != 405)
        for method, response in answers.items():
            if response.status_code == 405:
                assert response.headers.get("Allow") == accepted, (method, path)
                refused += 1
    assert refused > 100  # some 25 paths, 6 or 7 methods refused on each


@pytest.mark.parametrize(("method", "path", "detail"), [
    # A %2F in an id is read as '/' before routing: the path then names no route, which the body says.
    ("GET", "/firms/a%2Fb", "no route answers GET /firms/a/b (the routes are listed at /docs; an id holds no '/', "
                            "'?' or '#')"),
    ("PATCH", "/no-such-route", "no route answers PATCH /no-such-route (the routes are listed at /docs; an id holds "
                                "no '/', '?' or '#')"),
    ("DELETE", "/tenders", "DELETE is not allowed on /tenders (allowed: GET, HEAD, POST)"),
    ("TRACE", "/firms/kr-hanbit-water/shortlist/ted:1-2021",
     "TRACE is not allowed on /firms/kr-hanbit-water/shortlist/ted:1-2021 (allowed: PATCH)"),
])
def test_a_path_or_method_no_route_answers_is_named(client: TestClient, method: str, path: str, detail: str) -> None:
    """Starlette's 404 and 405 said only "Not Found" and "Method Not Allowed" (a hostile sweep sent ids holding
    %2F): the body now names the method and path it was asked for."""
    response = client.request(method, path)
    assert response.json()["detail"] == detail, response.text


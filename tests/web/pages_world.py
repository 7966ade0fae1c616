"""What the workspace's page tests share (not a conftest: tests/web/conftest.py belongs to the browser tests).

The demo world is the API tests' own (``tests/api/conftest.py``: the bundled demo with the fake encoder, one
key per role, partner-a assigned OWN and partner-b OTHER); a test module imports its fixtures by name.
``Visitor`` is one browser's worth of cookies: a TestClient of its own, signed in through the real form.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import lxml.html
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response  # what starlette's TestClient answers with

from tests.api.conftest import World

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, key: str, next_path: str = "/web/") -> Response:
    """Sign in as a person does: open the form (which sets its own token cookie), post the key in the body."""
    form = client.get("/web/sign-in")
    assert form.status_code == 200
    return client.post(
        "/web/sign-in", data={"key": key, "csrf_token": csrf_of(form.text), "next": next_path},
        follow_redirects=False,
    )


def page_text(html: str) -> str:
    """What a reader sees (no markup), spaces collapsed."""
    return " ".join(lxml.html.fromstring(html).text_content().split())


Visitor = Callable[..., TestClient]


@pytest.fixture
def visitor(world: World) -> Visitor:
    """``visitor("partner")``: a new client (its own cookie jar) signed in with that role's key."""

    def open_one(who: str, base_url: str = "http://testserver") -> TestClient:
        client = TestClient(world.client.app, base_url=base_url)
        response = sign_in(client, world.keys[who])
        assert response.status_code == 303, response.text
        return client

    return open_one

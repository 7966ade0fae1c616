"""An address far longer than any workspace page's is no page to come back to after signing in: the sign-in
redirect and its form carried it whole (a 20,000-character query made a 20,000-character ``Location`` header,
which a proxy in front of the app refuses as an upstream header too big, answering 502 instead of the sign-in
page). Such an address comes back home instead; every address a page makes is far shorter."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from fastapi.testclient import TestClient

from api.web.session import MAX_NEXT, safe_next
from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401

FIRM = f"/web/firms/{OWN}"


def test_an_address_longer_than_any_page_makes_comes_back_home() -> None:
    kept = f"{FIRM}?q=" + "w" * (MAX_NEXT - len(FIRM) - 3)
    assert len(kept) == MAX_NEXT and safe_next(kept) == kept
    assert safe_next(kept + "w") == "/web/"


def test_signing_in_from_an_overlong_address_is_sent_to_sign_in_with_home_next(world: World) -> None:
    visitor = TestClient(world.client.app)
    sent = visitor.get(f"{FIRM}?q=" + "y" * 20_000, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/web/sign-in?next=/web/"
    form = visitor.get("/web/sign-in?next=" + "/web/" + "z" * 20_000)
    assert form.status_code == 200
    assert 'name="next" value="/web/"' in form.text

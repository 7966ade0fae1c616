"""Signing in and out of the workspace: the cookie, the CSRF tokens, revoked keys, and assets from this host."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from fnmatch import fnmatch
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.docs import REDOC_LOGO, REDOC_SCRIPT
from api.web.render import STATIC_DIR, TEMPLATES_DIR
from api.web.session import SECURE_SESSION_COOKIE, SESSION_COOKIE, SIGN_IN_COOKIE, SIGN_IN_PATH
from matcher.errors import MatcherError
from matcher.services.access import AuthenticationError
from matcher.services.sessions import SESSION_TTL, WebSessions
from matcher.store.sessions import web_sessions
from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, csrf_of, page_text, sign_in, visitor  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def _cookie_header(response_headers: list[str], name: str) -> str:
    found = [h for h in response_headers if h.startswith(f"{name}=")]
    assert len(found) == 1, response_headers
    return found[0]


def test_sign_in_sets_a_session_cookie_and_never_shows_the_key(world: World) -> None:
    client = TestClient(world.client.app)
    key = world.keys["partner"]
    response = sign_in(client, key)
    assert response.status_code == 303 and response.headers["location"] == "/web/"
    cookie = _cookie_header(response.headers.get_list("set-cookie"), SESSION_COOKIE)
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/web", f"max-age={int(SESSION_TTL.total_seconds())}"} <= flags
    assert "secure" not in flags  # plain http: a Secure cookie would never come back
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert key not in session_id and key not in response.headers["location"]
    home = client.get("/web/")
    assert home.status_code == 200 and key not in home.text and key not in str(home.url)
    # The id is stored only as its hash.
    with world.matcher.engine.db.connect() as conn:
        stored = [r.session_hash for r in conn.execute(select(web_sessions))]
    assert len(stored) == 1 and stored[0] != session_id and len(stored[0]) == 64


def test_the_cookie_is_secure_over_https(world: World) -> None:
    """Over https it is a ``__Host-`` cookie on '/' (tests/web/test_session_cookie_tossing.py)."""
    client = TestClient(world.client.app, base_url="https://testserver")
    response = sign_in(client, world.keys["officer"])
    cookie = _cookie_header(response.headers.get_list("set-cookie"), SECURE_SESSION_COOKIE)
    assert {"secure", "path=/"} <= {part.strip().lower() for part in cookie.split(";")}


def test_a_wrong_key_shows_the_form_again_without_it(world: World) -> None:
    client = TestClient(world.client.app)
    wrong = world.keys["partner"][:-4] + "AAAA"
    response = sign_in(client, wrong)
    assert response.status_code == 401
    assert wrong not in response.text and 'role="alert"' in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert client.get("/web/", follow_redirects=False).status_code == 303


def test_a_key_in_the_address_signs_no_one_in(world: World) -> None:
    client = TestClient(world.client.app)
    key = world.keys["officer"]
    response = client.get("/web/sign-in", params={"key": key})
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "") and key not in response.text
    assert client.get("/web/", follow_redirects=False).status_code == 303


def test_sign_in_needs_the_forms_own_token(world: World) -> None:
    client = TestClient(world.client.app)
    form = client.get("/web/sign-in")
    data = {"key": world.keys["officer"], "csrf_token": csrf_of(form.text) + "x", "next": "/web/"}
    assert client.post("/web/sign-in", data=data, follow_redirects=False).status_code == 403
    fresh = TestClient(world.client.app)  # no form opened: no token cookie at all
    data["csrf_token"] = csrf_of(form.text)
    assert fresh.post("/web/sign-in", data=data, follow_redirects=False).status_code == 403
    assert client.get("/web/", follow_redirects=False).status_code == 303


def test_pages_send_strangers_to_sign_in_and_back(world: World) -> None:
    client = TestClient(world.client.app)
    page = client.get(f"/web/firms/{OWN}", params={"country": "FR"}, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/web/sign-in?next=/web/firms/{OWN}%3Fcountry%3DFR"
    response = sign_in(client, world.keys["partner"], next_path=f"/web/firms/{OWN}?country=FR")
    assert response.headers["location"] == f"/web/firms/{OWN}?country=FR"
    # A next address on another host (or the sign-in page itself) is not followed.
    for hostile in ("//evil.example/web/", "https://evil.example/web/", "/web/sign-in", "/docs"):
        other = TestClient(world.client.app)
        assert sign_in(other, world.keys["partner"], next_path=hostile).headers["location"] == "/web/"


def test_sign_out_ends_the_session(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    session_id = client.cookies[SESSION_COOKIE]
    home = client.get("/web/")
    assert client.post("/web/sign-out", follow_redirects=False).status_code == 403  # no token: stays signed in
    assert client.get("/web/").status_code == 200
    response = client.post("/web/sign-out", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/web/sign-in")
    assert client.get("/web/", follow_redirects=False).status_code == 303
    stale = TestClient(world.client.app, cookies={SESSION_COOKIE: session_id})  # the old cookie, kept by hand
    assert stale.get("/web/", follow_redirects=False).status_code == 303


def test_signing_in_again_ends_the_session_the_browser_had(world: World, visitor: Visitor) -> None:
    """A sign-in form opened before (another tab), sent while the browser holds a live session: the new session
    replaces the old one, which must not stay open for whoever copied its cookie."""
    client = visitor("partner")
    before = client.cookies[SESSION_COOKIE]
    form = TestClient(world.client.app).get("/web/sign-in")  # opened while signed out
    client.cookies.set(SIGN_IN_COOKIE, form.cookies[SIGN_IN_COOKIE], path=SIGN_IN_PATH)
    again = client.post("/web/sign-in", data={"key": world.keys["officer"], "csrf_token": csrf_of(form.text),
                                              "next": "/web/"}, follow_redirects=False)
    assert again.status_code == 303
    after = client.cookies[SESSION_COOKIE]
    assert after != before and world.matcher.web_session(after).principal.name == "officer-1"
    with pytest.raises(AuthenticationError):
        world.matcher.web_session(before)
    stale = TestClient(world.client.app, cookies={SESSION_COOKIE: before})
    assert stale.get("/web/", follow_redirects=False).status_code == 303
    # A failed attempt ends nothing: the person is still signed in as before.
    form = TestClient(world.client.app).get("/web/sign-in")
    client.cookies.set(SIGN_IN_COOKIE, form.cookies[SIGN_IN_COOKIE], path=SIGN_IN_PATH)
    wrong = client.post("/web/sign-in", data={"key": world.keys["officer"][:-4] + "AAAA",
                                              "csrf_token": csrf_of(form.text), "next": "/web/"})
    assert wrong.status_code == 401 and world.matcher.web_session(after).principal.name == "officer-1"


def test_a_revoked_keys_session_stops_working(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    assert client.get("/web/").status_code == 200
    world.matcher.access.revoke("partner-a")
    response = client.get("/web/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/web/sign-in")
    with pytest.raises(AuthenticationError):
        world.matcher.sign_in(world.keys["partner"])


def test_sessions_expire(world: World) -> None:
    sessions = WebSessions(world.matcher.engine.db, world.matcher.access, ttl=timedelta(seconds=-1))
    opened = sessions.sign_in(world.keys["officer"])
    with pytest.raises(AuthenticationError):
        sessions.resolve(opened.session_id)
    live = world.matcher.sign_in(world.keys["officer"])  # the default lifetime
    assert world.matcher.web_session(live.session_id).principal.name == "officer-1"
    for bad in (None, "", "x" * 43, live.session_id + "x", live.session_id.upper()):
        with pytest.raises(MatcherError):
            world.matcher.web_session(bad)


def test_changes_without_a_session_are_sent_to_sign_in(world: World) -> None:
    client = TestClient(world.client.app)
    response = client.post(f"/web/firms/{OWN}/decide", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/web/sign-in")
    # A plain form without the page it was on (no Referer) comes back home: its target only answers POSTs.
    # (Back to the form's page, and what the sign-in page says then: test_web_session_ended.py.)
    response = client.post(f"/web/firms/{OWN}/decide", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/web/sign-in?next=/web/&session=unsaved"


# ----------------------------------------------------------------------------- nothing from another host
_ASSETS = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"')


def test_api_docs_load_nothing_from_another_host(world: World) -> None:
    client = world.client
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        assets = _ASSETS.findall(page.text)
        assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
        assert "http://" not in page.text and "https://" not in page.text
        for asset in assets:
            assert client.get(asset).status_code == 200, asset
    assert "SwaggerUIBundle(" in client.get("/docs").text and "<redoc spec-url=" in client.get("/redoc").text
    # What the bundles themselves would fetch: Swagger UI's validator badge (off) and ReDoc's CDN logo (removed).
    assert '"validatorUrl": null' in client.get("/docs").text
    script = client.get(REDOC_SCRIPT)
    assert script.status_code == 200 and b"Redoc" in script.content and REDOC_LOGO.encode() not in script.content


def test_pages_load_only_their_own_assets(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    for path in ("/web/", f"/web/firms/{OWN}", "/web/sign-in"):
        page = client.get(path)
        assert page.status_code == 200
        assets = _ASSETS.findall(page.text)
        assert sorted(assets) == ["/web/static/htmx.min.js", "/web/static/web.css", "/web/static/web.js", "data:,"], \
            assets
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"
    for asset in ("/web/static/htmx.min.js", "/web/static/web.css", "/web/static/web.js"):
        assert client.get(asset).status_code == 200


def test_templates_and_static_files_ship_in_the_package() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["api"]
    files = [p for folder in (TEMPLATES_DIR, STATIC_DIR) for p in folder.rglob("*") if p.is_file()]
    assert files
    for path in files:
        relative = path.relative_to(ROOT / "api").as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), relative


def test_a_signed_in_page_names_the_person_not_the_key(world: World, visitor: Visitor) -> None:
    text = page_text(visitor("officer").get("/web/").text)
    assert "officer-1" in text and world.keys["officer"] not in text

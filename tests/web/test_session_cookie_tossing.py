"""The workspace's session cookie ``tm_session`` (Path=/web) could be set by a sibling subdomain (cookie tossing:
evil.example.org answers ``Set-Cookie: tm_session=<the attacker's own session>; Domain=example.org; Path=/web``),
so a visitor worked, uploaded and decided inside the attacker's account (session fixation, login CSRF). Over https
the cookie is now ``__Host-tm_session`` (Secure, Path=/, no Domain: a browser takes it only from this host, over
https) and the unprefixed one is never read; over plain http (``matcher serve`` on 127.0.0.1, where most browsers
would drop a Secure cookie) it stays ``tm_session`` on /web, as before (tests/web/test_web_sessions.py).

Path=/ sends the cookie to the JSON API's routes too: they authenticate by API key only, never by it."""

# ruff: noqa: F811

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.security_headers import has_credentials
from api.web.session import SESSION_COOKIE
from matcher.services.sessions import SESSION_TTL
from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, csrf_of, visitor  # noqa: F401

HOST_COOKIE = "__Host-tm_session"
HTTPS = "https://testserver"


def _flags(response_headers: list[str], name: str) -> set[str]:
    [cookie] = [h for h in response_headers if h.startswith(f"{name}=")]
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def _is_set(response_headers: list[str], name: str) -> bool:
    return any(h.startswith(f"{name}=") for h in response_headers)


def test_over_https_the_session_cookie_is_a_host_cookie(world: World) -> None:
    client = TestClient(world.client.app, base_url=HTTPS)
    form = client.get("/web/sign-in")
    signed_in = client.post("/web/sign-in", data={"key": world.keys["officer"], "csrf_token": csrf_of(form.text),
                                                  "next": "/web/"}, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    headers = signed_in.headers.get_list("set-cookie")
    assert not _is_set(headers, SESSION_COOKIE), headers
    flags = _flags(headers, HOST_COOKIE)
    assert {"secure", "path=/", "httponly", "samesite=lax", f"max-age={int(SESSION_TTL.total_seconds())}"} <= flags
    assert not any(f.startswith("domain=") for f in flags), flags
    assert client.get("/web/").status_code == 200  # the cookie opens the session


def test_over_https_a_tossed_unprefixed_cookie_is_not_read(world: World, visitor: Visitor) -> None:
    """The attacker signed in themselves and planted their session's id as ``tm_session`` for the parent domain."""
    attacker = visitor("partner", base_url=HTTPS)
    planted = attacker.cookies[HOST_COOKIE]
    assert world.matcher.web_session(planted).principal.name.startswith("partner")
    victim = TestClient(world.client.app, base_url=HTTPS)
    victim.cookies.set(SESSION_COOKIE, planted, path="/web")  # what the server sees of a Domain= cookie too
    page = victim.get(f"/web/firms/{OWN}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/web/sign-in?next=/web/firms/{OWN}"
    form = victim.get("/web/sign-in")  # the form, not the attacker's session (which would redirect home)
    assert form.status_code == 200 and "csrf_token" in form.text
    # Signed in with their own key, the visitor works in their own session, with the planted cookie still there.
    mine = victim.post("/web/sign-in", data={"key": world.keys["officer"], "csrf_token": csrf_of(form.text),
                                             "next": "/web/"}, follow_redirects=False)
    assert mine.status_code == 303
    own = victim.cookies[HOST_COOKIE]
    assert own != planted and world.matcher.web_session(own).principal.name == "officer-1"
    assert world.matcher.web_session(planted).principal.name.startswith("partner")  # not ended by the visitor
    assert victim.get("/web/").status_code == 200


def test_over_https_sign_out_and_expiry_clear_the_host_cookie(world: World, visitor: Visitor) -> None:
    client = visitor("partner", base_url=HTTPS)
    home = client.get("/web/")
    out = client.post("/web/sign-out", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False)
    assert out.status_code == 303
    headers = out.headers.get_list("set-cookie")
    assert "max-age=0" in _flags(headers, HOST_COOKIE) and "path=/" in _flags(headers, HOST_COOKIE)
    assert not _is_set(headers, SESSION_COOKIE), headers
    stale = TestClient(world.client.app, base_url=HTTPS)
    stale.cookies.set(HOST_COOKIE, "x" * 43, path="/")
    ended = stale.get("/web/", follow_redirects=False)
    assert ended.status_code == 303 and "session=expired" in ended.headers["location"]
    flags = _flags(ended.headers.get_list("set-cookie"), HOST_COOKIE)
    assert {"max-age=0", "path=/", "secure"} <= flags, flags


@pytest.mark.parametrize("path", ["/tenders", f"/firms/{OWN}", f"/firms/{OWN}/shortlist"])
def test_the_api_never_takes_the_session_cookie_for_a_key(world: World, visitor: Visitor, path: str) -> None:
    """Over https the browser sends ``__Host-tm_session`` to every path of the host: the API still wants a key."""
    client = visitor("officer", base_url=HTTPS)
    assert client.get("/web/").status_code == 200  # a live session
    response = client.get(path)
    assert response.status_code == 401, response.text
    assert response.headers["Cache-Control"] == "no-store"  # a session went along: nothing stored anyway
    posted = client.post(f"/firms/{OWN}/shortlist", json={"tender_id": "x" * 8})
    assert posted.status_code == 401, posted.text


@pytest.mark.parametrize("cookie", ["tm_session=abc", "__Host-tm_session=abc", "lang=en; __Host-tm_session=abc"])
def test_either_session_cookie_makes_an_answer_private(cookie: str) -> None:
    assert has_credentials({"type": "http", "headers": [(b"cookie", cookie.encode())]})


def test_another_cookie_is_no_session() -> None:
    assert not has_credentials({"type": "http", "headers": [(b"cookie", b"lang=en; xtm_session=abc")]})

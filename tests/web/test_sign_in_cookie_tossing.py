"""The sign-in form's CSRF cookie (double submit: the form's token must equal the cookie's) could be set by a
sibling subdomain (cookie tossing: evil.example.org sets ``tm_sign_in`` for ``Domain=example.org``), which then
signs a visitor in with the attacker's key by posting a form holding the same token. Over https the cookie is now
``__Host-tm_sign_in`` (Secure, Path=/, no Domain: a browser takes it only from this host, over https) and the
unprefixed one is not read; over plain http (``matcher serve`` on 127.0.0.1, where most browsers would drop a Secure
cookie) it stays ``tm_sign_in`` on the sign-in path, as before."""

# ruff: noqa: F811

from __future__ import annotations

from fastapi.testclient import TestClient

from api.web.session import SECURE_SESSION_COOKIE, SIGN_IN_COOKIE, SIGN_IN_PATH
from tests.api.conftest import World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import csrf_of, sign_in

HOST_COOKIE = "__Host-tm_sign_in"


def _flags(response_headers: list[str], name: str) -> set[str]:
    [cookie] = [h for h in response_headers if h.startswith(f"{name}=")]
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_over_https_the_forms_cookie_is_a_host_cookie(world: World) -> None:
    client = TestClient(world.client.app, base_url="https://testserver")
    form = client.get(SIGN_IN_PATH)
    headers = form.headers.get_list("set-cookie")
    assert not [h for h in headers if h.startswith(f"{SIGN_IN_COOKIE}=")], headers
    flags = _flags(headers, HOST_COOKIE)
    assert {"secure", "path=/", "httponly", "samesite=strict"} <= flags and not any(
        f.startswith("domain=") for f in flags), flags
    signed_in = client.post(SIGN_IN_PATH, data={"key": world.keys["officer"], "csrf_token": csrf_of(form.text),
                                                "next": "/web/"}, follow_redirects=False)
    assert signed_in.status_code == 303 and SECURE_SESSION_COOKIE in signed_in.cookies, signed_in.text
    assert "max-age=0" in _flags(signed_in.headers.get_list("set-cookie"), HOST_COOKIE)  # the token is used up


def test_over_https_a_tossed_unprefixed_cookie_signs_no_one_in(world: World) -> None:
    """The attacker's page posts its own token, and its sibling subdomain set the same token as ``tm_sign_in``."""
    victim = TestClient(world.client.app, base_url="https://testserver")
    victim.cookies.set(SIGN_IN_COOKIE, "tossed-token", path=SIGN_IN_PATH)
    forged = victim.post(SIGN_IN_PATH, data={"key": world.keys["partner"], "csrf_token": "tossed-token",
                                             "next": "/web/"}, follow_redirects=False)
    assert forged.status_code == 403 and SECURE_SESSION_COOKIE not in forged.cookies, forged.text
    assert victim.get("/web/", follow_redirects=False).status_code == 303


def test_over_plain_http_the_cookie_is_as_before(world: World) -> None:
    client = TestClient(world.client.app)
    form = client.get(SIGN_IN_PATH)
    flags = _flags(form.headers.get_list("set-cookie"), SIGN_IN_COOKIE)
    assert f"path={SIGN_IN_PATH}" in flags and "secure" not in flags, flags
    assert sign_in(client, world.keys["officer"]).status_code == 303

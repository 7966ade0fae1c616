"""A body sent as something other than JSON to a route that reads JSON is a 415 naming the content type sent
and the one expected (an outside trial: ``text/plain`` and form bodies got "Input should be a valid dictionary
or object", which names neither), and changes nothing. The operations come from the app's own document, so a
route added later is checked too."""

from __future__ import annotations

import gzip

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot
from tests.api.test_contract_regressions import body_operations, concrete, documented

JSON_OPERATIONS = [(method, path) for method, path, content_type in body_operations()
                   if content_type == "application/json"]
#: A body that would be valid for no route, so a route that read it would answer 422, not 415.
BODY = b'{"tender_id": "ted:000000-1999"}'
WRONG = ["text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8", "application/jsonx",
         "multipart/form-data; boundary=x", "application/xml"]


def test_every_json_route_is_checked() -> None:
    """The document lists the JSON routes the trial named, so the iteration below cannot pass empty."""
    assert {("POST", "/tenders"), ("POST", "/firms"), ("PATCH", "/firms/{firm_id}"),
            ("POST", "/firms/{firm_id}/shortlist"), ("PATCH", "/firms/{firm_id}/shortlist/{tender_id}"),
            ("POST", "/firms/{firm_id}/subscriptions"), ("POST", "/feeds")} <= set(JSON_OPERATIONS)


@pytest.mark.parametrize(("method", "path"), JSON_OPERATIONS, ids=lambda v: str(v))
def test_a_body_that_is_not_json_is_415_naming_both_types(world: World, method: str, path: str) -> None:
    before = snapshot(world)
    for content_type in WRONG:
        response = world.client.request(method, concrete(path), content=BODY,
                                         headers={**world.auth("officer"), "Content-Type": content_type})
        assert response.status_code == 415, (content_type, response.text)
        body = response.json()
        assert body["error"] == "unsupported_media_type"
        assert f"Content-Type {content_type!r}" in body["detail"] and "application/json" in body["detail"], body
    # A body without any Content-Type is not read as JSON either: say so rather than "not a dictionary".
    response = world.client.request(method, concrete(path), content=BODY, headers=world.auth("officer"))
    assert response.status_code == 415, response.text
    assert "no Content-Type" in response.json()["detail"] and "application/json" in response.json()["detail"]
    assert 415 in documented(method, path)
    assert snapshot(world) == before


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON", "application/merge-patch+json"])
def test_json_under_any_json_type_is_read(world: World, content_type: str) -> None:
    response = world.client.patch(f"/firms/{OWN}", content=b'{"keywords": ["membrane"]}',
                                  headers={**world.auth("officer"), "Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert response.json()["keywords"] == ["membrane"]


def test_a_wrong_type_without_a_key_is_still_401(world: World) -> None:
    """The key is checked first: an anonymous caller learns nothing about the route's body."""
    response = world.client.post("/tenders", content=BODY, headers={"Content-Type": "text/plain"})
    assert response.status_code == 401 and response.json()["error"] == "unauthenticated"


def test_an_upload_route_is_not_asked_for_json(world: World) -> None:
    response = world.client.post("/firms/import", files={"file": ("f.json", b"[]")}, headers=world.auth("officer"))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "utf-16", "windows-1252"])
def test_json_declared_in_another_charset_is_415_naming_it(world: World, charset: str) -> None:
    """JSON is UTF-8 (RFC 8259 section 8.1). A body declared in another charset was read as UTF-8 anyway: a Latin-1
    'café' was a 400 'There was an error parsing the body', an ASCII one was stored as if nothing had been said."""
    before = snapshot(world)
    for body in ('{"name": "Café"}'.encode("latin-1"), b'{"name": "Cafe"}'):
        response = world.client.patch(f"/firms/{OWN}", content=body, headers={
            **world.auth("officer"), "Content-Type": f"application/json; charset={charset}"})
        assert response.status_code == 415, response.text
        assert response.json()["detail"] == (f"charset {charset!r} is not accepted here: send the body as UTF-8 "
                                             "(Content-Type: application/json)")
    assert snapshot(world) == before


def test_a_body_that_is_not_utf8_is_400_naming_the_byte(world: World) -> None:
    before = snapshot(world)
    response = world.client.patch(f"/firms/{OWN}", content='{"name": "Café"}'.encode("latin-1"),
                                  headers={**world.auth("officer"), "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json() == {"error": "bad_request", "problems": [], "detail": (
        "the body is not UTF-8 (byte 0xe9 at offset 13): send JSON as UTF-8")}
    assert snapshot(world) == before


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8", "us-ascii"])
def test_json_declared_as_utf8_or_ascii_is_read(world: World, charset: str) -> None:
    response = world.client.patch(f"/firms/{OWN}", content='{"name": "Café"}'.encode(), headers={
        **world.auth("officer"), "Content-Type": f"application/json; charset={charset}"})
    assert response.status_code == 200 and response.json()["name"] == "Café", response.text


@pytest.mark.parametrize(("body", "detail"), [
    (b"name=Renamed", "body: not valid JSON: Expecting value at character 0"),  # a form sent as JSON
    (b'{"name": "Renamed",}',
     "body: not valid JSON: Expecting property name enclosed in double quotes at character 19"),
])
def test_a_body_that_is_not_json_names_where_it_breaks(world: World, body: bytes, detail: str) -> None:
    """Was 'body.0: JSON decode error': the place read as a field, the reason left out."""
    response = world.client.patch(f"/firms/{OWN}", content=body,
                                  headers={**world.auth("officer"), "Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["detail"] == detail, response.text
    assert response.json()["problems"] == [{"loc": "body", "msg": detail.removeprefix("body: ")}]


@pytest.mark.parametrize("coding", ["gzip", "br", "deflate, gzip"])
def test_a_compressed_json_body_is_415_naming_its_coding(world: World, coding: str) -> None:
    """A gzipped body was read as it came: a 400 'the body is not UTF-8 (byte 0x8b ...)', naming the symptom."""
    before = snapshot(world)
    response = world.client.patch(f"/firms/{OWN}", content=gzip.compress(b'{"name": "Cafe"}'), headers={
        **world.auth("officer"), "Content-Type": "application/json", "Content-Encoding": coding})
    assert response.status_code == 415, response.text
    assert response.json()["detail"] == (f"Content-Encoding {coding!r} is not accepted here: send the body "
                                         "uncompressed (no Content-Encoding)")
    assert snapshot(world) == before
    plain = world.client.patch(f"/firms/{OWN}", content=b'{"name": "Cafe"}', headers={
        **world.auth("officer"), "Content-Type": "application/json", "Content-Encoding": "identity"})
    assert plain.status_code == 200, plain.text

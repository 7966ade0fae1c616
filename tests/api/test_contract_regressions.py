"""What the schemathesis contract run (``test_schemathesis.py``, issue 15) found, each pinned by a plain test.

- Every operation that takes a body answers an unreadable one with 400 and an oversized one with 413, so each
  must document both (the subscription routes did not: schemathesis got an undocumented 400 as the firm's key).
- A NUL character in any text of a request body is a 422 naming the field, on every store (PostgreSQL keeps no
  NUL in text: a 500 there).
- A subscription's address with U+0085 (a C1 control that Python's ``\\s`` matches and ECMA-262's, which JSON
  Schema patterns follow, does not) was valid by the document and refused by the server (the contract run,
  2026-12-04): the address pattern now spells its excluded characters out, as the id pattern does.
- Text the document says may not be blank (a name, a description, a title) must have a visible character:
  ``PATCH /firms/{id}`` took the description "\x92" (a C1 control character, which neither the strip nor the
  length rule removes), stored it and answered with a profile that broke its own documented pattern.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from api.schemas import NOT_NULL_UPDATES
from matcher.schema import CODE_PATTERN, ID_PATTERN, NO_NUL_PATTERN, NOT_BLANK, Code
from matcher.services.keyword_suggestions import keyword_problem
from tests.api.conftest import OWN, UPLOAD_LIMIT, World
from tests.api.contract import DOCUMENT
from tests.api.test_bad_input import snapshot

#: A path per templated segment, naming things that exist (the body is refused before any lookup anyway).
PATH_VALUES = {"{firm_id}": OWN, "{tender_id}": "ted:000000-1999", "{name}": "ted-water"}
#: Bytes that are not UTF-8, sent as the operation's own content type.
UNREADABLE = b"q\x80\x81n"


def body_operations() -> list[tuple[str, str, str]]:
    """(method, path template, content type) of every operation with a request body."""
    return [
        (method.upper(), path, next(iter(op["requestBody"]["content"])))
        for path, operations in DOCUMENT["paths"].items()
        for method, op in operations.items()
        if "requestBody" in op
    ]


def concrete(path: str) -> str:
    for template, value in PATH_VALUES.items():
        path = path.replace(template, value)
    return path


def documented(method: str, path: str) -> set[int]:
    responses: dict[str, Any] = DOCUMENT["paths"][path][method.lower()]["responses"]
    return {int(code) for code in responses}


@pytest.mark.parametrize(("method", "path", "content_type"), body_operations(), ids=lambda v: str(v))
def test_unreadable_and_oversized_bodies_get_documented_statuses(
    world: World, method: str, path: str, content_type: str
) -> None:
    if content_type == "multipart/form-data":
        content_type += "; boundary=contract"  # without one the body is refused before it is read
    headers = {**world.auth("officer"), "Content-Type": content_type}
    unreadable = world.client.request(method, concrete(path), content=UNREADABLE, headers=headers)
    oversized = world.client.request(method, concrete(path), content=b"a" * (UPLOAD_LIMIT + 70_000), headers=headers)
    assert unreadable.status_code in (400, 422), unreadable.text
    assert oversized.status_code == 413, oversized.text
    assert {unreadable.status_code, 413} <= documented(method, path)
    # Both also document 400: a body can be unreadable in more than one way (multipart too).
    assert {400, 413} <= documented(method, path)


@pytest.mark.parametrize(("method", "path", "content_type"), body_operations(), ids=lambda v: str(v))
def test_without_a_key_a_bad_body_is_401_before_the_body_is_read(
    world: World, method: str, path: str, content_type: str
) -> None:
    """FastAPI parses a body before it resolves the key: an anonymous unreadable body was a 400/422, telling a
    caller without a key the body's rules (``api.deps.KeyFirstRoute``). Public operations read their body."""
    protected = bool(DOCUMENT["paths"][path][method.lower()].get("security"))
    if content_type == "multipart/form-data":
        content_type += "; boundary=contract"
    for headers in ({}, {"Authorization": "Bearer mk_unknown.secret"}):
        response = world.client.request(method, concrete(path), content=UNREADABLE,
                                         headers={**headers, "Content-Type": content_type})
        if protected:
            assert response.status_code == 401, response.text
            assert response.json()["error"] == "unauthenticated", response.text
        else:
            assert response.status_code in (400, 422), response.text


# ----------------------------------------------------------------------------- NUL characters
#: (operation, body) with a NUL in one text field, and the field the 422 must name. PostgreSQL keeps no NUL in
#: text: each was a 500 (psycopg DataError) there and stored as sent on SQLite (schemathesis found the
#: subscription's email as an officer on PostgreSQL).
NUL_BODIES: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "/firms", {"firm_id": "nul-firm", "name": "Nul\x00", "description": "pumps"}, "body.name"),
    ("POST", "/firms", {"firm_id": "nul-firm", "name": "Nul", "description": "pumps", "keywords": ["a\x00"]},
     "body.keywords.0"),  # an item's control character, named by its place (typed_item)
    ("PATCH", f"/firms/{OWN}", {"description": "pumps\x00"}, "body.description"),
    ("PATCH", f"/firms/{OWN}", {"certifications": ["ISO\x009001"]}, "body.certifications.0"),
    ("POST", f"/firms/{OWN}/shortlist", {"tender_id": "{tender}", "note": "\x00"}, "body.note"),
    ("PATCH", f"/firms/{OWN}/shortlist/{{seeded}}", {"status": "approved", "note": "ok\x00"}, "body.note"),
    ("POST", f"/firms/{OWN}/shortlist/from-recommendations", {"note": "\x00"}, "body.note"),
    ("POST", f"/firms/{OWN}/subscriptions", {"email": "a@example.com\x00"}, "body.email"),
    ("POST", "/tenders", {"tenders": [{"tender_id": "a:1", "source": "a", "title": "t\x00"}]},
     "body.tenders.0.title"),
    ("POST", "/tenders", {"tenders": [{"tender_id": "a:1", "source": "a", "title": "t", "titles": {"fr": "\x00"}}]},
     "body.tenders.0.titles"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), NUL_BODIES, ids=lambda v: str(v)[:40])
def test_a_nul_in_text_is_refused_naming_the_field(
    world: World, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    tender, seeded = world.tenders[1], world.tenders[0]
    path = path.replace("{seeded}", seeded)
    body = {k: (tender if v == "{tender}" else v) for k, v in body.items()}
    before = snapshot(world)
    response = world.client.request(method, path, json=body, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{field}: "), response.text
    assert snapshot(world) == before


#: A NUL in an id in the path (every id there has the same rule, ``api.schemas.ID_PATTERN``).
NUL_PATHS = [
    ("GET", "/tenders/ted%00x", "path.tender_id"), ("DELETE", "/tenders/ted%00x", "path.tender_id"),
    ("GET", "/tenders/ted%00x/firms", "path.tender_id"), ("GET", "/firms/x%00", "path.firm_id"),
    ("PATCH", f"/firms/{OWN}/shortlist/a%00", "path.tender_id"),
    ("PUT", "/partners/partner-a/firms/x%00", "path.firm_id"),
]


@pytest.mark.parametrize(("method", "path", "field"), NUL_PATHS, ids=lambda v: str(v))
def test_a_nul_in_a_path_id_is_refused_naming_it(world: World, method: str, path: str, field: str) -> None:
    body = {"status": "approved"} if method == "PATCH" else None
    response = world.client.request(method, path, json=body, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{field}: "), response.text


def test_the_documented_id_patterns_refuse_a_nul() -> None:
    patterns = {
        (path, parameter["name"]): parameter["schema"]["pattern"]
        for path, operations in DOCUMENT["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }
    assert {name for _, name in patterns} >= {"firm_id", "tender_id", "partner", "name", "job_id", "subscription_id"}
    for (path, name), pattern in patterns.items():
        assert re.fullmatch(pattern, "x\x00") is None, (path, name, pattern)


# ----------------------------------------------------------------------------- the document states the rules
def test_the_document_states_the_rules_the_server_enforces_on_single_values() -> None:
    """Issue 15: ids, countries, languages, codes and currencies were plain strings in the document, so no
    generated ``POST /tenders`` (323 tried) was ever accepted; text fields did not say "no NUL"; ``PATCH
    /firms`` documented null for fields it refuses null for. (``schema_states_the_rules`` in the contract run
    checks that valid-by-the-document requests are accepted.)"""
    schemas = DOCUMENT["components"]["schemas"]
    tender = schemas["TenderIn"]["properties"]
    assert tender["tender_id"]["pattern"] == ID_PATTERN and tender["tender_id"]["maxLength"] == 200
    assert "KR" in tender["countries"]["items"]["enum"] and "ZZ" not in tender["countries"]["items"]["enum"]
    assert tender["codes"]["items"]["pattern"] == CODE_PATTERN
    assert tender["title"]["pattern"] == NOT_BLANK["pattern"]
    assert tender["buyer"]["anyOf"][0]["pattern"] == NO_NUL_PATTERN
    assert tender["titles"]["propertyNames"] == {"pattern": NO_NUL_PATTERN}
    update = schemas["FirmUpdate"]["properties"]
    assert "anyOf" not in update["name"] and update["name"]["type"] == "string"
    assert {"type": "null"} in update["home_country"]["anyOf"]  # null clears it
    for value, accepted in (("CPV:71320000", True), ("CPV:71320000-7", True), ("UNSPSC:4321", True),
                            ("CPV:7132", False), ("0", False)):
        assert bool(re.match(CODE_PATTERN, value)) is accepted
        assert code_ok(value) is accepted


def test_the_documented_keyword_pattern_refuses_what_the_core_refuses() -> None:
    """The stateful contract run sent POST /firms/{id}/keywords a keyword holding U+0082, a C1 control the document's
    pattern let through (it left out C0 and DEL only) and the core refused (a 422 for a request valid by the
    document). A keyword the document takes, holding any control character or bidirectional control, the core takes
    too (it reads a tab or line break as a space; the document refuses those, one line of text)."""
    pattern = DOCUMENT["components"]["schemas"]["KeywordsIn"]["properties"]["keywords"]["items"]["pattern"]
    for point in [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]:
        keyword = f"pumps{chr(point)}water"
        if re.fullmatch(pattern, keyword):
            assert keyword_problem(" ".join(keyword.split())) is None, hex(point)
    assert re.fullmatch(pattern, "pumps\x82water") is None and re.fullmatch(pattern, "pumps\x1bwater") is None
    assert re.fullmatch(pattern, "정수장 펌프") and keyword_problem("정수장 펌프") is None


def code_ok(value: str) -> bool:
    try:
        TypeAdapter(Code).validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("field", NOT_NULL_UPDATES)
def test_patch_refuses_null_for_a_field_a_profile_must_have(world: World, field: str) -> None:
    response = world.client.patch(f"/firms/{OWN}", json={field: None}, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert f"{field} cannot be null" in response.json()["detail"]


def test_patch_null_clears_the_home_country(world: World) -> None:
    officer = world.auth("officer")
    assert world.client.patch(f"/firms/{OWN}", json={"home_country": "KR"}, headers=officer).status_code == 200
    cleared = world.client.patch(f"/firms/{OWN}", json={"home_country": None}, headers=officer)
    assert cleared.status_code == 200 and cleared.json()["home_country"] is None


#: Text made only of what the document's NOT_BLANK pattern leaves out: C1 controls, a no-break space, a
#: zero-width no-break space, an ideographic space.
INVISIBLE = ["\x92", "\x85\xa0", "\ufeff", "\u3000\x7f"]


@pytest.mark.parametrize("text", INVISIBLE, ids=lambda v: repr(v))
@pytest.mark.parametrize(("method", "path", "field"), [
    ("PATCH", f"/firms/{OWN}", "description"), ("PATCH", f"/firms/{OWN}", "name"), ("POST", "/firms", "name"),
    ("POST", "/tenders", "title"),
], ids=lambda v: str(v))
def test_text_that_may_not_be_blank_needs_a_visible_character(
    world: World, method: str, path: str, field: str, text: str
) -> None:
    assert re.fullmatch(str(NOT_BLANK["pattern"]), text) is None  # what the document already says
    body: dict[str, Any] = {field: text}
    if path == "/firms":
        body = {"firm_id": "new-firm", "description": "Water meters", **body}
    elif path == "/tenders":
        body = {"tenders": [{"tender_id": "a:1", "source": "a", **body}]}
    before = snapshot(world)
    response = world.client.request(method, path, json=body, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]  # all stripped away is "at least 1 character"; otherwise "visible"
    assert f".{field}: " in detail and ("visible character" in detail or "at least 1 character" in detail), detail
    assert snapshot(world) == before


def test_the_documented_email_pattern_refuses_what_the_server_refuses() -> None:
    r"""``\s`` means one thing to the server (Python, Unicode) and another to a JSON-schema reader (ECMA-262: no
    U+0085) or a naive generator (ASCII only); the documented pattern must not depend on either."""
    pattern = DOCUMENT["components"]["schemas"]["SubscriptionIn"]["properties"]["email"]["pattern"]
    for address in ("a@b.c\x85d", "a\xa0b@c.d", "a@b\u2028.c", "a@b.c\x9f", "a\x00@b.c"):
        assert re.fullmatch(pattern, address, flags=re.ASCII) is None, repr(address)
        assert re.fullmatch(pattern, address) is None, repr(address)
    assert re.fullmatch(pattern, "buyer@example.kr", flags=re.ASCII) is not None
    assert re.fullmatch(pattern, "구매@예시.한국", flags=re.ASCII) is not None


#: Addresses whose characters are special in a mail header (RFC 5322 section 3.2.3): written into To, each named
#: other recipients ('a,b@x.org' is a local user 'a' and 'b@x.org'), so the relay delivered to them.
HEADER_SPECIALS = ["a,b@example.org", "a;b@example.org", "<a@example.org>", 'a"b@example.org', "a(b)@example.org",
                   "a:b@example.org", "a\\b@example.org", "a@[192.0.2.1].org"]


@pytest.mark.parametrize("address", HEADER_SPECIALS)
def test_an_address_that_names_other_recipients_is_refused_by_the_api_and_the_document(
    world: World, address: str
) -> None:
    before = snapshot(world)
    found = world.client.post(f"/firms/{OWN}/subscriptions", json={"email": address}, headers=world.auth("officer"))
    assert found.status_code == 422 and found.json()["detail"].startswith("body.email: "), found.text
    assert snapshot(world) == before
    pattern = DOCUMENT["components"]["schemas"]["SubscriptionIn"]["properties"]["email"]["pattern"]
    assert re.fullmatch(pattern, address) is None


def test_a_subscription_address_with_a_c1_control_is_refused_naming_the_field(world: World) -> None:
    found = world.client.post(f"/firms/{OWN}/subscriptions", json={"email": "a@b.c\x85d"},
                              headers=world.auth("officer"))
    assert found.status_code == 422 and "email" in found.text

"""A workspace form whose body is not UTF-8 once percent-decoded (a lone surrogate's bytes '%ED%A0%80', a Latin-1
'%E9') is refused with the page's own 400 naming the field, in the reader's language, and nothing is stored.
Starlette reads each bad byte as U+FFFD: a tester's note 'call %ED%A0%80' was stored as 'call \ufffd\ufffd\ufffd'
and shown as saved, as the search page once searched for it (``api.deps.not_utf8``, commit b6768b4)."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.api.test_bad_input import snapshot
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401

FIRM = f"/web/firms/{quote(OWN)}"
FORM = {"content-type": "application/x-www-form-urlencoded"}
SAID = {
    "en": "The field {field} did not arrive as UTF-8 text, so nothing was saved: type it again.",
    "ko": "{field} 칸의 내용이 UTF-8 텍스트로 전달되지 않아 아무것도 저장하지 않았습니다. 다시 입력하세요.",
}


BOUNDARY = "utf8-check"
MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
KINDS = [FORM, MULTIPART]
KIND_IDS = ["urlencoded", "multipart"]
#: Bytes that are not UTF-8: a lone surrogate's, and Latin-1's 'é'.
BAD = [b"\xed\xa0\x80", b"caf\xe9"]
BAD_IDS = ["lone-surrogate", "latin-1"]


def multipart(fields: list[tuple[str, bytes]]) -> bytes:
    """A multipart/form-data body of plain fields, each value sent as the bytes given (no charset applied)."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
             for name, value in fields]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def encoded(fields: list[tuple[str, bytes]], kind: dict[str, str]) -> bytes:
    """The fields as a form body of ``kind``: urlencoded (each value's bytes percent-encoded as they are, as a
    browser that does not send UTF-8 would) or multipart (``multipart``)."""
    if kind is MULTIPART:
        return multipart(fields)
    return b"&".join(name.encode() + b"=" + quote(value).encode() for name, value in fields)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_a_note_not_sent_as_utf8_is_refused_naming_its_field(world: World, visitor: Visitor, lang: str,
                                                             bad: bytes, kind: dict[str, str]) -> None:
    """Multipart too: Starlette decodes a multipart field that is not UTF-8 as Latin-1, and 'call caf\\xe9' was
    stored as 'call café' and shown as saved."""
    client = visitor("partner")
    csrf = csrf_of(client.get(f"{FIRM}?lang={lang}").text)
    before = snapshot(world)
    body = encoded([("csrf_token", csrf.encode()), ("tender_id", world.tenders[1].encode()), ("action", b"note"),
                    ("note", b"call " + bad)], kind)
    refused = client.post(f"{FIRM}/decide", content=body, headers=kind, follow_redirects=False)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("text/html")
    assert SAID[lang].format(field="note") in page_text(refused.text)
    assert snapshot(world) == before


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_a_profile_not_sent_as_utf8_keeps_the_stored_profile(world: World, visitor: Visitor, bad: bytes,
                                                             kind: dict[str, str]) -> None:
    client = visitor("partner")
    csrf = csrf_of(client.get(f"{FIRM}/profile").text)
    before = snapshot(world)
    body = encoded([("csrf_token", csrf.encode()), ("description", b"Membranes " + bad), ("keywords", b""),
                    ("codes", b"")], kind)
    refused = client.post(f"{FIRM}/profile", content=body, headers=kind, follow_redirects=False)
    assert refused.status_code == 400, refused.text
    assert SAID["en"].format(field="description") in page_text(refused.text)
    assert snapshot(world) == before


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_a_form_sent_as_utf8_is_still_saved(world: World, visitor: Visitor, kind: dict[str, str]) -> None:
    """Korean typed and percent-encoded as a browser does is UTF-8: the note is stored as typed."""
    client = visitor("partner")
    csrf = csrf_of(client.get(FIRM).text)
    note = "수도 계량기 café"
    body = encoded([("csrf_token", csrf.encode()), ("tender_id", world.tenders[1].encode()), ("action", b"note"),
                    ("note", note.encode())], kind)
    saved = client.post(f"{FIRM}/decide", content=body, headers=kind, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    stored = {i.tender_id: i.note for i in world.matcher.shortlist(OWN, None)}
    assert stored[world.tenders[1]] == note


def test_an_upload_sent_as_a_plain_form_is_not_a_server_error(world: World, visitor: Visitor) -> None:
    """The upload form reads its (multipart) body before its CSRF token; one sent urlencoded instead is read the
    same way and refused for its missing file, not a 500 from reading the body twice."""
    client = visitor("officer")
    csrf = csrf_of(client.get("/web/officer").text)
    sent = client.post("/web/officer/imports", content=f"csrf_token={csrf}&file=x".encode(), headers=FORM)
    assert sent.status_code == 422, sent.text
    refused = client.post("/web/officer/imports", content=f"csrf_token={csrf}&file=%E9".encode(), headers=FORM)
    assert refused.status_code == 400, refused.text
    assert "The field file did not arrive as UTF-8 text" in page_text(refused.text)


@pytest.mark.parametrize("multipart_body", [False, True], ids=["urlencoded", "multipart"])
def test_a_sign_in_not_in_utf8_is_refused_naming_its_field(world: World, multipart_body: bool) -> None:
    """The sign-in form is read before any session: a key not sent as UTF-8 was read as Latin-1 (or U+FFFD) and
    answered 'wrong key', naming nothing."""
    from fastapi.testclient import TestClient

    client = TestClient(world.client.app)
    csrf = csrf_of(client.get("/web/sign-in").text)
    key = world.keys["partner"].encode() + b"\xe9"
    if multipart_body:
        sent = client.post("/web/sign-in", content=multipart([("csrf_token", csrf.encode()), ("key", key),
                                                               ("next", b"/web/")]),
                           headers=MULTIPART, follow_redirects=False)
    else:
        body = b"csrf_token=" + csrf.encode() + b"&key=" + quote(key).encode() + b"&next=/web/"
        sent = client.post("/web/sign-in", content=body, headers=FORM, follow_redirects=False)
    assert sent.status_code == 400, sent.text
    assert SAID["en"].format(field="key") in page_text(sent.text)
    assert "tm_session" not in sent.cookies


def test_an_upload_whose_file_name_is_not_utf8_is_refused_naming_its_field(world: World, visitor: Visitor) -> None:
    """A file's name is decoded as Latin-1 too when it is not UTF-8: 'caf\\xe9.csv' would be listed as 'café.csv'."""
    client = visitor("officer")
    csrf = csrf_of(client.get("/web/officer").text)
    before = snapshot(world)
    body = (multipart([("csrf_token", csrf.encode())]).removesuffix(f"--{BOUNDARY}--\r\n".encode())
            + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="'.encode() + b"caf\xe9.csv"
            + b'"\r\nContent-Type: text/csv\r\n\r\nid,title\r\n' + f"--{BOUNDARY}--\r\n".encode())
    refused = client.post("/web/officer/imports", content=body, headers=MULTIPART, follow_redirects=False)
    assert refused.status_code == 400, refused.text
    assert SAID["en"].format(field="file") in page_text(refused.text)
    assert snapshot(world) == before

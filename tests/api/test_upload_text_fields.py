"""An upload's file name and form fields are text, and must be UTF-8 (RFC 7578 section 5.1): Starlette decodes one
that is not as Latin-1, so a file sent as b'caf\\xe9.json' arrived named 'café.json', read as if typed. The API's
upload routes (`POST /tenders/import`, `POST /firms/import`) refuse such a body with a 400 naming the field, and store
nothing, as the workspace's upload does since 0f40a5b (``api.multipart_text``). The file's content is not text here:
its bytes are the reader's to judge (``test_upload_paths``)."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import World
from tests.api.test_bad_input import snapshot

BOUNDARY = b"matcher-test-boundary"
FIRMS = json.dumps([{"firm_id": "cafe-pumps", "name": "Cafe Pumps", "description": "Water pumps"}]).encode()


def multipart(*parts: tuple[bytes, bytes | None, bytes]) -> bytes:
    """A multipart/form-data body of (field name, file name or None, content) parts, their bytes as given."""
    body = b""
    for name, filename, content in parts:
        disposition = b'form-data; name="' + name + b'"' + (b'; filename="' + filename + b'"' if filename else b"")
        body += b"--" + BOUNDARY + b"\r\nContent-Disposition: " + disposition + b"\r\n"
        body += b"Content-Type: application/octet-stream\r\n\r\n" if filename else b"\r\n"
        body += content + b"\r\n"
    return body + b"--" + BOUNDARY + b"--\r\n"


def post(world: World, path: str, body: bytes):  # type: ignore[no-untyped-def]
    headers = {**world.auth("officer"), "Content-Type": f"multipart/form-data; boundary={BOUNDARY.decode()}"}
    return world.client.post(path, content=body, headers=headers)


@pytest.mark.parametrize("path", ["/tenders/import", "/firms/import"])
@pytest.mark.parametrize(("parts", "named"), [
    ([(b"file", b"caf\xe9.json", FIRMS)], "file"),
    ([(b"file", b"firms.json", FIRMS), (b"note", None, b"caf\xe9")], "note"),
    ([(b"file", b"firms.json", FIRMS), (b"n\xe9", None, b"x")], "n\ufffd"),
], ids=["file-name", "field-value", "field-name"])
def test_a_field_not_utf8_is_a_400_naming_it_and_stores_nothing(
    world: World, path: str, parts: list[tuple[bytes, bytes | None, bytes]], named: str
) -> None:
    before = snapshot(world)
    refused = post(world, path, multipart(*parts))
    assert refused.status_code == 400, refused.text
    assert f"'{named}'" in refused.json()["detail"] and "UTF-8" in refused.json()["detail"], refused.text
    assert snapshot(world) == before


def test_a_utf8_file_name_is_taken(world: World) -> None:
    """'café.json' sent as UTF-8 is imported; the check reads the body as it streams, the file's bytes unread."""
    stored = post(world, "/firms/import", multipart((b"file", "café.json".encode(), FIRMS)))
    assert stored.status_code == 200, stored.text
    assert world.matcher.get_firm("cafe-pumps").name == "Cafe Pumps"

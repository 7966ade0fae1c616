"""What the schemathesis contract run (``test_schemathesis.py``, issue 15) found, each pinned by a plain test.

Every operation that takes a body answers an unreadable one with 400 and an oversized one with 413, so each
must document both (the subscription routes did not: schemathesis got an undocumented 400 as the firm's key).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from api.main import create_app
from matcher.config import Settings
from tests.api.conftest import OWN, UPLOAD_LIMIT, World

DOCUMENT: dict[str, Any] = create_app(
    Settings(home=Path(tempfile.mkdtemp(prefix="matcher-openapi-")), encoder="fake")
).openapi()

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

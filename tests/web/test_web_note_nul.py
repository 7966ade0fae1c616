"""A note with a NUL character sent from the firm page's decision form is the page's own refusal (422, naming the
NUL: ``test_web_note_refusals``), as the API refuses one (``api.schemas.Note``), nothing stored. The form checked its
length and its bidirectional controls but not a NUL: SQLite stored it, PostgreSQL refused the write; now the core
refuses it too (``matcher.services.shortlists.checked_note``), which the page reached as the API's JSON body."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.api.test_bad_input import snapshot
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401


@pytest.mark.parametrize("action", ["note", "approve"])
def test_a_note_with_a_nul_is_the_pages_refusal_and_nothing_is_stored(
    world: World, visitor: Visitor, action: str
) -> None:
    firm = f"/web/firms/{quote(OWN)}"
    client = visitor("partner")
    csrf = csrf_of(client.get(firm).text)
    before = snapshot(world)
    refused = client.post(f"{firm}/decide", data={"csrf_token": csrf, "tender_id": world.tenders[1],
                                                 "action": action, "note": "call\x00them"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("text/html"), refused.text
    assert "The note holds a NUL character (U+0000), which no text may hold. Nothing was saved." in page_text(
        refused.text)
    assert snapshot(world) == before

"""A firm's pages answer under either Unicode form of its id, as the API does (tests/api/test_id_normalisation.py):
a firm key opening its own firm's page with 'café' typed on a Mac (NFD) was refused as another firm's (403),
because the workspace compared the id as typed with the key's stored (NFC) one."""

# ruff: noqa: F811
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from fastapi.testclient import TestClient

from matcher.services.access import AccessControl
from tests.api.conftest import (  # noqa: F401
    World,
    api_settings,
    database_url,
    demo_template,
    world,
)
from tests.web.pages_world import sign_in

NFC = unicodedata.normalize("NFC", "kr-café-water")
NFD = unicodedata.normalize("NFD", "kr-café-water")


def test_a_firm_key_opens_its_pages_under_either_form(world: World) -> None:
    created = world.client.post("/firms", json={"firm_id": NFC, "name": "Café water", "description": "Water meters"},
                                headers=world.auth("officer"))
    assert created.status_code == 201, created.text
    client = TestClient(world.client.app)
    assert sign_in(client, AccessControl(world.matcher.engine.db).create_key("firm", "cafe", NFC).token).status_code \
        == 303
    for form in (NFC, NFD):
        for page in ("", "/shortlist", "/profile"):
            answer = client.get(f"/web/firms/{quote(form)}{page}")
            assert answer.status_code == 200, (form, page, answer.status_code)
    # Another firm stays refused, in either form of its id.
    other = unicodedata.normalize("NFD", "kr-other-café")
    assert client.get(f"/web/firms/{quote(other)}").status_code == 403

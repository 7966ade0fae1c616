"""Addresses under /web that lead nowhere answer the workspace's own HTML page, in the reader's language, with a
link back home (an outside trial found them answering the API's JSON); the JSON API outside /web keeps its
JSON errors."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import lxml.html
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from api.web.messages import translate
from tests.api.conftest import (  # noqa: F401
    OWN,
    World,
    api_settings,
    database_url,
    demo_template,
    world,
)
from tests.web.pages_world import Visitor, page_text, visitor  # noqa: F401

#: Addresses under /web that no page answers, or whose id names nothing stored.
NOWHERE = [
    "/web/no-such-page",
    "/web/firms/kr-no-such-firm",
    f"/web/firms/{OWN}/no-such-page",
    "/web/firms/kr-no-such-firm/shortlist",
    "/web/tenders/ted:000000-1999",
    "/web/tenders/ted:000000-1999/more",
    "/web/officer/no-such-page",
    "/web/static/no-such-file.js",
]


def assert_workspace_page(response: Response, status: int, lang: str, text_key: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    tree = lxml.html.fromstring(response.text)
    assert tree.get("lang") == lang
    assert translate(lang, text_key) in page_text(response.text)  # type: ignore[arg-type]
    home = tree.xpath("//main//a[@href='/web/']")
    assert [" ".join(a.text_content().split()) for a in home] == [translate(lang, "back_home")]  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", NOWHERE)
def test_an_address_that_leads_nowhere_is_the_workspaces_404_page(
    world: World, visitor: Visitor, path: str, lang: str
) -> None:
    client = visitor("officer")  # an officer may see every firm: a missing one is not a refusal
    client.headers["Accept-Language"] = lang
    assert_workspace_page(client.get(path), 404, lang, "not_found_text")


def test_strangers_get_the_same_page_in_the_language_they_chose(world: World) -> None:
    stranger = TestClient(world.client.app)
    assert_workspace_page(stranger.get("/web/no-such-page?lang=ko"), 404, "ko", "not_found_text")
    assert_workspace_page(stranger.get("/web/firms/a/b/c", headers={"Accept-Language": "ko"}), 404, "ko",
                          "not_found_text")


def test_a_method_the_address_does_not_answer_is_a_page_too(world: World, visitor: Visitor) -> None:
    response = visitor("partner").get("/web/sign-out")  # a POST-only address
    assert_workspace_page(response, 405, "en", "method_not_allowed_text")
    assert response.headers["allow"] == "POST"


def test_an_htmx_request_to_nowhere_gets_the_alert_in_the_page(world: World, visitor: Visitor) -> None:
    response = visitor("partner").get("/web/no-such-page", headers={"HX-Request": "true"})
    assert response.status_code == 404 and response.headers["HX-Retarget"] == "#page-alert"
    assert page_text(response.text) == f"{translate('en', 'not_found_title')} {translate('en', 'not_found_text')}"


def test_the_json_api_keeps_its_json_errors(world: World) -> None:
    for path in ("/no-such-route", "/firms/kr-no-such-firm", "/webby"):
        response = world.client.get(path, headers=world.auth("officer"))
        assert response.status_code == 404 and response.headers["content-type"] == "application/json"
        assert response.json()["error"] == "not_found", response.json()

"""The API's /docs (Swagger UI) and /redoc (ReDoc) render on a machine without internet: their scripts, styles
and images come from this server (issue 13). The guard fails any request to another host."""

from __future__ import annotations

import pytest

from tests.web.browser.server import DemoServer
from tests.web.conftest import Browsing

pytestmark = pytest.mark.slow  # each test drives Chromium: 2 to 20 s


def test_swagger_ui_renders_offline(demo: DemoServer, browsing: Browsing) -> None:
    page = browsing.page
    page.goto(demo.url("/docs"))
    page.locator(".swagger-ui .info .title").wait_for(timeout=15_000)
    assert "Tender matcher" in page.inner_text(".swagger-ui .info .title")
    # The operations come from /openapi.json: the recommendations route is one of them.
    page.locator(".opblock-summary-path", has_text="/recommendations").first.wait_for()
    assert browsing.console_errors == []


def test_redoc_renders_offline(demo: DemoServer, browsing: Browsing) -> None:
    page = browsing.page
    page.goto(demo.url("/redoc"))
    page.get_by_role("heading", name="Tender matcher", level=1).wait_for(timeout=15_000)
    # Operations from /openapi.json: the first one's summary is a heading, every tag is in the side menu.
    page.get_by_role("heading", name="The process is up").wait_for()
    assert page.get_by_role("menuitem", name="shortlists").count() == 1
    assert browsing.console_errors == []

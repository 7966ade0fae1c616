"""The API's /docs (Swagger UI) renders on a machine without internet: its scripts, styles and images come
from this server (issue 13). The guard fails any request to another host."""

from __future__ import annotations

from tests.web.browser.server import DemoServer
from tests.web.conftest import Browsing


def test_swagger_ui_renders_offline(demo: DemoServer, browsing: Browsing) -> None:
    page = browsing.page
    page.goto(demo.url("/docs"))
    page.locator(".swagger-ui .info .title").wait_for(timeout=15_000)
    assert "Tender matcher" in page.inner_text(".swagger-ui .info .title")
    # The operations come from /openapi.json: the recommendations route is one of them.
    page.locator(".opblock-summary-path", has_text="/recommendations").first.wait_for()
    assert browsing.console_errors == []


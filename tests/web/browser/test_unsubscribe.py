"""The digest's unsubscribe link in a real browser: the GET is a confirmation page that changes nothing and
passes axe-core; the form's POST unsubscribes."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.config import Settings
from matcher.digest.tokens import make_token
from tests.web.browser.api import call
from tests.web.browser.axe import check_accessibility
from tests.web.browser.server import OWN_FIRM, DemoServer
from tests.web.conftest import Browsing, Screenshot

pytestmark = pytest.mark.slow  # each test drives Chromium: 2 to 20 s


def _subscription(demo: DemoServer, subscription_id: str) -> dict[str, Any]:
    subs = call(demo, "GET", f"/firms/{OWN_FIRM}/subscriptions", "firm")
    found: dict[str, Any] = next(s for s in subs if s["subscription_id"] == subscription_id)
    return found


def test_the_link_asks_first_and_only_the_post_unsubscribes(
    demo: DemoServer, browsing: Browsing, screenshot: Screenshot
) -> None:
    sub = call(demo, "POST", f"/firms/{OWN_FIRM}/subscriptions", "firm", {"email": "bids@hanbit.example"})
    # Signed as the digest signs its links, with the server's secret key.
    token = make_token(Settings(home=demo.home, secret_key=demo.secret_key), sub["subscription_id"])
    page = browsing.page

    response = page.goto(demo.url(f"/unsubscribe?token={token}"))
    assert response is not None and response.status == 200
    assert "bids@hanbit.example" in page.inner_text("body")
    check_accessibility(page)
    screenshot(browsing, "unsubscribe")
    assert _subscription(demo, sub["subscription_id"])["active"], "the GET alone unsubscribed"

    page.get_by_role("button", name="Unsubscribe").click()
    page.wait_for_load_state()
    assert "You are unsubscribed" in page.inner_text("body")
    check_accessibility(page)
    after = _subscription(demo, sub["subscription_id"])
    assert not after["active"] and after["unsubscribed_at"] is not None
    assert browsing.console_errors == []

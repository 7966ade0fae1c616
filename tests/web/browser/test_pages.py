"""Every workspace page in English and in Korean (chosen from the browser's Accept-Language): it speaks the
reader's language, passes axe-core's WCAG 2 A/AA rules, loads nothing from another host, and logs no error.
With MATCHER_SCREENSHOTS=1 each is saved as docs/screenshots/<page>-<lang>.png (1280x900)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.web.browser.axe import check_accessibility
from tests.web.browser.flows import matches, say, sign_in
from tests.web.browser.server import OWN_FIRM, PARTNER_SECOND_FIRM, DemoServer
from tests.web.conftest import Browsing, Lang, OpenBrowsing, Screenshot

LANGS: list[Lang] = ["en", "ko"]


def _check(browsing: Browsing, screenshot: Screenshot, name: str) -> None:
    page = browsing.page
    assert page.get_attribute("html", "lang") == browsing.lang
    check_accessibility(page)
    screenshot(browsing, name)
    assert browsing.console_errors == []


@pytest.mark.parametrize("lang", LANGS)
def test_sign_in_page(demo: DemoServer, open_browsing: OpenBrowsing, screenshot: Screenshot, lang: Lang) -> None:
    browsing = open_browsing(lang)
    browsing.page.goto(demo.url("/web/"))  # not signed in: sent to the sign-in page
    browsing.page.get_by_role("heading", name=say(browsing, "sign_in_title"), level=1).wait_for()
    _check(browsing, screenshot, "sign-in")


@pytest.mark.parametrize("lang", LANGS)
def test_partner_home_and_firm_pages(
    demo: DemoServer, open_browsing: OpenBrowsing, screenshot: Screenshot, lang: Lang
) -> None:
    browsing = open_browsing(lang)
    page = sign_in(browsing, demo, "partner")
    page.get_by_role("table").wait_for()
    _check(browsing, screenshot, "home")
    page.goto(demo.url(f"/web/firms/{quote(OWN_FIRM)}"))
    assert matches(page).count() > 0
    _check(browsing, screenshot, "firm")
    page.goto(demo.url(f"/web/firms/{quote(OWN_FIRM)}/shortlist"))
    page.get_by_role("heading", level=1).wait_for()
    _check(browsing, screenshot, "shortlist")


@pytest.mark.parametrize("lang", LANGS)
def test_a_firm_sees_its_page_and_is_refused_another(
    demo: DemoServer, open_browsing: OpenBrowsing, screenshot: Screenshot, lang: Lang
) -> None:
    browsing = open_browsing(lang)
    page = sign_in(browsing, demo, "firm")
    assert matches(page).count() > 0
    assert page.get_by_role("button", name=say(browsing, "approve")).count() == 0  # firms do not decide
    _check(browsing, screenshot, "firm-as-firm")
    response = page.goto(demo.url(f"/web/firms/{quote(PARTNER_SECOND_FIRM)}"))
    assert response is not None and response.status == 403
    assert PARTNER_SECOND_FIRM not in page.content() and "Saebyeol" not in page.content()
    # Chromium logs the refused document's status; that is the one error expected here.
    assert [e for e in browsing.console_errors if "status of 403" not in e] == []
    browsing.console_errors.clear()
    _check(browsing, screenshot, "forbidden")

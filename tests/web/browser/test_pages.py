"""Every workspace page in English and in Korean (chosen from the browser's Accept-Language): it speaks the
reader's language, passes axe-core's WCAG 2 A/AA rules, loads nothing from another host, and logs no error.
With MATCHER_SCREENSHOTS=1 each is saved as docs/screenshots/<page>-<lang>.png (1280x900)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.web.browser.api import call
from tests.web.browser.axe import check_accessibility
from tests.web.browser.flows import matches, say, sign_in
from tests.web.browser.server import OWN_FIRM, PARTNER_SECOND_FIRM, DemoServer
from tests.web.conftest import Browsing, Lang, OpenBrowsing, Screenshot

pytestmark = pytest.mark.slow  # each test drives Chromium: 2 to 20 s

LANGS: list[Lang] = ["en", "ko"]
#: What a reader searches for: drinking water plants, in each language.
DIGEST_TO = "export-team@hanbit.example"
SEARCH: dict[Lang, str] = {"en": "drinking water treatment", "ko": "정수 처리 시설"}


def _check(browsing: Browsing, screenshot: Screenshot, name: str | None) -> None:
    page = browsing.page
    assert page.get_attribute("html", "lang") == browsing.lang
    check_accessibility(page)
    if name:
        screenshot(browsing, name)
    assert browsing.console_errors == []


@pytest.mark.parametrize("lang", LANGS)
def test_sign_in_page(demo: DemoServer, open_browsing: OpenBrowsing, screenshot: Screenshot, lang: Lang) -> None:
    browsing = open_browsing(lang)
    browsing.page.goto(demo.url("/web/"))  # not signed in: sent to the sign-in page
    browsing.page.get_by_role("heading", name=say(browsing, "sign_in_title"), level=1).wait_for()
    _check(browsing, screenshot, "sign-in")


def _a_weekly_digest(demo: DemoServer) -> None:
    """An active subscription, so that the subscriptions and preview pages show one."""
    subs = call(demo, "GET", f"/firms/{OWN_FIRM}/subscriptions", "firm")
    if not any(s["active"] and s["email"] == DIGEST_TO for s in subs):
        call(demo, "POST", f"/firms/{OWN_FIRM}/subscriptions", "firm", {"email": DIGEST_TO, "language": "ko"})


@pytest.mark.parametrize("lang", LANGS)
def test_partner_pages(demo: DemoServer, open_browsing: OpenBrowsing, screenshot: Screenshot, lang: Lang) -> None:
    browsing = open_browsing(lang)
    page = sign_in(browsing, demo, "partner")
    page.get_by_role("table").wait_for()
    _check(browsing, screenshot, "home")
    firm_path = f"/web/firms/{quote(OWN_FIRM)}"
    page.goto(demo.url(firm_path))
    assert matches(page).count() > 0
    _check(browsing, screenshot, "firm")
    tender_id = str(matches(page).first.get_attribute("data-tender"))
    _a_weekly_digest(demo)
    for name, path in [
        ("tender", f"/web/tenders/{quote(tender_id)}"), ("shortlist", f"{firm_path}/shortlist"),
        ("profile", f"{firm_path}/profile"), ("subscriptions", f"{firm_path}/subscriptions"),
        ("digest-preview", f"{firm_path}/subscriptions/preview"), ("search", f"/web/search?q={quote(SEARCH[lang])}"),
    ]:
        response = page.goto(demo.url(path))
        assert response is not None and response.status == 200, (path, response and response.status)
        page.get_by_role("heading", level=1).wait_for()
        _check(browsing, screenshot, name)


@pytest.mark.parametrize("lang", LANGS)
def test_a_firm_sees_its_page_and_is_refused_another(
    demo: DemoServer, open_browsing: OpenBrowsing, screenshot: Screenshot, lang: Lang
) -> None:
    browsing = open_browsing(lang)
    page = sign_in(browsing, demo, "firm")
    assert matches(page).count() > 0
    assert page.get_by_role("button", name=say(browsing, "approve")).count() == 0  # firms do not decide
    _check(browsing, screenshot, "firm-as-firm")
    for path in ("shortlist", "profile", "subscriptions"):  # what a firm may do there differs from a partner
        page.goto(demo.url(f"/web/firms/{quote(OWN_FIRM)}/{path}"))
        page.get_by_role("heading", level=1).wait_for()
        _check(browsing, screenshot, None)
    response = page.goto(demo.url(f"/web/firms/{quote(PARTNER_SECOND_FIRM)}"))
    assert response is not None and response.status == 403
    assert PARTNER_SECOND_FIRM not in page.content() and "Saebyeol" not in page.content()
    # Chromium logs the refused document's status; that is the one error expected here.
    assert [e for e in browsing.console_errors if "status of 403" not in e] == []
    browsing.console_errors.clear()
    _check(browsing, screenshot, "forbidden")

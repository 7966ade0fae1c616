"""What a person does in the workspace, in their language: sign in, find a recommendation, press its buttons.

Labels come from the workspace's own message catalogue (api.web.messages), so one flow runs in English and
in Korean and finds controls by their accessible names, as a screen reader user would."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import quote, urlencode, urlsplit

from playwright.sync_api import Locator, Page

from api.web.messages import translate
from api.web.session import CSRF_FIELD, SESSION_COOKIE
from tests.web.browser.server import DemoServer
from tests.web.conftest import Browsing

#: The message key of each decision's button.
BUTTONS = {"approve": "approve", "reject": "reject", "note": "add_note"}


def say(browsing: Browsing, key: str, **params: object) -> str:
    return translate(browsing.lang, key, **params)


def sign_in(browsing: Browsing, demo: DemoServer, role: str) -> Page:
    """Signs in with the demo key of ``role`` through the form; the key goes in the body, never the URL."""
    page = browsing.page
    page.goto(demo.url(f"/web/sign-in?lang={browsing.lang}"))
    page.get_by_label(say(browsing, "api_key")).fill(demo.keys[role])
    page.get_by_role("button", name=say(browsing, "sign_in_button")).click()
    page.wait_for_url(re.compile(r"/web/(firms/[^/?]+)?(\?.*)?$"))
    return page


def give_key(browsing: Browsing, demo: DemoServer, role: str, path: str) -> Page:
    """On the sign-in page shown: signs in with the demo key of ``role`` and waits to be back on ``path``."""
    page = browsing.page
    page.get_by_label(say(browsing, "api_key")).fill(demo.keys[role])
    page.get_by_role("button", name=say(browsing, "sign_in_button")).click()
    page.wait_for_url(f"**{path}")
    return page


def open_signed_in(browsing: Browsing, demo: DemoServer, role: str, path: str) -> Page:
    """Signs in with the demo key of ``role`` and comes to the workspace page ``path`` (the sign-in page's next)."""
    browsing.page.goto(demo.url(f"/web/sign-in?next={quote(path)}&lang={browsing.lang}"))
    return give_key(browsing, demo, role, path)


def end_session_elsewhere(browsing: Browsing, demo: DemoServer) -> None:
    """Signs the browser's session out from another client, as a second tab would, except that the browser keeps
    its cookie: the server has ended the session the cookie names (as when it expires)."""
    (cookie,) = [c for c in browsing.context.cookies() if c["name"] == SESSION_COOKIE]
    token = browsing.page.locator(f'input[name="{CSRF_FIELD}"]').first.get_attribute("value")
    request = urllib.request.Request(demo.url("/web/sign-out"), data=urlencode({CSRF_FIELD: token}).encode())
    request.add_header("Cookie", f"{SESSION_COOKIE}={cookie['value']}")
    with urllib.request.urlopen(request, timeout=30) as answer:  # 303 to the sign-in page, followed
        assert urlsplit(answer.geturl()).query == "signed_out=1", answer.geturl()
    assert [c["value"] for c in browsing.context.cookies() if c["name"] == SESSION_COOKIE] == [cookie["value"]]


def matches(page: Page) -> Locator:
    return page.locator("article.match")


def match_of(page: Page, tender_id: str) -> Locator:
    return page.locator(f'article.match[data-tender="{tender_id}"]')


def decide(browsing: Browsing, article: Locator, action: str, note: str = "") -> None:
    """Presses approve / reject / save note on one recommendation and waits for its status to change."""
    status = article.get_by_role("status")
    before = status.inner_text()
    if note:
        article.get_by_label(say(browsing, "note"), exact=False).fill(note)
    article.get_by_role("button", name=say(browsing, BUTTONS[action]), exact=True).click()
    # htmx swaps the decision block in place: wait until the new block's status differs.
    article.page.wait_for_function(
        "([tender, before]) => { const s = document.querySelector(`article.match[data-tender=\"${tender}\"] "
        "[role=status]`); return s && s.innerText !== before; }",
        arg=[article.get_attribute("data-tender"), before],
    )

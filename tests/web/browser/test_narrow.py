"""At 320 CSS pixels wide (a phone, or 1280 pixels at 400% zoom: WCAG 2.1's reflow), nothing on a page but a data
table reaches past the window's right edge. A tester found the firm page's country list 406 pixels wide (as wide as
"South Georgia & South Sandwich Islands") and a notice's German and Dutch titles ("Bau von
Trinkwasseraufbereitungsanlagen") running past the edge of the tender page, so that the page scrolled sideways.
Tables may scroll sideways (reflow's exception for data tables)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.web.browser.flows import sign_in
from tests.web.browser.server import OWN_FIRM, DemoServer
from tests.web.conftest import Lang, OpenBrowsing

pytestmark = pytest.mark.slow  # each test drives Chromium: 2 to 20 s

#: A demo notice whose other languages' titles hold long compound words.
COMPOUND_TITLES = "ted:023838-2021"
PAGES = [f"/web/firms/{quote(OWN_FIRM)}?fit=all", f"/web/tenders/{quote(COMPOUND_TITLES)}",
         f"/web/firms/{quote(OWN_FIRM)}/profile", f"/web/firms/{quote(OWN_FIRM)}/subscriptions"]
#: The elements of the page's main part that end past the window's right edge, tables and what is hidden aside.
PAST_THE_EDGE = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main *')]
    .filter(el => !el.closest('table, select, .visually-hidden'))
    .filter(el => { const box = el.getBoundingClientRect(); return box.width > 0 && box.right > width + 1; })
    .map(el => `${el.tagName.toLowerCase()} ${Math.round(el.getBoundingClientRect().right)}px: `
               + (el.textContent || '').trim().slice(0, 40));
}"""


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_nothing_but_a_table_reaches_past_a_narrow_window(
    demo: DemoServer, open_browsing: OpenBrowsing, lang: Lang
) -> None:
    browsing = open_browsing(lang)
    page = sign_in(browsing, demo, "officer")
    page.set_viewport_size({"width": 320, "height": 800})
    for path in PAGES:
        page.goto(demo.url(path))
        assert page.evaluate(PAST_THE_EDGE) == [], path

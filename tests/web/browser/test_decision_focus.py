"""After a one-click decision the keyboard user lands where they were, and hears what happened. An outside trial
found focus falling to the top of the page: htmx replaces the decision block, and the button that had focus
with it. Now approving or rejecting moves focus to the next undecided recommendation (the decided one when
none follows), saving a note keeps it on that item's note button, and the change is read out from the page's
live region. Runs on the partner's second firm: the decisions flow of test_decisions uses the first."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page

from tests.web.browser.axe import check_accessibility
from tests.web.browser.flows import BUTTONS, match_of, matches, say, sign_in
from tests.web.browser.server import PARTNER_SECOND_FIRM, DemoServer
from tests.web.conftest import Browsing, Lang, OpenBrowsing

pytestmark = pytest.mark.slow  # each test drives Chromium: 2 to 20 s

FIRM_PATH = f"/web/firms/{quote(PARTNER_SECOND_FIRM)}?fit=all"  # weak fits too: items to decide on
#: What the focused element is: the recommendation it sits in, and its role (the title link, or a button).
FOCUSED = """() => {
    const el = document.activeElement;
    const article = el && el.closest('article.match');
    return {tender: article ? article.dataset.tender : null, tag: el ? el.tagName : null,
            text: el ? el.textContent.trim() : null, heading: !!(el && el.closest('h3'))};
}"""


def press(browsing: Browsing, tender_id: str, action: str) -> None:
    """Reaches the button from the keyboard (focus, then Enter) and waits for htmx to swap in the new block."""
    page = browsing.page
    block = match_of(page, tender_id).locator(".decision")
    before = block.get_attribute("data-status")
    button = match_of(page, tender_id).get_by_role("button", name=say(browsing, BUTTONS[action]), exact=True)
    button.focus()
    button.press("Enter")
    page.wait_for_function(
        "([tender, before]) => { const b = document.querySelector("
        "`article.match[data-tender=\"${tender}\"] .decision`); return b && b.dataset.action && "
        "(b.dataset.status !== before || b.dataset.action === 'note'); }",
        arg=[tender_id, before],
    )
    page.wait_for_function("() => document.activeElement && document.activeElement !== document.body")


def focused(page: Page) -> dict[str, object]:
    found: dict[str, object] = page.evaluate(FOCUSED)
    return found


def announced(page: Page) -> str:
    return " ".join(page.locator("#live-status").inner_text().split())


@pytest.mark.parametrize("lang", ["en"])
def test_focus_moves_to_the_next_undecided_item_and_the_change_is_announced(
    demo: DemoServer, open_browsing: OpenBrowsing, lang: Lang
) -> None:
    browsing = open_browsing(lang)
    page = sign_in(browsing, demo, "partner")
    page.goto(demo.url(FIRM_PATH))
    live = page.locator("#live-status")
    assert live.get_attribute("role") == "status" and announced(page) == ""
    ids = [str(matches(page).nth(i).get_attribute("data-tender")) for i in range(matches(page).count())]
    assert len(ids) >= 4, ids
    titles = {t: match_of(page, t).locator("h3 a").inner_text().strip() for t in ids}

    # Approving the second moves focus on to the third, the next undecided one, onto its title link.
    press(browsing, ids[1], "approve")
    assert focused(page) == {"tender": ids[2], "tag": "A", "text": titles[ids[2]], "heading": True}
    assert announced(page) == say(browsing, "announce_approved", title=titles[ids[1]])

    # Rejecting the first skips the second (decided) and lands on the third.
    press(browsing, ids[0], "reject")
    assert focused(page)["tender"] == ids[2]
    assert announced(page) == say(browsing, "announce_rejected", title=titles[ids[0]])

    # A note keeps focus on the item it was written for, on the button that saves one.
    match_of(page, ids[2]).get_by_label(say(browsing, "note"), exact=False).fill("Ask about the lot split")
    press(browsing, ids[2], "note")
    assert focused(page) == {"tender": ids[2], "tag": "BUTTON", "text": say(browsing, "add_note"), "heading": False}
    assert announced(page) == say(browsing, "announce_note", title=titles[ids[2]])

    # The last item: nothing follows, so focus stays on the decided item.
    press(browsing, ids[-1], "approve")
    assert focused(page) == {"tender": ids[-1], "tag": "A", "text": titles[ids[-1]], "heading": True}
    assert announced(page) == say(browsing, "announce_approved", title=titles[ids[-1]])
    check_accessibility(page)
    assert browsing.console_errors == []

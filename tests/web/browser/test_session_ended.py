"""A partner types a note and approves while their session has ended (here: the cookie names a session the
server does not hold, as after expiry or signing out in another tab). An outside trial found them sent to sign
in without a word, back on the home page, the note gone. Now the sign-in page says nothing was saved, signing
in returns to the firm page, and the note is back in that item's field, said to be unsent, with focus on it
(as is a note typed into another item and not sent); nothing was recorded until the partner presses a button
again (with the new session's token). Other forms: test_form_drafts.py."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.web.browser.api import call
from tests.web.browser.axe import check_accessibility
from tests.web.browser.flows import give_key, match_of, matches, open_signed_in, say
from tests.web.browser.server import PARTNER_SECOND_FIRM, DemoServer
from tests.web.conftest import Lang, OpenBrowsing

pytestmark = pytest.mark.slow  # each test drives Chromium: 2 to 20 s

FIRM_PATH = f"/web/firms/{quote(PARTNER_SECOND_FIRM)}?fit=all"  # weak fits too: items to decide on
NOTES = {"en": "Check the membrane spec with the buyer", "ko": "발주 기관에 막 사양 확인"}
OTHER_NOTE = "Ask the buyer about lots"


def shortlisted(demo: DemoServer) -> dict[str, str]:
    return {i["tender_id"]: i["note"] for i in call(demo, "GET", f"/firms/{PARTNER_SECOND_FIRM}/shortlist", "partner")}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_note_sent_after_the_session_ended_comes_back_after_signing_in(
    demo: DemoServer, open_browsing: OpenBrowsing, lang: Lang
) -> None:
    browsing = open_browsing(lang)
    page = open_signed_in(browsing, demo, "partner", FIRM_PATH)
    undecided = [str(a.get_attribute("data-tender")) for a in matches(page).all()
                 if a.locator(".decision").get_attribute("data-status") == "none"]
    # Ones that no other test decides: the note of the first is sent, the second's is typed and left.
    tender_id, other_id = undecided[-2:-4:-1] if lang == "en" else undecided[-3:-5:-1]
    article = match_of(page, tender_id)
    match_of(page, other_id).get_by_label(say(browsing, "note"), exact=False).fill(OTHER_NOTE)
    article.get_by_label(say(browsing, "note"), exact=False).fill(NOTES[lang])
    (session,) = [c for c in browsing.context.cookies() if c["name"] == "tm_session"]
    # The same cookie, naming no session.
    browsing.context.add_cookies([{"name": session["name"], "value": "x" * 43, "domain": session["domain"],
                                   "path": session["path"]}])

    article.get_by_role("button", name=say(browsing, "approve"), exact=True).click()
    page.wait_for_url("**/web/sign-in?**")
    assert say(browsing, "session_unsaved") in page.locator("main p.notice").inner_text()
    assert tender_id not in shortlisted(demo)  # nothing was recorded
    check_accessibility(page)
    give_key(browsing, demo, "partner", FIRM_PATH)

    note = match_of(page, tender_id).locator('textarea[name="note"]')
    assert note.input_value() == NOTES[lang]
    assert match_of(page, other_id).locator('textarea[name="note"]').input_value() == OTHER_NOTE
    assert page.evaluate("() => document.activeElement && document.activeElement.name") == "note"
    assert page.evaluate("() => document.activeElement.closest('article').dataset.tender") == tender_id
    described = note.get_attribute("aria-describedby")
    assert page.locator(f"#{described}").inner_text() == say(browsing, "draft_restored")
    assert tender_id not in shortlisted(demo) and other_id not in shortlisted(demo)  # given back, not sent
    check_accessibility(page)

    match_of(page, tender_id).get_by_role("button", name=say(browsing, "add_note"), exact=True).click()
    page.wait_for_function(
        "t => document.querySelector(`article.match[data-tender=\"${t}\"] .decision`).dataset.action", arg=tender_id)
    assert shortlisted(demo)[tender_id] == NOTES[lang]
    page.reload()  # given back once: the kept notes are gone from the tab
    assert match_of(page, tender_id).locator('textarea[name="note"]').input_value() == ""
    assert match_of(page, other_id).locator('textarea[name="note"]').input_value() == ""
    assert browsing.console_errors == [] or all("401" in e for e in browsing.console_errors), browsing.console_errors

"""What a person typed into a workspace form is not lost when their session has ended by the time they send it.

The session is ended by the server (signed out from elsewhere) while the page stays open with its cookie; the
form is sent, the server answers with the sign-in page ('not saved'), nothing is stored. Found before: only a
decision's note came back after signing in (test_session_ended.py); a profile edit, a new subscription or a
new feed came back as the stored page, everything typed gone. Now each comes back in the field it was typed
in, said to be unsent, with focus on the first of them, and is sent only when the person sends the form again;
once that is saved it is forgotten. So too after the form was first shown again with its problems, and when the
officer page's polling is what finds the session ended. Given back only to the person who typed it; the API
key typed to sign in is never kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Page

from tests.web.browser.api import call
from tests.web.browser.axe import check_accessibility
from tests.web.browser.flows import end_session_elsewhere, give_key, open_signed_in, say
from tests.web.browser.server import PARTNER_SECOND_FIRM, DemoServer
from tests.web.conftest import Browsing, Lang, OpenBrowsing

pytestmark = pytest.mark.slow  # each test drives Chromium: 2 to 20 s

FIRM = quote(PARTNER_SECOND_FIRM)


@dataclass(frozen=True)
class Form:
    role: str
    path: str  # the workspace page the form is on
    stored: str  # the API address that shows what the form stores
    button: str  # message key of the form's send button
    typed: dict[str, str]  # field id -> what the person types there
    chosen: dict[str, str]  # select id -> the option the person picks


FORMS = {
    "profile": Form(
        "partner", f"/web/firms/{FIRM}/profile", f"/firms/{FIRM}", "save_profile",
        {"f-description": "Optical water-quality sensors and membrane filters for utilities.",
         "f-keywords": "optical sensors\nmembrane filters"}, {}),
    "subscription": Form(
        "partner", f"/web/firms/{FIRM}/subscriptions", f"/firms/{FIRM}/subscriptions", "subscribe_button",
        {"f-email": "bids@saebyeol.example", "f-max_items": "7"}, {"f-frequency": "daily"}),
    "feed": Form(
        "officer", "/web/officer", "/feeds", "add_feed_button",
        {"f-feed-name": "kept-draft", "f-feed-query": "TI=membrane"}, {"f-feed-kind": "worldbank"}),
}


def kept_in_tab(page: Page) -> str:
    """All this tab's sessionStorage holds, as one string."""
    return str(page.evaluate("() => JSON.stringify(Object.entries(sessionStorage))"))


@dataclass(frozen=True)
class Sent:
    form: Form
    browsing: Browsing
    stored: Any  # what the API showed before
    hints: list[str]  # the ids describing the form's first field, as the page has them

    @property
    def page(self) -> Page:
        return self.browsing.page


def send_after_the_session_ended(
    open_browsing: OpenBrowsing, demo: DemoServer, name: str, lang: Lang = "en", again: str | None = None,
    refused: dict[str, str] | None = None,
) -> Sent:
    """Signs in, fills the form, has the server end the session, sends the form: the sign-in page says it was not
    saved and nothing was stored. Then signs in again (as ``again``, else the same role), back on the form's
    page. With ``refused`` (field id -> a value the server refuses), the form is first sent with those values
    while the session lives, shown again with its problems, and corrected after the session ended."""
    form = FORMS[name]
    browsing = open_browsing(lang)
    page = open_signed_in(browsing, demo, form.role, form.path)
    sent = Sent(form, browsing, call(demo, "GET", form.stored, form.role),
                str(page.locator(f"#{next(iter(form.typed))}").get_attribute("aria-describedby") or "").split())
    for field, text in {**form.typed, **(refused or {})}.items():
        page.locator(f"#{field}").fill(text)
    for field, value in form.chosen.items():
        page.locator(f"#{field}").select_option(value)
    if refused:
        page.get_by_role("button", name=say(browsing, form.button), exact=True).click()
        page.locator("main p.error[role=alert]").wait_for()  # shown again (422), what was typed in its fields
        assert [page.locator(f"#{field}").input_value() for field in form.typed] == [
            refused.get(field, text) for field, text in form.typed.items()]
    end_session_elsewhere(browsing, demo)
    for field in refused or {}:
        page.locator(f"#{field}").fill(form.typed[field])
    page.get_by_role("button", name=say(browsing, form.button), exact=True).click()
    page.wait_for_url("**/web/sign-in?**")
    assert say(browsing, "session_unsaved") in page.locator("main p.notice").inner_text()
    assert call(demo, "GET", form.stored, form.role) == sent.stored  # nothing was stored
    give_key(browsing, demo, again or form.role, form.path)
    assert demo.keys[form.role] not in kept_in_tab(page) and demo.keys[again or form.role] not in kept_in_tab(page)
    return sent


def assert_given_back(sent: Sent) -> None:
    """Each typed text and chosen option is in its field again, said to be unsent, with focus on the first."""
    form, page = sent.form, sent.page
    for field, text in {**form.typed, **form.chosen}.items():
        assert page.locator(f"#{field}").input_value() == text, field
    first = next(iter(form.typed))
    assert page.evaluate("() => document.activeElement.id") == first
    described = str(page.locator(f"#{first}").get_attribute("aria-describedby")).split()
    assert described[:-1] == sent.hints  # its hint still describes it, then the notice
    assert page.locator(f"#{described[-1]}").inner_text() == say(sent.browsing, "draft_restored_form")


def given_back_notices(sent: Sent) -> int:
    return sent.page.locator("p.notice", has_text=say(sent.browsing, "draft_restored_form")).count()


@pytest.mark.parametrize(("name", "lang"), [("profile", "ko"), ("subscription", "en"), ("feed", "en")])
def test_what_was_typed_comes_back_in_its_field_after_signing_in(
    demo: DemoServer, open_browsing: OpenBrowsing, name: str, lang: Lang
) -> None:
    sent = send_after_the_session_ended(open_browsing, demo, name, lang)
    form, page = sent.form, sent.page
    assert_given_back(sent)
    check_accessibility(page)
    assert call(demo, "GET", form.stored, form.role) == sent.stored  # given back, not sent

    page.reload()  # given back once: the page shows what is stored again
    first = next(iter(form.typed))
    assert page.locator(f"#{first}").input_value() != form.typed[first]
    assert form.typed[first] not in kept_in_tab(page)
    assert given_back_notices(sent) == 0
    assert sent.browsing.console_errors == [], sent.browsing.console_errors


def test_what_was_given_back_and_sent_again_is_saved_and_forgotten(
    demo: DemoServer, open_browsing: OpenBrowsing
) -> None:
    sent = send_after_the_session_ended(open_browsing, demo, "profile")
    form, page = sent.form, sent.page
    try:
        assert_given_back(sent)
        page.get_by_role("button", name=say(sent.browsing, form.button), exact=True).click()
        page.wait_for_url(re.compile(re.escape(f"{form.path}?saved=profile") + "$"))
        stored = call(demo, "GET", form.stored, form.role)
        assert (stored["description"], stored["keywords"]) == (
            form.typed["f-description"], form.typed["f-keywords"].split("\n"))
        assert form.typed["f-description"] not in kept_in_tab(page)  # forgotten once saved
        assert given_back_notices(sent) == 0
        page.reload()
        assert page.locator("#f-description").input_value() == form.typed["f-description"]  # the stored text
        assert given_back_notices(sent) == 0
    finally:  # the demo firm as other tests know it
        call(demo, "PATCH", form.stored, "officer",
             {"description": sent.stored["description"], "keywords": sent.stored["keywords"]})


def test_what_one_person_typed_is_not_given_to_another_signing_in_on_the_tab(
    demo: DemoServer, open_browsing: OpenBrowsing
) -> None:
    sent = send_after_the_session_ended(open_browsing, demo, "subscription", again="officer")
    for field, text in {**sent.form.typed, **sent.form.chosen}.items():
        assert sent.page.locator(f"#{field}").input_value() != text, field
    assert given_back_notices(sent) == 0
    assert sent.form.typed["f-email"] not in kept_in_tab(sent.page)  # dropped, not kept for later


@pytest.mark.parametrize(("name", "refused"), [
    ("subscription", {"f-max_items": "many"}), ("feed", {"f-feed-name": "Not a name!"})])
def test_a_form_shown_again_with_its_problems_comes_back_whole(
    demo: DemoServer, open_browsing: OpenBrowsing, name: str, refused: dict[str, str]
) -> None:
    """The address typed before the form was shown again is the page's own value by then, and comes back too.
    The add-feed form is shown again at its target, /web/officer/feeds, which only takes a POST: signing in
    returns to the officer page (was that address: a 405 page, nothing given back)."""
    sent = send_after_the_session_ended(open_browsing, demo, name, refused=refused)
    assert_given_back(sent)
    assert call(demo, "GET", sent.form.stored, sent.form.role) == sent.stored


def test_what_was_typed_is_kept_when_the_pages_polling_finds_the_session_ended(
    demo: DemoServer, open_browsing: OpenBrowsing
) -> None:
    """The officer page polls a feed run's status (htmx) while it goes on; with the session ended that answer
    is a 401 that leaves for the sign-in page before anything was sent. Here the poll is the page's own kind of
    element, added to it, as a run would show it."""
    form = FORMS["feed"]
    browsing = open_browsing("en")
    page = open_signed_in(browsing, demo, form.role, form.path)
    before = call(demo, "GET", form.stored, form.role)
    for field, text in form.typed.items():
        page.locator(f"#{field}").fill(text)
    end_session_elsewhere(browsing, demo)
    page.evaluate("""() => {
        const poll = document.createElement("div");
        poll.setAttribute("hx-get", "/web/officer/feeds/runs/none/status");
        poll.setAttribute("hx-trigger", "load");
        document.querySelector("#feeds-live").after(poll);
        htmx.process(poll);
    }""")
    page.wait_for_url("**/web/sign-in?**")
    assert call(demo, "GET", form.stored, form.role) == before  # nothing sent
    give_key(browsing, demo, form.role, form.path)  # the page the poll was on (HX-Current-URL), not its fragment
    for field, text in form.typed.items():
        assert page.locator(f"#{field}").input_value() == text, field
    assert page.evaluate("() => document.activeElement.id") == next(iter(form.typed))

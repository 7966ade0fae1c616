"""Issue 13, end to end in a real browser: a partner signs in, opens a firm, approves one recommendation,
rejects another and notes the first; the decisions are the API's (same shortlist, same feedback log); the
firm signs in and sees the approved item with its note. Every page state passes axe-core WCAG 2 A/AA."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.web.browser.api import call
from tests.web.browser.axe import check_accessibility
from tests.web.browser.flows import decide, match_of, matches, say, sign_in
from tests.web.browser.server import OWN_FIRM, DemoServer
from tests.web.conftest import OpenBrowsing

pytestmark = pytest.mark.slow  # two people's whole flow: ~10 s

NOTE = "Site visit needed: ask the buyer about the membrane spec"


def _firm_name(demo: DemoServer) -> str:
    name: str = call(demo, "GET", f"/firms/{OWN_FIRM}", "partner")["name"]
    return name


def test_partner_decides_and_the_firm_sees_the_approved_item(demo: DemoServer, open_browsing: OpenBrowsing) -> None:
    partner = open_browsing("en")
    page = sign_in(partner, demo, "partner")
    assert page.url.endswith("/web/"), page.url
    assert demo.keys["partner"] not in page.content()  # the key is never echoed into a page
    check_accessibility(page)

    page.get_by_role("link", name=_firm_name(demo)).click()
    page.wait_for_url(f"**/web/firms/{quote(OWN_FIRM)}")
    check_accessibility(page)
    shown = matches(page)
    assert shown.count() >= 2
    approved_id, rejected_id = (shown.nth(i).get_attribute("data-tender") for i in range(2))
    assert approved_id and rejected_id

    decide(partner, match_of(page, approved_id), "approve")
    decide(partner, match_of(page, rejected_id), "reject")
    decide(partner, match_of(page, approved_id), "note", note=NOTE)
    check_accessibility(page)  # the blocks htmx swapped in
    page.reload()
    assert say(partner, "status_approved") in match_of(page, approved_id).get_by_role("status").inner_text()
    assert match_of(page, rejected_id).count() == 0  # a rejected tender is not recommended again

    # Recorded as the API records them: the shortlist and the decision log ranking learns from.
    items = {i["tender_id"]: i for i in call(demo, "GET", f"/firms/{OWN_FIRM}/shortlist", "partner")}
    assert items[approved_id]["status"] == "approved" and items[approved_id]["note"] == NOTE
    assert items[approved_id]["decided_by"] == "demo-partner"
    assert items[rejected_id]["status"] == "rejected"
    decided = {(e["tender_id"], e["decision"]) for e in call(demo, "GET", f"/firms/{OWN_FIRM}/feedback", "partner")}
    assert {(approved_id, "approved"), (rejected_id, "rejected")} <= decided

    firm = open_browsing("en")
    firm_page = sign_in(firm, demo, "firm")
    assert firm_page.url.endswith(f"/web/firms/{quote(OWN_FIRM)}"), firm_page.url
    check_accessibility(firm_page)
    approved = match_of(firm_page, approved_id).get_by_role("status").inner_text()
    assert say(firm, "approved_by_partner") in approved and NOTE in approved
    assert match_of(firm_page, rejected_id).count() == 0
    assert firm_page.get_by_role("button", name=say(firm, "approve")).count() == 0
    assert partner.console_errors == [] and firm.console_errors == []

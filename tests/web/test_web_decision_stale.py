"""A decision made from a firm page opened before a colleague's decision on the same notice: the page showed the
notice proposed (or not on the shortlist), the colleague approved it meanwhile, and the reject button overwrote that
approval without a word. The decision form now carries the version of the item it shows (the API's ETag,
``ShortlistItem.version``; empty: not on the shortlist) and decides on it (the API's If-Match): a decision stored
meanwhile refuses it (409, nothing stored), the answer says so and shows the item as stored now, whose form decides
on its version; the same decision sent twice (a double click) is recorded once, answered as done."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote, urlencode

import lxml.html
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, page_text, visitor  # noqa: F401

FIRM = f"/web/firms/{quote(OWN)}"


def decision_form(html: str, tender_id: str | None = None) -> tuple[str, list[tuple[str, str]]]:
    """The tender id and the fields of a decision form of the page (the first, or ``tender_id``'s), as shown."""
    for form in lxml.html.fromstring(html).forms:
        fields = form.form_values()
        shown = dict(fields).get("tender_id")
        if form.action.startswith(f"{FIRM}/decide") and shown and tender_id in (None, shown):
            return shown, fields
    raise AssertionError(f"no decision form for {tender_id}")


def send(client: TestClient, fields: list[tuple[str, str]], action: str, htmx: bool = False) -> Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **({"HX-Request": "true"} if htmx else {})}
    return client.post(f"{FIRM}/decide", content=urlencode([*fields, ("action", action)]), headers=headers,
                       follow_redirects=False)


def stored(world: World, tender_id: str) -> tuple[str, str | None, int]:
    """The item's status and decider, and how many events the log holds for it."""
    item = next((i for i in world.matcher.shortlist(OWN) if i.tender_id == tender_id), None)
    events = sum(1 for e in world.matcher.feedback_events(OWN) if e.tender_id == tender_id)
    return (item.status, item.decided_by, events) if item else ("none", None, events)


def colleague_approves(world: World, tender_id: str) -> None:
    officer = world.auth("officer")
    world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id}, headers=officer)
    approved = world.client.patch(f"/firms/{OWN}/shortlist/{tender_id}", json={"status": "approved"}, headers=officer)
    assert approved.status_code == 200, approved.text


@pytest.mark.parametrize("listed", [True, False], ids=["proposed", "not-listed"])
def test_a_form_opened_before_a_colleagues_decision_does_not_overwrite_it(
    world: World, visitor: Visitor, listed: bool
) -> None:
    partner = visitor("partner")
    page = partner.get(FIRM).text
    tender_id, _ = decision_form(page)
    if listed:  # the page shows it proposed
        assert partner.post(f"{FIRM}/decide", follow_redirects=False, data={
            "csrf_token": dict(decision_form(page)[1])["csrf_token"], "tender_id": tender_id, "action": "note",
            "note": "look at it"}).status_code == 303
        page = partner.get(FIRM).text
    _, fields = decision_form(page, tender_id)
    colleague_approves(world, tender_id)
    before = stored(world, tender_id)
    refused = send(partner, fields, "reject")
    assert refused.status_code == 409, refused.text
    assert "decided meanwhile" in page_text(refused.text), page_text(refused.text)
    assert stored(world, tender_id) == before == ("approved", "officer-1", before[2])
    # The answer to the page's own (htmx) request shows the item as stored now; its form decides on that version.
    block = send(partner, fields, "reject", htmx=True)
    assert block.status_code == 409 and "decided meanwhile" in page_text(block.text), block.text
    assert stored(world, tender_id) == before
    _, now = decision_form(block.text, tender_id)
    again = send(partner, now, "reject", htmx=True)
    assert again.status_code == 200, again.text
    assert stored(world, tender_id)[:2] == ("rejected", "partner-a")


def test_the_same_decision_sent_twice_is_recorded_once(world: World, visitor: Visitor) -> None:
    partner = visitor("partner")
    tender_id, fields = decision_form(partner.get(FIRM).text)
    first = send(partner, fields, "approve")
    assert first.status_code == 303, first.text
    after = stored(world, tender_id)
    second = send(partner, fields, "approve")
    assert second.status_code == 303, second.text
    assert stored(world, tender_id) == after and after[:2] == ("approved", "partner-a")


def colleague_notes(world: World, tender_id: str, note: str) -> None:
    proposed = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id, "note": note},
                                 headers=world.auth("officer"))
    assert proposed.status_code in (200, 201), proposed.text


@pytest.mark.parametrize("listed", [True, False], ids=["proposed", "not-listed"])
def test_a_note_from_a_page_opened_before_a_colleagues_note_does_not_overwrite_it(
    world: World, visitor: Visitor, listed: bool
) -> None:
    """The note button replaced the stored note whatever the page had shown: a colleague's 'call the buyer first'
    written meanwhile was lost without a word, as a decision was before the form sent its version."""
    partner = visitor("partner")
    page = partner.get(FIRM).text
    tender_id, fields = decision_form(page)
    if listed:
        colleague_notes(world, tender_id, "first look")
        tender_id, fields = decision_form(partner.get(FIRM).text, tender_id)
    colleague_notes(world, tender_id, "call the buyer first")
    mine = [(k, v) for k, v in fields if k != "note"] + [("note", "bid with a partner")]
    refused = send(partner, mine, "note")
    assert refused.status_code == 409, refused.text
    assert "noted or decided meanwhile" in page_text(refused.text), page_text(refused.text)
    (item,) = [i for i in world.matcher.shortlist(OWN) if i.tender_id == tender_id]
    assert item.note == "call the buyer first"
    block = send(partner, mine, "note", htmx=True)  # the page's own request: the item as stored now
    assert block.status_code == 409 and "call the buyer first" in block.text, block.text
    _, now = decision_form(block.text, tender_id)
    again = send(partner, [(k, v) for k, v in now if k != "note"] + [("note", "bid with a partner")], "note")
    assert again.status_code == 303, again.text
    (item,) = [i for i in world.matcher.shortlist(OWN) if i.tender_id == tender_id]
    assert item.note == "bid with a partner"

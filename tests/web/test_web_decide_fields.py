"""The firm page's decision form as a client other than the page can send it: a file under a text field's name
counts as nothing typed (``api.web.form_fields.text_of``, as the profile form reads one), never the text of the
object the form parser made of it. The note field read it with ``str()`` and stored
"UploadFile(filename='notes.txt', size=..., headers=Headers({...}))" as the shortlist note, shown to the firm's
partner, its firm and in every export."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.conftest import OTHER, OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, csrf_of, visitor  # noqa: F401

FIRM = f"/web/firms/{quote(OWN)}"


def stored_note(world: World, tender_id: str) -> str:
    return next(i.note for i in world.matcher.shortlist(OWN) if i.tender_id == tender_id)


@pytest.mark.parametrize("action", ["note", "approve"])
def test_a_file_sent_as_the_note_is_no_note_and_keeps_the_stored_one(
    world: World, visitor: Visitor, action: str
) -> None:
    tender_id = world.tenders[1]
    client = visitor("partner")
    csrf = csrf_of(client.get(FIRM).text)
    typed = client.post(f"{FIRM}/decide", data={"csrf_token": csrf, "tender_id": tender_id, "action": "note",
                                               "note": "call the buyer"}, follow_redirects=False)
    assert typed.status_code == 303 and stored_note(world, tender_id) == "call the buyer"
    sent = client.post(f"{FIRM}/decide", data={"csrf_token": csrf, "tender_id": tender_id, "action": action},
                       files={"note": ("notes.txt", b"bid on it")}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert stored_note(world, tender_id) == "call the buyer"
    item = next(i for i in world.matcher.shortlist(OWN) if i.tender_id == tender_id)
    assert item.status == ("approved" if action == "approve" else "proposed")


def test_a_file_sent_as_the_partner_of_an_assignment_is_no_partner(world: World, visitor: Visitor) -> None:
    """The officer page's assignment form named the parser's object in its refusal ("no partner
    'UploadFile(filename=...)'"): a file is nothing typed, refused as an empty field is."""
    officer = visitor("officer")
    csrf = csrf_of(officer.get("/web/officer").text)
    sent = officer.post("/web/officer/assignments", data={"csrf_token": csrf, "firm_id": OTHER, "action": "assign"},
                        files={"partner": ("partner.txt", b"partner-a")}, follow_redirects=False)
    assert sent.status_code == 404, sent.text
    assert "UploadFile" not in sent.text and "partner.txt" not in sent.text
    assert OTHER not in world.matcher.access.assigned_firms("partner-a")


def test_a_file_sent_as_the_firm_to_shortlist_for_is_no_firm(world: World, visitor: Visitor) -> None:
    tender_id = world.tenders[1]
    client = visitor("partner")
    csrf = csrf_of(client.get(f"/web/tenders/{quote(tender_id)}").text)
    sent = client.post(f"/web/tenders/{quote(tender_id)}/shortlist", data={"csrf_token": csrf},
                       files={"firm_id": ("firm.txt", OWN.encode())}, follow_redirects=False)
    assert 400 <= sent.status_code < 500, sent.text
    assert "UploadFile" not in sent.text

"""A profile form saved from a page opened before another change of the profile: the form sends every field as
the page showed it, so its save put back what the other change had replaced (a keyword the firm added, codes a
partner accepted in another tab), with nothing said. The page now carries the version it shows (the API's ETag,
``Matcher.firm_version``) and saves on it (the API's If-Match): a change stored meanwhile refuses the save (409,
nothing stored), the form keeps what was typed and says so, and saving that form again is the person's choice."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import urlencode

import lxml.html
from fastapi.testclient import TestClient
from httpx2 import Response

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, page_text, visitor  # noqa: F401

PROFILE = f"/web/firms/{OWN}/profile"
DESCRIPTION = "Ultrafiltration skids and membrane racks for municipal drinking water plants."


def save_as_shown(client: TestClient, html: str, **typed: str) -> Response:
    """Post the page's profile form as a browser does: every field as shown, ``typed`` changed."""
    (form,) = [f for f in lxml.html.fromstring(html).forms if f.action == PROFILE]
    fields = [(name, typed.pop(name) if name in typed else value) for name, value in form.form_values()]
    assert not typed, f"the form has no field {sorted(typed)}"
    return client.post(PROFILE, content=urlencode(fields), follow_redirects=False,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_a_form_opened_before_another_change_does_not_undo_it(world: World, visitor: Visitor) -> None:
    partner = visitor("partner")
    opened = partner.get(PROFILE).text
    keywords = world.matcher.get_firm(OWN).keywords
    added = world.client.patch(f"/firms/{OWN}", json={"keywords": [*keywords, "valves"]}, headers=world.auth("firm"))
    assert added.status_code == 200
    stored = world.matcher.get_firm(OWN)

    refused = save_as_shown(partner, opened, description=DESCRIPTION)
    assert refused.status_code == 409, refused.text
    assert world.matcher.get_firm(OWN) == stored  # the firm's keyword kept, the description not saved
    assert "changed since you opened this page, so nothing was saved" in page_text(refused.text)
    typed = lxml.html.fromstring(refused.text).xpath("//textarea[@name='description']/text()")
    assert typed == [DESCRIPTION]  # what was typed is kept for the person to look at again

    again = save_as_shown(partner, refused.text)  # saving the form shown with the refusal is a choice made
    assert again.status_code == 303, again.text
    saved = world.matcher.get_firm(OWN)
    assert saved.description == DESCRIPTION and "valves" not in saved.keywords


def test_a_form_saved_twice_or_after_its_own_save_is_saved(world: World, visitor: Visitor) -> None:
    """The version is the page's: its own save, then a second press of the button on the page left behind (the
    back button) with other text, is refused as another change would be, and a fresh page saves again. The same
    text sent twice (a double click) is what is stored: saved, not refused."""
    partner = visitor("partner")
    opened = partner.get(PROFILE).text
    assert save_as_shown(partner, opened, description=DESCRIPTION).status_code == 303
    twice = save_as_shown(partner, opened, description=DESCRIPTION)
    assert (twice.status_code, twice.headers["location"]) == (303, f"{PROFILE}?saved=profile")
    assert save_as_shown(partner, opened, description=DESCRIPTION + " Again.").status_code == 409
    assert world.matcher.get_firm(OWN).description == DESCRIPTION
    fresh = partner.get(PROFILE).text
    assert save_as_shown(partner, fresh, description=DESCRIPTION + " Again.").status_code == 303
    assert world.matcher.get_firm(OWN).description == DESCRIPTION + " Again."

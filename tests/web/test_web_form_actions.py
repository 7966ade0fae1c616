"""A form's button value (``action``) that is none of the form's buttons is refused and stores nothing: the
suggested codes' form read any value but "decline" as "accept", so a client sending ``action=declne`` (or a stale
page's button renamed) added the very codes it meant to decline to the firm's profile."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from api.web.form_fields import SHOWN_VALUE
from api.web.messages import translate
from api.web.views import SUGGESTIONS
from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401

PROFILE = f"/web/firms/{OWN}/profile"


@pytest.mark.parametrize("action", ["declne", "Decline", "approve", "accept\x00"])
def test_an_unknown_action_on_suggested_codes_is_refused_and_stores_nothing(
    world: World, visitor: Visitor, action: str
) -> None:
    before = world.matcher.get_firm(OWN)
    code = next(s.code for s in world.matcher.suggest_codes(OWN, SUGGESTIONS) if s.code not in before.codes)
    partner = visitor("partner")
    csrf = csrf_of(partner.get(PROFILE).text)
    sent = partner.post(f"{PROFILE}/codes", data={"csrf_token": csrf, "code": [code], "action": action},
                        follow_redirects=False)
    assert sent.status_code == 422, sent.text
    assert translate("en", "invalid_form") in page_text(sent.text)
    after = world.matcher.get_firm(OWN)
    assert (after.codes, after.declined_codes) == (before.codes, before.declined_codes)


@pytest.mark.parametrize(("action", "stored"), [("accept", "codes"), ("decline", "declined_codes")])
def test_each_button_of_suggested_codes_still_does_what_it_says(
    world: World, visitor: Visitor, action: str, stored: str
) -> None:
    before = world.matcher.get_firm(OWN)
    code = next(s.code for s in world.matcher.suggest_codes(OWN, SUGGESTIONS)
                if s.code not in before.codes and not s.ranked)
    partner = visitor("partner")
    csrf = csrf_of(partner.get(PROFILE).text)
    sent = partner.post(f"{PROFILE}/codes", data={"csrf_token": csrf, "code": [code], "action": action},
                        follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert code in getattr(world.matcher.get_firm(OWN), stored)


def test_a_ticked_code_too_long_to_be_one_is_named_not_called_none_ticked(world: World, visitor: Visitor) -> None:
    """A forged code longer than any code (the API's 40 characters) was refused as if none were ticked ("Tick at
    least one known code."): the page names it, as it names a code of the right length that no list holds."""
    before = world.matcher.get_firm(OWN)
    forged = "CPV:" + "4" * 40
    partner = visitor("partner")
    csrf = csrf_of(partner.get(PROFILE).text)
    sent = partner.post(f"{PROFILE}/codes", data={"csrf_token": csrf, "code": [forged]}, follow_redirects=False)
    assert sent.status_code == 422, sent.text
    shown = page_text(sent.text)
    assert translate("en", "expect_known_code", value=forged[:SHOWN_VALUE]) in shown
    assert translate("en", "choose_codes") not in shown
    assert world.matcher.get_firm(OWN).codes == before.codes

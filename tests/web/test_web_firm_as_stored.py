"""The workspace shows a firm stored before a rule across its fields existed (a declined code covering one of its
own codes) as stored, on the firm page and the profile form, and saving the form as shown names the clash at the
declined codes, where it is taken out (``tests/api/test_firm_reads_as_stored.py``: the API's reads and changes)."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import lxml.html
import pytest

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.api.test_firm_reads_as_stored import COVERING, OWN_CODE, store_covering_decline
from tests.web.pages_world import Visitor, visitor  # noqa: F401
from tests.web.test_web_profile import PROFILE, field_error


def form_as_shown(html: str) -> dict[str, str | list[str]]:
    """The profile form's fields as the page fills them in (what a browser posts when nothing is changed)."""
    (form,) = [f for f in lxml.html.fromstring(html).forms if f.action.endswith("/profile")]
    values: dict[str, str | list[str]] = {}
    for name, value in form.form_values():
        kept = values.get(name)
        values[name] = value if kept is None else [*([kept] if isinstance(kept, str) else kept), value]
    return values


@pytest.mark.parametrize("who", ["partner", "firm"])
def test_the_firm_page_and_the_profile_form_show_the_stored_pair(world: World, visitor: Visitor, who: str) -> None:
    store_covering_decline(world)
    client = visitor(who)
    assert client.get(f"/web/firms/{OWN}").status_code == 200
    page = client.get(PROFILE)
    assert page.status_code == 200, page.text
    shown = form_as_shown(page.text)
    assert shown["declined_codes"] == COVERING and OWN_CODE in str(shown["codes"]).split()


def test_saving_the_form_as_shown_names_the_declined_code_and_taking_it_out_saves(
    world: World, visitor: Visitor,
) -> None:
    store_covering_decline(world)
    client = visitor("partner")
    shown = form_as_shown(client.get(PROFILE).text)
    refused = client.post(PROFILE, data=shown, follow_redirects=False)
    assert refused.status_code == 422, refused.text
    assert COVERING in field_error(refused.text, "declined_codes")
    assert world.matcher.get_firm(OWN).declined_codes == [COVERING]
    saved = client.post(PROFILE, data={**shown, "declined_codes": ""}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    firm = world.matcher.get_firm(OWN)
    assert firm.declined_codes == [] and OWN_CODE in firm.codes

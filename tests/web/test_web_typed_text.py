"""The workspace's forms hold what people type to the firm name's rule, as the API does (tests/api/test_typed_text.py):
a keyword, description, feed query or note with a bidirectional embedding, override or isolate ('pumps \\u202eretaw'
shows as 'pumps water') is refused next to its field, naming the character, nothing stored; a keyword stored with one
before the rule is shown as stored, and the form saves once it is taken out."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote

import lxml.html
import pytest

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, empty_matcher, world  # noqa: F401
from tests.api.test_bad_input import snapshot
from tests.api.test_fields_stored_before_rules import stored_before_rules
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401
from tests.web.test_feeds_page import OFFICER
from tests.web.test_feeds_page import field_error as feed_field_error
from tests.web.test_web_profile import PROFILE, field_error, invalid_fields, post_profile

SPOOFED = "pumps \u202eretaw"  # shown as 'pumps water'


@pytest.mark.parametrize(("field", "typed", "named"), [
    ("keywords", f"ultrafiltration\n{SPOOFED}", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("description", "Membrane \u2066racks\u2069 for water plants", "U+2066 LEFT-TO-RIGHT ISOLATE"),
])
@pytest.mark.parametrize(("language", "says"), [("en", "type it again without it"), ("ko", "다시 입력하세요")])
def test_a_bidi_control_in_the_profile_form_is_refused_next_to_its_field_naming_it(
    world: World, visitor: Visitor, field: str, typed: str, named: str, language: str, says: str,
) -> None:
    client = visitor("partner")
    client.headers["Accept-Language"] = language
    csrf = csrf_of(client.get(PROFILE).text)
    before = snapshot(world)
    refused = post_profile(client, csrf, **{field: typed})
    assert refused.status_code == 422, refused.text
    error = field_error(refused.text, field)
    assert named in error and says in error, error
    assert invalid_fields(refused.text) == {field}
    assert snapshot(world) == before


def test_a_keyword_stored_with_an_override_is_shown_and_the_form_saves_once_it_is_out(
    world: World, visitor: Visitor,
) -> None:
    """The form sends every keyword it shows, so saving it as shown holds the stored one to the rule (as a declined
    code covering a code, 5274aed): the error names it at the keywords; taking it out saves."""
    stored_before_rules(world, keywords=[SPOOFED, "ultrafiltration"])
    client = visitor("partner")
    page = client.get(PROFILE)
    assert page.status_code == 200, page.text
    shown = lxml.html.fromstring(page.text).xpath("//textarea[@name='keywords']/text()")
    assert shown == [f"{SPOOFED}\nultrafiltration"]
    as_shown = post_profile(client, csrf_of(page.text), keywords=shown[0])
    assert as_shown.status_code == 422 and "U+202E" in field_error(as_shown.text, "keywords"), as_shown.text
    assert world.matcher.get_firm(OWN).keywords == [SPOOFED, "ultrafiltration"]
    saved = post_profile(client, csrf_of(page.text), keywords="pumps water\nultrafiltration")
    assert saved.status_code == 303, saved.text
    assert world.matcher.get_firm(OWN).keywords == ["pumps water", "ultrafiltration"]


def test_adding_a_suggested_keyword_to_a_firm_with_a_stored_override_is_made(world: World, visitor: Visitor) -> None:
    stored_before_rules(world, keywords=[SPOOFED], description="상하수도 정수 설비와 오염 방지 시설을 시공합니다.")
    client = visitor("partner")
    page = client.get(PROFILE)
    added = client.post(f"{PROFILE}/keywords", data={"csrf_token": csrf_of(page.text), "keyword": "오염 방지"},
                        follow_redirects=False)
    assert added.status_code == 303, added.text
    assert world.matcher.get_firm(OWN).keywords == [SPOOFED, "오염 방지"]


def test_a_feed_query_with_a_bidi_control_is_refused_next_to_it(world: World, visitor: Visitor) -> None:
    officer = visitor("officer")
    csrf = csrf_of(officer.get(OFFICER).text)
    before = snapshot(world)
    refused = officer.post(f"{OFFICER}/feeds", data={
        "csrf_token": csrf, "name": "ted-water", "kind": "ted",
        "query": "FT=\u202eretaw"}, follow_redirects=False)
    assert refused.status_code == 422, refused.text
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in feed_field_error(refused.text, "query")
    assert snapshot(world) == before


def test_a_note_with_a_bidi_control_is_refused_and_nothing_is_decided(world: World, visitor: Visitor) -> None:
    firm = f"/web/firms/{quote(OWN)}"
    client = visitor("partner")
    csrf = csrf_of(client.get(firm).text)
    before = snapshot(world)
    for action in ("note", "approve"):
        refused = client.post(f"{firm}/decide", data={"csrf_token": csrf, "tender_id": world.tenders[0],
                                                     "action": action, "note": "call \u202eyub"})
        assert refused.status_code == 422, refused.text
        said = page_text(refused.text)
        assert "(a bidirectional embedding, override or isolate: U+202A-U+202E, U+2066-U+2069)" in said, said
    assert snapshot(world) == before
    kept = client.post(f"{firm}/decide", data={"csrf_token": csrf, "tender_id": world.tenders[0], "action": "note",
                                               "note": "اتصل \u200fقبل"}, follow_redirects=False)
    assert kept.status_code == 303, kept.text

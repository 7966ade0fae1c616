"""The workspace's forms hold what people type to the firm name's rule, as the API does (tests/api/test_typed_text.py):
a keyword, description, feed query or note with a bidirectional embedding, override or isolate ('pumps \\u202eretaw'
shows as 'pumps water') is refused next to its field, naming the character, nothing stored. A keyword or description
stored with one before the rule is shown as saving will store it (without the control), with a notice at its field in
the page's language, so that saving the form as shown (which sends back every keyword it shows) cleans it and stores
the other changes; the API's PATCH stays strict (tests/api/test_fields_stored_before_rules.py)."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote

import lxml.html
import pytest

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.api.test_bad_input import snapshot
from tests.api.test_fields_stored_before_rules import stored_before_rules
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401
from tests.web.test_feeds_page import OFFICER
from tests.web.test_feeds_page import field_error as feed_field_error
from tests.web.test_web_firm_as_stored import form_as_shown
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


#: What the notice at a cleaned field says, in each page language (api.web.messages).
CLEANED_NOTICE = {"en": "change the direction of the text after them", "ko": "방향을 바꾸는"}
SAVES_CLEANED = {"en": "saving the profile removes them", "ko": "프로필을 저장하면 이 문자가 삭제됩니다"}


def notice(html: str, name: str) -> str | None:
    """The notice at a profile field (and checks the field points at it), or None when there is none."""
    tree = lxml.html.fromstring(html)
    found = tree.xpath(f"//*[@id='notice-{name}']")
    if not found:
        return None
    owners = tree.xpath(f"//*[@name='{name}'][contains(concat(' ', @aria-describedby, ' '), ' notice-{name} ')]")
    assert owners, f"the {name} field is not described by its notice"
    return " ".join(found[0].text_content().split())


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_keyword_stored_with_an_override_is_shown_as_it_will_be_saved_and_the_page_says_so(
    world: World, visitor: Visitor, language: str,
) -> None:
    """Before, the form showed 'pumps \\u202eretaw' as stored (displayed 'pumps water'), sent it back with every save
    and every save was a 422 at the keywords, until the user found the keyword whose character nobody sees."""
    stored_before_rules(world, keywords=[SPOOFED, "ultrafiltration", "\u202e", "\u200b"])
    client = visitor("partner")
    client.headers["Accept-Language"] = language
    page = client.get(PROFILE)
    assert page.status_code == 200, page.text
    assert form_as_shown(page.text)["keywords"] == "pumps retaw\nultrafiltration"
    said = notice(page.text, "keywords")
    assert said is not None and CLEANED_NOTICE[language] in said and SAVES_CLEANED[language] in said, said
    assert "pumps retaw" in said and "ultrafiltration" not in said, said
    assert {"en": "Keywords made only of invisible characters (2) are not shown",
            "ko": "보이지 않는 문자로만 된 키워드(2개)는 표시하지 않으며"}[language] in said, said
    bdi = lxml.html.fromstring(page.text).xpath("//*[@id='notice-keywords']//bdi/text()")
    assert bdi == ["pumps retaw"]  # the keyword is people's text: isolated
    assert notice(page.text, "description") is None


def test_saving_only_a_description_change_cleans_the_stored_keyword_and_keeps_everything_else(
    world: World, visitor: Visitor,
) -> None:
    stored = stored_before_rules(world, keywords=[SPOOFED, "ultrafiltration", "\u200b"])
    client = visitor("partner")
    shown = form_as_shown(client.get(PROFILE).text)
    shown["description"] = "Membrane plants for drinking water."
    saved = client.post(PROFILE, data=shown, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"{PROFILE}?saved=profile", saved.text
    firm = world.matcher.get_firm(OWN)
    assert firm.keywords == ["pumps retaw", "ultrafiltration"]
    assert firm.description == "Membrane plants for drinking water."
    changed = {"keywords", "description"}
    assert firm.model_dump(exclude=changed) == stored.model_dump(exclude=changed)  # the countries' order too
    again = client.get(f"{PROFILE}?saved=profile")
    assert notice(again.text, "keywords") is None and form_as_shown(again.text)["keywords"] == (
        "pumps retaw\nultrafiltration")


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_keyword_stored_with_a_control_character_is_shown_and_saved_without_it(
    world: World, visitor: Visitor, language: str,
) -> None:
    """Since d740426 a keyword holds no control character; one stored before (an ESC, a NUL on SQLite) was echoed by
    the form and every save refused at the keywords, for a character the field does not show."""
    stored = stored_before_rules(world, keywords=["pumps \x1b[31mwater", "ultrafiltration"])
    client = visitor("partner")
    client.headers["Accept-Language"] = language
    page = client.get(PROFILE)
    shown = form_as_shown(page.text)
    assert shown["keywords"] == "pumps [31mwater\nultrafiltration"
    said = notice(page.text, "keywords")
    assert said is not None and {"en": "or control characters", "ko": "제어 문자"}[language] in said, said
    assert "pumps [31mwater" in said and SAVES_CLEANED[language] in said, said
    shown["description"] = "Membrane plants for drinking water."
    saved = client.post(PROFILE, data=shown, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    firm = world.matcher.get_firm(OWN)
    assert firm.keywords == ["pumps [31mwater", "ultrafiltration"]
    changed = {"keywords", "description"}
    assert firm.model_dump(exclude=changed) == stored.model_dump(exclude=changed)


def test_a_description_stored_with_an_isolate_is_shown_cleaned_and_saved_with_a_keyword_change(
    world: World, visitor: Visitor,
) -> None:
    stored = stored_before_rules(world, description="Membrane \u2066racks\u2069 for water plants")
    client = visitor("partner")
    client.headers["Accept-Language"] = "ko"
    page = client.get(PROFILE)
    shown = form_as_shown(page.text)
    assert shown["description"] == "Membrane racks for water plants"
    said = notice(page.text, "description")
    assert said is not None and CLEANED_NOTICE["ko"] in said and SAVES_CLEANED["ko"] in said, said
    assert notice(page.text, "keywords") is None
    shown["keywords"] = f"{shown['keywords']}\nmembrane racks"
    saved = client.post(PROFILE, data=shown, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    firm = world.matcher.get_firm(OWN)
    assert firm.description == "Membrane racks for water plants"
    assert firm.keywords == [*stored.keywords, "membrane racks"]


def test_a_refused_save_keeps_the_notice_and_stores_nothing(world: World, visitor: Visitor) -> None:
    stored_before_rules(world, keywords=[SPOOFED, "ultrafiltration"])
    client = visitor("partner")
    shown = form_as_shown(client.get(PROFILE).text)
    before = snapshot(world)
    refused = client.post(PROFILE, data={**shown, "min_value": "lots"}, follow_redirects=False)
    assert refused.status_code == 422, refused.text
    assert invalid_fields(refused.text) == {"min_value"}
    assert form_as_shown(refused.text)["keywords"] == "pumps retaw\nultrafiltration"
    said = notice(refused.text, "keywords")
    assert said is not None and "pumps retaw" in said, said
    assert snapshot(world) == before


def test_typing_the_override_again_is_still_refused(world: World, visitor: Visitor) -> None:
    """Only what the form shows is cleaned: a control typed (or sent) in the form is refused as before."""
    stored_before_rules(world, keywords=[SPOOFED])
    client = visitor("partner")
    shown = form_as_shown(client.get(PROFILE).text)
    refused = client.post(PROFILE, data={**shown, "keywords": SPOOFED}, follow_redirects=False)
    assert refused.status_code == 422 and "U+202E" in field_error(refused.text, "keywords"), refused.text
    assert world.matcher.get_firm(OWN).keywords == [SPOOFED]


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

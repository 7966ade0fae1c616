"""The profile page: who may edit (the API's rule), saving through the API's own update, refusals that store
nothing and say which field is wrong, suggested codes with their labels and confidence, suggested keywords,
escaping, Korean."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from babel.numbers import format_percent
from fastapi.testclient import TestClient
from httpx2 import Response

from api.web.views import SUGGESTIONS
from matcher.reference.codebook import codebook
from matcher.schema import FirmProfile
from tests.api.conftest import (  # noqa: F401
    OTHER,
    OWN,
    World,
    api_settings,
    database_url,
    decide,
    demo_template,
    describe_as_the_commonest_class,
    notices_under,
    world,
)
from tests.api.test_fields_stored_before_rules import stored_before_rules
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401

PROFILE = f"/web/firms/{OWN}/profile"
#: A complete, valid form (what the page posts when every field is filled in).
EDITED: dict[str, Any] = {
    "description": "Ultrafiltration skids and membrane racks for municipal drinking water plants.",
    "keywords": "ultrafiltration, membrane racks\n막 여과",
    "codes": "CPV:42912300\ncpv:38421100",
    "target_countries": ["KE", "FR"],
    "min_value": "250,000",
    "max_value": "4000000",
    "currency": "eur",
    "languages": "en, ko",
}


def post_profile(client: TestClient, csrf: str, firm_id: str = OWN, **changes: Any) -> Response:
    data = {**EDITED, **changes, "csrf_token": csrf}
    return client.post(f"/web/firms/{firm_id}/profile", data=data, follow_redirects=False)


def field_error(html: str, name: str) -> str:
    """The error shown next to a form field (and checks the field points at it)."""
    tree = lxml.html.fromstring(html)
    (error,) = tree.xpath(f"//*[@id='error-{name}']")
    owners = tree.xpath(f"//*[contains(concat(' ', @aria-describedby, ' '), ' error-{name} ')]")
    assert owners, f"no field is described by error-{name}"
    return " ".join(error.text_content().split())


def invalid_fields(html: str) -> set[str]:
    return {str(n) for n in lxml.html.fromstring(html).xpath("//*[@aria-invalid='true']/@name")}


# ----------------------------------------------------------------------------- who may edit
def test_who_may_open_and_save_a_profile_is_the_apis_rule(world: World, visitor: Visitor) -> None:
    """The API lets anyone who may see a firm change it (PATCH /firms/{id}): officers, its partner, the firm."""
    for who in ("officer", "partner", "firm"):
        client = visitor(who)
        page = client.get(PROFILE)
        assert page.status_code == 200 and 'name="description"' in page.text
        saved = post_profile(client, csrf_of(page.text), description=f"Membrane plants, as edited by {who}.")
        assert saved.status_code == 303 and saved.headers["location"] == f"{PROFILE}?saved=profile"
        assert world.matcher.get_firm(OWN).description == f"Membrane plants, as edited by {who}."
        api = world.client.patch(f"/firms/{OWN}", json={"keywords": ["x"]}, headers=world.auth(who))
        assert api.status_code == 200  # the API agrees


def test_a_firm_the_session_may_not_see_is_403_and_unchanged(world: World, visitor: Visitor) -> None:
    before = world.matcher.get_firm(OTHER)
    for who in ("partner", "firm"):
        client = visitor(who)
        hidden = client.get(f"/web/firms/{OTHER}/profile")
        assert hidden.status_code == 403
        for secret in (OTHER, before.name, before.description[:40], *before.keywords):
            assert secret not in hidden.text
        csrf = csrf_of(client.get(PROFILE).text)
        refused = post_profile(client, csrf, firm_id=OTHER)
        assert refused.status_code == 403 and before.name not in refused.text
        assert world.client.patch(f"/firms/{OTHER}", json={"keywords": ["x"]},
                                  headers=world.auth(who)).status_code == 403
    assert world.matcher.get_firm(OTHER) == before
    assert visitor("officer").get("/web/firms/kr-no-such-firm/profile").status_code == 404


def test_a_change_without_the_sessions_token_is_refused(world: World, visitor: Visitor) -> None:
    before = world.matcher.get_firm(OWN)
    client = visitor("partner")
    others = csrf_of(visitor("officer").get("/web/").text)
    for token in ("", others):
        assert post_profile(client, token).status_code == 403
    no_field = client.post(PROFILE, data=EDITED, follow_redirects=False)
    assert no_field.status_code == 403
    assert world.matcher.get_firm(OWN) == before


# ----------------------------------------------------------------------------- saving
def test_the_saved_profile_is_what_the_api_serves(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    page = client.get(PROFILE)
    assert post_profile(client, csrf_of(page.text)).status_code == 303
    stored = world.matcher.get_firm(OWN)
    assert stored.description == EDITED["description"]
    assert stored.keywords == ["ultrafiltration", "membrane racks", "막 여과"]
    assert stored.codes == ["CPV:42912300", "CPV:38421100"]  # the schema's own normalisation
    assert stored.target_countries == ["FR", "KE"]  # in the stored order (FR, KE, ET, VN, PH), whatever was sent
    assert (stored.min_value, stored.max_value, stored.currency) == (250_000, 4_000_000, "EUR")
    assert stored.languages == ["en", "ko"]
    # Fields the page does not edit keep their value.
    assert stored.name == world.firm_name(OWN) and stored.certifications
    api = world.client.get(f"/firms/{OWN}", headers=world.auth("partner")).json()
    assert FirmProfile.model_validate(api) == stored
    again = client.get(f"{PROFILE}?saved=profile").text
    assert "The profile is saved." in page_text(again)
    form = lxml.html.fromstring(again)
    assert form.xpath("//textarea[@name='codes']/text()") == ["CPV:42912300\nCPV:38421100"]
    assert form.xpath("//select[@name='target_countries']/option[@selected]/@value") == ["FR", "KE"]  # by name
    assert form.xpath("//input[@name='min_value']/@value") == ["250000"]
    # Emptying the value range is a change too.
    cleared = post_profile(client, csrf_of(again), min_value="", max_value="", currency="", target_countries=[])
    assert cleared.status_code == 303
    stored = world.matcher.get_firm(OWN)
    assert (stored.min_value, stored.max_value, stored.currency, stored.target_countries) == (None, None, None, [])


@pytest.mark.parametrize(
    ("changes", "field", "shown"),
    [
        ({"codes": "CPV:42912300\nWATER-1"}, "codes", "WATER-1"),
        ({"codes": "CPV:123"}, "codes", "CPV:123"),
        ({"target_countries": ["KE", "XX"]}, "target_countries", "XX"),
        ({"languages": "en, korean"}, "languages", "korean"),
        ({"description": "   "}, "description", "Describe the firm (at most 20,000 characters)."),
        ({"min_value": "lots"}, "min_value", "Enter an amount of zero or more, or leave it empty."),
        ({"max_value": "-5"}, "max_value", "Enter an amount of zero or more, or leave it empty."),
        ({"currency": "euro"}, "currency", "euro"),
        ({"min_value": "5000000", "max_value": "100"}, "value_range", "The minimum may not be greater than the max"),
        ({"currency": ""}, "value_range", "An amount needs its currency"),
        ({"keywords": ",".join(f"k{i}" for i in range(101))}, "keywords", "At most 100 keywords."),
    ],
)
def test_invalid_input_is_a_422_next_to_its_field_and_stores_nothing(
    world: World, visitor: Visitor, changes: dict[str, Any], field: str, shown: str
) -> None:
    before = world.matcher.get_firm(OWN)
    client = visitor("partner")
    refused = post_profile(client, csrf_of(client.get(PROFILE).text), **changes)
    assert refused.status_code == 422
    assert "Nothing was saved" in page_text(refused.text)
    assert shown in field_error(refused.text, field)
    if field != "value_range":
        assert field in invalid_fields(refused.text)
    assert world.matcher.get_firm(OWN) == before
    # What was typed is shown again, so it can be corrected rather than typed anew.
    typed = lxml.html.fromstring(refused.text).xpath("//textarea[@name='keywords']/text()")
    assert typed == [changes.get("keywords", EDITED["keywords"])]


def test_a_file_sent_as_a_text_field_counts_as_nothing_typed(world: World, visitor: Visitor) -> None:
    before = world.matcher.get_firm(OWN)
    client = visitor("partner")
    data = {k: v for k, v in EDITED.items() if k != "description"}
    refused = client.post(PROFILE, data={**data, "csrf_token": csrf_of(client.get(PROFILE).text)},
                          files={"description": ("notes.txt", b"Membranes")})
    assert refused.status_code == 422 and field_error(refused.text, "description") == (
        "Describe the firm (at most 20,000 characters).")
    assert world.matcher.get_firm(OWN) == before


def test_a_firm_whose_stored_name_holds_a_bidi_control_is_saved(world: World, visitor: Visitor) -> None:
    """A name stored before names were refused bidirectional controls: the form sends no name, so the name is left
    as stored. Before, every save was a 422 that blamed the value range, a field nobody had touched, because the
    merged profile was refused for its stored name."""
    name = "Hanbit \u202eretaW"
    stored_before_rules(world, name=name)
    client = visitor("partner")
    page = client.get(PROFILE)
    assert page.status_code == 200, page.text
    saved = post_profile(client, csrf_of(page.text), description="Membrane plants for drinking water.")
    assert saved.status_code == 303 and saved.headers["location"] == f"{PROFILE}?saved=profile", saved.text
    firm = world.matcher.get_firm(OWN)
    assert firm.description == "Membrane plants for drinking water." and firm.name == name


# ----------------------------------------------------------------------------- suggested codes
def suggestion_rows(html: str) -> list[list[str]]:
    rows = lxml.html.fromstring(html).xpath("//table[@class='data']/tbody/tr")
    return [[" ".join(c.text_content().split()) for c in row.xpath("./th|./td")] for row in rows]


def test_suggested_codes_show_label_and_confidence_and_partners_accept_them(
    world: World, visitor: Visitor
) -> None:
    matcher = world.matcher
    client = visitor("partner")
    page = client.get(PROFILE)
    firm = matcher.get_firm(OWN)
    expected = [s for s in matcher.suggest_codes(OWN, SUGGESTIONS) if s.code not in firm.codes]
    assert expected, "the demo firm gets suggestions; otherwise this test checks nothing"
    rows = suggestion_rows(page.text)
    assert [r[1:4] for r in rows] == [[s.code, s.label, format_percent(s.confidence, locale="en")] for s in expected]
    evidence = {"labels": "the code's name", "notices": "similar notices",
                "labels+notices": "the code's name and similar notices"}
    assert [r[4] for r in rows] == [
        f"the code's name translates the firm's keyword: {s.keyword}" if s.keyword else evidence[s.source]
        for s in expected
    ]
    # the last column says which codes ranking reads for the firm now
    ranked = {code for code, _ in matcher.inferred_codes(firm)}
    assert [r[6] for r in rows] == ["yes, now" if s.code in ranked else "" for s in expected]
    assert any(r[6] for r in rows), "some suggestion is ranked on; otherwise the column checks nothing"
    chosen = [expected[0].code, expected[-1].code]
    added = client.post(f"{PROFILE}/codes", data={"csrf_token": csrf_of(page.text), "code": chosen},
                        follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == f"{PROFILE}?saved=codes"
    assert matcher.get_firm(OWN).codes == [*firm.codes, *chosen]
    after = client.get(added.headers["location"]).text
    assert "The codes are added to the profile." in page_text(after)
    assert not {r[1] for r in suggestion_rows(after)} & set(chosen)  # accepted codes are no longer offered
    assert matcher.get_firm(OWN).accepted_codes == chosen
    labels = [" ".join(li.text_content().split()) for li in lxml.html.fromstring(after).xpath("//details//li")]
    accepted = "(accepted from the suggestions: the firm is still ranked on its keywords' other translations)"
    assert labels[-1] == f"{chosen[1]} {codebook().label(chosen[1])} {accepted}"
    # the codes the firm named itself say nothing of the kind
    assert [line for line in labels if accepted in line] == [
        f"{code} {codebook().label(code)} {accepted}" for code in chosen]


def test_accepting_codes_is_for_officers_and_partners_and_checked(world: World, visitor: Visitor) -> None:
    matcher = world.matcher
    before = matcher.get_firm(OWN)
    code = next(s.code for s in matcher.suggest_codes(OWN, SUGGESTIONS) if s.code not in before.codes)
    firm = visitor("firm")
    page = firm.get(PROFILE)
    assert f"{PROFILE}/codes" not in page.text and suggestion_rows(page.text)  # shown, not acceptable
    refused = firm.post(f"{PROFILE}/codes", data={"csrf_token": csrf_of(page.text), "code": [code]})
    assert refused.status_code == 403
    assert world.client.post(f"/firms/{OWN}/codes", json={"codes": [code]},
                             headers=world.auth("firm")).status_code == 403  # as in the API
    partner = visitor("partner")
    csrf = csrf_of(partner.get(PROFILE).text)
    none = partner.post(f"{PROFILE}/codes", data={"csrf_token": csrf})
    assert none.status_code == 422 and "Tick at least one known code." in field_text(none.text)
    unknown = partner.post(f"{PROFILE}/codes", data={"csrf_token": csrf, "code": [code, "CPV:12345678"]})
    assert unknown.status_code == 422 and "CPV:12345678" in field_text(unknown.text)
    no_token = partner.post(f"{PROFILE}/codes", data={"code": [code]})
    assert no_token.status_code == 403
    assert matcher.get_firm(OWN) == before


def test_partners_decline_suggested_codes_and_the_profile_restores_them(world: World, visitor: Visitor) -> None:
    matcher = world.matcher
    firm = matcher.get_firm(OWN)
    offered = [s.code for s in matcher.suggest_codes(OWN, SUGGESTIONS) if s.code not in firm.codes]
    client = visitor("partner")
    page = client.get(PROFILE)
    buttons = lxml.html.fromstring(page.text).xpath(f"//form[@action='{PROFILE}/codes']//button")
    assert [(b.get("name"), b.get("value")) for b in buttons] == [("action", "accept"), ("action", "decline")]
    declined = client.post(f"{PROFILE}/codes", data={"csrf_token": csrf_of(page.text), "code": [offered[0]],
                                                     "action": "decline"}, follow_redirects=False)
    assert declined.status_code == 303 and declined.headers["location"] == f"{PROFILE}?saved=declined"
    stored = matcher.get_firm(OWN)
    assert stored.declined_codes == [offered[0]] and stored.codes == firm.codes
    after = client.get(declined.headers["location"]).text
    assert "no longer suggested or ranked on" in page_text(after)
    assert offered[0] not in {r[1] for r in suggestion_rows(after)}
    form = lxml.html.fromstring(after)
    assert form.xpath("//textarea[@name='declined_codes']/text()") == [offered[0]]
    (meaning,) = form.xpath("//textarea[@name='declined_codes']/following-sibling::details//li")
    assert " ".join(meaning.text_content().split()) == f"{offered[0]} {codebook().label(offered[0])}"
    # A code cannot be both the firm's and declined: named at the declined codes, nothing stored.
    both = post_profile(client, csrf_of(after), declined_codes="CPV:42912300")
    assert both.status_code == 422 and "CPV:42912300" in field_error(both.text, "declined_codes")
    assert matcher.get_firm(OWN) == stored
    # Saving the profile as it stands without the line restores the code.
    kept: dict[str, Any] = {
        "description": stored.description, "keywords": "\n".join(stored.keywords), "codes": "\n".join(stored.codes),
        "target_countries": stored.target_countries, "languages": ", ".join(stored.languages),
        "min_value": str(stored.min_value or ""), "max_value": str(stored.max_value or ""),
        "currency": stored.currency or "",
    }
    assert post_profile(client, csrf_of(after), declined_codes="", **kept).status_code == 303
    assert matcher.get_firm(OWN) == stored.model_copy(update={"declined_codes": []})
    assert offered[0] in {r[1] for r in suggestion_rows(client.get(PROFILE).text)}


def test_a_code_whose_notices_the_partner_rejected_is_shown_worth_declining(world: World, visitor: Visitor) -> None:
    describe_as_the_commonest_class(world)
    offered = [s.code for s in world.matcher.suggest_codes(OWN, SUGGESTIONS)]
    target = next(code for code in offered if len(notices_under(world, code)) >= 2)
    rejected = notices_under(world, target)[:2]
    for tender_id in rejected:
        decide(world, tender_id, "rejected")

    def said(code: str) -> str:  # what the page says for a code: its rejected notices, advice from two
        n = len(set(rejected) & set(notices_under(world, code)))
        advice = " The firm probably does not do this: decline it." if n >= 2 else ""
        return f"0 approved, {n} rejected{advice}" if n else ""

    client = visitor("partner")
    rows = {r[1]: r[5] for r in suggestion_rows(client.get(PROFILE).text)}
    assert rows[target] == said(target) == "0 approved, 2 rejected The firm probably does not do this: decline it."
    assert rows == {code: said(code) for code in rows}
    client.headers["Accept-Language"] = "ko"
    korean = {r[1]: r[5] for r in suggestion_rows(client.get(PROFILE).text)}
    assert korean[target] == "승인 0건, 거절 2건 회사가 하지 않는 일로 보입니다. 제외하세요."


def advice_on_firm_page(client: TestClient) -> tuple[list[str], list[str]]:
    """The firm page's advice to decline: its list items, and where its link goes ([] when it has none)."""
    section = lxml.html.fromstring(client.get(f"/web/firms/{OWN}").text).xpath(
        "//section[@aria-labelledby='decline-heading']")
    if not section:
        return [], []
    return ([" ".join(li.text_content().split()) for li in section[0].xpath(".//li")],
            section[0].xpath(".//a/@href"))


def test_the_firm_page_points_the_partner_to_codes_worth_declining(world: World, visitor: Visitor) -> None:
    describe_as_the_commonest_class(world)
    partner = visitor("partner")
    assert advice_on_firm_page(partner) == ([], [])
    target = next(s for s in world.matcher.suggest_codes(OWN, SUGGESTIONS)
                  if len(notices_under(world, s.code)) >= 2)
    first, second = notices_under(world, target.code)[:2]
    decide(world, first, "rejected")
    assert advice_on_firm_page(partner) == ([], [])  # one rejection may be about the buyer
    decide(world, second, "rejected")
    advised = [s for s in world.matcher.suggest_codes(OWN, SUGGESTIONS) if s.worth_declining]
    assert target.code in {s.code for s in advised}
    assert advice_on_firm_page(partner) == (
        [f"{s.code} {s.label}: 0 approved, {s.rejected} rejected" for s in advised], [f"{PROFILE}#suggested-heading"])
    assert advice_on_firm_page(visitor("firm")) == ([], [])  # the firm's own key does not decide
    partner.headers["Accept-Language"] = "ko"
    korean, _ = advice_on_firm_page(partner)
    assert korean == [f"{s.code} {s.label_ko} / {s.label}: 승인 0건, 거절 {s.rejected}건" if s.label_ko else
                      f"{s.code} {s.label}: 승인 0건, 거절 {s.rejected}건" for s in advised]


def field_text(html: str) -> str:
    (error,) = lxml.html.fromstring(html).xpath("//*[@id='error-suggested']")
    return " ".join(error.text_content().split())


# ----------------------------------------------------------------------------- suggested keywords
KEYWORDS = f"{PROFILE}/keywords"
ENGLISH = "en-pixelwave-signage"  # the demo's one firm with an English description
WHY = "A Korean profile is found mostly through its keywords; these are phrases from your description."


def keyword_section(html: str) -> lxml.html.HtmlElement | None:
    found = lxml.html.fromstring(html).xpath("//section[@aria-labelledby='keywords-suggested-heading']")
    return found[0] if found else None


def ticked_choices(html: str) -> list[tuple[str, str]]:
    """Each suggested keyword's checkbox: (its value, the text of the label that names it)."""
    section = keyword_section(html)
    assert section is not None
    boxes = section.xpath(f".//form[@action='{KEYWORDS}']/fieldset//input[@type='checkbox'][@name='keyword']")
    labels = [section.xpath(f".//label[@for='{box.get('id')}']") for box in boxes]
    return [(box.get("value"), " ".join(label.text_content().split()))
            for box, (label,) in zip(boxes, labels, strict=True)]


def keyword_error(html: str) -> str:
    (error,) = lxml.html.fromstring(html).xpath("//*[@id='error-suggested-keywords'][@role='alert']")
    (fieldset,) = lxml.html.fromstring(html).xpath(f"//form[@action='{KEYWORDS}']/fieldset")
    assert fieldset.get("aria-describedby") == "error-suggested-keywords"
    return " ".join(error.text_content().split())


def test_suggested_keywords_are_shown_with_why_and_partners_add_the_ticked_ones(
    world: World, visitor: Visitor
) -> None:
    matcher = world.matcher
    before = matcher.get_firm(OWN)
    offered = matcher.suggest_keywords(OWN)
    assert len(offered) >= 2, "the demo firm's description gives phrases; otherwise this test checks nothing"
    client = visitor("partner")
    page = client.get(PROFILE)
    section = keyword_section(page.text)
    assert section is not None
    said = " ".join(section.text_content().split())
    assert said.startswith(f"Suggested keywords {WHY}")
    assert ticked_choices(page.text) == [(k, k) for k in offered]  # each checkbox named by its own label
    assert section.xpath(".//fieldset/legend/text()") == ["Phrases from the description"]
    assert section.xpath(".//label/@lang") == ["ko"] * len(offered)
    assert [" ".join(b.text_content().split()) for b in section.xpath(".//button")] == ["Add the ticked keywords"]
    chosen = [offered[0], offered[-1]]
    added = client.post(KEYWORDS, data={"csrf_token": csrf_of(page.text), "keyword": chosen},
                        follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == f"{PROFILE}?saved=keywords"
    stored = matcher.get_firm(OWN)
    assert stored == before.model_copy(update={"keywords": [*before.keywords, *chosen]})
    after = client.get(added.headers["location"]).text
    (status,) = lxml.html.fromstring(after).xpath("//main//p[@role='status']")
    assert status.text_content() == "The keywords are added to the profile: ranking reads them from now on."
    assert [value for value, _ in ticked_choices(after)] == offered[1:-1]  # added ones are no longer offered
    assert lxml.html.fromstring(after).xpath("//textarea[@name='keywords']/text()") == ["\n".join(stored.keywords)]
    assert world.client.get(f"/firms/{OWN}/suggested-keywords", headers=world.auth("partner")).json() == offered[1:-1]


def test_the_firm_sees_its_suggested_keywords_but_only_officers_and_partners_add_them(
    world: World, visitor: Visitor
) -> None:
    before = world.matcher.get_firm(OWN)
    offered = world.matcher.suggest_keywords(OWN)
    firm = visitor("firm")
    page = firm.get(PROFILE)
    section = keyword_section(page.text)
    assert section is not None and KEYWORDS not in page.text and not section.xpath(".//input")
    assert [" ".join(li.text_content().split()) for li in section.xpath(".//li[@lang='ko']")] == offered
    assert WHY in " ".join(section.text_content().split())
    refused = firm.post(KEYWORDS, data={"csrf_token": csrf_of(page.text), "keyword": offered[:1]})
    assert refused.status_code == 403
    assert world.client.post(f"/firms/{OWN}/keywords", json={"keywords": offered[:1]},
                             headers=world.auth("firm")).status_code == 403  # as in the API
    other = visitor("partner").post(f"/web/firms/{OTHER}/profile/keywords",
                                    data={"csrf_token": csrf_of(page.text), "keyword": ["정수장"]})
    assert other.status_code == 403
    assert world.matcher.get_firm(OWN) == before


@pytest.mark.parametrize(("ticked", "shown"), [
    ([], "Tick at least one keyword."),
    (["   "], "Tick at least one keyword."),
    (["x" * 201], f"Not a keyword: {'x' * 40}. Tick only the keywords listed."),
    (["정수장", "정수장\t하수처리장"], "Not a keyword: 정수장 하수처리장. Tick only the keywords listed."),  # one line
])
def test_a_refused_choice_of_keywords_says_why_and_stores_nothing(
    world: World, visitor: Visitor, ticked: list[str], shown: str
) -> None:
    before = world.matcher.get_firm(OWN)
    client = visitor("partner")
    csrf = csrf_of(client.get(PROFILE).text)
    refused = client.post(KEYWORDS, data={"csrf_token": csrf, "keyword": ticked})
    assert refused.status_code == 422 and keyword_error(refused.text) == shown
    assert ticked_choices(refused.text)  # the choices are there to tick again
    assert client.post(KEYWORDS, data={"keyword": ["정수장"]}).status_code == 403  # no token
    assert world.matcher.get_firm(OWN) == before


def test_keywords_past_the_profiles_limit_are_refused_in_both_languages(world: World, visitor: Visitor) -> None:
    world.matcher.upsert_firms([world.matcher.get_firm(OWN).model_copy(
        update={"keywords": [f"k{i}" for i in range(99)]})])
    before = world.matcher.get_firm(OWN)
    offered = world.matcher.suggest_keywords(OWN)[:2]
    client = visitor("officer")
    for lang, shown in [
        ("en", "A profile holds at most 100 keywords: delete some of its keywords above before adding these."),
        ("ko", "프로필의 키워드는 최대 100개입니다. 이 키워드를 추가하려면 위의 키워드에서 일부를 지우세요."),
    ]:
        client.headers["Accept-Language"] = lang
        refused = client.post(KEYWORDS, data={"csrf_token": csrf_of(client.get(PROFILE).text), "keyword": offered})
        assert refused.status_code == 422 and keyword_error(refused.text) == shown
        assert world.matcher.get_firm(OWN) == before


def test_no_keywords_to_suggest_shows_no_section(world: World, visitor: Visitor) -> None:
    client = visitor("officer")
    assert keyword_section(client.get(f"/web/firms/{ENGLISH}/profile").text) is None  # no Hangul
    offered = world.matcher.suggest_keywords(OWN)
    page = client.get(PROFILE)
    assert client.post(KEYWORDS, data={"csrf_token": csrf_of(page.text), "keyword": offered},
                       follow_redirects=False).status_code == 303
    assert keyword_section(client.get(PROFILE).text) is None  # every one added


def test_adding_keywords_after_the_session_ended_returns_to_the_profile(world: World) -> None:
    before = world.matcher.get_firm(OWN)
    stranger = TestClient(world.client.app)
    sent = stranger.post(KEYWORDS, data={"keyword": ["정수장"]}, follow_redirects=False,
                         headers={"Referer": f"http://testserver{PROFILE}"})
    location = urlsplit(sent.headers["location"])
    assert sent.status_code == 303 and location.path == "/web/sign-in"
    assert parse_qs(location.query) == {"next": [PROFILE], "session": ["unsaved"]}
    assert world.matcher.get_firm(OWN) == before


# ----------------------------------------------------------------------------- untrusted text and Korean
def test_untrusted_profile_text_is_shown_as_text(world: World, visitor: Visitor) -> None:
    firm = world.matcher.get_firm(OWN)
    hostile = firm.model_copy(update={
        "name": "<script>alert(1)</script>", "description": '</textarea><img src=x onerror="alert(2)">',
        "keywords": ["<b>bold</b>"],
    })
    world.matcher.upsert_firms([hostile])
    page = visitor("partner").get(PROFILE)
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<img src=x" not in page.text and "<b>bold</b>" not in page.text
    tree = lxml.html.fromstring(page.text)
    assert tree.xpath("//textarea[@name='description']/text()") == [hostile.description]
    assert tree.xpath("//h1")[0].text_content() == "Profile of <script>alert(1)</script>"
    # A refused value is shown back as text too.
    client = visitor("partner")
    refused = post_profile(client, csrf_of(client.get(PROFILE).text), codes="<script>alert(3)</script>")
    assert refused.status_code == 422 and "<script>alert(3)</script>" not in refused.text
    assert "<script>alert(3)</script>" in field_error(refused.text, "codes")


def test_the_profile_page_in_korean(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    client.headers["Accept-Language"] = "ko-KR,ko;q=0.9"
    korean = client.get(PROFILE)
    assert lxml.html.fromstring(korean.text).get("lang") == "ko"
    text = page_text(korean.text)
    assert f"{world.firm_name(OWN)} 프로필" in text and "추천 코드" in text and "목표 국가" in text
    assert "Profile of" not in text and "Suggested codes" not in text
    section = keyword_section(korean.text)
    assert section is not None and section.xpath(".//h2/text()") == ["추천 키워드"]
    assert [" ".join(b.text_content().split()) for b in section.xpath(".//button")] == ["선택한 키워드 추가"]
    assert "한국어 프로필은 주로 키워드로 찾습니다" in " ".join(section.text_content().split())
    options = lxml.html.fromstring(korean.text).xpath("//select[@name='target_countries']/option[@selected]/text()")
    assert "프랑스 (FR)" in options and "케냐 (KE)" in options
    refused = post_profile(client, csrf_of(korean.text), min_value="많이")
    assert refused.status_code == 422 and "저장되지 않았습니다" in page_text(refused.text)
    assert "0 이상의 금액을 입력하거나 비워 두세요." in field_error(refused.text, "min_value")
    # Codes read in Korean first, with the English label the notices carry beside it.
    firm = world.matcher.get_firm(OWN)
    expected = [s for s in world.matcher.suggest_codes(OWN, SUGGESTIONS) if s.code not in firm.codes]
    rows = suggestion_rows(korean.text)
    assert [r[2] for r in rows] == [f"{codebook().label_in(s.code, 'ko')} / {s.label}" for s in expected]
    meanings = lxml.html.fromstring(korean.text).xpath("//td[starts-with(@id, 'code-meaning-')]")
    assert [m.xpath("span/@lang") for m in meanings] == [["ko", "en"]] * len(expected)
    current = lxml.html.fromstring(korean.text).xpath("//details//li")
    assert [" ".join(li.text_content().split()) for li in current] == [
        f"{c} {codebook().label_in(c, 'ko')} / {codebook().label(c)}" for c in firm.codes]


def test_saving_keeps_the_target_countries_in_the_firms_order(world: World, visitor: Visitor) -> None:
    """The countries' list sends the ticked ones in its own order (by name: Denmark, France, Kenya, Norway), which
    saving stored over the firm's: a save changing only the description reordered them. The stored ones keep their
    order, a country ticked anew comes after them."""
    stored_before_rules(world, target_countries=["NO", "KE", "DK"])
    client = visitor("partner")
    csrf = csrf_of(client.get(PROFILE).text)
    saved = post_profile(client, csrf, target_countries=["DK", "KE", "NO"])
    assert saved.status_code == 303, saved.text
    assert world.matcher.get_firm(OWN).target_countries == ["NO", "KE", "DK"]
    added = post_profile(client, csrf, target_countries=["DK", "FR", "KE", "NO"])
    assert added.status_code == 303, added.text
    assert world.matcher.get_firm(OWN).target_countries == ["NO", "KE", "DK", "FR"]

"""The subscriptions page: who manages a firm's digests (the API's rule: the firm, its partner, officers),
adding and ending one as the API does, refusals that store nothing and name the field, the preview that
sends and records nothing, escaping and Korean."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from matcher.digest.plan import preview
from matcher.store.digests import digests
from matcher.store.subscriptions import Subscription, SubscriptionSpec
from tests.api.conftest import (  # noqa: F401
    OTHER,
    OWN,
    World,
    api_settings,
    database_url,
    demo_template,
    world,
)
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401

PAGE = f"/web/firms/{OWN}/subscriptions"
#: A complete, valid form (what the page posts when every field is filled in).
FORM: dict[str, Any] = {
    "email": "bids@hanbit.example", "frequency": "daily", "language": "ko", "max_items": "5",
    "min_score": "0.2", "countries": ["KE", "FR"], "min_value": "10,000", "max_value": "", "currency": "eur",
}


def subscribe(client: TestClient, csrf: str, firm_id: str = OWN, **changes: Any) -> Response:
    data = {**FORM, **changes, "csrf_token": csrf}
    return client.post(f"/web/firms/{firm_id}/subscriptions", data=data, follow_redirects=False)


def end(client: TestClient, csrf: str, subscription_id: str, firm_id: str = OWN) -> Response:
    return client.post(f"/web/firms/{firm_id}/subscriptions/{subscription_id}/end", data={"csrf_token": csrf},
                       follow_redirects=False)


def listed(world: World, firm_id: str = OWN) -> list[Subscription]:
    return world.matcher.firm_subscriptions(firm_id)


def rows(html: str) -> dict[str, list[str]]:
    """Each listed subscription's cells, by subscription id."""
    found = lxml.html.fromstring(html).xpath("//table[contains(@class, 'subscriptions')]/tbody/tr")
    return {r.get("data-subscription"): [" ".join(c.text_content().split()) for c in r.xpath("./th|./td")]
            for r in found}


# ----------------------------------------------------------------------------- who manages
@pytest.mark.parametrize("who", ["firm", "partner", "officer"])
def test_the_firm_its_partner_and_officers_add_and_end_subscriptions(
    world: World, visitor: Visitor, who: str
) -> None:
    client = visitor(who)
    page = client.get(PAGE)
    assert page.status_code == 200 and 'name="email"' in page.text
    added = subscribe(client, csrf_of(page.text), email=f"{who}@hanbit.example")
    assert added.status_code == 303 and added.headers["location"] == f"{PAGE}?done=added"
    (sub,) = listed(world)
    assert sub.active and sub.created_by == world.matcher.access.authenticate(world.keys[who]).name
    # What the API's POST would have stored from the same values.
    assert (sub.email, sub.frequency, sub.language, sub.max_items, sub.min_score) == (
        f"{who}@hanbit.example", "daily", "ko", 5, 0.2)
    assert (sub.countries, sub.min_value, sub.max_value, sub.currency) == (("KE", "FR"), 10_000, None, "EUR")
    api = world.client.get(f"/firms/{OWN}/subscriptions", headers=world.auth(who)).json()
    assert [s["subscription_id"] for s in api] == [sub.subscription_id]
    shown = client.get(added.headers["location"])
    assert "The address is subscribed." in page_text(shown.text)
    assert rows(shown.text)[sub.subscription_id][:5] == [f"{who}@hanbit.example", "daily", "0.2", "5", "Korean"]
    ended = end(client, csrf_of(shown.text), sub.subscription_id)
    assert ended.status_code == 303 and ended.headers["location"] == f"{PAGE}?done=ended"
    (sub,) = listed(world)
    assert not sub.active and sub.unsubscribed_at is not None
    assert "ended on" in rows(client.get(PAGE).text)[sub.subscription_id][-1]


def test_others_are_kept_out_with_nothing_shown_or_stored(world: World, visitor: Visitor) -> None:
    theirs = world.matcher.subscribe(SubscriptionSpec(OTHER, "saebyeol@optics.example"), actor="officer-1")
    for who in ("partner", "firm"):
        client = visitor(who)
        csrf = csrf_of(client.get(PAGE).text)
        for path in (f"/web/firms/{OTHER}/subscriptions", f"/web/firms/{OTHER}/subscriptions/preview"):
            hidden = client.get(path)
            assert hidden.status_code == 403
            assert "saebyeol@optics.example" not in hidden.text and world.firm_name(OTHER) not in hidden.text
        assert subscribe(client, csrf, firm_id=OTHER).status_code == 403
        assert end(client, csrf, theirs.subscription_id, firm_id=OTHER).status_code == 403
        # Nor through one's own firm: the subscription must be the firm's.
        assert end(client, csrf, theirs.subscription_id).status_code == 404
    assert listed(world, OTHER) == [theirs] and listed(world) == []
    assert visitor("officer").get("/web/firms/kr-no-such-firm/subscriptions").status_code == 404


def test_a_change_without_the_sessions_token_is_refused(world: World, visitor: Visitor) -> None:
    sub = world.matcher.subscribe(SubscriptionSpec(OWN, "keep@hanbit.example"), actor="officer-1")
    client = visitor("partner")
    others = csrf_of(visitor("officer").get("/web/").text)
    for token in ("", others):
        assert subscribe(client, token).status_code == 403
        assert end(client, token, sub.subscription_id).status_code == 403
    assert client.post(PAGE, data=FORM, follow_redirects=False).status_code == 403
    assert listed(world) == [sub]


# ----------------------------------------------------------------------------- refusals
def field_error(html: str, name: str) -> str:
    tree = lxml.html.fromstring(html)
    (error,) = tree.xpath(f"//*[@id='error-{name}']")
    assert tree.xpath(f"//*[contains(concat(' ', @aria-describedby, ' '), ' error-{name} ')]")
    return " ".join(error.text_content().split())


#: What the validator says in its own (pydantic's) words: the page never shows it (issue: "String should match
#: pattern ..." and "Value error, ..." next to the subscription form's fields).
RAW = ("should match pattern", "Value error", "Field required", "Input should", "should be", "valid number",
       "equal to", "min_value", "ISO 4217")


@pytest.mark.parametrize(
    ("changes", "field", "shown"),
    [
        ({"email": "not an address"}, "email", "Enter an email address such as name@example.org."),
        ({"email": ""}, "email", "Enter an email address such as name@example.org."),
        ({"frequency": "hourly"}, "frequency", "Choose daily or weekly."),
        ({"min_score": "1.5"}, "min_score", "Enter a number between 0 and 1, or leave it empty."),
        ({"min_score": "high"}, "min_score", "Enter a number between 0 and 1, or leave it empty."),
        ({"max_items": "0"}, "max_items", "Enter a whole number from 1 to 100."),
        ({"max_items": "101"}, "max_items", "Enter a whole number from 1 to 100."),
        ({"language": "fr"}, "language", "Choose English or Korean."),
        ({"countries": ["KE", "ZZ"]}, "countries", "Not a country of the list: ZZ. Choose countries from the list."),
        ({"min_value": "-1"}, "min_value", "Enter an amount of zero or more, or leave it empty."),
        ({"currency": "euros"}, "currency", "No exchange rate for the currency euros. Use a three-letter code"),
        # An unknown code silently disabled the value filter ("XYZ1 –" in the list).
        ({"currency": "XYZ", "min_value": "1"}, "currency", "No exchange rate for the currency XYZ."),
        # A range upside down was stored and shown as "€10 – €1".
        ({"min_value": "10", "max_value": "1"}, "value_range", "The minimum may not be greater than the maximum."),
    ],
)
def test_invalid_input_is_a_422_next_to_its_field_and_stores_nothing(
    world: World, visitor: Visitor, changes: dict[str, Any], field: str, shown: str
) -> None:
    client = visitor("partner")
    refused = subscribe(client, csrf_of(client.get(PAGE).text), **changes)
    assert refused.status_code == 422
    said = field_error(refused.text, field)
    assert "Nothing was saved" in page_text(refused.text) and shown in said
    assert not [raw for raw in RAW if raw in said], said
    invalid = {str(n) for n in lxml.html.fromstring(refused.text).xpath("//*[@aria-invalid='true']/@name")}
    assert invalid == ({"min_value", "max_value"} if field == "value_range" else {field})
    assert listed(world) == []
    typed = lxml.html.fromstring(refused.text).xpath("//input[@name='email']/@value")
    assert typed == [changes.get("email", FORM["email"])]


@pytest.mark.parametrize(("lang", "shown"), [
    ("en", "This address already receives this firm's digest. End that subscription first to change it."),
    ("ko", "이 주소는 이미 이 회사의 요약을 받고 있습니다. 설정을 바꾸려면 먼저 그 구독을 종료하세요."),
])
def test_an_address_subscribed_already_is_refused_next_to_the_email_field(
    world: World, visitor: Visitor, lang: str, shown: str
) -> None:
    first = visitor("firm")
    assert subscribe(first, csrf_of(first.get(PAGE).text)).status_code == 303
    (sub,) = listed(world)
    for who, address in [("firm", FORM["email"]), ("partner", FORM["email"].upper()), ("officer", FORM["email"])]:
        client = visitor(who)
        client.headers["Accept-Language"] = lang
        refused = subscribe(client, csrf_of(client.get(PAGE).text), email=address, language="en")
        assert refused.status_code == 422, who
        assert field_error(refused.text, "email") == shown
        assert lxml.html.fromstring(refused.text).xpath("//input[@name='email']/@value") == [address]
    assert listed(world) == [sub]  # nothing added, nothing changed
    assert end(first, csrf_of(first.get(PAGE).text), sub.subscription_id).status_code == 303
    assert subscribe(first, csrf_of(first.get(PAGE).text)).status_code == 303  # ended: may subscribe anew


def test_a_refused_value_range_and_currency_in_korean(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    client.headers["Accept-Language"] = "ko"
    csrf = csrf_of(client.get(PAGE).text)
    upside_down = subscribe(client, csrf, min_value="10", max_value="1")
    assert field_error(upside_down.text, "value_range") == "최소 금액이 최대 금액보다 클 수 없습니다."
    unknown = subscribe(client, csrf, currency="XYZ")
    assert field_error(unknown.text, "currency") == (
        "환율이 없는 통화입니다: XYZ. EUR, USD, KRW 같은 세 글자 통화 코드를 사용하세요.")
    assert listed(world) == []


def test_an_empty_lowest_fit_is_the_default_one(world: World, visitor: Visitor) -> None:
    client = visitor("firm")
    page = client.get(PAGE).text
    default = world.matcher.default_min_fit()
    assert f"Leave it empty for the default, {default:.3f}".rstrip("0") in page_text(page)
    assert subscribe(client, csrf_of(page), min_score="").status_code == 303
    (sub,) = listed(world)
    assert sub.min_score == default


# ----------------------------------------------------------------------------- preview
def test_the_preview_shows_the_next_digests_and_records_nothing(world: World, visitor: Visitor) -> None:
    matcher = world.matcher
    matcher.subscribe(SubscriptionSpec(OWN, "ko@hanbit.example", language="ko", min_score=0.0, max_items=3),
                      actor="firm-a")
    ended = matcher.subscribe(SubscriptionSpec(OWN, "old@hanbit.example"), actor="firm-a")
    matcher.unsubscribe(ended.subscription_id)
    client = visitor("partner")
    assert f"{PAGE}/preview" in client.get(PAGE).text
    page = client.get(f"{PAGE}/preview")
    assert page.status_code == 200
    (expected,) = preview(matcher, OWN)
    assert expected.plan.items, "the demo firm has matches; otherwise this test checks less than it says"
    tree = lxml.html.fromstring(page.text)
    assert [s.text_content() for s in tree.xpath("//section//h2")] == ["Digest for ko@hanbit.example"]
    assert tree.xpath("//li/@data-tender") == [i.match.tender_id for i in expected.plan.items]
    assert expected.rendered.subject in page_text(page.text)
    assert tree.xpath("//pre[@class='digest']/@lang") == ["ko"]
    shown = tree.xpath("//pre[@class='digest']")[0].text_content()
    assert [i.match.title in shown for i in expected.plan.items] == [True] * len(expected.plan.items)
    with matcher.engine.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(digests)).scalar() == 0


# ----------------------------------------------------------------------------- untrusted text and Korean
def test_untrusted_text_is_shown_as_text(world: World, visitor: Visitor) -> None:
    hostile = "o'neil&co@x.example"  # an address takes no < > or " (a header reads them): what HTML escapes
    world.matcher.subscribe(SubscriptionSpec(OWN, hostile), actor="<b>officer</b>")
    client = visitor("partner")
    page = client.get(PAGE)
    assert hostile not in page.text and "<b>officer</b>" not in page.text
    assert hostile in page_text(page.text) and "<b>officer</b>" in page_text(page.text)
    refused = subscribe(client, csrf_of(page.text), email="<img src=x onerror=alert(2)>")
    assert refused.status_code == 422 and "<img src=x" not in refused.text
    assert lxml.html.fromstring(refused.text).xpath("//input[@name='email']/@value") == ["<img src=x onerror=alert(2)>"]


def test_the_subscriptions_page_in_korean(world: World, visitor: Visitor) -> None:
    world.matcher.subscribe(SubscriptionSpec(OWN, "ko@hanbit.example", frequency="daily", countries=("KE",)),
                            actor="firm-a")
    client = visitor("partner")
    client.headers["Accept-Language"] = "ko"
    page = client.get(PAGE)
    assert lxml.html.fromstring(page.text).get("lang") == "ko"
    text = page_text(page.text)
    assert f"{world.firm_name(OWN)} 이메일 요약" in text and "주소 구독 추가" in text and "Subscribe" not in text
    (cells,) = rows(page.text).values()
    assert cells[1] == "매일" and cells[5] == "케냐"
    refused = subscribe(client, csrf_of(page.text), max_items="많이")
    assert refused.status_code == 422
    assert "1부터 100 사이의 정수를 입력하세요." in field_error(refused.text, "max_items")
    assert "다음 요약" in page_text(client.get(f"{PAGE}/preview").text)

"""Every form of the workspace, sent with bad input, says what is wrong in the workspace's own sentences, in the
page's language (English and Korean), naming the refused value where there is one; never the validator's or
the core's English words ("Value error, ...", "Input should be ...": an outside trial found them appended to
the profile form's messages). The forms are those of ``grep '<form' api/web/templates``:

profile (profile.html), suggested codes and keywords (profile.html), subscription (subscriptions.html), add a
feed, upload a feed file and assignments (officer.html), a decision (_decision.html), sign-in (sign_in.html); the
GET forms (firm filters, search, shortlist status) and the one-button forms (sign out, end a subscription,
run/reset/remove a feed, add to a shortlist) have their own tests and refuse with the workspace's pages.
"""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lxml.html
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from api.web.messages import MESSAGES, Language, translate
from tests.api.conftest import (  # noqa: F401
    OTHER,
    OWN,
    UPLOAD_LIMIT,
    World,
    api_settings,
    database_url,
    demo_template,
    world,
)
from tests.web.pages_world import Visitor, csrf_of, visitor  # noqa: F401

LANGS: list[Language] = ["en", "ko"]
PROFILE = f"/web/firms/{OWN}/profile"
SUBSCRIPTIONS = f"/web/firms/{OWN}/subscriptions"
OFFICER = "/web/officer"
PROFILE_FORM: dict[str, Any] = {
    "description": "Ultrafiltration skids and membrane racks for municipal drinking water plants.",
    "keywords": "ultrafiltration, membrane racks", "codes": "CPV:42912300", "declined_codes": "",
    "target_countries": ["KE"], "min_value": "250000", "max_value": "4000000", "currency": "EUR",
    "languages": "en, ko",
}
SUBSCRIPTION_FORM: dict[str, Any] = {
    "email": "bids@hanbit.example", "frequency": "daily", "language": "ko", "max_items": "5", "min_score": "",
    "min_value": "", "max_value": "", "currency": "EUR",
}
FEED_FORM: dict[str, Any] = {"name": "ted-water", "kind": "ted", "url": "", "query": "", "page_size": ""}
#: The validator's and the core's own words, which no error on a page may carry ("ISO 639-1" is the page's own word
#: for a profile's languages, as its hint says).
RAW = ("Value error", "Input should", "should have", "should be", "String ", "List ", "valid number", "valid integer",
       "greater than or equal", "less than or equal", "expected", "unknown ", "not well-formed", "min_value",
       "max_value", "ISO 8601", "ISO 4217", "ISO 3166")


@dataclass(frozen=True)
class Bad:
    """One form sent with bad input: where the error shows (``where``: the element ``error-<where>``), the message
    key it must be, and the value it names."""

    form: str
    data: dict[str, Any]
    where: str
    key: str
    value: str = ""
    status: int = 422
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


CASES = [
    Bad("profile", {"codes": "CPV:42912300\nWATER-1"}, "codes", "expect_listed_code", "WATER-1"),
    Bad("profile", {"codes": "CPV:123"}, "codes", "expect_listed_code", "CPV:123"),
    Bad("profile", {"declined_codes": "CPV:999"}, "declined_codes", "expect_listed_code", "CPV:999"),
    Bad("profile", {"declined_codes": "CPV:42912300"}, "declined_codes", "expect_codes_apart", "CPV:42912300"),
    Bad("profile", {"declined_codes": "CPV:42000000"}, "declined_codes", "expect_codes_apart", "CPV:42000000"),
    Bad("profile", {"target_countries": ["KE", "XX"]}, "target_countries", "expect_listed_country", "XX"),
    Bad("profile", {"languages": "en, korean"}, "languages", "expect_language_code", "korean"),
    Bad("profile", {"description": "   "}, "description", "expect_description"),
    Bad("profile", {"description": "x" * 20_001}, "description", "expect_description"),
    Bad("profile", {"keywords": ",".join(f"k{i}" for i in range(101))}, "keywords", "expect_keywords"),
    Bad("profile", {"keywords": "ultrafiltration, " + "k" * 201}, "keywords", "expect_keyword_length", "2"),
    # A keyword of invisible characters only (a zero-width space) is no keyword: the message says which one, by its
    # place, since it cannot show it; it said "At most 100 keywords." of a list of two.
    Bad("profile", {"keywords": "ultrafiltration\n\u200b\nmembrane racks"}, "keywords", "expect_keyword_shows", "2"),
    Bad("profile", {"keywords": "ultrafiltration, membrane \x1b[31mracks"}, "keywords", "expect_no_control_character",
        "U+001B ESC"),
    Bad("profile", {"min_value": "lots"}, "min_value", "expect_amount"),
    Bad("profile", {"max_value": "-5"}, "max_value", "expect_amount"),
    Bad("profile", {"min_value": "nan"}, "min_value", "expect_amount"),
    # Over MAX_AMOUNT: the message names the bound (it said "an amount of zero or more").
    Bad("profile", {"max_value": "2000000000000000"}, "max_value", "expect_amount_at_most", "1,000,000,000,000,000"),
    Bad("subscription", {"min_value": "1e16"}, "min_value", "expect_amount_at_most", "1,000,000,000,000,000"),
    Bad("profile", {"currency": "euro"}, "currency", "expect_rated_currency", "euro"),
    Bad("profile", {"currency": "XYZ"}, "currency", "expect_rated_currency", "XYZ"),
    Bad("profile", {"min_value": "5000000", "max_value": "100"}, "value_range", "expect_min_below_max"),
    Bad("profile", {"currency": ""}, "value_range", "expect_range_currency"),
    Bad("codes", {}, "suggested", "choose_codes"),
    Bad("codes", {"code": "CPV:12345678"}, "suggested", "expect_known_code", "CPV:12345678"),
    Bad("codes", {"code": "nonsense"}, "suggested", "expect_known_code", "nonsense"),
    Bad("codes", {"code": "CPV:42912300", "action": "decline"}, "suggested", "decline_own_code", "CPV:42912300"),
    Bad("codes", {"code": "CPV:42000000", "action": "decline"}, "suggested", "decline_own_code", "CPV:42000000"),
    Bad("keywords", {}, "suggested-keywords", "choose_keywords"),
    Bad("keywords", {"keyword": " "}, "suggested-keywords", "choose_keywords"),
    Bad("keywords", {"keyword": "x" * 201}, "suggested-keywords", "expect_listed_keyword", "x" * 40),
    Bad("subscription", {"email": "not an address"}, "email", "expect_email"),
    Bad("subscription", {"countries": ["KE", "ZZ"]}, "countries", "expect_listed_country", "ZZ"),
    Bad("feed", {"name": "Ted Water"}, "name", "expect_feed_name"),
    Bad("feed", {"kind": "ocds"}, "url", "expect_feed_url"),
    Bad("feed", {"kind": "ocds", "url": "ftp://x.ke/"}, "url", "expect_feed_url"),
    Bad("feed", {"kind": "ungm"}, "kind", "expect_feed_kind"),
    Bad("feed", {"page_size": "5000"}, "page_size", "expect_feed_page_size"),
    Bad("feed", {"page_size": "ten"}, "page_size", "expect_feed_page_size"),
    Bad("feed", {"query": "a\tb"}, "query", "expect_feed_query"),
    Bad("feed", {"name": "taken"}, "name", "feed_exists", "taken", status=409),
    Bad("upload", {}, "file", "upload_unreadable", "broken.xml", 400, {"file": ("broken.xml", b"<notice><x>")}),
    Bad("upload", {}, "file", "upload_unknown_type", "notes.txt", 422, {"file": ("notes.txt", b"hello")}),
    Bad("upload", {}, "file", "upload_too_large", "", 413,
        {"file": ("big.jsonl", b"{}\n" * (UPLOAD_LIMIT // 3 + 1))}),
    Bad("upload", {}, "file", "choose_file"),
    Bad("assignment", {"partner": "nobody", "action": "assign"}, "assignment", "assignment_unknown_partner", "nobody",
        404),
    Bad("assignment", {"firm_id": "kr-nope", "action": "assign"}, "assignment", "assignment_unknown_firm", "kr-nope",
        404),
    Bad("assignment", {"firm_id": OTHER, "action": "withdraw"}, "assignment", "assignment_not_assigned", OTHER, 404),
]

#: Where each form posts, and what a complete valid form holds (a case changes some of it).
FORMS: dict[str, tuple[str, str, dict[str, Any]]] = {  # form: (page with the form, address, valid fields)
    "profile": (PROFILE, PROFILE, PROFILE_FORM),
    "codes": (PROFILE, f"{PROFILE}/codes", {"action": "accept"}),
    "keywords": (PROFILE, f"{PROFILE}/keywords", {}),
    "subscription": (SUBSCRIPTIONS, SUBSCRIPTIONS, SUBSCRIPTION_FORM),
    "feed": (OFFICER, f"{OFFICER}/feeds", FEED_FORM),
    "upload": (OFFICER, f"{OFFICER}/imports", {}),
    "assignment": (OFFICER, f"{OFFICER}/assignments", {"partner": "partner-a", "firm_id": OWN}),
}


def _template(text: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+\}", text)
    return re.compile(".+?".join(re.escape(p) for p in parts), re.DOTALL)


def own_sentence(lang: Language, text: str) -> bool:
    """``text`` is one of the catalogue's messages in ``lang``, its placeholders filled with anything."""
    return any(_template(message).fullmatch(text) for message in MESSAGES[lang].values())


def shown_errors(html: str) -> list[str]:
    tree = lxml.html.fromstring(html)
    return [" ".join(e.text_content().split()) for e in tree.xpath("//main//*[contains(@class, 'error')]")]


def field_error(html: str, name: str) -> str:
    (error,) = lxml.html.fromstring(html).xpath(f"//*[@id='error-{name}']")
    return " ".join(error.text_content().split())


Send = Callable[[Bad], Response]


@pytest.fixture
def send(world: World, visitor: Visitor) -> Callable[[Language], Send]:
    world.matcher.access.create_key("partner", "partner-c")  # a partner without firms, for the withdrawals

    def in_language(lang: Language) -> Send:
        client = visitor("officer")
        client.headers["Accept-Language"] = lang

        def one(case: Bad) -> Response:
            page, address, valid = FORMS[case.form]
            if case.form == "feed" and case.key == "feed_exists":
                assert _post(client, address, {**valid, "name": "taken"}, page).status_code == 303
            data = {**valid, **case.data}
            if case.form == "assignment" and case.key == "assignment_not_assigned":
                data["partner"] = "partner-c"
            return _post(client, address, data, page, case.files)

        return one

    return in_language


def _post(client: TestClient, address: str, data: dict[str, Any], page: str,
          files: dict[str, tuple[str, bytes]] | None = None) -> Response:
    token = csrf_of(client.get(page).text)
    return client.post(address, data={**data, "csrf_token": token}, files=files or None, follow_redirects=False)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.form}-{c.where}-{c.key}")
def test_a_refused_form_says_what_is_wrong_in_the_pages_own_words(
    send: Callable[[Language], Send], case: Bad, lang: Language
) -> None:
    refused = send(lang)(case)
    assert refused.status_code == case.status, refused.text[-2000:]
    assert field_error(refused.text, case.where) == translate(lang, case.key, value=case.value)
    errors = shown_errors(refused.text)
    assert errors and all(own_sentence(lang, e) for e in errors), errors
    assert not [raw for raw in RAW for e in errors if raw in e], errors


@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_decision_and_sign_in_speak_the_pages_words(world: World, visitor: Visitor, lang: Language) -> None:
    client = visitor("partner")
    client.headers["Accept-Language"] = lang
    csrf = csrf_of(client.get(f"/web/firms/{OWN}").text)
    too_long = client.post(f"/web/firms/{OWN}/decide", data={
        "csrf_token": csrf, "tender_id": world.tenders[0], "action": "approve", "note": "x" * 2001})
    assert too_long.status_code == 422
    main = lxml.html.fromstring(too_long.text).xpath("//main")[0]
    said = [" ".join(p.text_content().split()) for p in main.xpath(".//h1|.//p")]
    refusal = translate(lang, "note_too_long", count="2,001", limit="2,000")
    assert said[:2] == [translate(lang, "invalid_title"), refusal]
    stranger = TestClient(world.client.app, headers={"Accept-Language": lang})
    form = stranger.get("/web/sign-in")
    wrong = stranger.post("/web/sign-in", data={"key": "tm_not-a-key", "csrf_token": csrf_of(form.text), "next": ""})
    assert wrong.status_code == 401 and shown_errors(wrong.text) == [translate(lang, "sign_in_failed")]

"""A workspace form whose single-valued field arrives more than once is refused with the page's own 400 naming the
field, in the reader's language, and nothing is stored. Starlette's ``form.get`` takes the last value, and the
checks a page made (which firm, which action) were made on that one: browsers never send these fields twice, but a
hostile client can ('firm_id=own&firm_id=other', 'action=note&action=approve'). The fields a form sends repeated
by design (a multiple select, ticked boxes) are still read whole."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import OTHER, OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.api.test_bad_input import snapshot
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401

FIRM = f"/web/firms/{quote(OWN)}"
FORM = {"content-type": "application/x-www-form-urlencoded"}
SAID = {
    "en": "The form sent the field {field} more than once, so nothing was saved: send the form again from its page.",
    "ko": "양식의 {field} 칸이 여러 번 보내져 아무것도 저장하지 않았습니다. 페이지에서 양식을 다시 보내세요.",
}


@dataclass(frozen=True)
class Twice:
    """A form posted by ``who`` to ``address`` (its token from ``page``), with ``fields`` in order: one of them,
    ``repeated``, sent twice."""

    who: str
    page: str
    address: str
    fields: list[tuple[str, str]]
    repeated: str


def cases(world: World) -> dict[str, Twice]:
    tender = world.tenders[1]
    return {
        "decide-action": Twice("partner", FIRM, f"{FIRM}/decide", [
            ("tender_id", tender), ("action", "note"), ("note", "call"), ("action", "approve")], "action"),
        "decide-tender": Twice("partner", FIRM, f"{FIRM}/decide", [
            ("tender_id", tender), ("tender_id", world.tenders[2]), ("action", "approve")], "tender_id"),
        "shortlist-firm": Twice("partner", FIRM, f"/web/tenders/{quote(tender)}/shortlist", [
            ("firm_id", OTHER), ("firm_id", OWN)], "firm_id"),
        "profile-description": Twice("partner", f"{FIRM}/profile", f"{FIRM}/profile", [
            ("description", "Membranes for water plants."), ("description", "Something else entirely."),
            ("keywords", ""), ("codes", "")], "description"),
        "subscription-email": Twice("partner", f"{FIRM}/subscriptions", f"{FIRM}/subscriptions", [
            ("email", "bids@hanbit.example"), ("email", "other@elsewhere.example"), ("frequency", "daily"),
            ("language", "en"), ("currency", "EUR")], "email"),
        "assignment-firm": Twice("officer", "/web/officer", "/web/officer/assignments", [
            ("partner", "partner-b"), ("firm_id", OTHER), ("firm_id", OWN), ("action", "assign")], "firm_id"),
        "feed-name": Twice("officer", "/web/officer", "/web/officer/feeds", [
            ("name", "ted-one"), ("name", "ted-two"), ("kind", "ted")], "name"),
    }


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("case", ["decide-action", "decide-tender", "shortlist-firm", "profile-description",
                                  "subscription-email", "assignment-firm", "feed-name"])
def test_a_single_field_sent_twice_is_refused_naming_it(world: World, visitor: Visitor, case: str,
                                                       lang: str) -> None:
    twice = cases(world)[case]
    client = visitor(twice.who)
    client.headers["Accept-Language"] = lang
    csrf = csrf_of(client.get(twice.page).text)
    before = snapshot(world)
    body = urlencode([("csrf_token", csrf), *twice.fields])
    refused = client.post(twice.address, content=body, headers=FORM, follow_redirects=False)
    assert refused.status_code == 400, refused.text[-2000:]
    assert refused.headers["content-type"].startswith("text/html")
    assert SAID[lang].format(field=twice.repeated) in page_text(refused.text)
    assert snapshot(world) == before


def test_an_htmx_decision_with_its_token_in_the_header_is_refused_too(world: World, visitor: Visitor) -> None:
    """A one-click decision sends its token as ``X-CSRF-Token``, so the form is not read for it: it still is for
    the repeated field."""
    client = visitor("partner")
    csrf = csrf_of(client.get(FIRM).text)
    before = snapshot(world)
    body = urlencode([("tender_id", world.tenders[1]), ("action", "reject"), ("action", "approve")])
    refused = client.post(f"{FIRM}/decide", content=body, follow_redirects=False,
                          headers={**FORM, "X-CSRF-Token": csrf, "HX-Request": "true"})
    assert refused.status_code == 400, refused.text
    assert SAID["en"].format(field="action") in page_text(refused.text)
    assert snapshot(world) == before


def test_the_csrf_token_sent_twice_is_refused(world: World, visitor: Visitor) -> None:
    """A wrong token and then the right one: the right one was the one checked."""
    client = visitor("partner")
    csrf = csrf_of(client.get(FIRM).text)
    before = snapshot(world)
    body = urlencode([("csrf_token", "guessed"), ("csrf_token", csrf), ("tender_id", world.tenders[1]),
                      ("action", "approve")])
    refused = client.post(f"{FIRM}/decide", content=body, headers=FORM, follow_redirects=False)
    assert refused.status_code == 400, refused.text
    assert SAID["en"].format(field="csrf_token") in page_text(refused.text)
    assert snapshot(world) == before


def test_an_upload_with_two_files_is_refused(world: World, visitor: Visitor) -> None:
    client = visitor("officer")
    csrf = csrf_of(client.get("/web/officer").text)
    before = snapshot(world)
    files = [("file", ("a.csv", b"id,title\n", "text/csv")), ("file", ("b.csv", b"id,title\n", "text/csv"))]
    refused = client.post("/web/officer/imports", data={"csrf_token": csrf}, files=files, follow_redirects=False)
    assert refused.status_code == 400, refused.text
    assert SAID["en"].format(field="file") in page_text(refused.text)
    assert snapshot(world) == before


def test_a_sign_in_with_two_keys_is_refused(world: World) -> None:
    client = TestClient(world.client.app)
    csrf = csrf_of(client.get("/web/sign-in").text)
    body = urlencode([("csrf_token", csrf), ("key", "wrong"), ("key", world.keys["partner"]), ("next", "/web/")])
    refused = client.post("/web/sign-in", content=body, headers=FORM, follow_redirects=False)
    assert refused.status_code == 400, refused.text
    assert SAID["en"].format(field="key") in page_text(refused.text)
    assert "tm_session" not in refused.cookies


def test_fields_sent_repeated_by_design_are_still_read_whole(world: World, visitor: Visitor) -> None:
    """The profile's target countries (a multiple select) arrive once per chosen country."""
    client = visitor("partner")
    csrf = csrf_of(client.get(f"{FIRM}/profile").text)
    firm = world.matcher.get_firm(OWN)
    body = urlencode([
        ("csrf_token", csrf), ("description", firm.description), ("keywords", ", ".join(firm.keywords)),
        ("codes", " ".join(firm.codes)), ("target_countries", "KE"), ("target_countries", "TZ"),
        ("languages", "en"), ("currency", "EUR"), ("min_value", "1000"), ("max_value", "2000"),
    ])
    saved = client.post(f"{FIRM}/profile", content=body, headers=FORM, follow_redirects=False)
    assert saved.status_code == 303, page_text(saved.text)[-1500:]
    assert set(world.matcher.get_firm(OWN).target_countries) == {"KE", "TZ"}

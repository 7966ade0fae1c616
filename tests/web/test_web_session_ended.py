"""A session that ended (expired, or signed out in another tab) while a page was open. An outside trial found a
decision posted then sent to the sign-in page without a word or a way back. Now the sign-in page says the
session ended (and, after a form, that it was not saved), in English and Korean, and signing in again returns
to the page the form was on: its address as the browser sent it (Referer), kept only when it is a /web page
of this site. A ``next`` address is only ever a local /web path. (The note typed into a decision comes back in
the page: static/web.js keeps it in the tab, see tests/web/browser/test_session_ended.py.)"""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from fastapi.testclient import TestClient

from api.web.messages import Language, translate
from api.web.session import SESSION_COOKIE
from tests.api.conftest import (  # noqa: F401
    OWN,
    World,
    api_settings,
    database_url,
    demo_template,
    world,
)
from tests.web.pages_world import csrf_of, page_text, sign_in

#: A cookie of the right form whose session the store does not hold (ended, or signed out elsewhere).
STALE = "x" * 43
FIRM_PAGE = f"/web/firms/{OWN}?country=FR"


def stale_client(world: World, lang: Language = "en") -> TestClient:
    client = TestClient(world.client.app, headers={"Accept-Language": lang})
    client.cookies.set(SESSION_COOKIE, STALE, path="/web")
    return client


def query_of(location: str) -> dict[str, list[str]]:
    parts = urlsplit(location)
    assert parts.path == "/web/sign-in" and not parts.netloc, location
    return parse_qs(parts.query)


def notice(html: str) -> str:
    found = lxml.html.fromstring(html).xpath("//main//p[@class='notice'][@role='status']")
    return " ".join(found[0].text_content().split()) if found else ""


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_page_opened_after_the_session_ended_says_so_and_comes_back(world: World, lang: Language) -> None:
    client = stale_client(world, lang)
    response = client.get(FIRM_PAGE, follow_redirects=False)
    assert response.status_code == 303
    assert query_of(response.headers["location"]) == {"next": [FIRM_PAGE], "session": ["expired"]}
    cleared = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}=")]
    assert len(cleared) == 1 and "Max-Age=0" in cleared[0] and "Path=/web" in cleared[0]  # it opens nothing
    form = client.get(response.headers["location"])
    assert notice(form.text) == translate(lang, "session_expired")
    assert lxml.html.fromstring(form.text).xpath("//input[@name='next']/@value") == [FIRM_PAGE]
    # The language switch keeps where to go and why.
    switch = lxml.html.fromstring(form.text).xpath("//nav[@class='languages']//a/@href")
    assert all("session=expired" in href and "next=" in href for href in switch), switch
    back = client.post("/web/sign-in", data={"key": world.keys["partner"], "csrf_token": csrf_of(form.text),
                                             "next": FIRM_PAGE}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == FIRM_PAGE


def test_a_first_visit_is_not_told_its_session_ended(world: World) -> None:
    response = TestClient(world.client.app).get(FIRM_PAGE, follow_redirects=False)
    assert query_of(response.headers["location"]) == {"next": [FIRM_PAGE]}
    assert notice(TestClient(world.client.app).get(response.headers["location"]).text) == ""


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_form_sent_after_the_session_ended_is_not_saved_says_so_and_returns_to_its_page(
    world: World, lang: Language, htmx: bool
) -> None:
    matcher = world.matcher
    tender_id = next(m.tender_id for m in matcher.recommend(OWN) if m.tender_id != world.tenders[0])
    before = (matcher.shortlist(OWN), matcher.feedback_events(OWN))
    client = stale_client(world, lang)
    headers = {"Referer": f"http://testserver{FIRM_PAGE}", **({"HX-Request": "true"} if htmx else {})}
    response = client.post(f"/web/firms/{OWN}/decide", headers=headers, follow_redirects=False, data={
        "csrf_token": "from-the-old-page", "tender_id": tender_id, "action": "approve", "note": "call the buyer"})
    if htmx:  # htmx follows HX-Redirect itself (a followed redirect would be swapped into the page)
        assert response.status_code == 401
        location = response.headers["HX-Redirect"]
    else:
        assert response.status_code == 303
        location = response.headers["location"]
    assert query_of(location) == {"next": [FIRM_PAGE], "session": ["unsaved"]}
    assert (matcher.shortlist(OWN), matcher.feedback_events(OWN)) == before  # nothing was recorded
    form = client.get(location)
    assert notice(form.text) == translate(lang, "session_unsaved")
    back = client.post("/web/sign-in", data={"key": world.keys["partner"], "csrf_token": csrf_of(form.text),
                                             "next": FIRM_PAGE}, follow_redirects=False)
    assert back.headers["location"] == FIRM_PAGE


@pytest.mark.parametrize("referer", [
    None, "", "https://evil.example/web/firms/x", "http://evil.example/web/", "//evil.example/web/",
    "http://testserver/docs", "http://testserver/web/sign-in?next=/web/x", "not a url",
    "http://testserver//evil.example/web/", "http://testserver/web/\\evil.example",
])
def test_a_form_page_from_elsewhere_is_not_followed(world: World, referer: str | None) -> None:
    client = stale_client(world)
    headers = {} if referer is None else {"Referer": referer}
    response = client.post(f"/web/firms/{OWN}/decide", headers=headers, follow_redirects=False)
    assert query_of(response.headers["location"]) == {"next": ["/web/"], "session": ["unsaved"]}


@pytest.mark.parametrize("hostile", [
    "https://evil.example", "//evil.example", "https://evil.example/web/", "//evil.example/web/", "/\\evil.example",
    "/web/\\evil.example", "/web//evil.example", "javascript:alert(1)", "/docs", "/web/sign-in?next=/web/x",
    "http://testserver/web/firms/x", " /web/", "\t//evil.example",
])
def test_next_is_only_ever_a_local_workspace_path(world: World, hostile: str) -> None:
    stranger = TestClient(world.client.app)
    form = stranger.get("/web/sign-in", params={"next": hostile})
    assert lxml.html.fromstring(form.text).xpath("//input[@name='next']/@value") == ["/web/"], hostile
    assert sign_in(stranger, world.keys["partner"], next_path=hostile).headers["location"] == "/web/", hostile
    signed_in = TestClient(world.client.app)
    sign_in(signed_in, world.keys["partner"])
    # Already signed in, the sign-in address sends straight on: the same rule.
    again = signed_in.get("/web/sign-in", params={"next": hostile}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/web/", hostile
    assert "evil" not in page_text(form.text)


# ----------------------------------------------------------------------------- where an htmx request comes back to
RUN_STATUS = "/web/officer/feeds/runs/0123456789abcdef/status"


def test_the_pages_polling_comes_back_to_the_page_not_to_the_polled_fragment(world: World) -> None:
    """htmx says which page sent the request (HX-Current-URL, the address in the tab, its #part aside); the poll's
    own address is a fragment of the officer page, no page to come back to."""
    page = "/web/officer?run=0123456789abcdef"
    response = stale_client(world).get(RUN_STATUS, follow_redirects=False, headers={
        "HX-Request": "true", "HX-Current-URL": f"http://testserver{page}#feeds"})
    assert response.status_code == 401
    assert query_of(response.headers["HX-Redirect"]) == {"next": [page], "session": ["expired"]}


@pytest.mark.parametrize("current", [
    None, "", "https://evil.example/web/officer", "http://evil.example/web/", "//evil.example/web/",
    "http://testserver/docs", "http://testserver/web/sign-in?next=/web/x", "not a url",
    "http://testserver//evil.example/web/", "http://testserver/web/\\evil.example",
])
def test_an_htmx_page_address_from_elsewhere_is_not_followed(world: World, current: str | None) -> None:
    """Not followed; the page the request's Referer names instead (the same checks), else home."""
    headers = {"HX-Request": "true", **({} if current is None else {"HX-Current-URL": current})}
    client = stale_client(world)
    alone = client.get(RUN_STATUS, headers=headers, follow_redirects=False)
    assert query_of(alone.headers["HX-Redirect"]) == {"next": ["/web/"], "session": ["expired"]}
    referred = client.post(f"/web/firms/{OWN}/decide", follow_redirects=False,
                           headers={**headers, "Referer": f"http://testserver{FIRM_PAGE}"})
    assert query_of(referred.headers["HX-Redirect"]) == {"next": [FIRM_PAGE], "session": ["unsaved"]}


#: Addresses that only take a POST, some shown with the page's answer (the add-feed form shown again with its
#: problems, an upload's or an assignment's refusal, a feed's reset to confirm), and the page holding their form.
POST_ONLY = {
    "/web/officer/feeds": "/web/officer",
    "/web/officer/imports": "/web/officer",
    "/web/officer/assignments": "/web/officer",
    "/web/officer/feeds/kept-draft/reset": "/web/officer",
    "/web/officer/feeds/run": "/web/officer",
    f"/web/firms/{OWN}/decide": f"/web/firms/{OWN}",
    f"/web/firms/{OWN}/profile/codes": f"/web/firms/{OWN}/profile",
    f"/web/firms/{OWN}/subscriptions/0123456789abcdef/end": f"/web/firms/{OWN}/subscriptions",
    "/web/tenders/ted%3A178549-2021/shortlist": "/web/tenders/ted%3A178549-2021",
}


@pytest.mark.parametrize(("address", "page"), POST_ONLY.items())
def test_signing_in_never_returns_to_an_address_that_only_takes_a_post(world: World, address: str, page: str) -> None:
    """A GET there is a 405 page: the way back is the page that holds the form, whichever way ``next`` came."""
    assert world.client.get(address).status_code == 405  # what coming back there would be
    client = stale_client(world)
    sent = client.post(address, headers={"Referer": f"http://testserver{address}"}, follow_redirects=False)
    assert query_of(sent.headers["location"]) == {"next": [page], "session": ["unsaved"]}
    form = TestClient(world.client.app).get("/web/sign-in", params={"next": f"{address}?x=1"})
    assert lxml.html.fromstring(form.text).xpath("//input[@name='next']/@value") == [page]
    assert sign_in(TestClient(world.client.app), world.keys["officer"], next_path=address).headers[
        "location"] == page
    signed_in = TestClient(world.client.app)
    sign_in(signed_in, world.keys["officer"])
    assert signed_in.get("/web/sign-in", params={"next": address}, follow_redirects=False).headers[
        "location"] == page
    assert signed_in.get(page).status_code == 200

"""A notice published after now (the clock; ``MATCHER_CLOCK`` in a replay) in the workspace, as in the API (cc8b637).

For a firm's or a partner's session such a notice is the 404 page of an id never stored, wherever its id is taken
(its page, adding it to a shortlist, a decision on the firm page: before, the last two refused it as closed, a 422
that told it exists), and no list shows it (the firm page's recommendations, the home page, search). An officer
reads its page, as the API's ``GET /tenders/{id}`` answers an officer's key, told why no firm is ranked for it and
why it cannot be shortlisted yet; a decision on it is refused with that reason, and nothing is stored."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import lxml.html
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from api.web.messages import translate
from matcher.normalize.openness import today
from matcher.schema import Tender
from tests.api.conftest import (  # noqa: F401
    OTHER,
    OWN,
    World,
    api_settings,
    database_url,
    demo_template,
    empty_matcher,
    world,
)
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401

#: An id of the demo's form that is never stored.
UNKNOWN = "ted:999999-2021"
#: The decision form's actions (a note proposes, approve and reject decide).
ACTIONS = ("note", "approve", "reject")


def postpone(world: World, tender_id: str) -> Tender:
    """The stored notice again, published tomorrow (the clock's day + 1), everything else kept."""
    matcher = world.matcher
    later = matcher.get_tender(tender_id).model_copy(
        update={"published": today(matcher.settings.now()) + timedelta(days=1)})
    matcher.upsert_tenders([later])
    return later


def best_unlisted(world: World) -> str:
    """OWN's best recommendation that no shortlist holds, whose deadline falls after tomorrow (so that published
    tomorrow it is a call that can still be open then)."""
    matcher = world.matcher
    listed = {t for statuses in matcher.decisions([OWN, OTHER]).values() for t in statuses}
    tomorrow = today(matcher.settings.now()) + timedelta(days=1)
    return next(m.tender_id for m in matcher.recommend(OWN)
                if m.tender_id not in listed and m.deadline is not None and m.deadline.date() > tomorrow)


def as_unknown(answer: Response, unknown: Response, tender_id: str) -> None:
    """``answer`` (for ``tender_id``) is the answer ``unknown`` (for UNKNOWN) word for word, the ids aside."""
    assert answer.status_code == unknown.status_code == 404, (answer.status_code, unknown.status_code)
    assert answer.text.replace(quote(tender_id, safe=""), "ID") == unknown.text.replace(quote(UNKNOWN, safe=""), "ID")


def tender_page(client: TestClient, tender_id: str) -> Response:
    return client.get(f"/web/tenders/{quote(tender_id, safe='')}")


def add(client: TestClient, tender_id: str, csrf: str) -> Response:
    return client.post(f"/web/tenders/{quote(tender_id, safe='')}/shortlist",
                       data={"csrf_token": csrf, "firm_id": OWN}, follow_redirects=False)


def decide(client: TestClient, tender_id: str, action: str, csrf: str, htmx: bool) -> Response:
    return client.post(f"/web/firms/{OWN}/decide", follow_redirects=False,
                       headers={"HX-Request": "true"} if htmx else {},
                       data={"csrf_token": csrf, "tender_id": tender_id, "action": action, "note": "later one"})


def stored(world: World) -> object:
    matcher = world.matcher
    return [(matcher.shortlist(f), matcher.feedback_events(f)) for f in (OWN, OTHER)]


# ----------------------------------------------------------------------------- its page and its id, by role
@pytest.mark.parametrize("who", ["partner", "firm"])
def test_its_page_is_the_404_of_an_id_never_stored(world: World, visitor: Visitor, who: str) -> None:
    later = postpone(world, best_unlisted(world))
    client = visitor(who)
    as_unknown(tender_page(client, later.tender_id), tender_page(client, UNKNOWN), later.tender_id)
    assert later.title not in tender_page(client, later.tender_id).text


def test_a_partner_adding_it_to_a_shortlist_gets_the_404_of_an_id_never_stored(
    world: World, visitor: Visitor
) -> None:
    """Before, the answer was a 422 saying the notice is closed: it exists."""
    later = postpone(world, best_unlisted(world))
    client = visitor("partner")
    csrf = csrf_of(client.get(f"/web/firms/{OWN}").text)
    before = stored(world)
    as_unknown(add(client, later.tender_id, csrf), add(client, UNKNOWN, csrf), later.tender_id)
    assert stored(world) == before


@pytest.mark.parametrize("htmx", [False, True])
def test_a_partners_decision_on_it_gets_the_404_of_an_id_never_stored(
    world: World, visitor: Visitor, htmx: bool
) -> None:
    later = postpone(world, best_unlisted(world))
    client = visitor("partner")
    csrf = csrf_of(client.get(f"/web/firms/{OWN}").text)
    before = stored(world)
    for action in ACTIONS:
        as_unknown(decide(client, later.tender_id, action, csrf, htmx), decide(client, UNKNOWN, action, csrf, htmx),
                   later.tender_id)
    assert stored(world) == before


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_officer_reads_its_page_told_why_no_firm_is_ranked_or_may_shortlist_it(
    world: World, visitor: Visitor, lang: str
) -> None:
    later = postpone(world, best_unlisted(world))
    client = visitor("officer")
    client.headers["Accept-Language"] = lang
    answer = tender_page(client, later.tender_id)
    assert answer.status_code == 200
    html = lxml.html.fromstring(answer.text)
    assert html.xpath("//h1")[0].text_content().strip() == later.title
    assert translate(lang, "not_biddable_unpublished") in page_text(answer.text)  # type: ignore[arg-type]
    assert not html.xpath("//table[contains(@class, 'fits')]")  # no firm ranked
    assert not html.xpath("//form[contains(@action, '/shortlist')]")


@pytest.mark.parametrize("htmx", [False, True])
def test_an_officers_decision_on_it_is_refused_naming_why(world: World, visitor: Visitor, htmx: bool) -> None:
    """The API refuses an officer's proposal of it too (a 404 naming its day); here the page's own reason."""
    later = postpone(world, best_unlisted(world))
    client = visitor("officer")
    csrf = csrf_of(client.get(f"/web/firms/{OWN}").text)
    before = stored(world)
    for action in ACTIONS:
        refused = decide(client, later.tender_id, action, csrf, htmx)
        assert refused.status_code == 422, action
        assert translate("en", "not_biddable_unpublished") in page_text(refused.text), action
    added = add(client, later.tender_id, csrf)
    assert added.status_code == 422 and translate("en", "not_biddable_unpublished") in page_text(added.text)
    assert stored(world) == before


# ----------------------------------------------------------------------------- lists
def firm_page_ids(client: TestClient) -> list[str]:
    html = lxml.html.fromstring(client.get(f"/web/firms/{OWN}").text)
    return [str(t) for t in html.xpath("//article[contains(@class, 'match')]/@data-tender")]


def searched_ids(client: TestClient, title: str, closed: bool) -> list[str]:
    answer = client.get("/web/search", params={"q": title, **({"closed": "1"} if closed else {})})
    assert answer.status_code == 200
    return [href.rsplit("/", 1)[-1] for href in lxml.html.fromstring(answer.text).xpath(
        "//main//a[starts-with(@href, '/web/tenders/')]/@href")]


@pytest.mark.parametrize("who", ["partner", "firm", "officer"])
def test_no_list_shows_it(world: World, visitor: Visitor, who: str) -> None:
    """The firm page's best notice, found by its own title, then published tomorrow: gone from both (officers
    list the later notices only in the API, asking for them)."""
    tender_id = best_unlisted(world)
    title = world.matcher.get_tender(tender_id).title
    client = visitor(who)
    searching = who != "firm"  # search is for partners and officers
    assert tender_id in firm_page_ids(client)
    if searching:
        assert quote(tender_id, safe="") in searched_ids(client, title, closed=True)
    postpone(world, tender_id)
    assert tender_id not in firm_page_ids(client)
    assert quote(tender_id, safe="") not in client.get("/web/").text and tender_id not in client.get("/web/").text
    if searching:
        for closed in (False, True):
            assert quote(tender_id, safe="") not in searched_ids(client, title, closed)

"""A notice published after now (the clock; ``MATCHER_CLOCK`` in a replay) in the workspace, as in the API (cc8b637).

For a firm's or a partner's session such a notice is the 404 page of an id never stored, wherever its id is taken
(its page, adding it to a shortlist, a decision on the firm page: before, the last two refused it as closed, a 422
that told it exists), and no list shows it (the firm page's recommendations, the home page, search). An officer
reads its page, as the API's ``GET /tenders/{id}`` answers an officer's key, told why no firm is ranked for it and
why it cannot be shortlisted yet; a decision on it is refused with that reason, and nothing is stored.

A notice already on a shortlist when it comes to be published after now (a replay's clock set back, an officer
moving its date) is left out of the firm's and partner's shortlist page, its count, its downloads and the home
page's counts and deadlines, as the API's list and files leave it out (``actions.visible_shortlist``); an
officer's shortlist keeps it, its row saying when it is published."""

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

from api.web.i18n import Formatter
from api.web.messages import Language, translate
from matcher.normalize.openness import today
from matcher.schema import Tender
from matcher.store import TenderFilter
from tests.api.conftest import (  # noqa: F401
    OTHER,
    OWN,
    World,
    api_settings,
    database_url,
    demo_template,
    world,
)
from tests.api.test_tender_reads import ids_in_file
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


@pytest.mark.parametrize("listed", [False, True], ids=["unlisted", "listed"])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_partners_decision_on_it_gets_the_404_of_an_id_never_stored(
    world: World, visitor: Visitor, htmx: bool, listed: bool
) -> None:
    """On OWN's shortlist (approved before it was moved: ``listed_soonest``) or not. The API's PATCH answers the
    partner's key the same (tests/api/test_tender_reads.py)."""
    later = postpone(world, listed_soonest(world).tender_id if listed else best_unlisted(world))
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


# ----------------------------------------------------------------------------- on a shortlist, then published after now
SHORTLIST = f"/web/firms/{OWN}/shortlist"
SHORTLIST_ROWS = "//table[contains(@class, 'shortlist')]/tbody/tr"
EXPORTS = ("csv", "xlsx", "ics")


def listed_soonest(world: World) -> Tender:
    """The open notice of the soonest deadline after tomorrow (so that published tomorrow it is a call still open
    then), proposed for OWN and approved by its partner: the firm's session sees it, and it is the first of OWN's
    nearest deadlines on the home page that are after tomorrow."""
    matcher = world.matcher
    now = matcher.settings.now()
    tomorrow = today(now) + timedelta(days=1)
    _, notices = matcher.search_tenders(TenderFilter(open_at=now), limit=500)
    soonest = min((t for t in notices if t.deadline is not None and t.deadline.date() > tomorrow),
                  key=lambda t: (t.deadline, t.tender_id))
    matcher.propose(OWN, soonest.tender_id, "partner-a")
    matcher.decide(OWN, soonest.tender_id, "approved", "partner-a")
    return soonest


def shortlist_views(client: TestClient, lang: Language = "en") -> dict[str, list[str]]:
    """The tender ids of each shortlist view of OWN for this session: its page's rows and count, its downloads."""
    html = lxml.html.fromstring(client.get(SHORTLIST).text)
    count = " ".join(html.xpath("//h2[@id='items-heading']/span[@class='count']")[0].text_content().split())
    ids = [str(i) for i in html.xpath(f"{SHORTLIST_ROWS}/@data-tender")]
    key = "result_count_one" if len(ids) == 1 else "result_count"
    assert count == f"({translate(lang, key, count=len(ids))})"  # the page counts the rows it shows
    views = {"page": ids}
    for suffix in EXPORTS:
        answer = client.get(f"{SHORTLIST}/export.{suffix}")
        assert answer.status_code == 200, answer.text
        views[suffix] = ids_in_file(suffix, answer.content)
    return views


def own_home_row(client: TestClient, world: World) -> tuple[str, str]:
    """OWN's row on the home page: its shortlist counts and its nearest deadlines, as read."""
    for row in lxml.html.fromstring(client.get("/web/").text).xpath("//table[@class='firms']/tbody/tr"):
        cells = [" ".join(c.text_content().split()) for c in row.xpath("./th|./td")]
        if cells[0] == world.firm_name(OWN):
            return cells[2], cells[3]
    raise AssertionError("no row for OWN on the home page")


@pytest.mark.parametrize("who", ["partner", "firm"])
def test_no_shortlist_view_shows_a_listed_notice_once_published_after_now(
    world: World, visitor: Visitor, who: str
) -> None:
    """Listed and approved, then published tomorrow: gone from the page, its count and the three files (as from
    the API's GET /firms/{id}/shortlist and exports), every other item kept."""
    listed = listed_soonest(world)
    client = visitor(who)
    before = shortlist_views(client)
    assert all(listed.tender_id in ids for ids in before.values()), before
    postpone(world, listed.tender_id)
    assert shortlist_views(client) == {view: [i for i in ids if i != listed.tender_id] for view, ids in before.items()}


def test_the_partners_home_neither_counts_nor_lists_it(world: World, visitor: Visitor) -> None:
    """OWN's row: the seeded proposal and this approval; its deadline the soonest of those after tomorrow."""
    listed = listed_soonest(world)
    client = visitor("partner")
    counts, deadlines = own_home_row(client, world)
    assert counts == "1 proposed 1 approved 0 rejected" and listed.title[:40] in deadlines
    postpone(world, listed.tender_id)
    counts, deadlines = own_home_row(client, world)
    assert counts == "1 proposed 0 approved 0 rejected" and listed.title[:40] not in deadlines


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_officer_sees_it_on_the_shortlist_marked_published_later(
    world: World, visitor: Visitor, lang: Language
) -> None:
    """Officers load and correct notices: the item stays in every view, and in the home page's counts, its row
    saying when it is published."""
    listed = listed_soonest(world)
    client = visitor("officer")
    client.headers["Accept-Language"] = lang
    before, counts = shortlist_views(client, lang), own_home_row(client, world)[0]
    later = postpone(world, listed.tender_id)
    assert shortlist_views(client, lang) == before and own_home_row(client, world)[0] == counts
    html = lxml.html.fromstring(client.get(SHORTLIST).text)
    marks = {str(row.get("data-tender")): " ".join(m.text_content().split())
             for row in html.xpath(SHORTLIST_ROWS) for m in row.xpath(".//*[@data-published-later]")}
    day = Formatter(lang, world.matcher.settings.now()).date(later.published)
    assert marks == {listed.tender_id: f"({translate(lang, 'shortlist_published_later', day=day)})"}

"""The workspace isolates the text people and feeds wrote (firm names, notice titles and buyers, notes) from the
direction of its neighbours: a firm's name stored with U+202E RIGHT-TO-LEFT OVERRIDE (before names were refused
one) drew the rest of every sentence and heading naming it reversed ('Profile of Hanbit \\u202eretaW' ...), and an
Arabic title or buyer can reorder the words beside it. Each such value is the whole content of a ``<bdi>`` (or of an
element with ``dir="auto"``), and is between FSI and PDI in a ``<title>`` or an attribute (matcher.bidi); escaping is
as before. Each page is read whole: the value shown where the test expects it, and nowhere without isolation."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import string
from urllib.parse import quote

import lxml.html
import pytest

from api.web.messages import MESSAGES, PEOPLES_TEXT
from matcher.bidi import FSI, PDI
from matcher.store.shortlists import ShortlistRepository
from matcher.store.subscriptions import SubscriptionRepository, SubscriptionSpec
from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.api.test_fields_stored_before_rules import stored_before_rules
from tests.test_bidi import shown_isolated, unisolated
from tests.web.pages_world import Visitor, csrf_of, visitor  # noqa: F401

SPOOF = "Hanbit \u202eretaW"  # a name stored before names were refused bidirectional controls
ARABIC_TITLE = "توريد عدادات المياه لمحطة المعالجة"  # 'supply of water meters for the treatment plant'
ARABIC_BUYER = "بلدية عمّان الكبرى"  # 'Greater Amman Municipality'
NOTE = "call \u202eyub before Friday"  # a note stored with an override before notes were refused one (b27c55d)


@pytest.fixture
def spoofed(world: World) -> str:
    """OWN named SPOOF; the notice first among OWN's recommendations titled and bought in Arabic (still first
    after: its codes rank it), put on OWN's shortlist with a note; its id."""
    stored_before_rules(world, name=SPOOF)
    tender_id = world.matcher.recommend(OWN)[0].tender_id
    notice = world.matcher.get_tender(tender_id)
    world.matcher.upsert_tenders([notice.model_copy(update={"title": ARABIC_TITLE, "buyer": ARABIC_BUYER})])
    with world.matcher.engine.db.begin() as conn:  # through the store layer, as a store written before the rule
        ShortlistRepository().propose(conn, OWN, tender_id, "partner-a", NOTE)
    with world.matcher.engine.db.begin() as conn:  # a digest to preview
        SubscriptionRepository().add(conn, SubscriptionSpec(firm_id=OWN, email="a@example.org"), "test")
    return tender_id


def read(client_page: str, values: dict[str, int]) -> None:
    """Each value is shown isolated at least as often as given, and nowhere without isolation."""
    for value, least in values.items():
        assert unisolated(client_page, value) == [], value
        assert shown_isolated(client_page, value) >= least, value


def title_of(html: str) -> str:
    return lxml.html.document_fromstring(html).findtext(".//title") or ""


FIRM = f"/web/firms/{quote(OWN)}"


@pytest.mark.parametrize(("path", "values"), [
    # the heading; the notice's link, its title in two labels, its buyer, the note (the <title> and the firm
    # navigation's label are checked below)
    (FIRM, {SPOOF: 1, ARABIC_TITLE: 3, ARABIC_BUYER: 1, NOTE: 1}),
    (f"{FIRM}/profile", {SPOOF: 1}),
    (f"{FIRM}/shortlist", {SPOOF: 1, ARABIC_TITLE: 1, ARABIC_BUYER: 1, NOTE: 1}),
    (f"{FIRM}/subscriptions", {SPOOF: 1}),
    (f"{FIRM}/subscriptions/preview", {SPOOF: 2, ARABIC_TITLE: 1}),  # the heading, the subject; the notice
    ("/web/", {SPOOF: 1, ARABIC_TITLE: 1}),  # the firms table, the notice among its deadlines
])
def test_a_partners_pages_isolate_the_name_the_title_the_buyer_and_the_note(
    world: World, visitor: Visitor, spoofed: str, path: str, values: dict[str, int],
) -> None:
    page = visitor("partner").get(path)
    assert page.status_code == 200, page.text
    read(page.text, values)
    if path.startswith(FIRM):
        nav = lxml.html.document_fromstring(page.text).xpath("//nav[@class='firm-nav']/@aria-label")
        assert nav == [f"Pages of {FSI}{SPOOF}{PDI}"]
    if path == FIRM:
        assert title_of(page.text) == f"{FSI}{SPOOF}{PDI} · Tender matcher"


def test_the_tender_page_isolates_its_title_its_buyer_and_the_firms_it_fits(
    world: World, visitor: Visitor, spoofed: str,
) -> None:
    page = visitor("partner").get(f"/web/tenders/{quote(spoofed)}?fit=all")
    assert page.status_code == 200, page.text
    read(page.text, {ARABIC_TITLE: 1, ARABIC_BUYER: 1, SPOOF: 1})
    assert title_of(page.text) == f"{FSI}{ARABIC_TITLE}{PDI} · Tender matcher"
    (heading,) = lxml.html.document_fromstring(page.text).xpath("//h1/bdi")
    assert heading.text == ARABIC_TITLE


def test_the_officer_page_isolates_the_firms_names(world: World, visitor: Visitor, spoofed: str) -> None:
    page = visitor("officer").get("/web/officer")
    assert page.status_code == 200, page.text
    read(page.text, {SPOOF: 2})  # the firms table and the partners' firms


def test_the_search_page_isolates_titles_and_buyers(world: World, visitor: Visitor, spoofed: str) -> None:
    page = visitor("officer").get(f"/web/search?q={quote('عدادات المياه')}")
    assert page.status_code == 200, page.text
    read(page.text, {ARABIC_TITLE: 1, ARABIC_BUYER: 1})


def test_what_a_decision_announces_isolates_the_title(world: World, visitor: Visitor, spoofed: str) -> None:
    client = visitor("partner")
    csrf = csrf_of(client.get(FIRM).text)
    answer = client.post(f"{FIRM}/decide", data={"csrf_token": csrf, "tender_id": spoofed, "action": "approve"},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200, answer.text
    read(answer.text, {ARABIC_TITLE: 2, NOTE: 1})  # the note's label, the live region; the note kept
    (live,) = lxml.html.document_fromstring(answer.text).xpath("//*[@id='live-status']")
    assert [bdi.text for bdi in live.xpath("bdi")] == [ARABIC_TITLE]
    assert live.text_content() == f"Approved: {ARABIC_TITLE}"


#: A keyword stored before keywords were refused an override: still found in the notice (the override is no word
#: character), so a reason names it, and the override reversed the rest of that reason's sentence.
KEYWORD = "\u202eultrafiltration"


def test_a_keyword_inside_a_reason_is_isolated_on_the_firm_and_tender_pages(world: World, visitor: Visitor) -> None:
    keywords = world.matcher.get_firm(OWN).keywords
    stored_before_rules(world, keywords=[KEYWORD if k == "ultrafiltration" else k for k in keywords])
    tender_id = next(m.tender_id for m in world.matcher.recommend(OWN)
                     if any(r.params.get("keyword") == KEYWORD for r in m.reasons.reasons))
    client = visitor("partner")
    for path in (f"{FIRM}?fit=all", f"/web/tenders/{quote(tender_id)}?fit=all"):
        page = client.get(path)
        assert page.status_code == 200, page.text
        read(page.text, {KEYWORD: 1})
        lines = [li for li in lxml.html.document_fromstring(page.text).xpath("//ul[@class='reasons']/li")
                 if KEYWORD in li.text_content()]
        assert lines and all([bdi.text for bdi in li.xpath("bdi")] == [KEYWORD, "ultrafiltration"] for li in lines)
        assert lines[0].text_content() == f"the firm's keyword \u201c{KEYWORD}\u201d is in the notice " \
                                          "(\u201cultrafiltration\u201d)"


def test_escaping_is_unchanged_inside_the_isolation(world: World, visitor: Visitor) -> None:
    stored_before_rules(world, name="<b>Hanbit</b> & \u202eretaW")
    page = visitor("partner").get(FIRM)
    assert "<b>Hanbit</b>" not in page.text
    assert "<h1><bdi>&lt;b&gt;Hanbit&lt;/b&gt; &amp; \u202eretaW</bdi></h1>" in page.text


def test_every_placeholder_of_the_pages_is_text_people_wrote_or_the_pages_own() -> None:
    """A new placeholder is isolated or not by decision: those of people's text (PEOPLES_TEXT) are, the pages' own
    values (numbers, dates, statuses, roles they word themselves) are not."""
    own = {"amount", "approved", "choices", "count", "day", "days", "default", "first", "limit", "max", "new", "page",
           "pages", "param", "rejected", "role", "shown", "size", "status", "total", "unchanged", "updated", "when"}
    placeholders = {field for messages in MESSAGES.values() for message in messages.values()
                    for _, field, _, _ in string.Formatter().parse(message) if field is not None}
    assert placeholders == own | PEOPLES_TEXT and not own & PEOPLES_TEXT

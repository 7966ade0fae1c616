"""The home and firm pages: who sees what, what each recommendation shows, and decisions made from the page
landing where the API's land (the shortlist and the feedback log ranking learns from)."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

import lxml.html
import pytest
from fastapi.testclient import TestClient
from lxml.html import HtmlElement
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from api.web.i18n import calendar_days
from api.web.views import FIRM_PAGE_MATCHES, HOME_MATCHES, NEAREST_DEADLINES, searchable
from matcher.normalize.currencies import to_eur
from matcher.ranking.calibration import BAND_FLOORS
from matcher.ranking.reasons import explanation_lines
from matcher.schema import Tender
from matcher.search.retrieve import MatchQuery
from matcher.store.shortlists import ShortlistRepository
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


def articles(html: str) -> list[HtmlElement]:
    found: list[HtmlElement] = lxml.html.fromstring(html).xpath("//article[@class='match']")
    return found


def shown_ids(html: str) -> list[str]:
    return [a.get("data-tender") for a in articles(html)]


def home_row(html: str, firm_name: str) -> list[str]:
    """The text of each cell in the home table's row for this firm."""
    rows = lxml.html.fromstring(html).xpath("//table[@class='firms']/tbody/tr")
    for row in rows:
        cells = [" ".join(c.text_content().split()) for c in row.xpath("./th|./td")]
        if cells[0] == firm_name:
            return cells
    raise AssertionError(f"no row for {firm_name!r}")


def decide(client: TestClient, firm_id: str, csrf: str, tender_id: str, action: str, note: str = "",
           headers: dict[str, str] | None = None) -> int:
    data = {"csrf_token": csrf, "tender_id": tender_id, "action": action, "note": note}
    return client.post(f"/web/firms/{firm_id}/decide", data=data, headers=headers, follow_redirects=False).status_code


# ----------------------------------------------------------------------------- who sees what
def test_each_role_sees_its_own_firms(world: World, visitor: Visitor) -> None:
    partner = page_text(visitor("partner").get("/web/").text)
    assert world.firm_name(OWN) in partner and world.firm_name(OTHER) not in partner
    officer = page_text(visitor("officer").get("/web/").text)
    _, firms = world.matcher.list_firms(limit=100)
    assert firms and all(f.name in officer for f in firms)
    firm = visitor("firm").get("/web/", follow_redirects=False)
    assert firm.status_code == 303 and firm.headers["location"] == f"/web/firms/{OWN}"


def test_a_firm_the_session_may_not_see_is_403_with_nothing_of_it(world: World, visitor: Visitor) -> None:
    partner = visitor("partner")
    hidden = partner.get(f"/web/firms/{OTHER}")
    assert hidden.status_code == 403
    own_titles = {m.title for m in world.matcher.recommend(OWN)}
    other_titles = [m.title for m in world.matcher.recommend(OTHER) if m.title not in own_titles]
    for secret in (OTHER, world.firm_name(OTHER), *other_titles):
        assert secret not in hidden.text
    # A firm that does not exist answers the same page: a refusal never says whether a hidden firm exists.
    assert partner.get("/web/firms/kr-no-such-firm").text == hidden.text
    assert visitor("firm").get(f"/web/firms/{OTHER}").status_code == 403
    assert visitor("officer").get("/web/firms/kr-no-such-firm").status_code == 404
    # Nor may a partner decide for it.
    events = len(world.matcher.feedback_events(OTHER))
    csrf = csrf_of(partner.get("/web/").text)
    assert decide(partner, OTHER, csrf, world.tenders[1], "approve") == 403
    assert len(world.matcher.feedback_events(OTHER)) == events


# ----------------------------------------------------------------------------- the home page
def test_home_counts_new_matches_the_shortlist_and_deadlines(world: World, visitor: Visitor) -> None:
    """New matches are those a digest sends by default (a possible fit or better), not every one ranked."""
    matcher = world.matcher
    ranked = {f.firm_id: matcher.recommend(f.firm_id, MatchQuery(k=HOME_MATCHES))
              for f in matcher.list_firms(limit=100)[1]}
    floor = matcher.default_min_fit()
    strong = {f: [m for m in found if m.fit is not None and m.fit >= floor] for f, found in ranked.items()}
    assert floor > 0 and any(len(strong[f]) < len(ranked[f]) for f in ranked)  # weak ones are left out
    firm_id = next(f for f, found in strong.items() if found)  # the demo has a firm with a match worth sending
    officer = visitor("officer")
    name = world.firm_name(firm_id)
    assert home_row(officer.get("/web/").text, name)[1] == str(len(strong[firm_id]))
    officer.get(f"/web/firms/{firm_id}")  # seen: nothing stored since is new
    assert home_row(officer.get("/web/").text, name)[1] == "0"
    # Another person's visit is theirs: the partner of OWN still has OWN's strong matches as new.
    cells = home_row(visitor("partner").get("/web/").text, world.firm_name(OWN))
    assert cells[1] == str(len(strong[OWN]))
    assert cells[2] == "1 proposed 0 approved 0 rejected"  # the world's seeded proposal
    shown = [d for d in lxml.html.fromstring(visitor("partner").get("/web/").text).xpath("//td//time/@datetime")]
    assert shown and shown == sorted(shown)


def deadline_links(html: str, firm_name: str) -> list[tuple[str, str]]:
    """(the deadline's ``datetime``, its link) for each nearest deadline in the home row of this firm."""
    for row in lxml.html.fromstring(html).xpath("//table[@class='firms']/tbody/tr"):
        if " ".join(row.xpath("./th")[0].text_content().split()) == firm_name:
            return [(li.xpath(".//time/@datetime")[0], li.xpath(".//a/@href")[0]) for li in row.xpath("./td[3]//li")]
    raise AssertionError(f"no row for {firm_name!r}")


def test_home_deadlines_are_matches_worth_sending_or_on_the_shortlist(world: World, visitor: Visitor) -> None:
    """A weak match is no deadline to watch: an optics maker's partner was shown a nursery service closing
    today. The nearest deadlines come from the matches a digest sends by default (a possible fit or better) and
    the shortlist (rejected ones aside), soonest first, each a link to the notice at this firm's fit."""
    matcher = world.matcher
    now, floor = matcher.settings.now(), matcher.default_min_fit()
    html = visitor("officer").get("/web/").text
    weak_left_out = 0
    for firm in matcher.list_firms(limit=100)[1]:
        ranked = matcher.recommend(firm.firm_id, MatchQuery(k=HOME_MATCHES))
        worth = {m.tender_id for m in ranked if m.fit is None or m.fit >= floor}
        listed = {i.tender_id for i in matcher.shortlist(firm.firm_id) if i.status != "rejected"}
        shown = deadline_links(html, firm.name)
        ids = []
        for _, href in shown:
            path, fragment = href.split("#")
            assert path.startswith("/web/tenders/") and fragment == f"firm-{quote(firm.firm_id, safe='')}"
            ids.append(unquote(path.removeprefix("/web/tenders/")))
        assert set(ids) <= worth | listed
        due = sorted((t.deadline.isoformat(), t.tender_id) for t in matcher.fetch_tenders([*worth, *listed]).values()
                     if t.deadline is not None and t.deadline > now)
        soonest = due[:NEAREST_DEADLINES]
        assert [d for d, _ in shown] == [d for d, _ in soonest] and ids == [t for _, t in soonest]
        last = shown[-1][0] if len(shown) == NEAREST_DEADLINES else "9999"
        weak_left_out += sum(1 for m in ranked if m.tender_id not in worth | listed
                             and m.deadline is not None and now < m.deadline and m.deadline.isoformat() < last)
    assert weak_left_out  # the demo has weak matches due sooner than those shown: the rule is what left them out


def test_only_tenders_stored_after_a_visit_are_new(world: World) -> None:
    matcher, ids = world.matcher, world.tenders
    assert matcher.unseen_tenders("partner-a", OWN, ids) == set(ids)  # never opened: all new
    matcher.record_visit("partner-a", OWN)
    assert matcher.unseen_tenders("partner-a", OWN, ids) == set()
    fresh = Tender.model_validate({**matcher.get_tender(ids[0]).model_dump(), "tender_id": "ted:900001-2021"})
    matcher.upsert_tenders([fresh], sync=False)
    assert matcher.unseen_tenders("partner-a", OWN, [*ids, fresh.tender_id]) == {fresh.tender_id}
    assert matcher.unseen_tenders("officer-1", OWN, ids) == set(ids)


# ----------------------------------------------------------------------------- the firm page
def test_the_firm_page_shows_each_recommendation(world: World, visitor: Visitor) -> None:
    html = visitor("partner").get(f"/web/firms/{OWN}?fit=all").text
    expected = world.matcher.recommend(OWN, MatchQuery(k=FIRM_PAGE_MATCHES))
    assert shown_ids(html) == [m.tender_id for m in expected]
    tenders = world.matcher.fetch_tenders([m.tender_id for m in expected])
    converted = labelled = 0
    for article, match in zip(articles(html), expected, strict=True):
        text = " ".join(article.text_content().split())
        assert match.title in text and (match.buyer or "not stated") in text
        reasons, concerns = explanation_lines(match.reasons, "en")
        assert all(line in text for line in reasons + concerns)
        assert f"{match.fit_band} fit" in text
        if match.deadline is not None:
            assert article.xpath(".//time/@datetime") == [match.deadline.isoformat()]
        if match.url and match.url.startswith("http"):
            assert article.xpath(".//a[@rel='external noopener noreferrer']/@href") == [match.url]
        if match.value and match.currency not in (None, "EUR"):
            euros = to_eur(match.value, match.currency)
            assert euros is not None and f"about €{round(euros):,}" in text
            converted += 1
        tender = tenders[match.tender_id]
        english = tender.titles.get("en")
        if tender.language not in (None, "en", "ko") and english and english != tender.title:
            assert f"English title: {english}" in text
            labelled += 1
    assert converted and labelled  # the demo has both kinds; otherwise this test checks less than it says


def test_weak_fits_are_left_out_until_asked_for(world: World, visitor: Visitor) -> None:
    """A weak fit (about one in eighteen judged relevant) is listed, under "why it fits", only when asked for:
    by default the page keeps what a digest sends (a possible fit or better), says how many of the first 20 it
    left out, and links to the whole list; the choice survives the other filters and a decision."""
    client = visitor("partner")
    ranked = world.matcher.recommend(OWN, MatchQuery(k=FIRM_PAGE_MATCHES))
    by_band = {band: [m.tender_id for m in ranked if m.fit_band == band] for band, _ in BAND_FLOORS}
    assert by_band["weak"] and len(by_band["weak"]) < len(ranked)  # the demo's first 20 hold both kinds
    default = client.get(f"/web/firms/{OWN}").text
    assert shown_ids(default) == [m.tender_id for m in ranked if m.fit_band != "weak"]
    note = lxml.html.fromstring(default).xpath("//p[@class='below-fit']")[0]
    assert f"{len(by_band['weak'])} of the first {FIRM_PAGE_MATCHES} are below the chosen fit" in note.text_content()
    assert note.xpath(".//a/@href") == [f"/web/firms/{OWN}?fit=all"]
    every = client.get(f"/web/firms/{OWN}?fit=all").text
    assert shown_ids(every) == [m.tender_id for m in ranked] and "below-fit" not in every
    assert 'value="all" selected' in every
    strong = shown_ids(client.get(f"/web/firms/{OWN}", params={"fit": "strong"}).text)
    assert strong == by_band["strong"]
    good = shown_ids(client.get(f"/web/firms/{OWN}", params={"fit": "good"}).text)
    assert good == [m.tender_id for m in ranked if m.fit_band in ("strong", "good")]
    assert shown_ids(client.get(f"/web/firms/{OWN}", params={"fit": "bogus"}).text) == shown_ids(default)
    # With another filter, the link to every fit keeps it.
    french = lxml.html.fromstring(client.get(f"/web/firms/{OWN}", params={"country": "FR"}).text)
    assert french.xpath("//p[@class='below-fit']/a/@href") == [f"/web/firms/{OWN}?country=FR&fit=all"]
    # A decision made on the list of every fit comes back to it.
    csrf = csrf_of(every)
    answer = client.post(f"/web/firms/{OWN}/decide?fit=all", data={
        "csrf_token": csrf, "tender_id": by_band["weak"][0], "action": "note", "note": "weak, but ask"},
        follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"/web/firms/{OWN}?fit=all#")


def test_one_result_is_counted_in_the_singular(world: World, visitor: Visitor) -> None:
    """"(1 tenders)" read wrong on the firm, search and shortlist pages; the world's shortlist holds one item."""
    page = lxml.html.fromstring(visitor("partner").get(f"/web/firms/{OWN}/shortlist").text)
    assert " ".join(page.xpath("//h2[@id='items-heading']/span[@class='count']")[0].text_content().split()) == (
        "(1 tender)")
    korean = lxml.html.fromstring(visitor("partner").get(f"/web/firms/{OWN}/shortlist?lang=ko").text)
    assert korean.xpath("//h2[@id='items-heading']/span[@class='count']")[0].text_content().strip() == "(입찰 1건)"


def test_filters_narrow_the_list(world: World, visitor: Visitor) -> None:
    client, matcher = visitor("officer"), world.matcher
    now = matcher.settings.now()
    france = client.get(f"/web/firms/{OWN}", params={"country": "FR"}).text
    ids = shown_ids(france)
    assert ids and all("FR" in t.all_countries() for t in matcher.fetch_tenders(ids).values())
    soon = client.get(f"/web/firms/{OWN}", params={"closing_within": "30", "fit": "all"}).text
    pool = matcher.recommend(OWN, MatchQuery(k=100))
    within = [m.tender_id for m in pool if m.deadline is not None and calendar_days(now, m.deadline) <= 30]
    assert shown_ids(soon) == within[:FIRM_PAGE_MATCHES] and within
    word = "water"
    found = shown_ids(client.get(f"/web/firms/{OWN}", params={"q": word, "fit": "all"}).text)
    tenders = matcher.fetch_tenders([m.tender_id for m in pool])
    assert found == [m.tender_id for m in pool if word in searchable(tenders[m.tender_id], m)][:FIRM_PAGE_MATCHES]
    assert found and len(found) < len(pool)
    unread = client.get(f"/web/firms/{OWN}", params={"min_value": "lots"})
    assert unread.status_code == 200 and 'aria-invalid="true"' in unread.text and shown_ids(unread.text)


# ----------------------------------------------------------------------------- decisions
def test_decisions_from_the_page_are_the_apis_decisions(world: World, visitor: Visitor) -> None:
    matcher, client = world.matcher, visitor("partner")
    csrf = csrf_of(client.get(f"/web/firms/{OWN}").text)
    a, b, c = [m.tender_id for m in matcher.recommend(OWN) if m.tender_id != world.tenders[0]][:3]
    before = len(matcher.feedback_events(OWN))
    assert decide(client, OWN, csrf, a, "approve", "call the buyer") == 303
    fragment = client.post(
        f"/web/firms/{OWN}/decide", data={"csrf_token": csrf, "tender_id": b, "action": "reject"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200 and "rejected by partner-a" in page_text(fragment.text)
    assert decide(client, OWN, csrf, c, "note", "ask about the lots") == 303
    items = {i.tender_id: i for i in matcher.shortlist(OWN)}
    assert (items[a].status, items[a].decided_by, items[a].note) == ("approved", "partner-a", "call the buyer")
    assert (items[b].status, items[b].decided_by) == ("rejected", "partner-a")
    assert (items[c].status, items[c].note) == ("proposed", "ask about the lots")
    logged = [(e.tender_id, e.decision, e.actor, e.note) for e in matcher.feedback_events(OWN)[before:]]
    assert logged == [
        (a, "proposed", "partner-a", ""), (a, "approved", "partner-a", "call the buyer"),
        (b, "proposed", "partner-a", ""), (b, "rejected", "partner-a", ""),
        (c, "proposed", "partner-a", "ask about the lots"),
    ]
    api = world.client.get(f"/firms/{OWN}/shortlist", headers=world.auth("partner")).json()
    assert {(i["tender_id"], i["status"]) for i in api} >= {(a, "approved"), (b, "rejected"), (c, "proposed")}
    page = client.get(f"/web/firms/{OWN}").text  # the ranking learnt: the rejected tender is gone
    assert b not in shown_ids(page) and a in shown_ids(page)


def test_a_decision_on_a_notice_not_yet_listed_is_stored_whole_or_not_at_all(
    world: World, visitor: Visitor, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Approving a notice not on the shortlist proposes it, then decides: one transaction, so a store fault at
    the decision leaves it neither proposed nor logged (it was proposed in a transaction of its own, and kept)."""
    matcher, client = world.matcher, visitor("partner")
    csrf = csrf_of(client.get(f"/web/firms/{OWN}").text)
    tender_id = next(m.tender_id for m in matcher.recommend(OWN) if m.tender_id != world.tenders[0])
    before = ([i.tender_id for i in matcher.shortlist(OWN)], len(matcher.feedback_events(OWN)))

    original = ShortlistRepository.decide

    def failing(self: ShortlistRepository, conn: Connection, firm_id: str, tender_id: str, *args: Any) -> Any:
        if self.get(conn, firm_id, tender_id) is None:  # not listed: the decision finds nothing, as it would
            return original(self, conn, firm_id, tender_id, *args)
        raise OperationalError("UPDATE shortlist_items", {}, Exception("disk I/O error"))

    monkeypatch.setattr(ShortlistRepository, "decide", failing)
    with pytest.raises(OperationalError, match="disk I/O error"):
        decide(client, OWN, csrf, tender_id, "approve", "call the buyer")
    assert ([i.tender_id for i in matcher.shortlist(OWN)], len(matcher.feedback_events(OWN))) == before
    monkeypatch.undo()
    assert decide(client, OWN, csrf, tender_id, "approve", "call the buyer") == 303
    assert matcher.shortlist(OWN, "approved")[0].tender_id == tender_id


def test_a_decision_keeps_the_filters(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    page = client.get(f"/web/firms/{OWN}", params={"country": "FR"})
    tender_id = shown_ids(page.text)[0]
    response = client.post(
        f"/web/firms/{OWN}/decide?country=FR",
        data={"csrf_token": csrf_of(page.text), "tender_id": tender_id, "action": "approve"}, follow_redirects=False,
    )
    # Back to the page as it was, at the item decided (a browser without scripts lands there).
    assert response.status_code == 303
    assert response.headers["location"] == f"/web/firms/{OWN}?country=FR#tender-{tender_id}"
    assert lxml.html.fromstring(page.text).xpath(f"//article[@id='tender-{tender_id}']/@data-tender") == [tender_id]


@pytest.mark.parametrize(("lang", "said"), [("en", "Rejected: {title}"), ("ko", "거절했습니다: {title}")])
def test_a_one_click_decision_names_its_action_and_says_what_it_did(
    world: World, visitor: Visitor, lang: str, said: str
) -> None:
    """The htmx answer carries what static/web.js moves focus on from, and the words the live region reads."""
    client = visitor("partner")
    client.headers["Accept-Language"] = lang
    page = client.get(f"/web/firms/{OWN}")
    first, second = shown_ids(page.text)[:2]
    blocks = lxml.html.fromstring(page.text).xpath("//div[@class='decision']")
    assert [b.get("data-status") for b in blocks[:2]] == [
        "proposed" if t == world.tenders[0] else "none" for t in (first, second)]
    assert lxml.html.fromstring(page.text).xpath("//*[@id='live-status']/@role") == ["status"]
    answer = client.post(f"/web/firms/{OWN}/decide", data={
        "csrf_token": csrf_of(page.text), "tender_id": second, "action": "reject"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    tree = lxml.html.fragments_fromstring(answer.text)
    block, live = [e for e in tree if isinstance(e, lxml.html.HtmlElement)]
    assert (block.get("data-status"), block.get("data-action")) == ("rejected", "reject")
    assert (live.get("id"), live.get("hx-swap-oob")) == ("live-status", "innerHTML")
    assert live.text_content() == said.format(title=world.matcher.get_tender(second).title)


def test_a_change_without_the_sessions_token_is_refused(world: World, visitor: Visitor) -> None:
    matcher, client = world.matcher, visitor("partner")
    own_csrf = csrf_of(client.get(f"/web/firms/{OWN}").text)
    others_csrf = csrf_of(visitor("officer").get("/web/").text)
    tender_id = world.tenders[1]
    before = (matcher.shortlist(OWN), matcher.feedback_events(OWN))
    for token in ("", own_csrf[:-1] + ("A" if own_csrf[-1] != "A" else "B"), others_csrf):
        assert decide(client, OWN, token, tender_id, "approve") == 403
    no_field = client.post(f"/web/firms/{OWN}/decide", data={"tender_id": tender_id, "action": "approve"})
    assert no_field.status_code == 403
    assert (matcher.shortlist(OWN), matcher.feedback_events(OWN)) == before
    # The same token in the header htmx sends is accepted.
    assert decide(client, OWN, "", tender_id, "approve", headers={"X-CSRF-Token": own_csrf}) == 303
    assert matcher.shortlist(OWN, "approved")[0].tender_id == tender_id


def test_a_firm_sees_what_its_partner_approved_but_cannot_decide(world: World, visitor: Visitor) -> None:
    matcher, partner = world.matcher, visitor("partner")
    approved, other = [m.tender_id for m in matcher.recommend(OWN) if m.tender_id != world.tenders[0]][:2]
    assert decide(partner, OWN, csrf_of(partner.get("/web/").text), approved, "approve") == 303
    firm = visitor("firm")
    page = firm.get(f"/web/firms/{OWN}").text
    assert "/decide" not in page  # no decision forms
    article = articles(page)[shown_ids(page).index(approved)]
    assert "Approved by your partner" in article.text_content()
    assert "proposed by" not in page_text(page)  # proposals are between the partner and the officer
    events = len(matcher.feedback_events(OWN))
    assert decide(firm, OWN, csrf_of(page), other, "approve") == 403
    assert len(matcher.feedback_events(OWN)) == events


"""The tender page: the notice in full, the firms it fits as far as the session may see firms, and adding it
to a firm's shortlist (the API's proposal: same shortlist, same feedback log)."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import shutil
from datetime import timedelta

import lxml.html
import pytest
from fastapi.testclient import TestClient
from lxml.html import HtmlElement

from api.web.i18n import Formatter
from api.web.messages import translate
from api.web.tender_pages import TENDER_FIRMS, tender_url
from matcher.normalize.currencies import to_eur
from matcher.normalize.openness import OpenRule
from matcher.ranking.reasons import explanation_lines
from matcher.reference.codebook import codebook
from matcher.schema import STORED, Tender
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
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401

#: A Czech call for tenders in the demo: 24 titles, CZK, a CPV code, a description.
CZECH = "ted:178549-2021"


def page(client: TestClient, tender_id: str, fit: str = "all", **headers: str) -> str:
    """The tender page; by default listing every firm's fit (``fit=all``), weak ones too."""
    response = client.get(f"/web/tenders/{tender_id}", params={"fit": fit} if fit else None, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


def fit_rows(html: str) -> list[HtmlElement]:
    found: list[HtmlElement] = lxml.html.fromstring(html).xpath("//table[contains(@class, 'fits')]/tbody/tr")
    return found


def shown_firms(html: str) -> list[str]:
    return [str(row.get("data-firm")) for row in fit_rows(html)]


def add(client: TestClient, tender_id: str, firm_id: str, csrf: str) -> int:
    response = client.post(f"/web/tenders/{tender_id}/shortlist", data={"csrf_token": csrf, "firm_id": firm_id},
                           follow_redirects=False)
    return response.status_code


# ----------------------------------------------------------------------------- the notice
def test_the_notice_in_full(world: World, visitor: Visitor) -> None:
    tender = world.matcher.get_tender(CZECH)
    html = page(visitor("partner"), CZECH)
    doc = lxml.html.fromstring(html)
    text = page_text(html)
    assert doc.xpath("//h1")[0].text_content() == tender.title and doc.xpath("//h1/@lang") == ["cs"]
    # Every other title, in its language, named in the page's; TED's English title also as the label.
    others = {code: title for code, title in tender.titles.items() if title != tender.title}
    assert len(others) > 10
    listed = {str(s.get("lang")): s.text_content() for s in doc.xpath("//ul[@class='titles']/li/span[@lang]")}
    assert listed == others
    assert f"French: {tender.titles['fr']}" in text and f"English title: {tender.titles['en']}" in text
    assert all(line.strip() in text for line in tender.description.splitlines() if line.strip())
    for code in tender.codes:
        label = codebook().label(code)
        assert label and f"{code} {label}" in text
    fmt = Formatter("en", world.matcher.settings.now())
    euros = to_eur(tender.value or 0, tender.currency)
    assert euros is not None and tender.currency == "CZK"
    assert f"{fmt.money(tender.value, 'CZK')} (about {fmt.money(euros, 'EUR')})" in text
    assert tender.deadline and fmt.moment(tender.deadline) in text and fmt.days_left(tender.deadline) in text
    assert tender.buyer and tender.buyer in text and "Czechia" in text and "call for tenders" in text
    assert doc.xpath("//a[@rel='external noopener noreferrer']/@href") == [tender.url]


def test_untrusted_text_is_text_and_only_http_links(world: World, visitor: Visitor) -> None:
    matcher = world.matcher
    hostile = Tender.model_validate({
        **matcher.get_tender(CZECH).model_dump(), "tender_id": "ted:900004-2021",
        "title": "<script>alert(1)</script>", "description": "<img src=x onerror=alert(2)>\n<b>second</b>",
        "buyer": "<i>buyer</i>", "titles": {"fr": "<script>alert(3)</script>"}, "url": "javascript:alert(4)",
    }, context=STORED)  # a 'javascript:' address is refused coming in; one read back from an older store is dropped
    assert hostile.url is None
    matcher.upsert_tenders([hostile])
    html = page(visitor("officer"), hostile.tender_id)
    for raw in ("<script>alert(1)</script>", "<img src=x", "<b>second</b>", "<i>buyer</i>", "<script>alert(3)",
                "javascript:alert(4)"):
        assert raw not in html
    text = page_text(html)
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(2)>" in text
    assert "<script>alert(3)</script>" in text and "<i>buyer</i>" in text
    assert not lxml.html.fromstring(html).xpath("//a[@rel='external noopener noreferrer']")


def test_a_design_contest_says_so_beside_its_notice_type(world: World, visitor: Visitor) -> None:
    matcher = world.matcher
    contest = matcher.get_tender(CZECH).model_copy(update={"tender_id": "ted:900005-2021", "design_contest": True})
    matcher.upsert_tenders([contest])
    shown = "call for tenders (design contest: the buyer acquires a plan or design chosen by a jury)"
    assert shown in page_text(page(visitor("officer"), contest.tender_id))
    assert "design contest" not in page_text(page(visitor("officer"), CZECH))


def test_unknown_future_and_malformed_notices_are_404(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    future = Tender.model_validate({
        **world.matcher.get_tender(CZECH).model_dump(), "tender_id": "ted:900005-2021",
        "title": "Published tomorrow", "published": world.matcher.settings.now().date() + timedelta(days=1),
    })
    world.matcher.upsert_tenders([future])
    for tender_id in ("ted:no-such-notice", future.tender_id, "a%20b"):
        refused = client.get(f"/web/tenders/{tender_id}")
        assert refused.status_code == 404 and "Published tomorrow" not in refused.text


def test_without_an_index_the_notice_shows_and_the_firms_wait(world: World, visitor: Visitor) -> None:
    shutil.rmtree(world.matcher.settings.indexes_dir)
    html = page(visitor("partner"), CZECH)
    assert world.matcher.get_tender(CZECH).title in page_text(html) and not fit_rows(html)
    assert "The search index is not built yet" in page_text(html)


# ----------------------------------------------------------------------------- firms, by role
def test_firms_are_those_the_session_may_see(world: World, visitor: Visitor) -> None:
    matcher = world.matcher
    _, firms = matcher.list_firms(limit=100)
    expected = {
        "officer": [m.firm_id for m in matcher.firms_for(CZECH, TENDER_FIRMS)],
        "partner": [OWN], "partner_b": [OTHER], "firm": [OWN], "firm_b": [OTHER],
    }
    assert len(expected["officer"]) == len(firms) > 2
    for who, firm_ids in expected.items():
        html = page(visitor(who), CZECH)
        assert shown_firms(html) == firm_ids, who
        hidden = [f for f in firms if f.firm_id not in firm_ids]
        assert not any(f.name in html or f.firm_id in html for f in hidden), who
    # Each row: the firm, its fit band, and the reasons and concerns in the page language.
    officer = page(visitor("officer"), CZECH)
    for row, match in zip(fit_rows(officer), matcher.firms_for(CZECH, TENDER_FIRMS), strict=True):
        cells = [" ".join(c.text_content().split()) for c in row.xpath("./th|./td")]
        reasons, concerns = explanation_lines(match.reasons, "en")
        assert cells[0] == match.firm_name and cells[1] == translate("en", f"fit_{match.fit_band or 'unknown'}")
        assert all(line in cells[2] for line in reasons) and all(line in cells[3] for line in concerns)


@pytest.mark.slow
def test_weak_fits_are_left_out_unless_shortlisted_or_asked_for(world: World, visitor: Visitor) -> None:
    """"Firms this tender fits" listed every firm, each a weak fit of a Lithuanian electronic-components notice
    with "add to the shortlist" beside it. By default a firm is listed when the notice is a possible fit or
    better for it (what its digest sends and its page lists) or is on its shortlist; the page says how many weak
    fits it left out and links to every fit."""
    matcher, officer = world.matcher, visitor("officer")
    _, notices = matcher.search_tenders(TenderFilter(open_at=matcher.settings.now()), limit=200)
    ranked_for = {t.tender_id: matcher.firms_for(t.tender_id, TENDER_FIRMS) for t in notices}
    # A notice some firms fit (possible or better) and others only weakly, none of them shortlisted.
    mixed = next(t for t, ranked in ranked_for.items() if len({m.fit_band == "weak" for m in ranked}) == 2
                 and not any(t in {e.tender_id for e in matcher.shortlist(m.firm_id)} for m in ranked))
    ranked = ranked_for[mixed]
    weak = [m.firm_id for m in ranked if m.fit_band == "weak"]
    default = page(officer, mixed, fit="")
    assert shown_firms(default) == [m.firm_id for m in ranked if m.fit_band != "weak"]
    note = " ".join(lxml.html.fromstring(default).xpath("//p[@class='below-fit']")[0].text_content().split())
    assert note == (f"{len(weak)} firms for which it is only a weak fit (and not on their shortlist) are not "
                    "shown. Show every fit")
    assert lxml.html.fromstring(default).xpath("//p[@class='below-fit']/a/@href") == [
        f"{tender_url(mixed)}?fit=all#firms-heading"]
    assert shown_firms(page(officer, mixed)) == [m.firm_id for m in ranked]
    # A weak fit on the firm's shortlist is listed: its status is what the officer comes to see.
    matcher.propose(weak[0], mixed, "officer-1")
    assert shown_firms(page(officer, mixed, fit="")) == [m.firm_id for m in ranked
                                                         if m.fit_band != "weak" or m.firm_id == weak[0]]
    # A notice that is a weak fit for every firm says so, with the same link.
    only_weak = next(t for t, ranked in ranked_for.items() if ranked and all(m.fit_band == "weak" for m in ranked)
                     and not any(t in {e.tender_id for e in matcher.shortlist(m.firm_id)} for m in ranked))
    html = page(officer, only_weak, fit="")
    assert shown_firms(html) == [] and "not a possible fit or better for any firm you may see" in page_text(html)
    assert lxml.html.fromstring(html).xpath("//p[@class='below-fit']/a/@href") == [
        f"{tender_url(only_weak)}?fit=all#firms-heading"]


def test_korean(world: World, visitor: Visitor) -> None:
    html = page(visitor("partner"), CZECH, **{"Accept-Language": "ko-KR,ko;q=0.9"})
    assert lxml.html.fromstring(html).get("lang") == "ko"
    text = page_text(html)
    tender = world.matcher.get_tender(CZECH)
    fmt = Formatter("ko", world.matcher.settings.now())
    assert "체코" in text and "입찰 공고" in text and "이 입찰에 맞는 회사" in text
    assert f"프랑스어: {tender.titles['fr']}" in text
    assert tender.deadline and fmt.moment(tender.deadline) in text
    reasons, _ = explanation_lines(world.matcher.firms_for(CZECH, 1, firm_ids=[OWN])[0].reasons, "ko")
    assert reasons and all(line in text for line in reasons)
    assert "Firms this tender fits" not in text and "Description" not in text
    # The codes as the profile page and the reasons name them: the Korean label first, the English one beside it
    # (the page listed the English label alone).
    book = codebook()
    shown = [item.text_content() for item in lxml.html.fromstring(html).xpath("//ul[@class='codes']/li")]
    assert shown and len(shown) == len(tender.codes)
    for code, line in zip(tender.codes, shown, strict=True):
        korean = book.label_in(code, "ko")
        assert line == f"{code} {korean} / {book.label(code)}" if korean else line.startswith(code), line
    assert any(book.label_in(code, "ko") for code in tender.codes)


# ----------------------------------------------------------------------------- adding to a shortlist
def test_a_partner_adds_the_tender_to_a_firms_shortlist(world: World, visitor: Visitor) -> None:
    matcher, client = world.matcher, visitor("partner")
    html = page(client, CZECH)
    assert [b.text_content() for b in lxml.html.fromstring(html).xpath("//table//button")] == [
        f"Add to the shortlist of {world.firm_name(OWN)}"]
    before = len(matcher.feedback_events(OWN))
    assert add(client, CZECH, OWN, csrf_of(html)) == 303
    item = next(e for e in matcher.shortlist(OWN) if e.tender_id == CZECH)
    assert (item.status, item.proposed_by) == ("proposed", "partner-a")
    assert [(e.tender_id, e.decision, e.actor) for e in matcher.feedback_events(OWN)[before:]] == [
        (CZECH, "proposed", "partner-a")]
    again = page(client, CZECH)
    assert "On the shortlist: proposed" in page_text(again) and not lxml.html.fromstring(again).xpath("//table//button")
    # The API sees the same item; adding twice changes nothing.
    api = world.client.get(f"/firms/{OWN}/shortlist", headers=world.auth("partner")).json()
    assert any(i["tender_id"] == CZECH and i["status"] == "proposed" for i in api)
    assert add(client, CZECH, OWN, csrf_of(again)) == 303
    assert len(matcher.feedback_events(OWN)) == before + 1


def test_adding_is_refused_outside_the_sessions_rights(world: World, visitor: Visitor) -> None:
    matcher = world.matcher
    partner, firm = visitor("partner"), visitor("firm")
    partner_csrf, firm_csrf = csrf_of(page(partner, CZECH)), csrf_of(page(firm, CZECH))
    before = {f: (matcher.shortlist(f), matcher.feedback_events(f)) for f in (OWN, OTHER)}
    assert add(partner, CZECH, OTHER, partner_csrf) == 403  # not the partner's firm
    assert add(partner, CZECH, "kr-no-such-firm", partner_csrf) == 403  # never says whether it exists
    assert add(firm, CZECH, OWN, firm_csrf) == 403  # a firm key does not decide
    assert not lxml.html.fromstring(page(firm, CZECH)).xpath("//form[contains(@action, '/shortlist')]")
    for token in ("", partner_csrf[:-1] + ("A" if partner_csrf[-1] != "A" else "B"), firm_csrf):
        assert add(partner, CZECH, OWN, token) == 403  # missing, altered, another session's
    assert add(partner, "ted:no-such-notice", OWN, partner_csrf) == 404
    assert {f: (matcher.shortlist(f), matcher.feedback_events(f)) for f in (OWN, OTHER)} == before
    # An officer may add for any firm.
    officer = visitor("officer")
    assert add(officer, CZECH, OTHER, csrf_of(page(officer, CZECH))) == 303
    assert any(e.tender_id == CZECH for e in matcher.shortlist(OTHER))


def test_a_firm_sees_its_fit_and_only_an_approved_status(world: World, visitor: Visitor) -> None:
    matcher, firm = world.matcher, visitor("firm")
    matcher.propose(OWN, CZECH, "partner-a")
    assert "On the shortlist" not in page_text(page(firm, CZECH))  # a proposal is between partner and officer
    matcher.decide(OWN, CZECH, "approved", "partner-a")
    assert "On the shortlist: approved" in page_text(page(firm, CZECH))


def test_firm_and_shortlist_pages_link_here(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    firm_page = lxml.html.fromstring(client.get(f"/web/firms/{OWN}").text)
    first = firm_page.xpath("//article[@class='match']")[0]
    assert first.xpath(".//h3/a/@href") == [f"/web/tenders/{first.get('data-tender').replace(':', '%3A')}"]
    assert f"/web/firms/{OWN}/shortlist" in firm_page.xpath("//main//a/@href")
    href = first.xpath(".//h3/a/@href")[0]
    assert client.get(href).status_code == 200


# ----------------------------------------------------------------------------- notices no firm can bid on
def _not_open(world: World) -> dict[str, Tender]:
    """A visible award notice of the demo, and the Czech call stored again under another id with a deadline one
    hour before the demo's clock (every call of the demo is open then)."""
    matcher = world.matcher
    now = matcher.settings.now()
    rule = OpenRule.from_settings(matcher.settings)
    award = next(t for t in matcher.all_tenders() if t.notice_type == "award" and rule.visible(t.published, now))
    closed = matcher.get_tender(CZECH).model_copy(update={"tender_id": "ted:178549-2021-closed",
                                                          "deadline": now - timedelta(hours=1)})
    # a call whose deadline is a month off, ended by a later notice: only the store knows it is closed
    ended = matcher.get_tender(CZECH).model_copy(update={"tender_id": "ted:178549-2021-ended",
                                                         "deadline": now + timedelta(days=30)})
    ending = Tender(tender_id="ted:178549-2021-ending", source="ted", notice_type="award",
                    title="Procedure discontinued", published=now.date(), cancels=[ended.tender_id])
    matcher.upsert_tenders([closed, ended, ending])
    assert not rule.is_open(award, now) and not rule.is_open(closed, now) and rule.is_open(ended, now)
    return {"not_biddable_award": award, "not_biddable_closed": closed, "not_biddable_cancelled": ended}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_notice_no_firm_can_bid_on_offers_no_shortlist_and_says_why(
    world: World, visitor: Visitor, lang: str
) -> None:
    """An award notice (a result, not an opportunity) and a closed call offered "Add to the shortlist"."""
    client = visitor("partner")
    client.headers["Accept-Language"] = lang
    for reason, tender in _not_open(world).items():
        html = page(client, tender.tender_id)
        assert shown_firms(html), "the notice lists no firm: nothing would show the button"
        assert not lxml.html.fromstring(html).xpath("//form[contains(@action, '/shortlist')]"), tender.tender_id
        assert translate(lang, reason) in page_text(html)  # type: ignore[arg-type]


def test_a_forged_request_to_shortlist_a_notice_no_firm_can_bid_on_is_refused(
    world: World, visitor: Visitor
) -> None:
    matcher, client = world.matcher, visitor("partner")
    csrf = csrf_of(page(client, CZECH))
    before = (matcher.shortlist(OWN), matcher.feedback_events(OWN))
    for reason, tender in _not_open(world).items():
        response = client.post(f"/web/tenders/{tender.tender_id}/shortlist", data={"csrf_token": csrf, "firm_id": OWN},
                               follow_redirects=False)
        assert response.status_code == 422 and translate("en", reason) in page_text(response.text)
        # The firm page's decision form would propose it too (a note, or a decision on an unlisted notice).
        for action in ("note", "approve", "reject"):
            decided = client.post(f"/web/firms/{OWN}/decide", data={
                "csrf_token": csrf, "tender_id": tender.tender_id, "action": action, "note": "forged"},
                headers={"HX-Request": "true"})
            assert decided.status_code == 422 and translate("en", reason) in page_text(decided.text), action
    assert (matcher.shortlist(OWN), matcher.feedback_events(OWN)) == before


def test_a_listed_notice_that_closed_may_still_be_decided(world: World, visitor: Visitor) -> None:
    """What is on the shortlist already stays decidable when it closes: a partner rejects what was missed."""
    closed = _not_open(world)["not_biddable_closed"]
    world.matcher.propose(OWN, closed.tender_id, "partner-a")
    client = visitor("partner")
    csrf = csrf_of(page(client, CZECH))
    decided = client.post(f"/web/firms/{OWN}/decide", data={
        "csrf_token": csrf, "tender_id": closed.tender_id, "action": "reject", "note": ""}, follow_redirects=False)
    assert decided.status_code == 303
    assert next(e for e in world.matcher.shortlist(OWN) if e.tender_id == closed.tender_id).status == "rejected"

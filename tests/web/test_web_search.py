"""The search page: notices found by meaning through the encoder and the index (``Matcher.search_notices``),
open ones unless closed ones are asked for, each linking to its tender page; for partners and officers, as
the API's ``GET /search/tenders``. The fake encoder finds by shared words; the multilingual encoder's
cross-language finds are tested in tests/services/test_notice_search.py."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import shutil

import lxml.html
from fastapi.testclient import TestClient

from api.web.i18n import Formatter
from api.web.query_choices import MAX_QUERY
from api.web.search_pages import SEARCH_RESULTS
from matcher.schema import Tender
from matcher.store import TenderFilter
from tests.api.conftest import (  # noqa: F401
    OWN,
    World,
    api_settings,
    database_url,
    demo_template,
    world,
)
from tests.web.pages_world import Visitor, page_text, visitor  # noqa: F401

#: A Czech call for tenders in the demo, and words of its description only (not of its title or buyer).
CZECH = "ted:178549-2021"
DESCRIPTION_WORDS = "poskytování služeb projektové a inženýrské činnosti"


def results(html: str) -> list[str]:
    rows = lxml.html.fromstring(html).xpath("//table[contains(@class, 'results')]/tbody/tr")
    return [str(row.get("data-tender")) for row in rows]


def search(client: TestClient, q: str, **params: str) -> str:
    response = client.get("/web/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.text


def test_a_notice_number_finds_its_notice_first_and_says_so(world: World, visitor: Visitor) -> None:
    html = search(visitor("officer"), CZECH.removeprefix("ted:"))
    assert results(html)[0] == CZECH
    first = lxml.html.fromstring(html).xpath("//table[contains(@class, 'results')]/tbody/tr")[0]
    assert f"the notice with this id: {CZECH}" in " ".join(first.text_content().split())
    assert page_text(html).count("the notice with this id") == 1


def test_words_find_the_notice_through_the_index(world: World, visitor: Visitor) -> None:
    matcher, client = world.matcher, visitor("partner")
    html = search(client, DESCRIPTION_WORDS)
    found = results(html)
    assert found[0] == CZECH
    assert found == [h.tender.tender_id for h in matcher.search_notices(DESCRIPTION_WORDS, SEARCH_RESULTS, True)]
    # The words are in the description, not the title or the buyer: the API's literal search finds nothing.
    literal = world.client.get("/tenders", params={"q": DESCRIPTION_WORDS}, headers=world.auth("partner"))
    assert literal.status_code == 200 and literal.json()["total"] == 0
    first = lxml.html.fromstring(html).xpath("//table[contains(@class, 'results')]/tbody/tr")[0]
    assert first.xpath(".//a/@href") == [f"/web/tenders/{CZECH.replace(':', '%3A')}"]
    assert first.xpath(".//a/@lang") == ["cs"]
    tender = matcher.get_tender(CZECH)
    text = " ".join(first.text_content().split())
    assert tender.title in text and f"English title: {tender.titles['en']}" in text and "Czechia" in text
    fmt = Formatter("en", matcher.settings.now())
    assert tender.deadline and fmt.days_left(tender.deadline) in text


def test_open_notices_unless_closed_ones_are_asked_for(world: World, visitor: Visitor) -> None:
    matcher, client = world.matcher, visitor("officer")
    now = matcher.settings.now()
    _, open_now = matcher.search_tenders(TenderFilter(open_at=now), limit=1000)
    open_ids = {t.tender_id for t in open_now}
    closed = next(t for t in matcher.all_tenders() if t.tender_id not in open_ids and t.notice_type == "award")
    words = " ".join([closed.title, closed.titles.get("en", "")])
    default = results(search(client, words))
    assert closed.tender_id not in default and set(default) <= open_ids and default
    everything = search(client, words, closed="1")
    assert results(everything)[0] == closed.tender_id
    assert "award notice" in page_text(everything)
    assert lxml.html.fromstring(everything).xpath("//input[@name='closed']/@checked")


def test_partners_and_officers_only(world: World, visitor: Visitor) -> None:
    firm = visitor("firm")
    refused = firm.get("/web/search", params={"q": DESCRIPTION_WORDS})
    assert refused.status_code == 403 and world.matcher.get_tender(CZECH).title not in refused.text
    assert "/web/search" not in firm.get(f"/web/firms/{OWN}").text  # no link to a page it may not open
    assert 'href="/web/search"' in visitor("partner").get("/web/").text
    anonymous = TestClient(world.client.app).get("/web/search?q=water", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/web/sign-in")


def test_empty_and_too_long_searches_search_nothing(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    for params in ({}, {"q": ""}, {"q": "   \t "}):
        html = client.get("/web/search", params=params).text
        assert 'id="results-heading"' not in html and not results(html)
    long = search(client, "water " * 40)
    assert len("water " * 40) > MAX_QUERY
    assert not results(long) and 'aria-invalid="true"' in long and "Type at most 200 characters." in page_text(long)
    # Control characters are spaces; the words around them still search.
    assert results(search(client, DESCRIPTION_WORDS.replace(" ", "\x00\n")))[:1] == [CZECH]


def test_words_not_sent_as_utf8_search_nothing_and_say_so(world: World, visitor: Visitor) -> None:
    """Starlette reads a byte that is not UTF-8 as U+FFFD: '?q=%FF' searched for it and listed twenty notices that
    have nothing to do with it (the API refuses the same query, 422)."""
    client = visitor("partner")
    for raw in ("q=%FF", "q=%ED%A0%80", "q=caf%E9", "closed=%FF&q=water"):
        page = client.get(f"/web/search?{raw}")
        assert page.status_code == 400, raw
        assert not results(page.text) and 'aria-invalid="true"' in page.text
        assert "The words did not arrive as UTF-8 text" in page_text(page.text)
    assert results(client.get("/web/search?q=%C3%A9lectricit%C3%A9").text)  # UTF-8 percent-encoded searches


def test_a_script_title_is_text(world: World, visitor: Visitor) -> None:
    matcher = world.matcher
    hostile = Tender.model_validate({
        **matcher.get_tender(CZECH).model_dump(), "tender_id": "ted:900006-2021",
        "title": "<script>alert(1)</script>", "buyer": "<img src=x onerror=alert(2)>",
    })
    matcher.upsert_tenders([hostile])
    html = search(visitor("partner"), "<script>alert(1)</script> " + DESCRIPTION_WORDS)
    assert hostile.tender_id in results(html)
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)</script>" in page_text(html)
    # What was typed comes back in the box as text too.
    assert lxml.html.fromstring(html).xpath("//input[@name='q']/@value")[0].startswith("<script>alert(1)</script>")


def test_korean(world: World, visitor: Visitor) -> None:
    response = visitor("partner").get("/web/search", params={"q": DESCRIPTION_WORDS},
                                      headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert lxml.html.fromstring(response.text).get("lang") == "ko"
    text = page_text(response.text)
    assert "공고 검색" in text and "찾은 공고" in text and "체코" in text and "영문 제목" in text
    assert "Search notices" not in text and "Notices found" not in text


def test_without_an_index_the_page_says_so(world: World, visitor: Visitor) -> None:
    shutil.rmtree(world.matcher.settings.indexes_dir)
    client = visitor("partner")
    assert client.get("/web/search").status_code == 200  # the form itself needs no index
    waiting = client.get("/web/search", params={"q": "water"})
    assert waiting.status_code == 503 and "The search index is not built yet" in page_text(waiting.text)

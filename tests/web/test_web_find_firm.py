"""The firm list's search box (``/web/?q=``): a partner or officer finds a firm by its name or id, in any case and
with or without accents, among the firms they may see, as ``GET /firms?q=`` does. Before it, an officer holding
thousands of firms could only page through them in id order."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import lxml.html
import pytest

from api.web import views
from tests.api.conftest import OTHER, OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, page_text, visitor  # noqa: F401


def listed(html: str) -> list[str]:
    """The firms the list links to, in order."""
    links = lxml.html.fromstring(html).xpath("//table[@class='firms']/tbody/tr/th/a")
    return [str(a.get("href")).rsplit("/", 1)[1] for a in links]


def test_an_officer_finds_a_firm_by_part_of_its_name_or_id(world: World, visitor: Visitor) -> None:
    client = visitor("officer")
    assert len(listed(client.get("/web/").text)) == 6  # every demo firm without words
    page = client.get("/web/", params={"q": "광학"})
    assert page.status_code == 200, page.text
    assert listed(page.text) == [OTHER]  # 새별광학 (Saebyeol Optics)
    assert 'value="광학"' in page.text  # the box keeps the words
    assert listed(client.get("/web/", params={"q": "RAIL engineering"}).text) == ["kr-gyeongin-rail"]
    assert listed(client.get("/web/", params={"q": "kr-hanbit"}).text) == [OWN]


@pytest.mark.parametrize(("lang", "said"), [("en", "No firm's name or id holds every one of these words."),
                                            ("ko", "이 단어를 모두 이름이나 ID에 담은 회사가 없습니다.")])
def test_words_no_firm_holds_say_so_and_offer_every_firm(world: World, visitor: Visitor, lang: str,
                                                         said: str) -> None:
    page = visitor("officer").get("/web/", params={"q": "cable optics", "lang": lang})
    assert page.status_code == 200 and listed(page.text) == []
    assert said in page_text(page.text)
    assert lxml.html.fromstring(page.text).xpath("//main//a[@href='/web/']"), "a way back to every firm"


def test_a_partner_finds_only_its_own_firms(world: World, visitor: Visitor) -> None:
    client = visitor("partner")
    assert listed(client.get("/web/", params={"q": "광학"}).text) == []  # another's firm: not found
    assert listed(client.get("/web/", params={"q": "한빛"}).text) == [OWN]


def test_the_pages_of_a_search_keep_its_words(world: World, visitor: Visitor,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "HOME_PAGE_SIZE", 2)
    client = visitor("officer")
    first = client.get("/web/", params={"q": "kr-"})  # five of the six demo firms' ids
    assert listed(first.text) == ["kr-daehan-mobility", "kr-gyeongin-rail"]
    (after,) = lxml.html.fromstring(first.text).xpath("//a[@rel='next']")
    assert after.get("href") == "/web/?page=2&q=kr-"
    assert listed(client.get(after.get("href")).text) == [OWN, "kr-jeonwoo-cable"]


def test_words_sent_twice_or_not_as_utf8_are_refused_naming_them(world: World, visitor: Visitor) -> None:
    client = visitor("officer")
    twice = client.get("/web/?q=a&q=b")
    assert twice.status_code == 400 and "q" in page_text(twice.text)
    latin = client.get("/web/?q=caf%E9")
    assert latin.status_code == 400, latin.text
    assert "did not arrive as UTF-8" in page_text(latin.text)


def test_the_officer_page_finds_a_firm_for_its_table_and_its_assignment_form(
    world: World, visitor: Visitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The assignment form offered the first firms by id only (2,000): beyond them, a firm could not be assigned
    from the page, and nothing said so."""
    from api.web import officer_pages

    monkeypatch.setattr(officer_pages, "ASSIGNABLE_FIRMS", 2)
    client = visitor("officer")

    def offered(html: str) -> list[str]:
        return [str(o.get("value")) for o in lxml.html.fromstring(html).xpath("//select[@id='f-firm']/option")]

    every = client.get("/web/officer")
    assert len(offered(every.text)) == 2
    assert "The list offers the first 2 of 6 firms by id" in page_text(every.text)
    found = client.get("/web/officer", params={"q": "광학"})
    assert found.status_code == 200, found.text
    assert offered(found.text) == [OTHER]
    rows = lxml.html.fromstring(found.text).xpath("//table[contains(@class, 'officer-firms')]/tbody/tr")
    assert [r.get("data-firm") for r in rows] == [OTHER]
    assert "The list offers the first" not in page_text(found.text)
    none = client.get("/web/officer", params={"q": "cable optics"})
    assert "No firm's name or id holds every one of these words." in page_text(none.text)

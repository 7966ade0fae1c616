"""A workspace page's query parameter that takes one of a few values answers a value it does not take, or the
parameter sent twice, with a 400 naming the parameter, what was sent and the values it takes, in the reader's
language. The tender page read '?fit=bogus' (and '?fit=ALL', '?fit=strong') as its default, a possible fit or better,
without a word; the search page read '?closed=yes' as 'open notices only'. The values they take keep working."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.conftest import World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, page_text, visitor  # noqa: F401


def _tender(world: World) -> str:
    return f"/web/tenders/{quote(world.tenders[0])}"


@pytest.mark.parametrize(("sent", "shown"), [("bogus", "bogus"), ("ALL", "ALL"), ("strong", "strong"),
                                             ("all&fit=possible", "all, possible")])
def test_a_tender_page_fit_it_does_not_take_is_a_400_naming_it(world: World, visitor: Visitor, sent: str,
                                                              shown: str) -> None:
    client = visitor("partner")
    refused = client.get(f"{_tender(world)}?fit={sent}")
    assert refused.status_code == 400, refused.text
    said = page_text(refused.text)
    assert f"fit={shown}" in said and "all" in said and "possible" in said, said


def test_a_tender_page_fit_is_named_in_korean_too(world: World, visitor: Visitor) -> None:
    refused = visitor("partner").get(f"{_tender(world)}?fit=bogus&lang=ko")
    assert refused.status_code == 400, refused.text
    assert "fit=bogus" in page_text(refused.text) and "받는 값이 아닙니다" in page_text(refused.text)


@pytest.mark.parametrize("sent", ["", "?fit=all", "?fit=possible", "?fit="])
def test_the_tender_page_fits_it_takes_keep_working(world: World, visitor: Visitor, sent: str) -> None:
    assert visitor("partner").get(f"{_tender(world)}{sent}").status_code == 200


def test_the_possible_fit_is_the_default_named(world: World, visitor: Visitor) -> None:
    """'?fit=possible' lists what no fit lists (the link 'show every fit' says 'all')."""
    client = visitor("officer")
    assert client.get(f"{_tender(world)}?fit=possible").text.count("<tr") == client.get(_tender(world)).text.count(
        "<tr")


@pytest.mark.parametrize(("sent", "shown"), [("yes", "closed=yes"), ("1&closed=1", "closed=1, 1")])
def test_a_search_closed_it_does_not_take_is_a_400_naming_it(world: World, visitor: Visitor, sent: str,
                                                            shown: str) -> None:
    refused = visitor("partner").get(f"/web/search?q=water&closed={sent}")
    assert refused.status_code == 400, refused.text
    assert shown in page_text(refused.text), page_text(refused.text)


@pytest.mark.parametrize("sent", ["", "&closed=1", "&closed="])
def test_the_search_closed_values_it_takes_keep_working(world: World, visitor: Visitor, sent: str) -> None:
    assert visitor("partner").get(f"/web/search?q=water{sent}").status_code == 200


@pytest.mark.parametrize("path", ["", "/export.csv"], ids=["page", "file"])
def test_a_shortlist_status_sent_twice_is_a_400_naming_both(world: World, visitor: Visitor, path: str) -> None:
    """'?status=approved&status=rejected' listed the rejected items (the last value) without a word."""
    from tests.api.conftest import OWN

    refused = visitor("partner").get(f"/web/firms/{quote(OWN)}/shortlist{path}?status=approved&status=rejected")
    assert refused.status_code == 400, refused.text
    assert "status=approved, rejected" in page_text(refused.text)

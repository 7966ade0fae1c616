"""The paged lists' page number (``?page=`` of the home page and the officer page) and the firm page's whole-number
filter are read as sent or refused naming what was sent, in the reader's language; never a 500, never read as
something else. A tester found '?page=2' of a one-page list saying "No firms are assigned to you yet" to an officer
with six firms, '?page=abc' and '?page=1&page=2' read without a word, and a page number or "closing within" of more
than 4,300 digits a 500 (Python's int() refuses such a string)."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, page_text, visitor  # noqa: F401

LISTS = ["/web/", "/web/officer"]
HUGE = "9" * 5000
BEYOND = {
    "en": "There is no page 2 of this list: it ends at page 1.",
    "ko": "이 목록에는 2쪽이 없습니다. 목록은 1쪽에서 끝납니다.",
}
NOT_A_PAGE = {
    "en": "The page number must be a whole number from 1 (sent: {value}).",
    "ko": "쪽 번호는 1 이상의 정수여야 합니다 (보낸 값: {value}).",
}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", LISTS)
def test_a_page_beyond_the_last_is_refused_not_shown_as_an_empty_list(
    world: World, visitor: Visitor, path: str, lang: str
) -> None:
    """The demo's six firms fill one page of either list (25 and 50 a page)."""
    officer = visitor("officer")
    assert officer.get(f"{path}?page=1&lang={lang}").status_code == 200
    beyond = officer.get(f"{path}?page=2")
    assert beyond.status_code == 404, beyond.text
    shown = page_text(beyond.text)
    assert BEYOND[lang] in shown
    assert "No firms are assigned to you yet." not in shown


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("sent", "named"), [
    ("abc", "abc"), ("0", "0"), ("-1", "-1"), ("1.5", "1.5"), (HUGE, "9" * 40),
])
def test_a_page_number_that_is_none_is_refused_naming_it(
    world: World, visitor: Visitor, path: str, sent: str, named: str
) -> None:
    refused = visitor("officer").get(f"{path}?page={quote(sent)}")
    assert refused.status_code == 400, refused.text
    assert NOT_A_PAGE["en"].format(value=named) in page_text(refused.text)


@pytest.mark.parametrize("path", LISTS)
def test_a_page_number_sent_twice_is_refused(world: World, visitor: Visitor, path: str) -> None:
    refused = visitor("officer").get(f"{path}?page=1&page=2&lang=ko")
    assert refused.status_code == 400, refused.text
    assert "쪽 번호가 2번 보내졌습니다 (1, 2). 한 번만 보내세요." in page_text(refused.text)


def test_closing_within_of_thousands_of_digits_is_the_fields_error(world: World, visitor: Visitor) -> None:
    page = visitor("partner").get(f"/web/firms/{quote(OWN)}?closing_within={HUGE}")
    assert page.status_code == 200, page.text
    assert "Enter a whole number or leave it empty." in page_text(page.text)

"""The firm page's filters that cannot be read are named next to their field, in the reader's language, and not
applied, as an amount that is no number always was. A tester found these applied as no filter, or cut, without a
word: '?country=ZZ' (every country listed, the list showing "Any country"), '?fit=bogus', a keyword of 300
characters (cut to 200 while the box showed 300), a keyword not sent as UTF-8 ('?q=%FF': searched for U+FFFD) and
'?country=KE&country=FR' (the last one taken), and a minimum above the maximum (only notices without a value
listed)."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote

import lxml.html
import pytest

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, visitor  # noqa: F401

FIRM = f"/web/firms/{quote(OWN)}"
CASES = [
    ("country=ZZ", "country", "No country has the code ZZ: choose one from the list.",
     "국가 코드 ZZ에 해당하는 국가가 없습니다. 목록에서 고르세요."),
    ("fit=bogus", "fit", "bogus is not one of the fit choices: choose one from the list.",
     "bogus 값은 적합도 선택지가 아닙니다. 목록에서 고르세요."),
    (f"q={'a' * 201}", "q", "Type at most 200 characters.", "200자까지 입력하세요."),
    ("q=caf%E9", "q", "The words did not arrive as UTF-8 text: type them again.",
     "검색어가 UTF-8 텍스트로 전달되지 않았습니다. 다시 입력하세요."),
    ("country=KE&country=FR", "country", "This filter was sent more than once (KE, FR): choose one value.",
     "이 필터가 여러 번 보내졌습니다 (KE, FR). 값을 하나만 고르세요."),
    # swapped: every notice with a stated value left out, those without one listed, without a word
    ("min_value=5000000&max_value=1", "max_value", "The minimum may not be greater than the maximum.",
     "최소 금액이 최대 금액보다 클 수 없습니다."),
]


def field_error(html: str, name: str) -> tuple[str, str | None, str | None]:
    """(the field's error sentence, its aria-invalid, its aria-describedby)."""
    page = lxml.html.fromstring(html)
    found = page.xpath(f"//p[@id='f-{name}-error']")
    control = page.xpath(f"//*[@id='f-{name}']")[0]
    said = " ".join(found[0].text_content().split()) if found else ""
    return said, control.get("aria-invalid"), control.get("aria-describedby")


@pytest.mark.parametrize(("query", "name", "en", "ko"), CASES, ids=[c[0][:20] for c in CASES])
def test_a_filter_that_cannot_be_read_is_named_at_its_field(
    world: World, visitor: Visitor, query: str, name: str, en: str, ko: str
) -> None:
    client = visitor("partner")
    for lang, said in (("en", en), ("ko", ko)):
        page = client.get(f"{FIRM}?{query}&lang={lang}")
        assert page.status_code == 200, page.text
        assert field_error(page.text, name) == (said, "true", f"f-{name}-error")


def test_a_filter_that_cannot_be_read_is_not_applied(world: World, visitor: Visitor) -> None:
    """The list is the unfiltered one, as for an amount that is no number."""
    client = visitor("partner")

    def listed(query: str) -> list[str]:
        page = lxml.html.fromstring(client.get(f"{FIRM}?{query}").text)
        return [str(tender) for tender in page.xpath("//article/@data-tender")]

    unfiltered = listed("")
    for query, *_ in CASES:
        assert listed(query) == unfiltered, query


def test_filters_that_can_be_read_carry_no_error(world: World, visitor: Visitor) -> None:
    page = visitor("partner").get(f"{FIRM}?country=ke&fit=all&q=water")
    assert page.status_code == 200
    assert lxml.html.fromstring(page.text).xpath("//p[@class='error']") == []


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "bogus is not a shortlist status: choose one from the list."),
    ("ko", "bogus 값은 관심 목록 상태가 아닙니다. 목록에서 고르세요."),
])
def test_the_shortlist_names_a_status_it_does_not_know(world: World, visitor: Visitor, lang: str, said: str) -> None:
    """The shortlist's status filter, sent as no choice offers it, lists every status as before and says so at the
    field (it listed them without a word)."""
    page = visitor("partner").get(f"{FIRM}/shortlist?status=bogus&lang={lang}")
    assert page.status_code == 200, page.text
    shown = lxml.html.fromstring(page.text)
    assert [" ".join(p.text_content().split()) for p in shown.xpath("//p[@id='s-status-error']")] == [said]
    assert shown.xpath("//select[@id='s-status']/@aria-invalid") == ["true"]
    assert shown.xpath("//select[@id='s-status']/@aria-describedby") == ["s-status-error"]

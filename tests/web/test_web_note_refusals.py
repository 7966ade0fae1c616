"""A note the decision form refuses is refused for what it is, named in the reader's language: too long (its length
and the limit), or holding a NUL. Both said "The form was incomplete, or its note longer than the limit", which
names neither (a tester's 100,000-character note and a note with a NUL got the same hedge)."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.api.test_bad_input import snapshot
from tests.web.pages_world import Visitor, csrf_of, page_text, visitor  # noqa: F401

FIRM = f"/web/firms/{quote(OWN)}"
CASES = [
    ("x" * 100_000, "en", "The note is 100,000 characters long; a note holds at most 2,000. Nothing was saved."),
    ("x" * 2001, "ko", "메모가 2,001자입니다. 메모는 2,000자까지 쓸 수 있습니다. 저장되지 않았습니다."),
    ("call\x00them", "en", "The note holds a NUL character (U+0000), which no text may hold. Nothing was saved."),
    ("call\x00them", "ko", "메모에 어떤 텍스트에도 쓸 수 없는 NUL 문자(U+0000)가 들어 있습니다. 저장되지 않았습니다."),
]


@pytest.mark.parametrize(("note", "lang", "said"), CASES, ids=["long-en", "long-ko", "nul-en", "nul-ko"])
def test_a_refused_note_is_named_for_what_it_is(world: World, visitor: Visitor, note: str, lang: str,
                                                said: str) -> None:
    client = visitor("partner")
    csrf = csrf_of(client.get(f"{FIRM}?lang={lang}").text)
    before = snapshot(world)
    refused = client.post(f"{FIRM}/decide", data={"csrf_token": csrf, "tender_id": world.tenders[1],
                                                 "action": "approve", "note": note})
    assert refused.status_code == 422, refused.text
    assert said in page_text(refused.text)
    assert snapshot(world) == before


def test_a_note_at_the_limit_with_line_breaks_posted_as_crlf_is_saved_with_lf(world: World, visitor: Visitor) -> None:
    """A textarea's maxlength counts a line break as one character, but a form without scripts posts it as CRLF:
    a note typed within the limit was refused as 2,000 + its line breaks long."""
    client = visitor("partner")
    csrf = csrf_of(client.get(FIRM).text)
    lines = ["x" * 199] * 10
    typed = "\n".join(lines) + "x"  # 2,000 characters as the textarea counts them
    assert len(typed) == 2000
    saved = client.post(f"{FIRM}/decide", data={"csrf_token": csrf, "tender_id": world.tenders[1],
                                               "action": "approve", "note": typed.replace("\n", "\r\n")})
    assert saved.status_code == 200 and "Nothing was saved" not in page_text(saved.text)
    [item] = [i for i in world.matcher.shortlist(OWN) if i.tender_id == world.tenders[1]]
    assert item.note == typed


"""An import page in Korean says why each record of an uploaded file was rejected in Korean, the record's ids,
field names and values as the file wrote them; the core words its reasons in English (``matcher.ingest``), and
they were shown so on the Korean page. A reason the workspace has no words for is shown as the core said it,
marked English."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest

from api.web.import_reasons import said
from matcher.ingest.base import Rejected
from matcher.ingest.detect import read_tenders
from tests.api.conftest import World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, csrf_of, visitor  # noqa: F401

OFFICER = "/web/officer"
GOOD = {"tender_id": "t:1", "source": "test", "title": "Supply of membranes", "countries": ["KE"],
        "published": "2021-04-01"}
#: Bad rows of a tender table, each as the core rejects it.
BAD_ROWS: list[dict[str, object]] = [
    {"countries": ["XX"]}, {"title": ""}, {"published": "yesterday"}, {"published": 1700000000},
    {"deadline": "2021-03-01"}, {"deadline": "soon"}, {"currency": "EURO", "value": 5},
    {"value": -5, "currency": "EUR"},
    {"value": "abc", "currency": "EUR"}, {"codes": ["CPV:123"]}, {"codes": ["UNSPSC:1"]}, {"codes": ["nonsense"]},
    {"title": "Test"}, {"buyer_country": "XX"}, {"language": "korean"}, {"title": "x" * 3000},
    {"notice_type": "zzz"}, {"contract_nature": "zzz"}, {"url": "ftp://x"}, {"title": "\u200b"},
    {"design_contest": "maybe"}, {"description": "x\u0000"},
    {"tender_id": "t:1", "title": "Supply of other membranes"}, {"countries": ["XX"], "currency": "EURO", "value": 1},
]


def table(rows: list[dict[str, object]]) -> bytes:
    lines = [json.dumps(GOOD)] + [json.dumps({**GOOD, "tender_id": f"t:{n + 2}", **row}) for n, row in
                                  enumerate(rows)]
    return "\n".join([*lines, "not json", "[1]"]).encode() + b"\n"


def core_reasons(tmp_path: Path, content: bytes, name: str = "rows.jsonl") -> list[str]:
    path = tmp_path / name
    path.write_bytes(content)
    return [r.reason for r in read_tenders(path) if isinstance(r, Rejected)]


def test_every_reason_a_bad_tender_row_gets_is_said_in_korean(tmp_path: Path) -> None:
    reasons = core_reasons(tmp_path, table(BAD_ROWS)) + core_reasons(
        tmp_path, b"tender_id,title,published\nc1,Pumps,2021-04-01\nc3,Meters,2021-04-01,extra\n", "rows.csv")
    assert len(reasons) == len(BAD_ROWS) + 3  # each bad row, the line that is no JSON, the list, the CSV row
    untranslated = [reason for reason in reasons if said(reason, "ko")[1] != "ko"]
    assert untranslated == []


@pytest.mark.parametrize(("reason", "korean"), [
    ("countries.0: unknown country 'XX' (expected ISO 3166 alpha-2, e.g. 'KR')",
     "countries.0: 알 수 없는 국가 'XX' (ISO 3166 두 글자 코드여야 합니다. 예: 'KR')"),
    ("title: Field required", "title: 값이 없습니다 (필수 항목)"),
    ("countries.0: unknown country 'XX' (expected ISO 3166 alpha-2, e.g. 'KR'); currency: unknown currency 'EURO' "
     "(expected ISO 4217, e.g. 'EUR')",
     "countries.0: 알 수 없는 국가 'XX' (ISO 3166 두 글자 코드여야 합니다. 예: 'KR'); "
     "currency: 알 수 없는 통화 'EURO' (ISO 4217 코드여야 합니다. 예: 'EUR')"),
    ("notice_type: Input should be 'open_call', 'prior_information', 'award' or 'other'",
     "notice_type: 다음 중 하나여야 합니다: 'open_call', 'prior_information', 'award', 'other'"),
    ("duplicate tender_id 'test:t:1' in this file: the first, at rows.jsonl:1, is kept; this one differs in title",
     "이 파일에 tender_id 'test:t:1'이(가) 두 번 나옵니다: rows.jsonl:1의 첫 레코드를 남겼고, 이 레코드는 title 값이 "
     "다릅니다"),
    ("test notice", "시험용 공고입니다"),
], ids=["country", "required", "two-fields", "choices", "duplicate", "test-notice"])
def test_a_reason_is_said_in_korean_with_its_values_as_written(reason: str, korean: str) -> None:
    assert said(reason, "ko") == (korean, "ko")
    assert said(reason, "en") == (reason, "en")


def test_a_reason_without_korean_words_is_shown_as_the_core_said_it() -> None:
    assert said("tender.tenderPeriod.endDate: cannot read 'x'", "ko") == (
        "tender.tenderPeriod.endDate: cannot read 'x'", "en")
    # One part of several unknown: the whole reason stays English, not half of it.
    mixed = "title: Field required; items: something new"
    assert said(mixed, "ko") == (mixed, "en")


def test_a_korean_import_page_shows_a_bad_rows_reason_in_korean(world: World, visitor: Visitor) -> None:
    officer = visitor("officer")
    officer.headers["Accept-Language"] = "ko"
    content = table([{"countries": ["XX"]}])
    done = officer.post(f"{OFFICER}/imports", data={"csrf_token": csrf_of(officer.get(OFFICER).text)},
                        files={"file": ("rows.jsonl", content)}, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = officer.get(done.headers["location"])
    cells = lxml.html.fromstring(page.text).xpath("//table[contains(@class, 'rejected')]//td")
    shown = [(" ".join(td.text_content().split()), td.get("lang")) for td in cells]
    assert shown[0] == ("countries.0: 알 수 없는 국가 'XX' (ISO 3166 두 글자 코드여야 합니다. 예: 'KR')", "ko")
    assert shown[1] == ("1번째 글자에서 JSON으로 읽을 수 없습니다 (Expecting value)", "ko")  # 'not json'
    english = officer.get(done.headers["location"], headers={"Accept-Language": "en"})
    cell = lxml.html.fromstring(english.text).xpath("//table[contains(@class, 'rejected')]//td")[0]
    assert (" ".join(cell.text_content().split()), cell.get("lang")) == (
        "countries.0: unknown country 'XX' (expected ISO 3166 alpha-2, e.g. 'KR')", "en")

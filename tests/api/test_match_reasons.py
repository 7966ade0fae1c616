"""The API serves each match's reasons as codes with parameters, beside their summary in the reader's
language (the ``lang`` parameter, else Accept-Language, else English)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.actions import reader_language
from matcher.ranking.reasons import KINDS, render
from matcher.schema import Reason
from tests.api.conftest import OWN, World


def test_recommendations_carry_structured_reasons_and_their_english_summary(world: World) -> None:
    response = world.client.get(f"/firms/{OWN}/recommendations?k=5", headers=world.auth("partner"))
    assert response.status_code == 200, response.text
    matches = response.json()
    assert matches and all(m["reasons"]["reasons"] for m in matches)
    for match in matches:
        explanation = match["reasons"]
        reasons = [Reason.model_validate(r) for r in explanation["reasons"]]
        concerns = [Reason.model_validate(r) for r in explanation["concerns"]]
        assert {r.kind for r in reasons + concerns} <= set(KINDS)
        assert explanation["summary"] == [render(r) for r in reasons] + [f"concern: {render(c)}" for c in concerns]


def test_the_openapi_schema_documents_the_reason_kinds(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    kinds = schema["components"]["schemas"]["Reason"]["properties"]["kind"]["enum"]
    assert set(kinds) == set(KINDS)


# ----------------------------------------------------------------------------- the reader's language
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _recommend(world: World, query: str = "", **headers: str) -> Any:  # the test client's response
    response = world.client.get(f"/firms/{OWN}/recommendations?k=5{query}",
                                headers={**world.auth("partner"), **headers})
    assert response.status_code == 200, response.text
    return response


def _korean_summary(explanation: dict[str, Any]) -> list[str]:
    reasons = [render(Reason.model_validate(r), "ko") for r in explanation["reasons"]]
    return reasons + [f"확인할 점: {render(Reason.model_validate(c), 'ko')}" for c in explanation["concerns"]]


def test_lang_ko_words_the_summary_in_korean_and_keeps_the_codes(world: World) -> None:
    english = _recommend(world).json()
    korean = _recommend(world, "&lang=ko")
    assert korean.headers["content-language"] == "ko" and korean.headers["vary"] == "Accept-Language"
    matches = korean.json()
    assert [m["tender_id"] for m in matches] == [m["tender_id"] for m in english]
    for ko, en in zip(matches, english, strict=True):
        assert ko["reasons"]["summary"] == _korean_summary(ko["reasons"])
        assert all(HANGUL.search(line) for line in ko["reasons"]["summary"]), ko["reasons"]["summary"]
        # everything but the worded summary is the same in both languages
        ko["reasons"].pop("summary"), en["reasons"].pop("summary")
        assert ko == en


def test_accept_language_chooses_korean(world: World) -> None:
    by_parameter = _recommend(world, "&lang=ko").json()
    assert _recommend(world, **{"Accept-Language": "ko-KR,ko;q=0.9,en-US;q=0.8"}).json() == by_parameter
    assert _recommend(world, **{"Accept-Language": "fr, ko;q=0.5"}).json() == by_parameter
    english = _recommend(world, **{"Accept-Language": "ko;q=0.3, en;q=0.7"})
    assert english.headers["content-language"] == "en" and english.json() != by_parameter
    # the parameter wins over the header
    assert _recommend(world, "&lang=en", **{"Accept-Language": "ko"}).json() == english.json()


def test_the_response_cache_keys_the_language(world: World) -> None:
    cache = world.client.app.state.responses  # type: ignore[attr-defined]
    english = _recommend(world).content
    hits = cache.hits
    assert _recommend(world).content == english and cache.hits == hits + 1  # a repeat is served cached
    korean = _recommend(world, **{"Accept-Language": "ko"}).content
    assert korean != english and HANGUL.search(korean.decode())  # not the cached English bytes
    assert _recommend(world, "&lang=ko").content == korean and cache.hits == hits + 2
    assert _recommend(world).content == english


def test_firms_for_a_tender_in_korean(world: World) -> None:
    url = f"/tenders/{world.tenders[0]}/firms?k=3"
    english = world.client.get(url, headers=world.auth("officer"))
    korean = world.client.get(url, headers={**world.auth("officer"), "Accept-Language": "ko"})
    assert korean.headers["content-language"] == "ko" and english.headers["content-language"] == "en"
    assert korean.json() and all(m["reasons"]["summary"] == _korean_summary(m["reasons"]) for m in korean.json())
    assert all(m["reasons"]["summary"] == [render(Reason.model_validate(r)) for r in m["reasons"]["reasons"]]
               + [f"concern: {render(Reason.model_validate(c))}" for c in m["reasons"]["concerns"]]
               for m in english.json())


def test_an_unknown_lang_is_refused(world: World) -> None:
    response = world.client.get(f"/firms/{OWN}/recommendations?lang=fr", headers=world.auth("partner"))
    assert response.status_code == 422 and response.json()["problems"][0]["loc"] == "query.lang"


@pytest.mark.parametrize(("header", "expected"), [
    (None, "en"), ("", "en"), ("ko", "ko"), ("KO-kr", "ko"), ("fr-FR, de;q=0.9", "en"), ("*", "en"),
    ("en-GB,en;q=0.9,ko;q=0.8", "en"), ("de, ko;q=0.2, en;q=0.1", "ko"), ("ko;q=0, en", "en"),
    ("ko;q=0.5, en;q=0.5", "ko"), ("ko;q=abc, en;q=0.1", "en"), ("ko;q=nan, en;q=0.1", "en"),
    ("ko;q=2, en;q=0.1", "en"), (";;,,ko", "ko"),
])
def test_reader_language_from_accept_language(header: str | None, expected: str) -> None:
    assert reader_language(None, header) == expected
    assert reader_language("en", header) == "en" and reader_language("ko", header) == "ko"

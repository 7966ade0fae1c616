"""A notice sent to the API is held to what every reader does (tests/ingest/test_shown_text.py): its title, buyer,
description and translated titles lose the format characters that draw nothing (a right-to-left override made
"Supply of \\u202eexe.sretupmoc" display as "Supply of computers.exe" in every answer and page), and it is
stored, not refused: a partner system's stray character must not lose a notice. A firm's name is refused instead
(tests/api/test_bidi_controls.py): a person types it and can fix it."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import World


def notice(**fields: Any) -> dict[str, Any]:
    return {"tender_id": "api:spoof-1", "source": "api", **fields}


def test_a_notice_is_stored_and_answered_without_them(world: World) -> None:
    sent = notice(title="Supply of \u202eexe.sretupmoc\u202c", buyer="\ufeffCity of \u2066Ulsan\u2069",
                  description="Wa\u200bter me\u00adters\u2060, 20 units", titles={"ko": "\uc218\u200b\ub3c4\u202e"})
    response = world.client.post("/tenders", json={"tenders": [sent]}, headers=world.auth("officer"))
    assert response.status_code == 200, response.text
    stored = world.matcher.get_tender("api:spoof-1")
    shown = (stored.title, stored.buyer, stored.description, stored.titles)
    assert shown == ("Supply of exe.sretupmoc", "City of Ulsan", "Water meters, 20 units", {"ko": "\uc218\ub3c4"})
    answer = world.client.get("/tenders/api:spoof-1", headers=world.auth("officer")).json()
    assert (answer["title"], answer["buyer"], answer["description"], answer["titles"]) == shown


def test_an_update_is_cleaned_and_keeps_what_scripts_need(world: World) -> None:
    world.client.post("/tenders", json={"tenders": [notice(title="Pumps")]}, headers=world.auth("officer"))
    persian = "\u0622\u0628\u200c\u0631\u0633\u0627\u0646\u06cc"  # 'water supply': the ZWNJ is part of the word
    response = world.client.post("/tenders", json={"tenders": [notice(title=f"\u202e{persian} \u200fPumps\u200f")]},
                                 headers=world.auth("officer"))
    assert response.status_code == 200, response.text
    assert world.matcher.get_tender("api:spoof-1").title == f"{persian} \u200fPumps\u200f"


def test_a_title_that_says_nothing_is_still_refused_naming_why(world: World) -> None:
    response = world.client.post("/tenders", json={"tenders": [notice(title="\u202e\u200b")]},
                                 headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        "body.tenders.0.title: Value error, must contain a visible character, not only spaces or control characters")

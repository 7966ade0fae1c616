"""Text people type and others read is held to the firm name's rule (4c4454b, e488af8): no bidirectional embedding,
override or isolate (U+202A-U+202E, U+2066-U+2069: 'pumps \\u202eretaw' displays as 'pumps water'), and text that
must say something has a character that draws. Before, only the name was: a firm's keywords (POST /firms, PATCH,
POST /firms/{id}/keywords), description and certifications, a shortlist note and a feed's query took U+202E, and a
keyword of a zero-width space alone was stored through POST and PATCH; a keyword is shown inside the reasons of every
match. Now each is a 422 naming the field and the character, nothing stored. Right-to-left letters and the marks
LRM/RLM stay, and a value stored before the rule loads as stored (8794a62)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot
from tests.api.test_fields_stored_before_rules import stored_before_rules
from tests.api.test_invisible_text import new_firm

#: One embedding, the override and one isolate, with the code a refusal names.
CONTROLS = {"\u202a": "U+202A", "\u202e": "U+202E", "\u2066": "U+2066"}
SPOOFED_KEYWORD = "pumps \u202eretaw"  # shown as 'pumps water'


def _sent(field: str, char: str) -> Any:
    text = f"pumps {char}retaw"
    return [text] if field in ("keywords", "certifications") else text


#: (method, path, field): every way a firm's typed text comes in through the API.
FIRM_TEXT = [
    ("POST", "/firms", "keywords"), ("POST", "/firms", "description"), ("POST", "/firms", "certifications"),
    ("PATCH", f"/firms/{OWN}", "keywords"), ("PATCH", f"/firms/{OWN}", "description"),
    ("PATCH", f"/firms/{OWN}", "certifications"), ("POST", f"/firms/{OWN}/keywords", "keywords"),
]


def refused(world: World, method: str, path: str, body: dict[str, Any]) -> str:
    """The 422's detail for ``body`` sent as an officer (a new firm's for POST /firms); nothing stored."""
    before = snapshot(world)
    response = world.client.request(method, path, json=new_firm(**body) if path == "/firms" else body,
                                    headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert snapshot(world) == before
    return str(response.json()["detail"])


@pytest.mark.parametrize("char", CONTROLS, ids=ascii)
@pytest.mark.parametrize(("method", "path", "field"), FIRM_TEXT, ids=str)
def test_a_bidi_control_in_a_firms_typed_text_is_refused_naming_field_and_character(
    world: World, method: str, path: str, field: str, char: str,
) -> None:
    body: dict[str, Any] = {field: _sent(field, char)}
    detail = refused(world, method, path, body)
    where = f"body.{field}.0: " if isinstance(body[field], list) else f"body.{field}: "
    assert detail.startswith(where) and f"{CONTROLS[char]} " in detail and "bidirectional control" in detail, detail


@pytest.mark.parametrize("text", ["\u200b", "\u2060\ufe0f", "\U000e0041"], ids=ascii)
@pytest.mark.parametrize(("method", "path", "field"), [
    ("POST", "/firms", "keywords"), ("PATCH", f"/firms/{OWN}", "keywords"),
    ("PATCH", f"/firms/{OWN}", "certifications"),
], ids=str)
def test_a_keyword_or_certification_of_invisible_characters_is_blank(
    world: World, method: str, path: str, field: str, text: str,
) -> None:
    """The keywords route refused these already (e488af8); the profile's own list took them."""
    body: dict[str, Any] = {field: ["pumps", text]}
    detail = refused(world, method, path, body)
    assert detail.startswith(f"body.{field}.1: ") and "must contain a visible character" in detail, detail


#: Control characters a one-line item may not hold (an ESC, a BEL, a C1 CSI): their code as a refusal names it.
ITEM_CONTROLS = {"\x1b[31m": "U+001B", "\x07": "U+0007", "\x9b31m": "U+009B"}


@pytest.mark.parametrize("control", ITEM_CONTROLS, ids=ascii)
@pytest.mark.parametrize(("method", "path", "field"), [
    ("POST", "/firms", "keywords"), ("PATCH", f"/firms/{OWN}", "keywords"),
    ("POST", "/firms", "certifications"), ("PATCH", f"/firms/{OWN}", "certifications"),
    ("POST", f"/firms/{OWN}/keywords", "keywords"),
], ids=str)
def test_a_keyword_or_certification_with_a_control_character_is_refused_naming_it(
    world: World, method: str, path: str, field: str, control: str,
) -> None:
    """POST /firms/{id}/keywords refused a control character in a keyword (an ESC stored in a keyword reached every
    terminal that printed it); POST /firms and PATCH stored 'pumps \x1b[31mwater' in keywords and certifications.
    Now the one rule for a list item: a 422 naming the item, the character and its place, nothing stored."""
    body: dict[str, Any] = {field: ["pumps", f"pumps {control}water"]}
    detail = refused(world, method, path, body)
    assert detail.startswith(f"body.{field}.1: ") and ITEM_CONTROLS[control] in detail, detail


def test_a_tab_or_line_break_in_a_keyword_is_still_taken(world: World) -> None:
    """What reads as a space in one line is no control to refuse: the keywords route folds it into a space, the
    profile keeps it as sent, as before."""
    patched = world.client.patch(f"/firms/{OWN}", json={"keywords": ["water\tmeters", "smart\nmeters"]},
                                 headers=world.auth("officer"))
    assert patched.status_code == 200 and patched.json()["keywords"] == ["water\tmeters", "smart\nmeters"]


def test_a_keyword_stored_with_a_control_character_loads_as_stored(world: World) -> None:
    stored_before_rules(world, keywords=["pumps \x1b[31mwater", "ultrafiltration"])
    read = world.client.get(f"/firms/{OWN}", headers=world.auth("partner"))
    assert read.status_code == 200 and read.json()["keywords"][0] == "pumps \x1b[31mwater", read.text
    patched = world.client.patch(f"/firms/{OWN}", json={"description": "Ultrafiltration skids"},
                                 headers=world.auth("partner"))
    assert patched.status_code == 200 and patched.json()["keywords"][0] == "pumps \x1b[31mwater", patched.text


def test_right_to_left_keywords_marks_and_joiners_are_kept(world: World) -> None:
    keywords = ["عدادات المياه", "\u200fמדי מים\u200f", "آب\u200cرسانی", "water\u200e meters"]
    patched = world.client.patch(f"/firms/{OWN}", json={"keywords": keywords, "description": "مياه \u200fRO\u200f"},
                                 headers=world.auth("officer"))
    assert patched.status_code == 200 and patched.json()["keywords"] == keywords, patched.text
    added = world.client.post(f"/firms/{OWN}/keywords", json={"keywords": ["\u200fמים"]}, headers=world.auth("officer"))
    assert added.status_code == 200 and added.json()["keywords"] == [*keywords, "\u200fמים"], added.text


def test_a_keyword_stored_with_an_override_loads_and_leaves_every_other_change_possible(world: World) -> None:
    """Stored before the rule: read as stored; a PATCH not sending keywords, and adding another keyword, keep it."""
    stored_before_rules(world, keywords=[SPOOFED_KEYWORD, "ultrafiltration"])
    read = world.client.get(f"/firms/{OWN}", headers=world.auth("partner"))
    assert read.status_code == 200 and read.json()["keywords"] == [SPOOFED_KEYWORD, "ultrafiltration"], read.text
    patched = world.client.patch(f"/firms/{OWN}", json={"description": "Ultrafiltration skids"},
                                 headers={**world.auth("partner"), "If-Match": read.headers["etag"]})
    assert patched.status_code == 200 and patched.json()["keywords"][0] == SPOOFED_KEYWORD, patched.text
    added = world.client.post(f"/firms/{OWN}/keywords", json={"keywords": ["membranes"]}, headers=world.auth("partner"))
    assert added.status_code == 200, added.text
    assert added.json()["keywords"] == [SPOOFED_KEYWORD, "ultrafiltration", "membranes"]
    assert world.matcher.get_firm(OWN).keywords == [SPOOFED_KEYWORD, "ultrafiltration", "membranes"]
    ranked = world.client.get(f"/firms/{OWN}/recommendations", headers=world.auth("partner"))
    assert ranked.status_code == 200 and ranked.json(), ranked.text
    # sending the keywords again with it is held to the rule, naming the stored one's place
    resent = world.client.patch(f"/firms/{OWN}", json={"keywords": [SPOOFED_KEYWORD, "membranes"]},
                                headers=world.auth("partner"))
    assert resent.status_code == 422, resent.text
    assert resent.json()["detail"].startswith("body.keywords.0: holds U+202E"), resent.text


def test_a_shortlist_note_with_a_bidi_control_is_refused(world: World) -> None:
    tender_id = world.tenders[1]
    before = snapshot(world)
    proposed = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id, "note": "call \u202eyub"},
                                 headers=world.auth("partner"))
    decided = world.client.patch(f"/firms/{OWN}/shortlist/{world.tenders[0]}",
                                 json={"status": "approved", "note": "ok \u2067yub"}, headers=world.auth("partner"))
    for response, code in ((proposed, "U+202E"), (decided, "U+2067")):
        assert response.status_code == 422, response.text
        assert response.json()["detail"].startswith(f"body.note: holds {code} "), response.text
    assert snapshot(world) == before
    kept = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id, "note": "اتصل \u200fقبل"},
                             headers=world.auth("partner"))
    assert kept.status_code == 201 and kept.json()["note"] == "اتصل \u200fقبل", kept.text


def test_a_feed_query_with_a_bidi_control_is_refused(world: World) -> None:
    before = snapshot(world)
    response = world.client.post("/feeds", json={"name": "ted-water", "kind": "ted", "query": "FT=\u202eretaw"},
                                 headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("body.query: holds U+202E "), response.text
    assert snapshot(world) == before

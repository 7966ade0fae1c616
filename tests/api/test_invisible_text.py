"""Ids hold no invisible character, and text that must say something needs a character one can see. A hostile
sweep stored a firm whose id was one zero-width space, one named like an existing firm with a zero-width space
inside ('kr-hanbit\\u200b-water', shown exactly as 'kr-hanbit-water'), a right-to-left override as an id,
a name and a keyword made of a zero-width space, a description of a word joiner: format characters (Unicode Cf),
variation selectors and the Hangul fillers draw nothing. And the ids '.' and '..', which no client can put in a
path: every URL parser (browsers, curl, httpx) takes /firms/.. for / (RFC 3986 dot segments)."""

from __future__ import annotations

import re

import pytest

from matcher.schema import ID_PATTERN
from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot

INVISIBLE = ["\u200b", "\u200c\u200d", "\u2060", "\u202e", "\u2066\u2069", "\u00ad", "\u3164", "\ufe0f", "\u061c",
             "\u180e", "\ufff9"]
BAD_IDS = [*INVISIBLE, "kr-hanbit\u200b-water", "\u202ekr-hanbit-water", ".", ".."]


def new_firm(**fields: object) -> dict[str, object]:
    return {"firm_id": "new-firm", "name": "New firm", "description": "Water meters", **fields}


@pytest.mark.parametrize("firm_id", BAD_IDS, ids=ascii)
def test_an_id_with_an_invisible_character_or_a_dot_segment_is_refused(world: World, firm_id: str) -> None:
    assert re.fullmatch(ID_PATTERN, firm_id) is None  # what the document says
    before = snapshot(world)
    response = world.client.post("/firms", json=new_firm(firm_id=firm_id), headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("body.firm_id: ")
    tender = world.client.post("/tenders", json={"tenders": [{"tender_id": firm_id, "source": "api", "title": "t"}]},
                               headers=world.auth("officer"))
    assert tender.status_code == 422 and "body.tenders.0.tender_id: " in tender.json()["detail"], tender.text
    assert snapshot(world) == before


@pytest.mark.parametrize("text", INVISIBLE, ids=ascii)
@pytest.mark.parametrize(("method", "path", "field"), [
    ("POST", "/firms", "name"), ("PATCH", f"/firms/{OWN}", "description"), ("POST", "/tenders", "title"),
    ("POST", f"/firms/{OWN}/keywords", "keywords"),
], ids=str)
def test_text_of_invisible_characters_is_blank(world: World, method: str, path: str, field: str, text: str) -> None:
    body: dict[str, object] = {field: [text] if field == "keywords" else text}
    if path == "/firms":
        body = new_firm(**body)
    elif path == "/tenders":
        body = {"tenders": [{"tender_id": "a:1", "source": "a", **body}]}
    before = snapshot(world)
    response = world.client.request(method, path, json=body, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert f"{field}" in response.json()["detail"]
    assert snapshot(world) == before


@pytest.mark.parametrize("firm_id", ["a.b", "...", ".x", "x..", "é-water", "물-water", "수처리😀"], ids=ascii)
def test_ids_with_dots_or_letters_of_any_script_are_taken(world: World, firm_id: str) -> None:
    response = world.client.post("/firms", json=new_firm(firm_id=firm_id), headers=world.auth("officer"))
    assert response.status_code == 201, response.text


def test_a_name_that_needs_a_joiner_keeps_it(world: World) -> None:
    """Persian writes a zero-width non-joiner inside words; text with visible letters keeps its format characters."""
    name = "آب\u200cرسانی"
    response = world.client.post("/firms", json=new_firm(name=name), headers=world.auth("officer"))
    assert response.status_code == 201 and response.json()["name"] == name


# ----------------------------------------------------------------------------- above U+FFFF
#: Characters above the Basic Multilingual Plane that draw nothing, as their BMP kin refused above: a tag
#: character (Cf), a tag space (Cf), a variation selector of the supplement (like U+FE0F), private-use ones
#: (Co, planes 15 and 16), a noncharacter and an unassigned one (Cn). Each passed in an id, and text of them
#: alone passed as a name.
ASTRAL_INVISIBLE = {"\U000e0041": "U+E0041", "\U000e0020": "U+E0020", "\U000e0100": "U+E0100",
                    "\U000f0000": "U+F0000", "\U0010fffd": "U+10FFFD", "\U0001fffe": "U+1FFFE",
                    "\U000e0080": "U+E0080"}


@pytest.mark.parametrize("char", ASTRAL_INVISIBLE, ids=ascii)
def test_an_id_with_an_invisible_character_above_the_bmp_is_refused_naming_it(world: World, char: str) -> None:
    before = snapshot(world)
    for firm_id in (char, f"kr-hanbit{char}-water"):
        response = world.client.post("/firms", json=new_firm(firm_id=firm_id), headers=world.auth("officer"))
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert detail.startswith("body.firm_id: ") and ASTRAL_INVISIBLE[char] in detail, detail
    assert snapshot(world) == before


@pytest.mark.parametrize(("method", "path", "field"), [
    ("POST", "/firms", "name"), ("PATCH", f"/firms/{OWN}", "description"),
    ("POST", f"/firms/{OWN}/keywords", "keywords"),
], ids=str)
def test_text_of_invisible_characters_above_the_bmp_is_blank(world: World, method: str, path: str, field: str) -> None:
    text = "\U000e0048\U000e0069\U000e0100"  # TAG LATIN CAPITAL LETTER H, TAG LATIN SMALL LETTER I, VS17
    body: dict[str, object] = {field: [text] if field == "keywords" else text}
    before = snapshot(world)
    response = world.client.request(method, path, json=new_firm(**body) if path == "/firms" else body,
                                    headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"body.{field}"), response.text
    assert snapshot(world) == before


@pytest.mark.parametrize("firm_id", ["\U00020000\U00020001-supply", "\U0001d400-works", "kr-\U0001f4a7"], ids=ascii)
def test_ids_of_visible_characters_above_the_bmp_are_taken(world: World, firm_id: str) -> None:
    """CJK extension B, a mathematical letter, an emoji: letters and symbols draw, whatever their plane."""
    response = world.client.post("/firms", json=new_firm(firm_id=firm_id), headers=world.auth("officer"))
    assert response.status_code == 201, response.text
    assert world.client.get(f"/firms/{firm_id}", headers=world.auth("officer")).status_code == 200

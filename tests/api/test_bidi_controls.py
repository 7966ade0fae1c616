"""Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder the text after them, so
a name holding one displays as other text ("Trojan Source"): 'Hanbit \u202eretaW' shows as 'Hanbit Water'. They are
refused in ids and in the names shown to other people (a firm's name), the 422 naming the character; right-to-left
letters and the marks LRM/RLM are kept."""

from __future__ import annotations

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot
from tests.api.test_invisible_text import new_firm

#: Embeddings, overrides and isolates reorder the text after them: 'Hanbit \u202eretaW' shows as 'Hanbit Water'
#: ("Trojan Source"), so one firm can be shown under another's name.
BIDI_CONTROLS = {"\u202a": "U+202A", "\u202b": "U+202B", "\u202c": "U+202C", "\u202d": "U+202D",
                 "\u202e": "U+202E", "\u2066": "U+2066", "\u2067": "U+2067", "\u2068": "U+2068", "\u2069": "U+2069"}


@pytest.mark.parametrize("char", BIDI_CONTROLS, ids=ascii)
def test_a_bidi_control_in_a_shown_name_is_refused_naming_it(world: World, char: str) -> None:
    before = snapshot(world)
    name = f"Hanbit {char}retaW"
    created = world.client.post("/firms", json=new_firm(name=name), headers=world.auth("officer"))
    patched = world.client.patch(f"/firms/{OWN}", json={"name": name}, headers=world.auth("officer"))
    for response in (created, patched):
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert detail.startswith("body.name: ") and BIDI_CONTROLS[char] in detail, detail
    assert snapshot(world) == before


def test_a_bidi_control_in_an_id_is_refused_naming_it(world: World) -> None:
    response = world.client.post("/firms", json=new_firm(firm_id="kr-\u202eretaw"), headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert "U+202E" in response.json()["detail"], response.text


@pytest.mark.parametrize("name", ["شركة المياه الكورية", "חברת המים", "Hanbit \u200fחברת המים\u200f (KR)",
                                  "شركة\u200e Hanbit\u200e للمياه"], ids=ascii)
def test_right_to_left_names_and_their_marks_are_kept(world: World, name: str) -> None:
    """Arabic and Hebrew letters, and the marks LRM/RLM (U+200E/U+200F): a mark sets the direction of the
    neutral characters beside it and reorders no run of letters, so it cannot make a name read as another."""
    response = world.client.post("/firms", json=new_firm(name=name), headers=world.auth("officer"))
    assert response.status_code == 201 and response.json()["name"] == name, response.text

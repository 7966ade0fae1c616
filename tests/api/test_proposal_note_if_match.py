# ruff: noqa: F811
"""A proposal naming a notice already on the shortlist, with a note, replaces the item's note; with If-Match of the
item's ETag it does so only while that version is stored, as a decision does: a note or decision stored meanwhile is
a 412 naming If-Match, and nothing is stored. Before, the header was not read on this route: a partner's note sent
from an old read overwrote a colleague's newer note unseen (the workspace's note button has checked the version since
7f3e9d3). Without If-Match the note is replaced, as before (the API's other changes also take If-Match as optional)."""

from __future__ import annotations

from typing import Any

import pytest

from api import actions
from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot
from tests.api.test_shortlist_etags import listed_etag, proposed  # noqa: F401 (the fixture)


def propose(world: World, tender_id: str, note: str, who: str = "partner", **headers: str) -> Any:
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    return world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id, "note": note},
                             headers={**world.auth(who), **sent})


def stored_note(world: World, tender_id: str) -> str:
    note = world.matcher.shortlist_item(OWN, tender_id).note
    assert isinstance(note, str)
    return note


def test_a_note_sent_from_a_version_no_longer_stored_is_a_412_and_stores_nothing(world: World, proposed: str) -> None:
    read = listed_etag(world, proposed)
    first = propose(world, proposed, "call the buyer first", If_Match=read)
    assert first.status_code == 200 and first.json()["note"] == "call the buyer first", first.text
    assert first.headers["etag"] == first.json()["etag"] == listed_etag(world, proposed) != read
    before = snapshot(world)
    second = propose(world, proposed, "no need to call", "officer", If_Match=read)
    assert second.status_code == 412, second.text
    assert second.json()["error"] == "precondition_failed" and "If-Match" in second.json()["detail"], second.text
    assert proposed in second.json()["detail"] and first.headers["etag"] in second.json()["detail"], second.text
    assert snapshot(world) == before and stored_note(world, proposed) == "call the buyer first"
    again = propose(world, proposed, "no need to call", "officer", If_Match=first.headers["etag"])
    assert again.status_code == 200 and stored_note(world, proposed) == "no need to call", again.text


def test_a_decision_stored_meanwhile_refuses_the_note_too(world: World, proposed: str) -> None:
    read = listed_etag(world, proposed)
    decided = world.client.patch(f"/firms/{OWN}/shortlist/{proposed}", json={"status": "approved"},
                                 headers=world.auth("officer"))
    assert decided.status_code == 200, decided.text
    refused = propose(world, proposed, "late note", If_Match=read)
    assert refused.status_code == 412 and "If-Match" in refused.json()["detail"], refused.text
    assert f"its ETag is now {decided.headers['etag']}" in refused.json()["detail"], refused.text
    assert stored_note(world, proposed) == "" and world.matcher.shortlist_item(OWN, proposed).status == "approved"


def test_without_if_match_or_with_any_version_the_note_is_replaced(world: World, proposed: str) -> None:
    plain = propose(world, proposed, "first")
    assert plain.status_code == 200 and stored_note(world, proposed) == "first", plain.text
    anyway = propose(world, proposed, "second", If_Match="*")
    assert anyway.status_code == 200 and stored_note(world, proposed) == "second", anyway.text


def test_if_match_of_a_tag_on_a_notice_not_on_the_shortlist_is_a_412(world: World) -> None:
    tender_id = world.tenders[2]
    before = snapshot(world)
    refused = propose(world, tender_id, "new", If_Match='"v1"')
    assert refused.status_code == 412 and "If-Match" in refused.json()["detail"], refused.text
    assert "not on the shortlist" in refused.json()["detail"] and snapshot(world) == before
    made = propose(world, tender_id, "new")
    assert made.status_code == 201 and made.headers["etag"] == made.json()["etag"], made.text


def test_if_none_match_any_proposes_only_a_notice_not_on_the_shortlist(world: World, proposed: str) -> None:
    before = snapshot(world)
    refused = propose(world, proposed, "again", If_None_Match="*")
    assert refused.status_code == 412 and "If-None-Match" in refused.json()["detail"], refused.text
    assert snapshot(world) == before
    made = propose(world, world.tenders[2], "new", If_None_Match="*")
    assert made.status_code == 201 and made.json()["note"] == "new", made.text


def test_if_none_match_any_is_a_412_when_another_proposal_stores_the_item_meanwhile(
        world: World, proposed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Forced: the route's read and the proposal's locked read see the item not stored yet (as two proposals sent
    at once on PostgreSQL both do: no row is there to lock), and the colleague's proposal is committed before this
    one writes, which finds the item. It was answered 200, the colleague's note replaced."""
    repository = world.matcher.shortlists.repository
    read = repository.get

    def locked_read_first(conn: Any, firm_id: str, tender_id: str, for_update: bool = False) -> Any:
        return None if for_update and tender_id == proposed else read(conn, firm_id, tender_id, for_update)

    monkeypatch.setattr(repository, "get", locked_read_first)
    monkeypatch.setattr(actions, "listed_version", lambda *_: None)
    refused = propose(world, proposed, "mine", If_None_Match="*")
    monkeypatch.undo()
    assert refused.status_code == 412 and "If-None-Match" in refused.json()["detail"], refused.text
    assert stored_note(world, proposed) == ""

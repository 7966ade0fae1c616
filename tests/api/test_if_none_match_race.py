"""If-None-Match on a change is checked against the version read, and the change is then made only on that version:
a change stored between the check and the write is a 412 (the header might list the new version). That 412 named
If-Match, a header the client had not sent; it names If-None-Match, and nothing of the change is stored. The race is
forced here: the read the check makes stores a colleague's change right after it (for a profile and a shortlist
item)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from api import actions
from tests.api.conftest import OWN, World
from tests.api.test_etags import PATH, _etag
from tests.api.test_shortlist_etags import listed_etag


def _changed_after(read: Callable[..., Any], change: Callable[[], object]) -> Callable[..., Any]:
    """``read``, storing ``change`` right after it has read (once): the race between the check and the write."""
    done: list[bool] = []

    def racing(*args: Any) -> Any:
        answer = read(*args)
        if not done:
            done.append(True)
            change()
        return answer
    return racing


def _refused_naming_if_none_match(refused: Any, now: str) -> None:
    """A 412 naming If-None-Match, not If-Match, and the ETag stored now (the colleague's)."""
    assert refused.status_code == 412, refused.text
    detail = refused.json()["detail"]
    assert refused.json()["error"] == "precondition_failed" and "If-None-Match" in detail, detail
    assert "If-Match" not in detail.replace("If-None-Match", ""), detail
    assert now in detail, detail


def test_a_profile_changed_after_the_if_none_match_check_is_a_412_naming_it(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def colleague() -> None:
        world.matcher.change_firm(OWN, lambda f: f.model_copy(update={"description": "Valves, changed meanwhile"}))

    monkeypatch.setattr(world.matcher, "firm_version", _changed_after(world.matcher.firm_version, colleague))
    refused = world.client.patch(PATH, json={"description": "Water meters"},
                                 headers={**world.auth("officer"), "If-None-Match": '"other"'})
    monkeypatch.undo()
    assert world.matcher.get_firm(OWN).description == "Valves, changed meanwhile"  # the colleague's, kept
    _refused_naming_if_none_match(refused, _etag(world))


def test_a_shortlist_item_decided_after_the_if_none_match_check_is_a_412_naming_it(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    tender_id = world.tenders[1]
    proposed = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id},
                                 headers=world.auth("partner"))
    assert proposed.status_code == 201, proposed.text

    def colleague() -> None:
        world.matcher.decide(OWN, tender_id, "rejected", "a colleague")

    monkeypatch.setattr(actions, "shortlist_item_version",
                        _changed_after(actions.shortlist_item_version, colleague))
    refused = world.client.patch(f"/firms/{OWN}/shortlist/{tender_id}", json={"status": "approved"},
                                 headers={**world.auth("partner"), "If-None-Match": '"other"'})
    monkeypatch.undo()
    assert world.matcher.shortlist_item(OWN, tender_id).status == "rejected"  # the colleague's, kept
    _refused_naming_if_none_match(refused, listed_etag(world, tender_id))

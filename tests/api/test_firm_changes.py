"""Two changes of one firm profile made at the same time both hold: a change is merged into the profile as stored
when it is written, never into a copy another request replaced meanwhile (a hostile sweep: of 30 pairs of PATCHes
sent together, one changing the name and one the keywords, 18 lost one change, each answered 200)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from api.schemas import FirmCreate, FirmUpdate
from matcher.schema import FirmProfile
from matcher.search.code_labels import term_key as original_term_key
from matcher.services.catalog import FIRM_CHANGE_ATTEMPTS
from tests.api.conftest import OWN, World


def _interleave(monkeypatch: pytest.MonkeyPatch, write: Callable[[], object], every: bool = False) -> list[int]:
    """Run ``write`` (another request's change, committed) once (``every``: at each merge), at the moment the PATCH
    has read the profile and merges its fields into it; returns a list holding one entry per merge made."""
    merges: list[int] = []
    original = FirmUpdate.model_dump

    def model_dump(self: FirmUpdate, **kwargs: Any) -> dict[str, Any]:
        merges.append(1)
        if every or len(merges) == 1:
            write()
        return original(self, **kwargs)

    monkeypatch.setattr(FirmUpdate, "model_dump", model_dump)
    return merges


def test_a_patch_keeps_a_change_committed_while_it_was_made(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    firm = world.matcher.get_firm(OWN)
    other = firm.model_copy(update={"keywords": ["from another request"]})
    merges = _interleave(monkeypatch, lambda: world.matcher.upsert_firms([other]))
    response = world.client.patch(f"/firms/{OWN}", json={"name": "Renamed"}, headers=world.auth("officer"))
    assert response.status_code == 200, response.text
    stored = world.matcher.get_firm(OWN)
    assert (stored.name, stored.keywords) == ("Renamed", ["from another request"])
    assert response.json()["keywords"] == ["from another request"]  # the answer is the profile as stored
    assert len(merges) == 2  # merged again into the profile as it then was


def test_a_profile_changed_at_every_try_is_a_409_and_keeps_the_other_changes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm = world.matcher.get_firm(OWN)
    tries: list[int] = []

    def another_change() -> None:
        tries.append(1)
        world.matcher.upsert_firms([firm.model_copy(update={"keywords": [f"change {len(tries)}"]})])

    merges = _interleave(monkeypatch, another_change, every=True)
    response = world.client.patch(f"/firms/{OWN}", json={"name": "Renamed"}, headers=world.auth("officer"))
    assert response.status_code == 409, response.text
    assert response.json()["detail"] == (f"firm {OWN!r} was changed by {FIRM_CHANGE_ATTEMPTS} other requests while "
                                         "this change was being made; send it again")
    stored = world.matcher.get_firm(OWN)
    assert len(merges) == FIRM_CHANGE_ATTEMPTS
    assert (stored.name, stored.keywords) == (firm.name, [f"change {FIRM_CHANGE_ATTEMPTS}"])


def test_accepted_keywords_keep_a_patch_committed_while_they_were_added(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keywords route reads the profile, a PATCH of the name commits, then the keywords are written."""
    firm = world.matcher.get_firm(OWN)
    done: list[object] = []

    def term_key(text: str) -> str:  # first called when the service compares keywords with the profile it read
        if not done:
            done.append(world.matcher.upsert_firms([firm.model_copy(update={"name": "Renamed meanwhile"})]))
        return original_term_key(text)

    monkeypatch.setattr("matcher.services.keyword_suggestions.term_key", term_key)
    response = world.client.post(f"/firms/{OWN}/keywords", json={"keywords": ["정수장 설비"]},
                                 headers=world.auth("partner"))
    assert response.status_code == 200, response.text
    stored = world.matcher.get_firm(OWN)
    assert (stored.name, stored.keywords) == ("Renamed meanwhile", [*firm.keywords, "정수장 설비"])


def test_a_firm_created_by_another_request_meanwhile_is_a_409_and_kept(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two POST /firms of one new id sent together: the later write updated the firm the first had just created and
    both answered 201 (or the insert clashed: a 500). The first stays; the second is told it exists."""
    first = FirmProfile(firm_id="new-firm", name="First", description="Water meters")
    original = FirmCreate.model_dump

    def model_dump(self: FirmCreate, **kwargs: Any) -> dict[str, Any]:
        if not world.matcher.get_firms(["new-firm"]):
            world.matcher.upsert_firms([first])
        return original(self, **kwargs)

    monkeypatch.setattr(FirmCreate, "model_dump", model_dump)
    response = world.client.post("/firms", json={"firm_id": "new-firm", "name": "Second", "description": "Pumps"},
                                 headers=world.auth("officer"))
    assert response.status_code == 409, response.text
    assert response.json()["detail"] == "firm 'new-firm' already exists (use PATCH /firms/new-firm to change it)"
    assert world.matcher.get_firm("new-firm") == first


def test_a_clash_on_a_stored_key_is_a_409_not_a_500(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unique key the store refuses because another request wrote the same row at the same moment (two
    proposals of one notice for one firm, two assignments, on PostgreSQL two new notices of one id) was a 500."""

    def clash(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError("INSERT INTO shortlist_items ...", {}, Exception("UNIQUE constraint failed: "
                             "shortlist_items.firm_id, shortlist_items.tender_id"))

    monkeypatch.setattr(world.matcher, "propose", clash)
    response = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": world.tenders[1]},
                                 headers=world.auth("partner"))
    assert response.status_code == 409, response.text
    assert response.json() == {"error": "conflict", "problems": [], "detail": (
        "another request changed the same record at the same moment (UNIQUE constraint failed: "
        "shortlist_items.firm_id, shortlist_items.tender_id): send this one again")}

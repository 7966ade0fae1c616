"""``POST /firms/{id}/shortlist/from-recommendations`` answers as ``POST /firms/{id}/shortlist`` does: a 201 only
when the call put at least one notice on the shortlist, else a 200 with the items as stored; each item says
whether this call created it (``created``). It was a 201 whatever it stored, also when every top recommendation
was on the shortlist already, or when none was at ``min_fit_band``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from matcher.ranking.calibration import BAND_FLOORS
from matcher.schema import FirmProfile, Match, Tender
from matcher.search.retrieve import MatchQuery
from matcher.store.shortlists import ShortlistRepository
from tests.api.conftest import OWN, World

ROUTE = f"/firms/{OWN}/shortlist/from-recommendations"


def stored(world: World) -> list[tuple[str, str]]:
    """OWN's items and the logged decisions, what a repeated call must not add to."""
    items: list[tuple[str, str]] = [(e.tender_id, e.status) for e in world.matcher.shortlist(OWN)]
    return items + [(e.tender_id, e.decision) for e in world.matcher.feedback_events(OWN)]


def test_the_first_call_creates_and_the_same_call_again_finds_them_there(world: World) -> None:
    partner = world.auth("partner")
    seed = world.tenders[0]  # on OWN's shortlist already (the world's seed item)
    top = [m.tender_id for m in world.matcher.recommend(OWN, MatchQuery(k=4))]
    first = world.client.post(ROUTE, json={"top": 4, "note": "first batch"}, headers=partner)
    assert first.status_code == 201, first.text
    items: list[dict[str, Any]] = first.json()
    assert [i["tender_id"] for i in items] == top
    # New ones are created by this call; the seed item, if among the top, was there already and is kept as stored.
    assert [i["created"] for i in items] == [t != seed for t in top]
    assert all(i["status"] == "proposed" and i["note"] == "first batch" for i in items if i["created"])
    after_first = stored(world)

    again = world.client.post(ROUTE, json={"top": 4, "note": "first batch"}, headers=partner)
    assert again.status_code == 200, again.text
    repeated: list[dict[str, Any]] = again.json()
    assert [i["created"] for i in repeated] == [False] * len(top)
    # The same items as the first answer gave them, and nothing stored twice (no item, no logged proposal).
    assert [{**i, "created": None} for i in repeated] == [{**i, "created": None} for i in items]
    assert stored(world) == after_first
    listed = [e.tender_id for e in world.matcher.shortlist(OWN)]
    proposals = [e.tender_id for e in world.matcher.feedback_events(OWN) if e.decision == "proposed"]
    assert sorted(listed) == sorted(set(listed)) == sorted(proposals) and set(top) <= set(listed)


def test_a_call_of_only_known_items_is_a_200_and_one_new_item_is_a_201(world: World) -> None:
    officer = world.auth("officer")
    first, second = (m.tender_id for m in world.matcher.recommend(OWN, MatchQuery(k=2)))
    world.matcher.propose(OWN, first, "partner-a", "already here")
    only_known = world.client.post(ROUTE, json={"top": 1}, headers=officer)
    assert only_known.status_code == 200, only_known.text
    assert [(i["tender_id"], i["created"], i["note"], i["proposed_by"]) for i in only_known.json()] == [
        (first, False, "already here", "partner-a")]
    one_new = world.client.post(ROUTE, json={"top": 2}, headers=officer)
    assert one_new.status_code == 201, one_new.text
    assert [(i["tender_id"], i["created"]) for i in one_new.json()] == [(first, False), (second, True)]


def test_nothing_at_the_band_is_a_200_with_no_items(world: World) -> None:
    ranked = world.matcher.recommend(OWN, MatchQuery(k=1))
    best = BAND_FLOORS[0][0]
    assert ranked and ranked[0].fit_band != best  # the demo's first match for OWN is below the best band
    before = stored(world)
    response = world.client.post(ROUTE, json={"top": 1, "min_fit_band": best}, headers=world.auth("partner"))
    assert response.status_code == 200, response.text
    assert response.json() == []
    assert stored(world) == before


def test_the_route_documents_both_answers(world: World) -> None:
    operation = world.client.get("/openapi.json").json()["paths"][
        "/firms/{firm_id}/shortlist/from-recommendations"]["post"]
    assert {"200", "201"} <= operation["responses"].keys()
    assert "created" in operation["description"]


# ----------------------------------------------------------------------------- all or nothing
# Each top recommendation was stored in its own transaction: a failure at the second kept the first on the shortlist
# (and in the decision log) while the caller was told the call failed. They are now stored in one transaction.
def three_new(world: World) -> list[str]:
    """OWN's first three recommendations, none of them on its shortlist yet (so each would be stored)."""
    top = [m.tender_id for m in world.matcher.recommend(OWN, MatchQuery(k=3))]
    assert len(top) == 3 and not set(top) & {e.tender_id for e in world.matcher.shortlist(OWN)}
    return top


def test_a_notice_cancelled_between_ranking_and_storing_stores_none_of_the_three(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second of the top three is cancelled after the call ranked it open and before it is stored: a 422
    naming that notice, and neither the first nor the third is on the shortlist or in the log."""
    top = three_new(world)
    rank = world.matcher.recommend

    def ranked_then_cancelled(firm: str | FirmProfile, query: MatchQuery | None = None) -> list[Match]:
        matches = rank(firm, query)
        world.matcher.upsert_tenders([Tender(
            tender_id="api:cancelling", source="api", title="Cancellation", notice_type="award",
            published=world.matcher.settings.now().date(), cancels=[top[1]],
        )], sync=False)
        return matches

    monkeypatch.setattr(world.matcher, "recommend", ranked_then_cancelled)
    before = stored(world)
    response = world.client.post(ROUTE, json={"top": 3, "note": "batch"}, headers=world.auth("partner"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (f"tender {top[1]!r}: CLOSED: cancelled: a later notice ended its procedure "
                                         "without an award (as of 2021-04-28 12:00 UTC); it cannot be shortlisted")
    assert stored(world) == before


def test_a_store_fault_at_the_second_item_stores_none_of_the_three(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store fails while writing the second item (its logged proposal, after its row): the store's own error
    reaches the caller, and the first item, its log row and the second's row are all rolled back."""
    three_new(world)
    log = ShortlistRepository._log
    calls: list[str] = []

    def failing_second(self: ShortlistRepository, conn: Connection, firm_id: str, tender_id: str,
                       *args: Any) -> None:
        calls.append(tender_id)
        if len(calls) == 2:
            raise OperationalError("INSERT INTO feedback_events", {}, Exception("disk I/O error"))
        log(self, conn, firm_id, tender_id, *args)

    monkeypatch.setattr(ShortlistRepository, "_log", failing_second)
    before = stored(world)
    with pytest.raises(OperationalError, match="disk I/O error"):
        world.client.post(ROUTE, json={"top": 3}, headers=world.auth("partner"))
    assert len(calls) == 2
    assert stored(world) == before

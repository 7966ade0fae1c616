"""The recommendations route serves repeats from a response cache that no change can outlive."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date, timedelta

import httpx
import pytest

from api import actions
from matcher.schema import Award, Match
from matcher.search.retrieve import MatchQuery
from matcher.store.awards import AwardRepository
from tests.api.conftest import OTHER, OWN, World


def get(world: World, query: str = "k=5") -> list[dict[str, object]]:
    response = world.client.get(f"/firms/{OWN}/recommendations?{query}", headers=world.auth("partner"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: list[dict[str, object]] = response.json()
    return body


def fresh(world: World, k: int = 5) -> list[dict[str, object]]:
    """What ranking returns now, bypassing every cache, as the route serialises it."""
    ranked = world.matcher.recommend_many([OWN], MatchQuery(k=k))[0]
    return [json.loads(m.model_dump_json()) for m in actions.public(ranked)]


def test_a_repeat_is_the_cached_bytes_and_equals_a_fresh_ranking(world: World) -> None:
    responses = world.client.app.state.responses  # type: ignore[attr-defined]
    first = get(world)
    assert len(first) == 5 and first == fresh(world)
    assert get(world) == first and responses.hits == 1
    assert get(world, "k=3") == first[:3] and responses.hits == 1  # another query is another entry


def test_profile_edits_decisions_and_award_history_reach_the_next_request(world: World) -> None:
    before = get(world)
    edited = world.client.patch(f"/firms/{OWN}", json={"description": "road construction and asphalt paving"},
                                headers=world.auth("partner"))
    assert edited.status_code == 200, edited.text
    after_edit = get(world)
    assert after_edit != before and after_edit == fresh(world)

    top = str(after_edit[0]["tender_id"])
    world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": top}, headers=world.auth("partner"))
    world.client.patch(f"/firms/{OWN}/shortlist/{top}", json={"status": "rejected"}, headers=world.auth("partner"))
    after_reject = get(world)
    assert top not in {m["tender_id"] for m in after_reject} and after_reject == fresh(world)

    responses = world.client.app.state.responses  # type: ignore[attr-defined]
    misses = responses.misses
    with world.matcher.engine.db.begin() as conn:  # a write no API call made, as another process would
        AwardRepository().upsert(conn, [Award(award_id="a1", date=date(2020, 5, 1), title="Water pumps",
                                              supplier=world.firm_name(OWN), buyer="Nairobi Water")])
    assert get(world) == fresh(world) and responses.misses == misses + 1


def test_a_cached_response_is_not_served_after_a_listed_tender_closes(world: World) -> None:
    first = get(world)
    closing = min(m["deadline"] for m in first if m["deadline"])  # type: ignore[type-var]
    world.matcher.settings.clock = world.matcher.settings.now().fromisoformat(str(closing)) + timedelta(seconds=1)
    later = get(world)
    assert all(m["deadline"] is None or str(m["deadline"]) > str(closing) for m in later)
    assert later == fresh(world)


def test_requests_that_miss_together_share_one_ranking(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15 item 10: when an import's commit made every cached answer unreachable, each of the requests
    in flight ranked the same firm again, and requests queued behind those rankings for seconds."""
    calls: list[tuple[str, ...]] = []
    rank = world.matcher.recommend_many

    def slow_rank(firm_ids: list[str], query: MatchQuery | None = None) -> list[list[Match]]:
        calls.append(tuple(firm_ids))
        time.sleep(0.3)  # every other request arrives while this one ranks
        return rank(firm_ids, query)

    monkeypatch.setattr(world.matcher, "recommend_many", slow_rank)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=world.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            paths = [f"/firms/{firm}/recommendations?k=5" for firm in [OWN] * 12 + [OTHER] * 8]
            return await asyncio.gather(*(client.get(p, headers=world.auth("officer")) for p in paths))

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * 20
    assert sorted(calls) == sorted([(OWN,), (OTHER,)])  # one ranking per firm, not one per request
    own = [r.content for r in responses[:12]]
    assert len(set(own)) == 1 and json.loads(own[0]) == fresh(world)
    assert len(world.client.app.state.flights) == 0  # type: ignore[attr-defined]  # nothing left running

"""The recommendations route serves repeats from a response cache that no change can outlive."""

from __future__ import annotations

import json
from datetime import date, timedelta

from api import actions
from matcher.schema import Award
from matcher.search.retrieve import MatchQuery
from matcher.store.awards import AwardRepository
from tests.api.conftest import OWN, World


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

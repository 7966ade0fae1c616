"""POST /firms/{id}/shortlist of one notice sent several times at once (two partners, a double click): one 201,
every other a 200 with the same item, as a proposal sent afterwards answers; one item and one logged proposal
stored. On PostgreSQL all but the first were a 409 ('another request changed the same record'). The requests run
in threads against the store of the test (SQLite, and PostgreSQL when MATCHER_TEST_POSTGRES_URL is set), held
where they race (``hold_proposals``)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.conftest import OWN, World
from tests.services.test_proposals_together import hold_proposals

TOGETHER = 4


def test_a_notice_proposed_together_is_created_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    tender_id = world.tenders[1]
    hold_proposals(monkeypatch, world.matcher, TOGETHER)
    keys = ["partner", "officer"] * (TOGETHER // 2)
    with ThreadPoolExecutor(TOGETHER) as pool:
        answers = list(pool.map(
            lambda who: world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id},
                                          headers=world.auth(who)), keys))
    assert Counter(a.status_code for a in answers) == Counter({201: 1, 200: TOGETHER - 1}), [a.text for a in answers]
    first = next(a.json() for a in answers if a.status_code == 201)
    assert all(a.json() == first for a in answers)
    monkeypatch.undo()
    listed = world.client.get(f"/firms/{OWN}/shortlist", headers=world.auth("officer")).json()
    assert [i["tender_id"] for i in listed].count(tender_id) == 1
    log = world.client.get(f"/firms/{OWN}/feedback", headers=world.auth("officer")).json()
    assert [(e["decision"], e["actor"]) for e in log if e["tender_id"] == tender_id] == [
        ("proposed", first["proposed_by"])]


def test_a_proposal_sent_again_is_a_200_with_the_item(world: World) -> None:
    """The sequential answer: the item as stored (still approved, proposed by the first), its note the new one."""
    partner = world.auth("partner")
    tender_id = world.tenders[1]
    made = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id}, headers=partner)
    assert made.status_code == 201, made.text
    assert world.client.patch(f"/firms/{OWN}/shortlist/{tender_id}", json={"status": "approved"},
                              headers=partner).status_code == 200
    again = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id, "note": "call them"},
                              headers=world.auth("officer"))
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["proposed_by"], again.json()["note"]) == (
        "approved", made.json()["proposed_by"], "call them")

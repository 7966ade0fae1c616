"""What a shortlist answers and refuses, found by an outside trial: every role's ``?status=`` filters its
list, an unknown status is a 422 naming the value, and a notice published after "now" cannot be shortlisted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import OWN, World


def listed(world: World, who: str, query: str = "") -> list[tuple[str, str]]:
    response = world.client.get(f"/firms/{OWN}/shortlist{query}", headers=world.auth(who))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return [(i["tender_id"], i["status"]) for i in items]


@pytest.fixture
def decided(world: World) -> World:
    """OWN's shortlist holds one item of each status: seed proposed, second approved, third rejected."""
    partner = world.auth("partner")
    for tender_id, status in ((world.tenders[1], "approved"), (world.tenders[2], "rejected")):
        assert world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id},
                                 headers=partner).status_code == 201
        assert world.client.patch(f"/firms/{OWN}/shortlist/{tender_id}", json={"status": status},
                                  headers=partner).status_code == 200
    return world


def test_every_role_filters_by_status(decided: World) -> None:
    seed, approved, rejected = decided.tenders[:3]
    everything = [(seed, "proposed"), (approved, "approved"), (rejected, "rejected")]
    for who in ("partner", "officer"):
        assert listed(decided, who) == everything
        for status in ("proposed", "approved", "rejected"):
            assert listed(decided, who, f"?status={status}") == [i for i in everything if i[1] == status]
    # A firm key sees the approved items only, and its filter narrows that list as the others' do.
    assert listed(decided, "firm") == [(approved, "approved")]
    assert listed(decided, "firm", "?status=approved") == [(approved, "approved")]
    assert listed(decided, "firm", "?status=proposed") == []
    assert listed(decided, "firm", "?status=rejected") == []


@pytest.mark.parametrize("who", ["officer", "partner", "firm"])
def test_an_unknown_status_is_refused_naming_it(decided: World, who: str) -> None:
    response = decided.client.get(f"/firms/{OWN}/shortlist?status=maybe", headers=decided.auth(who))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["problems"][0]["loc"] == "query.status"
    assert "'maybe'" in body["detail"] and "'proposed', 'approved' or 'rejected'" in body["detail"]


def test_the_firm_key_export_filters_as_its_list(decided: World) -> None:
    response = decided.client.get(f"/firms/{OWN}/shortlist/export.csv?status=proposed", headers=decided.auth("firm"))
    assert response.status_code == 200
    assert decided.tenders[0] not in response.text and decided.tenders[1] not in response.text
    response = decided.client.get(f"/firms/{OWN}/shortlist/export.csv?status=approved", headers=decided.auth("firm"))
    assert decided.tenders[1] in response.text


# ----------------------------------------------------------------------------- notices after "now"
DAYS = {"today": 0, "tomorrow": 1}  # publication days after the API's clock


def test_a_notice_published_after_now_cannot_be_shortlisted(world: World) -> None:
    """Every "now" hides the notices published after it (README, "Open"): the API's clock is the demo's day
    (2021-04-28 12:00 UTC), so a notice of 2021-04-29 is refused as firms-for refuses it, naming its day and
    now, and nothing is stored; one of now's own day is shortlisted."""
    officer = world.auth("officer")
    now = world.matcher.settings.now()
    notices = [{"tender_id": f"api:{name}", "source": "api", "title": f"Water meters ({name})",
                "published": (now + timedelta(days=days)).date().isoformat()} for name, days in DAYS.items()]
    assert world.client.post("/tenders", json={"tenders": notices}, headers=officer).status_code == 200
    items, events = world.matcher.shortlist(OWN), world.matcher.feedback_events(OWN)
    for who in ("officer", "partner"):
        response = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": "api:tomorrow"},
                                     headers=world.auth(who))
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == (
            "tender 'api:tomorrow' is published on 2021-04-29, after now (2021-04-28 12:00 UTC)")
        assert response.json()["detail"] == world.client.get("/tenders/api:tomorrow/firms", headers=officer).json()[
            "detail"]
    assert world.matcher.shortlist(OWN) == items and world.matcher.feedback_events(OWN) == events
    today = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": "api:today"}, headers=officer)
    assert today.status_code == 201 and today.json()["status"] == "proposed"

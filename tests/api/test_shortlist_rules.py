"""What a shortlist answers and refuses, found by an outside trial: every role's ``?status=`` filters its
list, an unknown status is a 422 naming the value, a notice published after "now" is refused as firms-for
refuses it (404; to a partner as an unknown id), and one no firm can bid on now (an award, a closed or
cancelled call) as the workspace refuses it (422, naming why)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot


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
    (2021-04-28 12:00 UTC), so a notice of 2021-04-29 is refused as firms-for refuses it, to an officer naming
    its day and now, to a partner as an unknown id (tests/api/test_tender_reads.py), and nothing is stored; one
    of now's own day is shortlisted."""
    officer = world.auth("officer")
    now = world.matcher.settings.now()
    notices = [{"tender_id": f"api:{name}", "source": "api", "title": f"Water meters ({name})",
                "published": (now + timedelta(days=days)).date().isoformat()} for name, days in DAYS.items()]
    assert world.client.post("/tenders", json={"tenders": notices}, headers=officer).status_code == 200
    items, events = world.matcher.shortlist(OWN), world.matcher.feedback_events(OWN)
    says = {"officer": "tender 'api:tomorrow' is published on 2021-04-29, after now (2021-04-28 12:00 UTC)",
            "partner": "unknown tender 'api:tomorrow'"}
    for who, detail in says.items():
        response = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": "api:tomorrow"},
                                     headers=world.auth(who))
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == detail
        firms_for = world.client.get("/tenders/api:tomorrow/firms", headers=world.auth(who))
        assert (firms_for.status_code, firms_for.json()["detail"]) == (404, detail)
    assert world.matcher.shortlist(OWN) == items and world.matcher.feedback_events(OWN) == events
    today = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": "api:today"}, headers=officer)
    assert today.status_code == 201 and today.json()["status"] == "proposed"


# ----------------------------------------------------------------------------- notices no firm can bid on
def stored(world: World, **fields: Any) -> str:
    """A notice stored by an officer (an API upsert), its id."""
    tender_id = f"api:{fields.pop('name')}"
    notice = {"tender_id": tender_id, "source": "api", "title": "Water meters", **fields}
    assert world.client.post("/tenders", json={"tenders": [notice]}, headers=world.auth("officer")).status_code == 200
    return tender_id


@pytest.fixture
def not_biddable(world: World) -> dict[str, tuple[str, str]]:
    """tender id -> what the refusal must say, for each way a stored notice is not open at the API's clock
    (2021-04-28 12:00 UTC), as the workspace refuses to shortlist them (``api.web.views.bid_refusal``): the
    product's one wording of closures, as ``matcher firms-for`` prints it first (``notice_status``)."""
    award = next(t.tender_id for t in world.matcher.all_tenders() if t.notice_type == "award")
    passed = stored(world, name="passed", published="2021-03-01", deadline="2021-04-20T12:00:00Z")
    ended = stored(world, name="ended", published="2021-01-04")  # an open call's window: 60 days, to 2021-03-05
    other = stored(world, name="other", notice_type="other", published="2021-04-01")
    cancelled = stored(world, name="cancelled", published="2021-04-01", deadline="2021-05-20T12:00:00Z")
    stored(world, name="cancelling", notice_type="award", published="2021-04-20", cancels=[cancelled])
    return {
        award: ("award", f"tender {award!r}: CLOSED: an award notice, not a call for bids"),
        passed: ("passed", f"tender {passed!r}: CLOSED: the deadline passed on 2021-04-20 12:00 UTC"),
        ended: ("ended", f"tender {ended!r}: CLOSED: no deadline given, and it was counted open only through "
                         "2021-03-05, 60 days after its publication on 2021-01-04"),
        other: ("other", f"tender {other!r}: CLOSED: not a call for bids or a prior information notice"),
        cancelled: ("cancelled", f"tender {cancelled!r}: CLOSED: cancelled: a later notice ended its procedure "
                                 "without an award"),
    }


@pytest.mark.parametrize("who", ["officer", "partner"])
def test_a_notice_no_firm_can_bid_on_is_not_shortlisted(
    world: World, not_biddable: dict[str, tuple[str, str]], who: str
) -> None:
    before = snapshot(world)
    for tender_id, (_, says) in not_biddable.items():
        response = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id},
                                     headers=world.auth(who))
        assert response.status_code == 422, response.text
        assert response.json()["detail"] == f"{says} (as of 2021-04-28 12:00 UTC); it cannot be shortlisted"
    assert snapshot(world) == before


def test_an_item_listed_before_its_notice_closed_keeps_its_note_editable(
    world: World, not_biddable: dict[str, tuple[str, str]]
) -> None:
    closed = next(t for t, (kind, _) in not_biddable.items() if kind == "passed")
    world.matcher.propose(OWN, closed, "partner-a", "listed while it was open")  # as if before the clock turned
    response = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": closed, "note": "too late now"},
                                 headers=world.auth("partner"))
    assert response.status_code == 200, response.text  # on the shortlist already
    assert (response.json()["status"], response.json()["note"]) == ("proposed", "too late now")
    decided = world.client.patch(f"/firms/{OWN}/shortlist/{closed}", json={"status": "rejected"},
                                 headers=world.auth("partner"))
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"


def test_the_top_recommendations_are_proposed_open_ones_only(world: World) -> None:
    before = snapshot(world)
    refused = world.client.post(f"/firms/{OWN}/shortlist/from-recommendations",
                                json={"top": 3, "include_closed": True}, headers=world.auth("partner"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["problems"][0]["loc"] == "body.include_closed"
    assert "closed notices are never shortlisted" in refused.json()["detail"]
    assert snapshot(world) == before
    proposed = world.client.post(f"/firms/{OWN}/shortlist/from-recommendations", json={"top": 3},
                                 headers=world.auth("partner"))
    assert proposed.status_code == 201 and len(proposed.json()) == 3

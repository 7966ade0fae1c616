"""End to end over HTTP: import the demo notices by upload into an empty store, create a firm, get
recommendations with reasons, build a shortlist, approve one item, and see it as the firm."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.main import create_app
from matcher.demo import demo_data
from matcher.pipeline import Matcher
from matcher.search.retrieve import MatchQuery
from matcher.services.access import AccessControl
from tests.api.conftest import World

FIRM: dict[str, Any] = {
    "firm_id": "kr-e2e-membranes",
    "name": "이투이 멤브레인 (E2E Membranes)",
    "description": "정수장용 한외여과 막 여과 설비와 하수 처리 설비를 설계하고 설치합니다.",
    "keywords": ["ultrafiltration", "membrane filtration", "water treatment"],
    "codes": ["CPV:45252126", "CPV:42912300"],
    "home_country": "KR",
    "target_countries": ["FR", "KE"],
}


def test_import_recommend_shortlist_approve_and_see_as_firm(empty_matcher: Matcher, database_url: str) -> None:
    access = AccessControl(empty_matcher.engine.db)
    officer = {"Authorization": f"Bearer {access.create_key('officer', 'officer-1').token}"}
    partner = {"Authorization": f"Bearer {access.create_key('partner', 'kotra-nairobi').token}"}
    client = TestClient(create_app(matcher=empty_matcher))

    ready = client.get("/health/ready", headers=officer)
    assert ready.status_code == 503 and ready.json()["index"]["loaded"] is False
    assert ready.json()["store"]["backend"] == database_url.split(":")[0].split("+")[0]
    assert client.get("/health/ready").json() == {  # without an officer's key: no sizes, names or builds
        "status": "not_ready", "store": {"ok": True, "backend": None, "tenders": None, "firms": None, "detail": None},
        "index": {"loaded": False, "count": None, "encoder": None, "index_type": None, "build_id": None,
                  "built_at": None, "detail": None},
        "feed_counts": {"ok": 0, "failed": 0, "running": 0, "never_run": 0}, "feeds": []}

    with demo_data().tenders.open("rb") as notices:
        imported = client.post("/tenders/import", files={"file": ("tenders.tar.gz", notices)}, headers=officer)
    assert imported.status_code == 200, imported.text
    summary = imported.json()
    assert summary["new"] == 125 and summary["rejected"] == []
    job = client.get(f"/jobs/{summary['index_job']['job_id']}", headers=officer).json()
    assert job["status"] == "done" and "125 added" in job["detail"]
    ready = client.get("/health/ready", headers=officer).json()
    assert ready["status"] == "ready" and ready["index"]["count"] == 125 and ready["index"]["encoder"] == "fake@1"

    created = client.post("/firms", json=FIRM, headers=officer)
    assert created.status_code == 201 and created.json()["name"] == FIRM["name"]
    assert client.put(f"/partners/kotra-nairobi/firms/{FIRM['firm_id']}", headers=officer).status_code == 200
    firm = {"Authorization": f"Bearer {access.create_key('firm', 'e2e', FIRM['firm_id']).token}"}

    recs = client.get(f"/firms/{FIRM['firm_id']}/recommendations?k=5", headers=partner)
    assert recs.status_code == 200, recs.text
    matches = recs.json()
    assert 1 <= len(matches) <= 5
    assert [m["rank"] for m in matches] == list(range(1, len(matches) + 1))
    for match in matches:
        assert 0 <= match["score"] <= 1 and match["reasons"]["summary"] and "dense" in match["parts"]
    # Exactly the CLI's JSON: the facade's Match, dumped the same way.
    assert matches == [m.model_dump(mode="json") for m in empty_matcher.recommend(FIRM["firm_id"],
                                                                                  MatchQuery(k=5))]

    proposed = client.post(f"/firms/{FIRM['firm_id']}/shortlist/from-recommendations", json={"top": 3},
                           headers=partner)
    assert proposed.status_code == 201
    items = proposed.json()
    assert [i["tender_id"] for i in items] == [m["tender_id"] for m in matches[:3]]
    assert all(i["status"] == "proposed" and i["proposed_by"] == "kotra-nairobi" for i in items)
    chosen = items[1]["tender_id"]

    decided = client.patch(f"/firms/{FIRM['firm_id']}/shortlist/{chosen}",
                           json={"status": "approved", "note": "strong fit, bid with local agent"}, headers=partner)
    assert decided.status_code == 200
    assert decided.json()["decided_by"] == "kotra-nairobi" and decided.json()["decided_at"]
    rejected = client.patch(f"/firms/{FIRM['firm_id']}/shortlist/{items[0]['tender_id']}",
                            json={"status": "rejected"}, headers=partner)
    assert rejected.status_code == 200

    seen = client.get(f"/firms/{FIRM['firm_id']}/shortlist", headers=firm).json()
    assert [(i["tender_id"], i["status"], i["note"]) for i in seen] == [
        (chosen, "approved", "strong fit, bid with local agent")
    ]
    log = client.get(f"/firms/{FIRM['firm_id']}/feedback", headers=partner).json()
    assert [e["decision"] for e in log] == ["proposed"] * 3 + ["approved", "rejected"]
    # The rejected tender never comes back in recommendations (ranking reads the decisions).
    again = client.get(f"/firms/{FIRM['firm_id']}/recommendations?k=5", headers=firm).json()
    assert items[0]["tender_id"] not in [m["tender_id"] for m in again]


def test_upsert_batch_then_search_and_reindex_in_background(world: World) -> None:
    client, officer = world.client, world.auth("officer")
    tender = {"tender_id": "api:membranes-1", "source": "api", "title": "Ultrafiltration membrane plant",
              "description": "Supply and installation of ultrafiltration membranes", "countries": ["KE"],
              "codes": ["CPV:42912300"], "published": "2021-04-20", "deadline": "2021-06-01T12:00:00Z"}
    stored = client.post("/tenders", json={"tenders": [tender]}, headers=officer)
    assert stored.status_code == 200 and stored.json()["new"] == 1
    assert client.get(f"/jobs/{stored.json()['index_job']['job_id']}", headers=officer).json()["status"] == "done"
    page = client.get("/tenders?q=ultrafiltration&country=KE&open_only=true&code_prefix=CPV:429",
                      headers=officer).json()
    assert "api:membranes-1" in [t["tender_id"] for t in page["items"]]
    assert client.get("/health/ready", headers=officer).json()["index"]["count"] == 126
    again = client.post("/tenders", json={"tenders": [tender]}, headers=officer).json()
    assert again["unchanged"] == 1 and again["index_job"] is None
    deleted = client.delete("/tenders/api:membranes-1", headers=officer)
    assert deleted.status_code == 200
    assert client.get("/tenders/api:membranes-1", headers=officer).status_code == 404
    assert client.get("/health/ready", headers=officer).json()["index"]["count"] == 125


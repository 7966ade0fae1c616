"""A batch that names one record twice is refused whole, naming the id and where it is, and nothing of it is
stored. An outside trial sent two notices with one tender_id (and two firms with one firm_id) in one request:
one of the two won without a word."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot


def notice(tender_id: str, title: str) -> dict[str, str]:
    return {"tender_id": tender_id, "source": "api", "title": title}


def firm(firm_id: str, name: str) -> dict[str, str]:
    return {"firm_id": firm_id, "name": name, "description": "Water treatment equipment"}


def test_a_tender_batch_with_one_id_twice_is_422_naming_it_and_its_positions(world: World) -> None:
    before = snapshot(world)
    batch = [notice("api:a", "Pumps"), notice("api:b", "Meters"), notice("api:a", "Pumps, again"),
             notice("api:c", "Valves"), notice("api:b", "Meters, again"), notice("api:b", "Meters, third")]
    response = world.client.post("/tenders", json={"tenders": batch}, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["problems"][0]["loc"] == "body.tenders"
    assert "tender_id sent more than once (each notice once per batch): 'api:a' at tenders.0 and tenders.2; " \
           "'api:b' at tenders.1, tenders.4 and tenders.5" in body["detail"]
    assert snapshot(world) == before  # not even api:c, which was named once


def test_a_stored_notice_named_twice_is_refused_too(world: World) -> None:
    before = snapshot(world)
    stored = world.tenders[0]
    batch = [{"tender_id": stored, "source": "ted", "title": "One"}, {"tender_id": stored, "source": "ted",
                                                                      "title": "Two"}]
    response = world.client.post("/tenders", json={"tenders": batch}, headers=world.auth("officer"))
    assert response.status_code == 422 and f"{stored!r} at tenders.0 and tenders.1" in response.json()["detail"]
    assert snapshot(world) == before


@pytest.mark.parametrize(("name", "content", "records"), [
    ("firms.json", json.dumps([firm("new-a", "A"), firm("new-b", "B"), firm("new-a", "A2")]),
     "'new-a' at firms.json#1 and firms.json#3"),
    ("firms.jsonl", "\n".join(json.dumps(f) for f in (firm("new-b", "B"), firm("new-a", "A"), firm("new-a", "A2"))),
     "'new-a' at firms.jsonl:2 and firms.jsonl:3"),
    ("firms.csv", "firm_id,name,description\nnew-a,A,Pumps\nnew-b,B,Meters\nnew-a,A2,Valves\n",
     "'new-a' at firms.csv:2 and firms.csv:4"),
    (f"{OWN}.json", json.dumps([firm(OWN, "Renamed"), firm(OWN, "Renamed again")]),
     f"'{OWN}' at {OWN}.json#1 and {OWN}.json#2"),
])
def test_a_firm_file_with_one_id_twice_is_422_naming_its_records(
    world: World, name: str, content: str, records: str
) -> None:
    before = snapshot(world)
    response = world.client.post("/firms/import", files={"file": (name, content.encode())},
                                 headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        f"firm_id sent more than once (each firm once per import; nothing was stored): {records}")
    assert snapshot(world) == before


def test_a_firm_named_once_beside_a_rejected_record_of_its_id_loads(world: World) -> None:
    """A record refused for its own fault is not a second record of the firm: it is rejected, the other loads."""
    content = json.dumps([firm("new-a", "A"), {"firm_id": "new-a", "name": "A2"}])
    response = world.client.post("/firms/import", files={"file": ("firms.json", content.encode())},
                                 headers=world.auth("officer"))
    assert response.status_code == 200, response.text
    assert response.json()["new"] == 1 and [r["record"] for r in response.json()["rejected"]] == ["firms.json#2"]
    assert world.matcher.get_firm("new-a").name == "A"

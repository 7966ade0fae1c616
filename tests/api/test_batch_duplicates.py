"""A request body that names one notice twice is refused whole, naming the id and where it is, and nothing of it
is stored. An outside trial sent two notices with one tender_id (and two firms with one firm_id) in one request:
one of the two won without a word."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import World
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


# A file is not a request body: its records load one by one, a bad one rejected with its reason, and the readers
# reject a later record of an id already read in the file, naming the first (``matcher.ingest.base``). Through
# the API that reads as follows: nothing is silent, and the first record is what is stored.
@pytest.mark.parametrize(("name", "content", "first", "later"), [
    ("firms.json", json.dumps([firm("new-a", "A"), firm("new-b", "B"), firm("new-a", "A2")]),
     "firms.json#1", "firms.json#3"),
    ("firms.csv", "firm_id,name,description\nnew-a,A,Pumps\nnew-b,B,Meters\nnew-a,A2,Valves\n",
     "firms.csv:2", "firms.csv:4"),
])
def test_an_uploaded_firm_file_names_a_repeated_firm_and_stores_its_first_record(
    world: World, name: str, content: str, first: str, later: str
) -> None:
    response = world.client.post("/firms/import", files={"file": (name, content.encode())},
                                 headers=world.auth("officer"))
    assert response.status_code == 200, response.text
    assert response.json()["new"] == 2
    (rejected,) = response.json()["rejected"]
    assert rejected["record"] == later and "firm_id 'new-a'" in rejected["reason"] and first in rejected["reason"]
    assert world.matcher.get_firm("new-a").name == "A"

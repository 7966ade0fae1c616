"""A NUL character in an uploaded file's text is a rejected record naming it, on every store (issue 15).

PostgreSQL keeps no NUL in text: a CSV row carrying one crashed the import child there (the upload was a 503,
nothing of the file stored). The core models refuse NUL, so every reader reports the record and stores the
rest; records stored before the rule (a SQLite store) still load.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender
from tests.api.conftest import World

UPLOADS = [
    ("/tenders/import", "notices.csv",
     b"tender_id,source,title,description\ncsv:nul-1,csv,Water meters,ultrasonic\x00 meters\n"
     b"csv:nul-2,csv,Flow meters,electromagnetic\n"),
    ("/tenders/import", "notices.jsonl",
     json.dumps({"tender_id": "csv:nul-1", "source": "csv", "title": "Water\u0000 meters"}).encode() + b"\n"
     + json.dumps({"tender_id": "csv:nul-2", "source": "csv", "title": "Flow meters"}).encode() + b"\n"),
    ("/firms/import", "firms.csv",
     b"firm_id,name,description\nkr-nul-1,Nul Co,pumps\x00\nkr-nul-2,Fine Co,valves\n"),
    ("/firms/import", "firms.json",
     json.dumps([{"firm_id": "kr-nul-1", "name": "Nul Co", "description": "pumps", "keywords": ["a\u0000"]},
                 {"firm_id": "kr-nul-2", "name": "Fine Co", "description": "valves"}]).encode()),
]


@pytest.mark.parametrize(("path", "filename", "data"), UPLOADS, ids=[name for _, name, _ in UPLOADS])
def test_a_nul_in_an_uploaded_record_rejects_that_record_and_stores_the_rest(
    world: World, path: str, filename: str, data: bytes
) -> None:
    response = world.client.post(path, files={"file": (filename, data)}, headers=world.auth("officer"))
    assert response.status_code == 200, response.text
    body = response.json()
    (rejected,) = body["rejected"]
    assert rejected["record"].startswith(filename) and "NUL" in rejected["reason"], rejected
    assert body["new"] == 1, body
    if path == "/tenders/import":
        assert world.matcher.get_tender("csv:nul-2").title == "Flow meters"
        assert world.matcher.catalog.fetch_tenders(["csv:nul-1"]) == {}
    else:
        assert world.matcher.get_firm("kr-nul-2").name == "Fine Co"
        assert world.matcher.catalog.get_firms(["kr-nul-1"]) == {}


def test_records_stored_before_the_rule_still_load(matcher: Matcher) -> None:
    """A SQLite store may hold a NUL from an import made before the core refused it: it loads as stored."""
    legacy = Tender.model_construct(**{
        **Tender(tender_id="ted:legacy", source="ted", title="t", published=date(2024, 1, 2)).model_dump(),
        "description": "stored\x00before",
    })
    firm = FirmProfile.model_construct(**{
        **FirmProfile(firm_id="legacy", name="n", description="d").model_dump(), "description": "d\x00",
    })
    matcher.upsert_tenders([legacy], sync=False)
    matcher.upsert_firms([firm])
    assert matcher.get_tender("ted:legacy").description == "stored\x00before"
    assert matcher.get_firm("legacy").description == "d\x00"
    with pytest.raises(ValueError, match="NUL character"):
        Tender.model_validate(legacy.model_dump())  # anything coming in is refused

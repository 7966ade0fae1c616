"""A date out of the range the product accepts (``matcher.dates``: a year from 1900 to 2200 in UTC) is a 422 naming
the field and the value, or in an upload a rejected record with its reason; never a 500, and the rest of a file
loads (an outside tester's reports: a plain-text 500, and a 503 that stored nothing of the file)."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.errors import NotFound
from tests.api.conftest import World

FAR_FUTURE = "9999-12-31T23:59:59-05:00"  # the year 10000 in UTC
RULE = "is out of range (expected a year from 1900 to 2200, in UTC)"


def tender(**fields: Any) -> dict[str, Any]:
    return {"source": "api", "tender_id": "api:12b", "title": "t", **fields}


@pytest.mark.parametrize(("fields", "loc", "value"), [
    ({"deadline": FAR_FUTURE}, "body.tenders.0.deadline", FAR_FUTURE),
    ({"deadline": "0001-01-01T00:00:00+01:00"}, "body.tenders.0.deadline", "0001-01-01T00:00:00+01:00"),
    ({"published": "0001-01-01"}, "body.tenders.0.published", "0001-01-01"),
    ({"corrects": [{"notice": "ted:1-2021", "deadline": FAR_FUTURE}]}, "body.tenders.0.corrects.0.deadline",
     FAR_FUTURE),
])
def test_a_tender_with_a_date_out_of_range_is_a_422_naming_it(
    world: World, fields: dict[str, Any], loc: str, value: str
) -> None:
    response = world.client.post("/tenders", json={"tenders": [tender(**fields)]}, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"] == f"{loc}: Value error, {value} {RULE}"
    assert body["problems"] == [{"loc": loc, "msg": f"Value error, {value} {RULE}"}]
    with pytest.raises(NotFound):
        world.matcher.get_tender("api:12b")


def test_a_far_deadline_of_a_dated_tender_is_stored_as_none(world: World) -> None:
    """9999-12-31 beside a publication day is the placeholder for "no deadline", as 2099-12-31 always was."""
    response = world.client.post("/tenders", json={"tenders": [tender(published="2021-03-01", deadline=FAR_FUTURE)]},
                                 headers=world.auth("officer"))
    assert response.status_code == 200, response.text
    assert world.matcher.get_tender("api:12b").deadline is None


@pytest.mark.parametrize(("filename", "data", "record"), [
    ("farfuture.csv", b"tender_id,source,title,deadline\ngood-1,csv,Water meters,2021-06-30\n"
                      b"z9,csv,Far future,9999-12-31T23:59:59-05:00\n", "farfuture.csv:3"),
    ("farfuture.jsonl", b'{"tender_id": "good-1", "source": "csv", "title": "Water meters"}\n'
                        b'{"tender_id": "z9", "source": "csv", "title": "Far", "deadline": "' + FAR_FUTURE.encode()
                        + b'"}\n', "farfuture.jsonl:2"),
])
def test_an_upload_rejects_the_row_out_of_range_and_stores_the_rest(
    world: World, filename: str, data: bytes, record: str
) -> None:
    response = world.client.post("/tenders/import", files={"file": (filename, data)}, headers=world.auth("officer"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["new"] == 1, body
    assert body["rejected"] == [{"record": record, "reason": f"deadline: {FAR_FUTURE} {RULE}"}]
    assert world.matcher.get_tender("csv:good-1").title == "Water meters"
    assert world.matcher.catalog.fetch_tenders(["csv:z9"]) == {}

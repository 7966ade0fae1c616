"""A date is written as ISO 8601 text: a number where a date is expected is a 422 naming the field and the form
expected, and nothing is stored. Pydantic's lax mode read numbers (and text of digits) as Unix times: a notice
sent '"deadline": 1700000000' was stored with the deadline 2023-11-14 22:13:20 UTC, '"published": 1699920000'
(a midnight) as 2023-11-14, and '?since=1699920000' started a feed run from that day; a client that sent
milliseconds, or a day number, got some other date without a word."""

from __future__ import annotations

import pytest

from tests.api.conftest import World
from tests.api.test_bad_input import snapshot

MIDNIGHT = 1699920000  # 2023-11-14 00:00:00 UTC: 19675 days * 86400 s
ISO_DAY = "ISO 8601 date (YYYY-MM-DD)"
ISO_MOMENT = "ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS)"


def _tender(**fields: object) -> dict[str, object]:
    return {"tenders": [{"tender_id": "api:dated-1", "source": "api", "title": "Water meters", **fields}]}


@pytest.mark.parametrize(("fields", "loc", "expected"), [
    ({"published": MIDNIGHT}, "body.tenders.0.published", ISO_DAY),
    ({"published": str(MIDNIGHT)}, "body.tenders.0.published", ISO_DAY),
    ({"published": 19675.0}, "body.tenders.0.published", ISO_DAY),
    ({"deadline": 1700000000}, "body.tenders.0.deadline", ISO_MOMENT),
    ({"deadline": "1700000000"}, "body.tenders.0.deadline", ISO_MOMENT),
    ({"deadline": 1.7e12}, "body.tenders.0.deadline", ISO_MOMENT),
], ids=str)
def test_a_number_for_a_date_in_a_body_is_422(world: World, fields: dict[str, object], loc: str, expected: str) -> None:
    before = snapshot(world)
    response = world.client.post("/tenders", json=_tender(**fields), headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"{loc}: ") and expected in detail, detail
    assert snapshot(world) == before


@pytest.mark.parametrize("path", ["/feeds/run", "/feeds/no-such-feed/run"])
@pytest.mark.parametrize("since", [str(MIDNIGHT), "19675"])
def test_a_number_for_a_date_in_a_query_is_422(world: World, path: str, since: str) -> None:
    response = world.client.post(path, params={"since": since}, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("query.since: ") and ISO_DAY in detail, detail


@pytest.mark.parametrize("path", ["/feeds/run", "/feeds/no-such-feed/run"])
def test_a_day_outside_the_years_of_every_date_is_422(world: World, path: str) -> None:
    """'?since=0001-01-01' queued a run fetching every notice since year 1 (a hostile sweep), where every other
    day the API reads must fall in 1900-2200; the run is refused before anything is queued or looked up."""
    response = world.client.post(path, params={"since": "0001-01-01"}, headers=world.auth("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == ("query.since: Value error, 0001-01-01 is out of range (expected a year from "
                                         "1900 to 2200, in UTC)")


def test_iso_dates_are_still_taken(world: World) -> None:
    sent = _tender(published="2023-11-14", deadline="2023-12-01T12:00:00")
    response = world.client.post("/tenders", json=sent, headers=world.auth("officer"))
    assert response.status_code == 200 and response.json()["new"] == 1, response.text
    stored = world.client.get("/tenders/api:dated-1", headers=world.auth("officer")).json()
    assert (stored["published"], stored["deadline"]) == ("2023-11-14", "2023-12-01T12:00:00Z")

"""``GET /tenders/{id}/firms`` says, on each firm's match, whether the notice is open at the API's clock and why
not (``notice_status``): the reading ``matcher firms-for`` prints as its status line (``OpenAt.closure``, worded
in the reader's language), so a client need not re-derive the rule. The answer stays a list of matches."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from matcher.schema import Tender
from tests.api.conftest import OWN, World

AS_OF = "2021-04-28T12:00:00Z"  # the API's clock: the demo's day


def notice(name: str, **fields: Any) -> Tender:
    return Tender(tender_id=f"api:{name}", source="api", title="Water meters", **fields)


@pytest.fixture
def notices(world: World) -> World:
    """An open call, one past its deadline and one a later award notice cancelled, at 2021-04-28 12:00 UTC."""
    world.matcher.upsert_tenders([
        notice("open", published=date(2021, 4, 1), deadline=datetime(2021, 5, 20, 12, tzinfo=UTC)),
        notice("passed", published=date(2021, 3, 1), deadline=datetime(2021, 4, 20, 12, tzinfo=UTC)),
        notice("cancelled", published=date(2021, 4, 1), deadline=datetime(2021, 5, 20, 12, tzinfo=UTC)),
        notice("cancelling", notice_type="award", published=date(2021, 4, 20), cancels=["api:cancelled"]),
    ], sync=False)
    return world


def firms_for(world: World, tender_id: str, who: str = "officer", query: str = "") -> list[dict[str, Any]]:
    response = world.client.get(f"/tenders/{tender_id}/firms?k=3{query}", headers=world.auth(who))
    assert response.status_code == 200, response.text
    matches: list[dict[str, Any]] = response.json()
    assert isinstance(matches, list)  # the list of matches existing clients read
    return matches


@pytest.mark.parametrize(("name", "is_open", "closure", "detail"), [
    # 20 May 12:00 - 28 April 12:00 = 22 days
    ("open", True, None, "OPEN: closes 2021-05-20 12:00 UTC, 22 days left (as of 2021-04-28 12:00 UTC)"),
    ("passed", False, "deadline", "CLOSED: the deadline passed on 2021-04-20 12:00 UTC (as of 2021-04-28 12:00 UTC)"),
    ("cancelled", False, "cancelled", "CLOSED: cancelled: a later notice ended its procedure without an award "
                                      "(as of 2021-04-28 12:00 UTC)"),
])
def test_each_match_says_whether_the_notice_is_open(
    notices: World, name: str, is_open: bool, closure: str | None, detail: str
) -> None:
    officer, partner = (firms_for(notices, f"api:{name}", who) for who in ("officer", "partner"))
    assert len(officer) == 3 and [m["firm_id"] for m in partner] == [OWN]  # a partner sees its one firm
    for match in officer + partner:
        assert match["tender_id"] == f"api:{name}" and match["reasons"]["summary"]
        assert match["notice_status"] == {"open": is_open, "closure": closure, "as_of": AS_OF, "detail": detail}


def test_the_status_is_worded_in_the_readers_language(notices: World) -> None:
    korean = "마감됨: 마감 일시(2021-04-20 12:00 UTC)가 지났습니다 (기준 시각 2021-04-28 12:00 UTC)"
    for query, headers in (("&lang=ko", {}), ("", {"Accept-Language": "ko"})):
        response = notices.client.get(f"/tenders/api:passed/firms?k=3{query}",
                                      headers={**notices.auth("officer"), **headers})
        assert response.status_code == 200 and response.headers["content-language"] == "ko"
        assert {m["notice_status"]["detail"] for m in response.json()} == {korean}
        assert {m["notice_status"]["closure"] for m in response.json()} == {"deadline"}  # codes: any language


def test_the_openapi_document_promises_the_status(notices: World) -> None:
    schemas = notices.client.get("/openapi.json").json()["components"]["schemas"]
    route = notices.client.get("/openapi.json").json()["paths"]["/tenders/{tender_id}/firms"]["get"]
    item = route["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"].rsplit("/", 1)[1]
    assert "notice_status" in schemas[item]["required"]
    status = schemas[schemas[item]["properties"]["notice_status"]["$ref"].rsplit("/", 1)[1]]
    assert set(status["properties"]) == {"open", "closure", "as_of", "detail"}
    assert "notice_status" not in schemas["MatchPublic"]["properties"]  # recommendations keep their shape

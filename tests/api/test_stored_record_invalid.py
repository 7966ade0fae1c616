"""A firm or notice whose stored record was edited by hand to break a rule that has always held
(``tests/store/hand_edits.py``) is answered, wherever a request reads it, with the API's error body naming the row
and ``matcher store check``: a 500 ``stored_record_invalid`` (the server's own data is broken, not the request),
and the workspace's refusal page saying the same in the reader's language. It was a bare 500 "Internal Server
Error" (pydantic's ValidationError) from every route that read the row, lists included. On SQLite and, when
MATCHER_TEST_POSTGRES_URL is set, on PostgreSQL."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import quote

import pytest

from matcher.services.notice_search import MAX_RESULTS
from matcher.store.feeds import FeedSpec
from matcher.store.subscriptions import SubscriptionSpec
from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.store.hand_edits import FIRM_EDITS, JSON_EDITS, TENDER_EDITS, Edit, hand_edit, shown_line
from tests.web.pages_world import Visitor, page_text, visitor  # noqa: F401

ADVICE = "run 'matcher store check' to list every stored record that breaks a rule"


def detail(table: str, record_id: str, edit: Edit) -> str:
    return f"stored record {shown_line(table, record_id, edit)}; {ADVICE}"


def answered_as_broken(world: World, path: str, expected: str, who: str = "officer") -> None:
    response = world.client.get(path, headers=world.auth(who))
    assert response.status_code == 500, (path, response.text)
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "stored_record_invalid", "detail": expected, "problems": []}, path


FIRM_PATHS = [f"/firms/{OWN}", "/firms", f"/firms/{OWN}/recommendations", f"/firms/{OWN}/suggested-codes"]


@pytest.mark.parametrize("case", ["negative-min-value", "not-json"])
def test_every_read_of_a_firm_edited_by_hand_names_it(world: World, case: str) -> None:
    edit = FIRM_EDITS[case]
    hand_edit(world.matcher.engine.db, "firms", OWN, edit)
    for path in FIRM_PATHS:
        answered_as_broken(world, path, detail("firms", OWN, edit))
    answered_as_broken(world, f"/firms/{OWN}", detail("firms", OWN, edit), who="partner")
    assert world.client.get("/firms/kr-saebyeol-optics", headers=world.auth("officer")).status_code == 200


@pytest.mark.parametrize("case", ["malformed-date", "title-too-long"])
def test_every_read_of_a_notice_edited_by_hand_names_it(world: World, case: str) -> None:
    """The notice is on both firms' shortlists (the world's seed item) and open, so lists and rankings meet it."""
    tender_id = world.tenders[0]
    title = world.matcher.get_tender(tender_id).title
    edit = TENDER_EDITS[case]
    hand_edit(world.matcher.engine.db, "tenders", tender_id, edit)
    expected = detail("tenders", tender_id, edit)
    search = f"/search/tenders?q={quote(title[:100])}&k={MAX_RESULTS}"
    for path in [f"/tenders/{quote(tender_id)}", f"/tenders/{quote(tender_id)}/firms", f"/firms/{OWN}/shortlist",
                 search, "/tenders?limit=200&include_unpublished=true"]:
        answered_as_broken(world, path, expected)
    assert world.client.get(f"/tenders/{quote(world.tenders[1])}", headers=world.auth("officer")).status_code == 200


def test_the_error_is_documented_on_the_routes_that_read_records(world: World) -> None:
    document = world.client.get("/openapi.json").json()
    for path in ("/firms/{firm_id}", "/tenders/{tender_id}", "/firms/{firm_id}/recommendations"):
        answer = document["paths"][path]["get"]["responses"]["500"]
        assert "matcher store check" in answer["description"]
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_workspace_names_the_record_on_a_page(world: World, visitor: Visitor, lang: str) -> None:
    edit = FIRM_EDITS["negative-min-value"]
    hand_edit(world.matcher.engine.db, "firms", OWN, edit)
    client = visitor("partner")
    for path in (f"/web/firms/{OWN}", f"/web/firms/{OWN}/profile", "/web/"):
        page = client.get(path, headers={"Accept-Language": lang})
        assert page.status_code == 500, (path, page.text)
        assert page.headers["content-type"].startswith("text/html")
        shown = page_text(page.text)
        assert shown_line("firms", OWN, edit) in shown, shown
        assert "matcher store check" in shown
        assert ("Stored data needs repair" in shown) == (lang == "en")
        assert ("저장된 데이터를 고쳐야 합니다" in shown) == (lang == "ko")


def test_the_workspace_names_a_notice_on_its_page_and_to_htmx(world: World, visitor: Visitor) -> None:
    tender_id = world.tenders[0]
    edit = TENDER_EDITS["negative-value"]
    hand_edit(world.matcher.engine.db, "tenders", tender_id, edit)
    client = visitor("officer")
    page = client.get(f"/web/tenders/{quote(tender_id, safe='')}")
    assert page.status_code == 500 and shown_line("tenders", tender_id, edit) in page_text(page.text), page.text
    alert = client.get(f"/web/firms/{OWN}/shortlist", headers={"HX-Request": "true"})
    assert alert.status_code == 500 and alert.headers["HX-Retarget"] == "#page-alert", alert.text
    assert shown_line("tenders", tender_id, edit) in page_text(alert.text)


def test_a_json_column_edited_by_hand_is_named_by_the_api_and_the_workspace(world: World, visitor: Visitor) -> None:
    """A subscription's countries and a feed's cursor (JSON outside any model): each route that reads the row
    answers the error naming it, where it was a bare 500 (Python's JSONDecodeError)."""
    subscription = world.matcher.subscribe(SubscriptionSpec(OWN, "bids@hanbit.example", countries=("KE",)), "officer-1")
    world.matcher.add_feed(FeedSpec("ted-water", "ted"), "officer-1")
    edits = [("subscriptions", subscription.subscription_id, "countries", f"/firms/{OWN}/subscriptions",
              f"/web/firms/{OWN}/subscriptions"),
             ("feeds", "ted-water", "cursor", "/feeds", "/web/officer")]
    client = visitor("officer")
    for table, key, column, path, page_path in edits:
        edit = JSON_EDITS[(table, column)]
        hand_edit(world.matcher.engine.db, table, key, edit, column)
        answered_as_broken(world, path, detail(table, key, edit))
        page = client.get(page_path)
        assert page.status_code == 500 and shown_line(table, key, edit) in page_text(page.text), page_path

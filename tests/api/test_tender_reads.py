"""Listing and reading notices (``GET /tenders``, ``GET /tenders/{id}``) at the API's clock: a notice published
after now is hidden from firm and partner keys as if it were not stored (README, "Open"); a replay at a fixed
clock (``MATCHER_CLOCK``) would otherwise show them notices from its future. Officers read any notice by id (they
load, correct and delete them) and list the ones after now only when they ask (``include_unpublished``).
Every other route such a key names a notice in (firms-for, shortlisting, deciding) answers the same way, and a
shortlist already holding one (a replay's clock set back, an officer moving its date) leaves it out of the list
and its files for such a key, deciding on it being the same 404; an officer's list keeps it, marked."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from httpx2 import Response  # what starlette's TestClient answers with
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import Connection, create_engine, select, update
from sqlalchemy.exc import OperationalError

from matcher.services.shortlist_export import COLUMNS, HEADERS
from matcher.store.db import Database
from matcher.store.shortlists import ShortlistRepository
from matcher.store.tenders import TenderRepository, tenders
from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot

DAYS = {"today": 0, "tomorrow": 1, "next-month": 30}  # publication days after the API's clock (2021-04-28)
WORD = "zyzzyva"  # in these notices' titles only


@pytest.fixture
def dated(world: World) -> World:
    """The demo with three notices of one word, published today, tomorrow and in a month (stored by an officer)."""
    now = world.matcher.settings.now()
    notices = [{"tender_id": f"api:{name}", "source": "api", "title": f"{WORD.title()} water meters ({name})",
                "published": (now + timedelta(days=days)).date().isoformat()} for name, days in DAYS.items()]
    assert world.client.post("/tenders", json={"tenders": notices}, headers=world.auth("officer")).status_code == 200
    return world


def listed(world: World, who: str, **params: Any) -> tuple[int, list[str]]:
    response = world.client.get("/tenders", params=params, headers=world.auth(who))
    assert response.status_code == 200, response.text
    return response.json()["total"], [t["tender_id"] for t in response.json()["items"]]


@pytest.mark.parametrize("who", ["firm", "partner", "officer"])
def test_a_listing_leaves_out_the_notices_published_after_now(dated: World, who: str) -> None:
    assert listed(dated, who, q=WORD) == (1, ["api:today"])
    # Totals and pages count the same notices: the 125 demo notices (all published by 2021-04-28) and today's.
    total, first = listed(dated, who, limit=100)
    assert total == 126 and len(first) == 100
    _, rest = listed(dated, who, offset=100, limit=100)
    assert len(rest) == 26 and "api:tomorrow" not in first + rest and "api:next-month" not in first + rest


def test_an_officer_lists_them_when_asking(dated: World) -> None:
    # Newest publication first, the two after now included; open_only still keeps only what is open now.
    assert listed(dated, "officer", q=WORD, include_unpublished="true") == (
        3, ["api:next-month", "api:tomorrow", "api:today"])
    assert listed(dated, "officer", include_unpublished="true", limit=1)[0] == 128
    assert listed(dated, "officer", q=WORD, include_unpublished="true", open_only="true") == (1, ["api:today"])


@pytest.mark.parametrize("who", ["firm", "partner"])
def test_only_an_officer_may_ask_for_them(dated: World, who: str) -> None:
    response = dated.client.get("/tenders", params={"q": WORD, "include_unpublished": "true"},
                                headers=dated.auth(who))
    assert response.status_code == 403, response.text
    assert response.json()["detail"] == (
        f"include_unpublished is for officers' keys (this key's role is {who!r}): the notices published after "
        "now are hidden from it")


@pytest.mark.parametrize("who", ["firm", "partner"])
def test_reading_one_after_now_is_a_404_as_for_an_unknown_id(dated: World, who: str) -> None:
    for name in ("tomorrow", "next-month"):
        response = dated.client.get(f"/tenders/api:{name}", headers=dated.auth(who))
        assert response.status_code == 404, response.text
        unknown = dated.client.get(f"/tenders/api:{name}-x", headers=dated.auth(who)).json()
        # The same answer as for an id never stored: nothing says the notice exists, nor when it is published.
        assert response.json() == {**unknown, "detail": f"unknown tender 'api:{name}'"}
    today = dated.client.get("/tenders/api:today", headers=dated.auth(who))
    assert today.status_code == 200 and today.json()["published"] == "2021-04-28"


def test_an_officer_reads_one_after_now(dated: World) -> None:
    response = dated.client.get("/tenders/api:tomorrow", headers=dated.auth("officer"))
    assert response.status_code == 200, response.text
    assert response.json() == dated.matcher.get_tender("api:tomorrow").model_dump(mode="json")


# ----------------------------------------------------------------------------- every route that names a notice
def _firms_for(world: World, tender_id: str, who: str) -> Response:
    return world.client.get(f"/tenders/{tender_id}/firms", params={"k": 3}, headers=world.auth(who))


def _propose(world: World, tender_id: str, who: str) -> Response:
    return world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id}, headers=world.auth(who))


def _decide(world: World, tender_id: str, who: str) -> Response:
    return world.client.patch(f"/firms/{OWN}/shortlist/{tender_id}", json={"status": "approved"},
                              headers=world.auth(who))


def _read(world: World, tender_id: str, who: str) -> Response:
    return world.client.get(f"/tenders/{tender_id}", headers=world.auth(who))


#: The routes a firm's or partner's key may send a tender id to (in the path or the body); the firm key's own
#: firm (OWN) is the partner's too. A firm key is refused firms-for and the shortlist's changes by its role.
NAMING_A_NOTICE: dict[str, Callable[[World, str, str], Response]] = {
    "GET /tenders/{id}/firms": _firms_for, "POST /firms/{id}/shortlist": _propose,
    "PATCH /firms/{id}/shortlist/{tender_id}": _decide, "GET /tenders/{id}": _read,
}


@pytest.mark.parametrize("route", NAMING_A_NOTICE)
@pytest.mark.parametrize("who", ["firm", "partner"])
def test_every_route_answers_for_one_after_now_as_for_an_unknown_id(dated: World, who: str, route: str) -> None:
    call = NAMING_A_NOTICE[route]
    before = snapshot(dated)
    for name in ("tomorrow", "next-month"):
        hidden, unknown = call(dated, f"api:{name}", who), call(dated, f"api:{name}-x", who)
        assert hidden.status_code == unknown.status_code and hidden.status_code in (403, 404), hidden.text
        # Byte for byte, but for the id each echoes: nothing says the notice exists, nor when it is published.
        assert hidden.text == unknown.text.replace(f"api:{name}-x", f"api:{name}")
        assert "2021-04-29" not in hidden.text and "2021-05-28" not in hidden.text and "after now" not in hidden.text
    assert snapshot(dated) == before


def test_an_officer_is_told_when_it_is_published(dated: World) -> None:
    """Officers load and correct notices: firms-for and shortlisting name the publication day and now (404)."""
    before = snapshot(dated)
    for call in (_firms_for, _propose):
        response = call(dated, "api:next-month", "officer")
        assert response.status_code == 404, response.text
        # 2021-04-28 + 30 days = 2021-05-28
        assert response.json()["detail"] == (
            "tender 'api:next-month' is published on 2021-05-28, after now (2021-04-28 12:00 UTC)")
    assert snapshot(dated) == before


# ----------------------------------------------------------------------------- a shortlisted notice moved after now
@pytest.fixture
def listed_later(world: World) -> tuple[World, str]:
    """OWN's shortlist: the seeded notice and a second one, both approved by its partner (so that the firm's key
    sees them too); then an officer moves the second one's publication to tomorrow (2021-04-29), as a correction
    or a clock set back for a replay would. Returns the world and that notice's id."""
    partner, officer = world.auth("partner"), world.auth("officer")
    seeded, later = world.tenders[0], world.tenders[2]
    assert world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": later}, headers=partner).status_code == 201
    for tender_id in (seeded, later):
        approved = world.client.patch(f"/firms/{OWN}/shortlist/{tender_id}", json={"status": "approved"},
                                      headers=partner)
        assert approved.status_code == 200, approved.text
    assert [i["tender_id"] for i in world.client.get(f"/firms/{OWN}/shortlist", headers=world.auth("firm")).json()
            ] == [seeded, later]
    notice = world.matcher.get_tender(later)
    moved = {"tender_id": later, "source": notice.source, "title": notice.title, "published": "2021-04-29"}
    assert world.client.post("/tenders", json={"tenders": [moved]}, headers=officer).status_code == 200
    return world, later


def ids_in_file(suffix: str, content: bytes) -> list[str]:
    """The tender ids a shortlist file holds, in any language: the CSV's and the workbook's first column, the
    calendar's UIDs (``{firm_id}/{tender_id}@tender-matcher``). The workspace's downloads are read with it too."""
    if suffix == "csv":
        return [row[0] for row in list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]]
    if suffix == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        return [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)]
    events = Calendar.from_ical(content).walk("VEVENT")
    return [str(e["UID"]).split("/")[1].removesuffix("@tender-matcher") for e in events]


def _export(world: World, who: str, suffix: str) -> bytes:
    response = world.client.get(f"/firms/{OWN}/shortlist/export.{suffix}", headers=world.auth(who))
    assert response.status_code == 200, response.text
    return response.content


def _export_ids(world: World, who: str, suffix: str) -> list[str]:
    return ids_in_file(suffix, _export(world, who, suffix))


@pytest.mark.parametrize("who", ["firm", "partner"])
def test_a_shortlist_leaves_out_an_item_published_after_now(listed_later: tuple[World, str], who: str) -> None:
    """As GET /tenders/{id} does not know it, no shortlist view of this key shows it: the list (with any status
    filter that would hold it) and its three files."""
    world, later = listed_later
    seeded = world.tenders[0]
    for status in ({}, {"status": "approved"}):
        listed = world.client.get(f"/firms/{OWN}/shortlist", params=status, headers=world.auth(who))
        assert listed.status_code == 200, listed.text
        assert [i["tender_id"] for i in listed.json()] == [seeded]
        assert later not in listed.text
    # The seeded notice and the moved one both have deadlines (2021-05-31, 2021-05-18): each would be an event.
    for suffix in ("csv", "xlsx", "ics"):
        assert _export_ids(world, who, suffix) == [seeded], suffix


def test_a_partners_decision_log_leaves_out_its_events(listed_later: tuple[World, str]) -> None:
    """GET /firms/{firm_id}/feedback named the notice to the partner's key (its proposal and approval) while every
    other view of it answered as for an id never stored (a hostile sweep); an officer's log keeps every event."""
    world, later = listed_later
    seeded = world.tenders[0]
    logged = world.client.get(f"/firms/{OWN}/feedback", headers=world.auth("partner"))
    assert logged.status_code == 200, logged.text
    # The seeded item: proposed by the fixture's world, approved by the partner; the moved one's two events go.
    assert [(e["tender_id"], e["decision"]) for e in logged.json()] == [(seeded, "proposed"), (seeded, "approved")]
    assert later not in logged.text
    officers = world.client.get(f"/firms/{OWN}/feedback", headers=world.auth("officer")).json()
    assert [(e["tender_id"], e["decision"]) for e in officers] == [
        (seeded, "proposed"), (later, "proposed"), (seeded, "approved"), (later, "approved")]


def test_an_officer_sees_it_marked_published_after_now(listed_later: tuple[World, str]) -> None:
    world, later = listed_later
    listed = world.client.get(f"/firms/{OWN}/shortlist", headers=world.auth("officer"))
    assert listed.status_code == 200, listed.text
    assert [(i["tender_id"], i["published"], i["published_after_now"]) for i in listed.json()] == [
        (world.tenders[0], "2021-04-28", False), (later, "2021-04-29", True)]
    for suffix in ("csv", "xlsx", "ics"):
        assert _export_ids(world, "officer", suffix) == [world.tenders[0], later], suffix


def _table(suffix: str, content: bytes) -> list[list[str]]:
    """The CSV's or the workbook's rows, the header first, each cell as text (an empty cell as "")."""
    if suffix == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_an_officers_files_mark_it(listed_later: tuple[World, str]) -> None:
    """The officer's CSV and workbook end in a column saying which notice is published after today, the
    calendar's event of it says when; the firm's and partner's files (which never hold it) have no such column."""
    world, later = listed_later
    seeded = world.tenders[0]
    for suffix in ("csv", "xlsx"):
        header, *rows = _table(suffix, _export(world, "officer", suffix))
        assert header == [HEADERS["en"][c] for c in COLUMNS] + ["Published after today"], suffix
        assert [(row[0], row[-1]) for row in rows] == [(seeded, "no"), (later, "yes")], suffix
        for who in ("firm", "partner"):
            assert _table(suffix, _export(world, who, suffix))[0] == [HEADERS["en"][c] for c in COLUMNS], who
    events = {str(e["UID"]): str(e["DESCRIPTION"]).split("\n")
              for e in Calendar.from_ical(_export(world, "officer", "ics")).walk("VEVENT")}
    assert events[f"{OWN}/{later}@tender-matcher"][-1] == "Published after today: 2021-04-29"
    assert not [line for line in events[f"{OWN}/{seeded}@tender-matcher"] if line.startswith("Published")]


@pytest.mark.parametrize("who", ["firm", "partner"])
def test_a_decision_on_it_answers_as_for_an_unknown_id(listed_later: tuple[World, str], who: str) -> None:
    """The workspace's decision on it is the 404 page of an id never stored (tests/web/test_web_published_later.py);
    the API's PATCH (and a proposal's new note) answers as for an id never stored too, and stores nothing."""
    world, later = listed_later
    before = snapshot(world)
    for call in (_decide, _propose):
        hidden, unknown = call(world, later, who), call(world, "ted:999999-2021", who)
        assert hidden.status_code == unknown.status_code and hidden.status_code in (403, 404), hidden.text
        assert hidden.text == unknown.text.replace("ted:999999-2021", later)
        assert "2021-04-29" not in hidden.text
    assert snapshot(world) == before


def test_an_officer_still_decides_on_it(listed_later: tuple[World, str]) -> None:
    world, later = listed_later
    decided = world.client.patch(f"/firms/{OWN}/shortlist/{later}", json={"status": "rejected", "note": "later"},
                                 headers=world.auth("officer"))
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["published_after_now"]) == ("rejected", True)
    assert world.matcher.decisions([OWN])[OWN][later] == "rejected"


# ----------------------------------------------------------------------------- an officer moving the date meanwhile
def _moved_to_tomorrow(world: World, tender_id: str) -> None:
    """What an officer's correction does (in a connection of its own, committed): the notice published tomorrow."""
    notice = world.matcher.get_tender(tender_id)
    world.matcher.upsert_tenders([notice.model_copy(update={"published": date(2021, 4, 29)})], sync=False)


def _decisions_stored(world: World) -> dict[str, Any]:
    stored = snapshot(world)
    return {table: stored[table] for table in ("shortlist_items", "feedback_events")}


def test_a_date_moved_while_a_partner_decides_refuses_the_decision(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: the notice is visible when the partner's PATCH arrives, and an officer moves it to tomorrow just
    before the decision is written, after any check made before it. The decision reads the date in its own
    transaction, so it answers as for an id never stored and stores nothing; before, it was checked in a connection
    of its own beforehand, and the decision was stored (200).

    On PostgreSQL the officer's change commits inside the decision's transaction, as its write starts. On SQLite
    the decision's transaction holds the write lock from its first statement (matcher.store.db), so the change
    can only come before it: it is made as the request opens its first transaction."""
    seeded = world.tenders[0]
    before = _decisions_stored(world)
    db = world.matcher.engine.db
    if db.engine.dialect.name == "sqlite":
        opened = type(db).begin
        moved: list[bool] = []

        @contextmanager
        def officer_moves_it_first(self: Database) -> Iterator[Connection]:
            if not moved:
                moved.append(True)
                _moved_to_tomorrow(world, seeded)
            with opened(self) as conn:
                yield conn

        monkeypatch.setattr(type(db), "begin", officer_moves_it_first)
    else:
        write = ShortlistRepository.decide

        def officer_moves_it_as_written(self: ShortlistRepository, conn: Connection, *args: Any,
                                        **kwargs: Any) -> Any:
            _moved_to_tomorrow(world, seeded)
            return write(self, conn, *args, **kwargs)

        monkeypatch.setattr(ShortlistRepository, "decide", officer_moves_it_as_written)
    hidden = _decide(world, seeded, "partner")
    unknown = _decide(world, "ted:999999-2021", "partner")
    assert hidden.status_code == 404, hidden.text
    assert hidden.text == unknown.text.replace("ted:999999-2021", seeded)
    assert world.matcher.get_tender(seeded).published == date(2021, 4, 29)  # the officer's change holds
    assert _decisions_stored(world) == before


def _competing_write_refused(world: World, tender_id: str) -> bool:
    """Whether an officer's change of the notice's row would have to wait now, asked without waiting: on
    PostgreSQL a row lock taken with NOWAIT (the lock an UPDATE takes), on SQLite a write with no busy timeout."""
    serving = world.matcher.engine.db.engine
    sqlite = serving.dialect.name == "sqlite"
    engine = create_engine(serving.url, connect_args={"timeout": 0} if sqlite else {})
    try:
        with engine.begin() as conn:
            row = tenders.c.tender_id == tender_id
            if sqlite:
                conn.execute(update(tenders).where(row).values(title=tenders.c.title))
            else:
                conn.execute(select(tenders.c.tender_id).where(row).with_for_update(nowait=True))
    except OperationalError:
        return True
    finally:
        engine.dispose()
    return False


def test_an_officer_cannot_move_the_date_while_a_decision_is_written(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the decision has read the notice's date, the notice's row stays the decision's until it commits: an
    officer's change of it waits (PostgreSQL: the row is locked for share; SQLite: one writer at a time), so the
    date the decision went by is the date when it is stored."""
    seeded = world.tenders[0]
    read = TenderRepository.published_day
    refused: list[bool] = []

    def then_an_officer_tries(self: TenderRepository, conn: Connection, tender_id: str) -> Any:
        day = read(self, conn, tender_id)
        refused.append(_competing_write_refused(world, tender_id))
        return day

    monkeypatch.setattr(TenderRepository, "published_day", then_an_officer_tries)
    decided = _decide(world, seeded, "partner")
    assert decided.status_code == 200, decided.text
    assert refused == [True]
    assert not _competing_write_refused(world, seeded)  # and free again once it is stored

"""An officer's ``POST /tenders`` of a stored notice changes the fields it sends and keeps every field it leaves
out. An outside trial replaced a full TED notice (description, codes, deadline, value, buyer) with a title-only
stub: everything its feed supplied was lost without a word. Clearing a field takes an explicit null (or an empty
list), and a notice cannot move to another source."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.schema import AS_PUBLISHED, Tender
from tests.api.conftest import World
from tests.api.test_bad_input import snapshot

#: What a stub must keep of a full TED notice: every field a feed fills in besides the id, source and title.
KEPT = ("notice_type", "description", "language", "buyer", "buyer_country", "countries", "codes", "value",
        "currency", "published", "deadline", "url", "titles", "contract_nature")


def full_ted_notice(world: World) -> Tender:
    """A demo TED notice with every field of ``KEPT`` filled in."""
    return next(t for t in world.matcher.all_tenders()
                if t.source == "ted" and all(getattr(t, name) not in (None, "", [], {}) for name in KEPT))


def upsert(world: World, *tenders: dict[str, Any]) -> Any:
    return world.client.post("/tenders", json={"tenders": list(tenders)}, headers=world.auth("officer"))


def test_a_title_only_stub_changes_the_title_and_keeps_the_rest(world: World) -> None:
    before = full_ted_notice(world)
    response = upsert(world, {"tender_id": before.tender_id, "source": "ted", "title": "Renamed by an officer"})
    assert response.status_code == 200, response.text
    assert (response.json()["updated"], response.json()["new"]) == (1, 0)
    after = world.matcher.get_tender(before.tender_id)
    assert after.title == "Renamed by an officer"
    assert {name: getattr(after, name) for name in KEPT} == {name: getattr(before, name) for name in KEPT}
    assert world.client.get(f"/tenders/{before.tender_id}", headers=world.auth("officer")).json()["description"] == (
        before.description)
    # Sending it again changes nothing (the stored notice is what the merge gives).
    again = upsert(world, {"tender_id": before.tender_id, "source": "ted", "title": "Renamed by an officer"})
    assert (again.json()["unchanged"], again.json()["updated"]) == (1, 0)


def test_a_field_sent_replaces_and_an_explicit_null_clears(world: World) -> None:
    before = full_ted_notice(world)
    sent = {"tender_id": before.tender_id, "source": "ted", "title": before.title, "deadline": None,
            "codes": ["CPV:33111000"], "value": 1234.5}
    assert upsert(world, sent).status_code == 200
    after = world.matcher.get_tender(before.tender_id)
    assert (after.deadline, after.codes, after.value) == (None, ["CPV:33111000"], 1234.5)
    assert (after.description, after.buyer, after.currency) == (before.description, before.buyer, before.currency)


def test_a_new_notice_is_stored_as_sent(world: World) -> None:
    response = upsert(world, {"tender_id": "api:new-1", "source": "api", "title": "Water meters"})
    assert response.status_code == 200 and response.json()["new"] == 1
    stored = world.matcher.get_tender("api:new-1")
    assert (stored.title, stored.description, stored.codes, stored.deadline) == ("Water meters", "", [], None)


def test_a_notice_cannot_move_to_another_source(world: World) -> None:
    notice = full_ted_notice(world)
    before = snapshot(world)
    response = upsert(world, {"tender_id": "api:fine", "source": "api", "title": "A new notice in the same batch"},
                      {"tender_id": notice.tender_id, "source": "manual", "title": "Stub"})
    assert response.status_code == 409, response.text
    assert response.json()["detail"] == (
        f"tender {notice.tender_id!r} (tenders.1) is stored from source 'ted', not 'manual': an update keeps a "
        "notice's source (delete the notice first to replace it)")
    assert snapshot(world) == before  # nothing of the batch is stored, not even its valid new notice


def test_a_corrected_notice_is_updated_from_its_source_record(world: World) -> None:
    """A corrigendum changes a stored notice's deadline; a stub updates the notice as its source published it,
    so the correction still holds afterwards, and deleting the corrigendum brings back the original deadline,
    not one the stub would have frozen."""
    original = {"tender_id": "api:pumps", "source": "api", "title": "Pumps", "description": "Borehole pumps",
                "published": "2021-04-01", "deadline": "2021-05-10T12:00:00Z", "codes": ["CPV:42122000"]}
    corrigendum = {"tender_id": "api:pumps-corr", "source": "api", "title": "Corrigendum", "notice_type": "other",
                   "published": "2021-04-10",
                   "corrects": [{"notice": "api:pumps", "deadline": "2021-05-20T12:00:00Z"}]}
    assert upsert(world, original, corrigendum).status_code == 200
    assert str(world.matcher.get_tender("api:pumps").deadline) == "2021-05-20 12:00:00+00:00"
    assert upsert(world, {"tender_id": "api:pumps", "source": "api", "title": "Borehole pumps"}).status_code == 200
    updated = world.matcher.get_tender("api:pumps")
    assert (updated.title, updated.description, updated.codes) == ("Borehole pumps", "Borehole pumps",
                                                                    ["CPV:42122000"])
    assert str(updated.deadline) == "2021-05-20 12:00:00+00:00"
    assert world.client.delete("/tenders/api:pumps-corr", headers=world.auth("officer")).status_code == 200
    assert str(world.matcher.get_tender("api:pumps").deadline) == "2021-05-10 12:00:00+00:00"


# ----------------------------------------------------------------------------- a deadline before publication
PUMPS = {"tender_id": "api:pumps", "source": "api", "title": "Pumps", "published": "2021-04-10",
         "deadline": "2021-05-10T12:00:00Z"}
#: An award may name a deadline before its publication (the call closed before the award was published).
AWARD = {"tender_id": "api:award", "source": "api", "title": "Pumps awarded", "notice_type": "award",
         "published": "2021-04-10", "deadline": "2021-04-01T12:00:00Z"}


@pytest.mark.parametrize(("stored", "sent", "detail"), [
    (PUMPS, {"deadline": "2021-04-01T12:00:00Z"},
     "tender 'api:pumps' (tenders.1) with its stored 'notice_type' and 'published': deadline "
     "2021-04-01T12:00:00+00:00 is before the publication date 2021-04-10 (a call cannot close before it is "
     "published)"),
    (PUMPS, {"published": "2021-06-01"},
     "tender 'api:pumps' (tenders.1) with its stored 'notice_type' and 'deadline': deadline "
     "2021-05-10T12:00:00+00:00 is before the publication date 2021-06-01 (a call cannot close before it is "
     "published)"),
    (AWARD, {"notice_type": "open_call"},
     "tender 'api:award' (tenders.1) with its stored 'published' and 'deadline': deadline "
     "2021-04-01T12:00:00+00:00 is before the publication date 2021-04-10 (a call cannot close before it is "
     "published)"),
], ids=["deadline-alone", "published-alone", "type-alone"])
def test_an_update_is_held_to_the_deadline_rule_with_the_stored_fields(
    world: World, stored: dict[str, Any], sent: dict[str, Any], detail: str
) -> None:
    """The rule a single item meets (a call's deadline not on a day before its publication) holds for the notice
    an update gives, where one date is sent and the other stored; the batch is refused whole."""
    assert upsert(world, stored).status_code == 200
    before = snapshot(world)
    response = upsert(world, {"tender_id": "api:fine", "source": "api", "title": "A new notice in the same batch"},
                      {"tender_id": stored["tender_id"], "source": "api", "title": stored["title"], **sent})
    assert response.status_code == 422, response.text
    assert (response.json()["error"], response.json()["detail"]) == ("invalid_input", detail)
    assert snapshot(world) == before


def test_a_feed_notice_keeps_its_dates_as_published_until_one_is_typed(world: World) -> None:
    """A TED notice published after its deadline is stored as published (AS_PUBLISHED): a title sent alone keeps
    both dates; a date sent is typed, held to the rule with the other (refused while the pair stays inverted,
    stored once it is not)."""
    late = Tender.model_validate({**PUMPS, "tender_id": "ted:late", "source": "ted", "deadline":
                                  "2021-04-01T12:00:00Z"}, context=AS_PUBLISHED)
    world.matcher.upsert_tenders([late], sync=False)
    assert upsert(world, {"tender_id": "ted:late", "source": "ted", "title": "Renamed"}).status_code == 200
    kept = world.matcher.get_tender("ted:late")
    assert (kept.title, kept.published, kept.deadline) == ("Renamed", late.published, late.deadline)
    refused = upsert(world, {"tender_id": "ted:late", "source": "ted", "title": "Renamed", "published": "2021-04-05"})
    assert refused.status_code == 422 and "deadline 2021-04-01T12:00:00+00:00 is before the publication date " \
        "2021-04-05" in refused.json()["detail"]
    assert world.matcher.get_tender("ted:late") == kept
    fixed = upsert(world, {"tender_id": "ted:late", "source": "ted", "title": "Renamed",
                           "deadline": "2021-04-20T12:00:00Z"})
    assert fixed.status_code == 200, fixed.text
    assert str(world.matcher.get_tender("ted:late").deadline) == "2021-04-20 12:00:00+00:00"

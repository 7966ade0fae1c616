"""A firm key sees the items its partner approved, never the ones still proposed (issue 15, item 9): its
recommendations carry no "awaiting the partner's decision" note, and no score part or boost that would tell
a proposed item from any other. Its partner and officers see the proposal as before."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.ranking.feedback import PROPOSED
from tests.api.conftest import OWN, World

AWAITING = {"en": "awaiting the partner's decision", "ko": "파트너 검토 중"}


def recommendations(world: World, who: str, lang: str = "en") -> list[dict[str, Any]]:
    response = world.client.get(f"/firms/{OWN}/recommendations?k=30&lang={lang}", headers=world.auth(who))
    assert response.status_code == 200, response.text
    matches: list[dict[str, Any]] = response.json()
    return matches


def kinds(match: dict[str, Any]) -> set[str]:
    return {r["kind"] for r in match["reasons"]["reasons"]}


@pytest.fixture
def proposed(world: World) -> tuple[str, str]:
    """Two of the firm's recommendations put on its shortlist by its partner: one approved, one left proposed."""
    partner = world.auth("partner")
    ranked = [m["tender_id"] for m in recommendations(world, "partner")]
    shortlisted = set(world.tenders[:1])  # the world's seed proposal
    approved, waiting = [t for t in ranked if t not in shortlisted][:2]
    for tender_id in (approved, waiting):
        added = world.client.post(f"/firms/{OWN}/shortlist", json={"tender_id": tender_id}, headers=partner)
        assert added.status_code == 201, added.text
    decided = world.client.patch(f"/firms/{OWN}/shortlist/{approved}", json={"status": "approved"}, headers=partner)
    assert decided.status_code == 200, decided.text
    return approved, waiting


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_partner_sees_the_proposal(world: World, proposed: tuple[str, str], lang: str) -> None:
    approved, waiting = proposed
    matches = {m["tender_id"]: m for m in recommendations(world, "partner", lang)}
    assert "on_shortlist" in kinds(matches[waiting]) and matches[waiting]["parts"]["feedback"] == PROPOSED
    assert any(AWAITING[lang] in line for line in matches[waiting]["reasons"]["summary"])
    assert "approved_by_partner" in kinds(matches[approved])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_firm_key_sees_approved_items_but_no_proposal(world: World, proposed: tuple[str, str], lang: str) -> None:
    approved, waiting = proposed
    recommendations(world, "partner", lang)  # first, so a response cached for the partner could be served next
    response = world.client.get(f"/firms/{OWN}/recommendations?k=30&lang={lang}", headers=world.auth("firm"))
    assert response.status_code == 200
    assert AWAITING[lang] not in response.text and "on_shortlist" not in response.text
    matches = {m["tender_id"]: m for m in response.json()}
    assert "approved_by_partner" in kinds(matches[approved])  # the firm may see what its partner approved
    for match in matches.values():
        assert match["parts"]["feedback"] != PROPOSED, match["tender_id"]
    # Ranked as if the proposed item were not on the shortlist: the feedback of an undecided notice like it.
    assert "on_shortlist" not in kinds(matches[waiting]) and matches[waiting]["parts"]["feedback"] < PROPOSED


def test_the_firm_view_does_not_change_what_the_partner_sees(world: World, proposed: tuple[str, str]) -> None:
    _, waiting = proposed
    recommendations(world, "firm")  # cached for the firm first
    matches = {m["tender_id"]: m for m in recommendations(world, "partner")}
    assert "on_shortlist" in kinds(matches[waiting])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_firms_own_web_pages_show_no_proposal(world: World, proposed: tuple[str, str], lang: str) -> None:
    """The workspace's firm page and home page rank for a firm session as the API does for a firm key (issue
    15, item 9: the web pages still said "awaiting the partner's decision" to the firm)."""
    from fastapi.testclient import TestClient

    from tests.web.pages_world import page_text, sign_in

    partner = TestClient(world.client.app)
    assert sign_in(partner, world.keys["partner"]).status_code == 303
    assert AWAITING[lang] in page_text(partner.get(f"/web/firms/{OWN}", params={"lang": lang}).text)  # partner's
    firm = TestClient(world.client.app)
    assert sign_in(firm, world.keys["firm"]).status_code == 303
    for page in (f"/web/firms/{OWN}", "/web/"):
        html = firm.get(page, params={"lang": lang}).text
        assert AWAITING[lang] not in page_text(html) and "on_shortlist" not in html

"""``min_fit_band`` on ``GET /firms/{id}/recommendations``: the first k at a band or better, as the workspace's
firm page lists them by default (a possible fit or better) and a digest sends them."""

from __future__ import annotations

import pytest

from matcher.ranking.calibration import BAND_FLOORS, at_least
from matcher.search.retrieve import MatchQuery
from matcher.store import TenderFilter
from tests.api.conftest import OWN, World

BANDS: list[str] = [name for name, _ in BAND_FLOORS]


def listed(world: World, query: str, who: str = "partner") -> list[dict[str, object]]:
    response = world.client.get(f"/firms/{OWN}/recommendations?{query}", headers=world.auth(who))
    assert response.status_code == 200, response.text
    body: list[dict[str, object]] = response.json()
    return body


def test_the_list_is_in_fit_order(world: World) -> None:
    """What makes the first k kept the first k at the band: the fit never rises down the list."""
    ranked = world.matcher.recommend(OWN, MatchQuery(k=50))
    fits = [m.fit for m in ranked]
    assert all(f is not None for f in fits) and fits == sorted(fits, reverse=True)  # type: ignore[type-var]


@pytest.mark.parametrize("band", BANDS)
def test_min_fit_band_keeps_that_band_and_better_ones_best_first(world: World, band: str) -> None:
    everything = listed(world, "k=50")
    assert {m["fit_band"] for m in everything} >= {"possible", "weak"}  # the demo's list has more than one band
    kept = listed(world, f"k=50&min_fit_band={band}")
    assert kept == [m for m in everything if BANDS.index(str(m["fit_band"])) <= BANDS.index(band)]
    # k counts the matches kept: the first 3 at the band are the first 3 of the longer list.
    assert listed(world, f"k=3&min_fit_band={band}") == kept[:3]


def test_weak_fits_are_left_out_for_a_firm_key_too(world: World) -> None:
    firm = listed(world, "k=50&min_fit_band=possible", who="firm")
    assert firm and all(m["fit_band"] != "weak" for m in firm)
    assert len(firm) < len(listed(world, "k=50", who="firm"))


def test_a_repeat_with_another_band_is_not_the_cached_answer(world: World) -> None:
    every = listed(world, "k=20")
    assert listed(world, "k=20&min_fit_band=strong") != every
    assert listed(world, "k=20") == every


@pytest.mark.parametrize("value", ["medium", "", "POSSIBLE", "1"])
def test_an_unknown_band_is_a_422_naming_the_choices(world: World, value: str) -> None:
    response = world.client.get(f"/firms/{OWN}/recommendations?min_fit_band={value}", headers=world.auth("partner"))
    assert response.status_code == 422
    assert "min_fit_band" in response.text and "'possible'" in response.text


def test_at_least() -> None:
    assert at_least("strong", "possible") and at_least("possible", "possible") and not at_least("weak", "possible")
    assert at_least(None, "strong") and at_least("weak", None)


@pytest.mark.slow
def test_firms_for_a_tender_keep_that_band_and_better_ones(world: World) -> None:
    """``GET /tenders/{id}/firms?min_fit_band=``: the officer's firms for a notice, the weak fits left out."""
    _, notices = world.matcher.search_tenders(TenderFilter(open_at=world.matcher.settings.now()), limit=200)
    answers = {}
    for notice in notices:
        response = world.client.get(f"/tenders/{notice.tender_id}/firms?k=20", headers=world.auth("officer"))
        assert response.status_code == 200, response.text
        answers[notice.tender_id] = response.json()
    mixed = next(t for t, found in answers.items() if len({m["fit_band"] == "weak" for m in found}) == 2)
    kept = world.client.get(f"/tenders/{mixed}/firms?k=20&min_fit_band=possible", headers=world.auth("officer"))
    assert kept.status_code == 200
    assert kept.json() == [m for m in answers[mixed] if m["fit_band"] != "weak"]
    refused = world.client.get(f"/tenders/{mixed}/firms?min_fit_band=medium", headers=world.auth("officer"))
    assert refused.status_code == 422 and "min_fit_band" in refused.text


def test_proposing_the_top_recommendations_can_leave_weak_fits_out(world: World) -> None:
    """``POST /firms/{id}/shortlist/from-recommendations`` with ``min_fit_band``: the first ``top`` are proposed
    only when at the band or better; without it, every band as before."""
    ranked = world.matcher.recommend(OWN, MatchQuery(k=20))
    assert any(m.fit_band == "weak" for m in ranked) and any(m.fit_band != "weak" for m in ranked)
    before = {e.tender_id for e in world.matcher.shortlist(OWN)}
    proposed = world.client.post(f"/firms/{OWN}/shortlist/from-recommendations",
                                 json={"top": 20, "min_fit_band": "possible"}, headers=world.auth("partner"))
    assert proposed.status_code == 201, proposed.text
    assert [i["tender_id"] for i in proposed.json()] == [m.tender_id for m in ranked if m.fit_band != "weak"]
    assert {e.tender_id for e in world.matcher.shortlist(OWN)} - before <= {m.tender_id for m in ranked
                                                                             if m.fit_band != "weak"}
    refused = world.client.post(f"/firms/{OWN}/shortlist/from-recommendations", json={"min_fit_band": "medium"},
                                headers=world.auth("partner"))
    assert refused.status_code == 422 and "min_fit_band" in refused.text

"""GET /firms/{id}/suggested-codes (whoever may see the firm), POST /firms/{id}/codes and POST
/firms/{id}/declined-codes (officers, the firm's partner; never a firm key)."""

from __future__ import annotations

import pytest

from matcher.reference.hierarchy import covers
from matcher.search.code_labels import class_key
from tests.api.conftest import OTHER, OWN, World, decide, describe_as_the_commonest_class, notices_under


@pytest.mark.parametrize("who", ["officer", "partner", "firm"])
def test_whoever_may_see_the_firm_gets_suggestions(world: World, who: str) -> None:
    response = world.client.get(f"/firms/{OWN}/suggested-codes", params={"k": 3}, headers=world.auth(who))
    assert response.status_code == 200
    found = response.json()
    assert len(found) == 3 and all(0 <= s["confidence"] <= 1 for s in found)
    assert len({class_key(s["code"]) for s in found}) == 3
    assert found == [s.model_dump() for s in world.matcher.suggest_codes(OWN, 3)]


@pytest.mark.parametrize(("who", "firm_id", "status"), [
    ("partner_b", OWN, 403), ("firm_b", OWN, 403), ("officer", "nobody", 404),
])
def test_suggestions_are_scoped(world: World, who: str, firm_id: str, status: int) -> None:
    response = world.client.get(f"/firms/{firm_id}/suggested-codes", headers=world.auth(who))
    assert response.status_code == status


@pytest.mark.parametrize("who", ["officer", "partner"])
def test_officer_or_partner_accepts_codes(world: World, who: str) -> None:
    before = world.matcher.get_firm(OWN).codes
    response = world.client.post(f"/firms/{OWN}/codes", json={"codes": ["CPV:38421100", "CPV:38421100"]},
                                 headers=world.auth(who))
    assert response.status_code == 200
    expected = before if "CPV:38421100" in before else [*before, "CPV:38421100"]
    assert response.json()["codes"] == expected == world.matcher.get_firm(OWN).codes
    # marked as accepted (the demo firm does not name it itself), on either run of the shared world
    assert "CPV:38421100" in response.json()["accepted_codes"]
    assert response.json()["accepted_codes"] == world.matcher.get_firm(OWN).accepted_codes


def test_an_accepted_code_taken_out_of_the_codes_is_no_longer_accepted(world: World) -> None:
    officer = world.auth("officer")
    before = world.matcher.get_firm(OWN).codes
    added = world.client.post(f"/firms/{OWN}/codes", json={"codes": ["CPV:33182100"]}, headers=officer).json()
    assert added["accepted_codes"][-1:] == ["CPV:33182100"] and added["codes"] == [*before, "CPV:33182100"]
    patched = world.client.patch(f"/firms/{OWN}", json={"codes": before}, headers=officer)
    assert patched.status_code == 200 and "CPV:33182100" not in patched.json()["accepted_codes"]
    assert world.matcher.get_firm(OWN).accepted_codes == patched.json()["accepted_codes"]


@pytest.mark.parametrize(("who", "firm_id", "status"), [
    ("firm", OWN, 403),  # a firm may see itself but not confirm codes
    ("partner_b", OWN, 403),  # not this partner's firm
    ("partner", OTHER, 403),
    ("officer", "nobody", 404),
])
def test_accepting_is_scoped(world: World, who: str, firm_id: str, status: int) -> None:
    before = {f: world.matcher.get_firm(f).codes for f in (OWN, OTHER)}
    response = world.client.post(f"/firms/{firm_id}/codes", json={"codes": ["CPV:38421100"]}, headers=world.auth(who))
    assert response.status_code == status
    assert {f: world.matcher.get_firm(f).codes for f in (OWN, OTHER)} == before


@pytest.mark.parametrize(("codes", "named"), [(["CPV:33999999"], "CPV:33999999"), (["water meters"], "water meters")])
def test_a_bad_code_is_422_naming_it(world: World, codes: list[str], named: str) -> None:
    before = world.matcher.get_firm(OWN).codes
    response = world.client.post(f"/firms/{OWN}/codes", json={"codes": codes}, headers=world.auth("officer"))
    assert response.status_code == 422 and named in response.json()["detail"]
    assert world.matcher.get_firm(OWN).codes == before


def test_an_empty_list_is_422(world: World) -> None:
    response = world.client.post(f"/firms/{OWN}/codes", json={"codes": []}, headers=world.auth("officer"))
    assert response.status_code == 422 and response.json()["problems"][0]["loc"] == "body.codes"


# ----------------------------------------------------------------------------- declining
def offered(world: World, firm_id: str = OWN) -> list[str]:
    response = world.client.get(f"/firms/{firm_id}/suggested-codes", params={"k": 50}, headers=world.auth("officer"))
    assert response.status_code == 200
    return [s["code"] for s in response.json()]


@pytest.mark.parametrize("who", ["officer", "partner"])
def test_a_declined_code_and_those_under_it_are_never_suggested_nor_ranked_on(world: World, who: str) -> None:
    before = offered(world)
    ranked_before = [c for c, _ in world.matcher.inferred_codes(world.matcher.get_firm(OWN))]
    declined = ranked_before[0]
    response = world.client.post(f"/firms/{OWN}/declined-codes", json={"codes": [declined, declined]},
                                 headers=world.auth(who))
    assert response.status_code == 200
    firm = world.matcher.get_firm(OWN)
    assert response.json()["declined_codes"] == firm.declined_codes == [declined]
    assert offered(world) == [c for c in before if not covers(declined, c)]  # the rest in their order
    ranked = [c for c, _ in world.matcher.inferred_codes(firm)]
    assert declined not in ranked and ranked[: len(ranked_before) - 1] == ranked_before[1:]


def test_a_code_of_the_firm_cannot_be_declined_409(world: World) -> None:
    own = world.matcher.accept_codes(OWN, ["CPV:38421100"], "test")
    response = world.client.post(f"/firms/{OWN}/declined-codes", json={"codes": ["CPV:79710000", "CPV:38421100"]},
                                 headers=world.auth("officer"))
    assert response.status_code == 409 and "CPV:38421100" in response.json()["detail"]
    assert world.matcher.get_firm(OWN) == own  # nothing declined, not even the first code


def test_a_code_covering_one_of_the_firms_codes_cannot_be_declined_409_nor_patched_422(world: World) -> None:
    own = world.matcher.accept_codes(OWN, ["CPV:38421100"], "test")  # water meters
    officer = world.auth("officer")
    response = world.client.post(f"/firms/{OWN}/declined-codes", json={"codes": ["CPV:38420000"]}, headers=officer)
    assert response.status_code == 409
    assert "CPV:38420000 covers CPV:38421100" in response.json()["detail"]
    patched = world.client.patch(f"/firms/{OWN}", json={"declined_codes": ["CPV:38000000"]}, headers=officer)
    assert patched.status_code == 422
    assert "declined code CPV:38000000 covers CPV:38421100" in patched.json()["detail"]
    assert world.matcher.get_firm(OWN) == own


@pytest.mark.parametrize(("who", "firm_id", "status"), [
    ("firm", OWN, 403), ("partner_b", OWN, 403), ("partner", OTHER, 403), ("officer", "nobody", 404),
])
def test_declining_is_scoped(world: World, who: str, firm_id: str, status: int) -> None:
    before = {f: world.matcher.get_firm(f) for f in (OWN, OTHER)}
    response = world.client.post(f"/firms/{firm_id}/declined-codes", json={"codes": ["CPV:79710000"]},
                                 headers=world.auth(who))
    assert response.status_code == status
    assert {f: world.matcher.get_firm(f) for f in (OWN, OTHER)} == before


def test_accepting_or_patching_restores_a_declined_code(world: World) -> None:
    top = offered(world)[0]
    officer = world.auth("officer")
    assert world.client.post(f"/firms/{OWN}/declined-codes", json={"codes": [top, "CPV:79710000"]},
                             headers=officer).status_code == 200
    accepted = world.client.post(f"/firms/{OWN}/codes", json={"codes": [top]}, headers=officer).json()
    assert top in accepted["codes"] and accepted["declined_codes"] == ["CPV:79710000"]
    both = world.client.patch(f"/firms/{OWN}", json={"declined_codes": [top]}, headers=officer)
    assert both.status_code == 422 and top in both.json()["detail"]  # both confirmed and declined
    cleared = world.client.patch(f"/firms/{OWN}", json={"declined_codes": []}, headers=officer)
    assert cleared.status_code == 200 and cleared.json()["declined_codes"] == []
    assert world.matcher.get_firm(OWN).declined_codes == []


@pytest.mark.parametrize(("codes", "named"), [(["CPV:33999999"], "CPV:33999999"), (["guarding"], "guarding")])
def test_declining_a_bad_code_is_422_naming_it(world: World, codes: list[str], named: str) -> None:
    before = world.matcher.get_firm(OWN)
    response = world.client.post(f"/firms/{OWN}/declined-codes", json={"codes": codes},
                                 headers=world.auth("officer"))
    assert response.status_code == 422 and named in response.json()["detail"]
    assert world.matcher.get_firm(OWN) == before


def test_a_suggestion_says_what_the_partner_decided_on_its_notices(world: World) -> None:
    """Two notices under a suggested code rejected, none approved: worth declining; one approved: not."""
    def suggestions() -> dict[str, dict[str, object]]:
        response = world.client.get(f"/firms/{OWN}/suggested-codes", params={"k": 10}, headers=world.auth("partner"))
        assert response.status_code == 200
        return {s["code"]: s for s in response.json()}

    describe_as_the_commonest_class(world)
    before = suggestions()
    assert {(s["approved"], s["rejected"], s["worth_declining"]) for s in before.values()} == {(0, 0, False)}
    target = next(code for code in before if len(notices_under(world, code)) >= 3)
    first, second, third = notices_under(world, target)[:3]
    unrelated = next(t.tender_id for t in world.matcher.all_tenders()
                     if t.tender_id not in {n for s in before for n in notices_under(world, s)})
    for tender_id in (first, unrelated):
        decide(world, tender_id, "rejected")
    once = suggestions()[target]
    assert (once["approved"], once["rejected"], once["worth_declining"]) == (0, 1, False)  # one may be the buyer

    decide(world, second, "rejected")
    after = suggestions()
    assert (after[target]["approved"], after[target]["rejected"], after[target]["worth_declining"]) == (0, 2, True)
    for code, s in after.items():  # the unrelated rejection counts nowhere; the others count where they fall
        expected = len({first, second} & set(notices_under(world, code)))
        assert (s["approved"], s["rejected"]) == (0, expected), code

    decide(world, third, "approved")
    approved = suggestions()[target]
    assert (approved["approved"], approved["rejected"], approved["worth_declining"]) == (1, 2, False)

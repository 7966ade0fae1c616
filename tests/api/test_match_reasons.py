"""The API serves each match's reasons as codes with parameters, beside their English summary."""

from __future__ import annotations

from matcher.ranking.reasons import KINDS, render
from matcher.schema import Reason
from tests.api.conftest import OWN, World


def test_recommendations_carry_structured_reasons_and_their_english_summary(world: World) -> None:
    response = world.client.get(f"/firms/{OWN}/recommendations?k=5", headers=world.auth("partner"))
    assert response.status_code == 200, response.text
    matches = response.json()
    assert matches and all(m["reasons"]["reasons"] for m in matches)
    for match in matches:
        explanation = match["reasons"]
        reasons = [Reason.model_validate(r) for r in explanation["reasons"]]
        concerns = [Reason.model_validate(r) for r in explanation["concerns"]]
        assert {r.kind for r in reasons + concerns} <= set(KINDS)
        assert explanation["summary"] == [render(r) for r in reasons] + [f"concern: {render(c)}" for c in concerns]


def test_the_openapi_schema_documents_the_reason_kinds(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    kinds = schema["components"]["schemas"]["Reason"]["properties"]["kind"]["enum"]
    assert set(kinds) == set(KINDS)

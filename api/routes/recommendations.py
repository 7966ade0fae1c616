"""Ranked open tenders for a firm, each with its score, score parts and reasons (as the CLI prints them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import actions
from api.deps import FirmAccess, MatcherDep
from api.errors import ERRORS, responses
from api.schemas import MatchPublic, RecommendQuery
from matcher.retrieve import MatchQuery

router = APIRouter(tags=["recommendations"], responses=ERRORS)


@router.get(
    "/firms/{firm_id}/recommendations", summary="Tenders that fit a firm, best first", responses=responses(503)
)
def recommendations(
    firm_id: FirmAccess, query: Annotated[RecommendQuery, Query()], matcher: MatcherDep
) -> list[MatchPublic]:
    match_query = MatchQuery(
        k=query.k, include_closed=query.include_closed, countries=tuple(query.country),
        min_value=query.min_value, max_value=query.max_value, value_currency=query.currency,
    )
    return actions.public(matcher.recommend(firm_id, match_query))

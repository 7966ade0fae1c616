"""Shortlists: partners (and officers) propose tenders for a firm and decide on them; the firm sees the
approved items. Every proposal and decision is appended to the feedback log that ranking learns from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api import actions
from api.deps import CuratorDep, FirmAccess, MatcherDep, PrincipalDep, TenderIdPath
from api.errors import BODY_ERRORS, ERRORS, responses
from api.schemas import (
    DecisionIn,
    FeedbackEventOut,
    ShortlistFromRecommendations,
    ShortlistItemIn,
    ShortlistItemOut,
    ShortlistQuery,
)

router = APIRouter(prefix="/firms/{firm_id}", tags=["shortlists"], responses=ERRORS)


@router.get("/shortlist", summary="A firm's shortlist (firm keys see approved items only)")
def get_shortlist(
    firm_id: FirmAccess, query: Annotated[ShortlistQuery, Query()], matcher: MatcherDep, principal: PrincipalDep
) -> list[ShortlistItemOut]:
    return actions.shortlist(matcher, principal, firm_id, query.status)


@router.post(
    "/shortlist", summary="Propose a tender for the firm (partners, officers)",
    status_code=status.HTTP_201_CREATED, responses=BODY_ERRORS,
)
def propose(firm_id: FirmAccess, body: ShortlistItemIn, matcher: MatcherDep, principal: CuratorDep) -> ShortlistItemOut:
    return actions.item_out(matcher.propose(firm_id, body.tender_id, principal.name, body.note))


@router.post(
    "/shortlist/from-recommendations", summary="Propose the firm's top recommendations (partners, officers)",
    status_code=status.HTTP_201_CREATED, responses={**BODY_ERRORS, **responses(503)},
)
def propose_top(
    firm_id: FirmAccess, body: ShortlistFromRecommendations, matcher: MatcherDep, principal: CuratorDep
) -> list[ShortlistItemOut]:
    return actions.propose_top(matcher, principal, firm_id, body)


@router.patch(
    "/shortlist/{tender_id}", summary="Approve or reject a shortlist item (partners, officers)",
    responses=BODY_ERRORS,
)
def decide(
    firm_id: FirmAccess, tender_id: TenderIdPath, body: DecisionIn, matcher: MatcherDep, principal: CuratorDep
) -> ShortlistItemOut:
    return actions.item_out(matcher.decide(firm_id, tender_id, body.status, principal.name, body.note))


@router.get("/feedback", summary="The firm's decision log, oldest first (partners, officers)")
def feedback(firm_id: FirmAccess, matcher: MatcherDep, _: CuratorDep) -> list[FeedbackEventOut]:
    return [actions.event_out(e) for e in matcher.feedback_events(firm_id)]

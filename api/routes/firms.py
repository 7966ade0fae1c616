"""Firm profiles: create and import (officers), list (scoped by role), get and update (anyone who may see
the firm: officers, its partner, the firm itself); suggested codes and keywords (anyone who may see the firm),
and accepting codes or keywords into the profile or declining codes (officers and the firm's partner, not the
firm's own key)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from api import actions
from api.deps import AccessDep, CuratorDep, FirmAccess, KeyFirstRoute, MatcherDep, OfficerDep, PrincipalDep
from api.errors import BODY_ERRORS, ERRORS, responses
from api.etags import IF_MATCH_CHANGE, NOT_MODIFIED, PRECONDITION, IfNoneMatch, PreconditionDep, not_modified, tagged
from api.schemas import (
    CodesIn,
    FirmCreate,
    FirmPublic,
    FirmQuery,
    FirmUpdate,
    IngestSummary,
    KeywordsIn,
    Page,
    SuggestCodesQuery,
    SuggestedCodePublic,
)
from matcher.pipeline import Matcher
from matcher.services.catalog import FIRM_CHANGE_ATTEMPTS

router = APIRouter(prefix="/firms", tags=["firms"], responses=ERRORS, route_class=KeyFirstRoute)
Upload = Annotated[UploadFile, File(description="firm profiles as a JSON array, JSONL or CSV")]


def _stored(matcher: Matcher, firm_id: str) -> Callable[[], str]:
    """The stored profile's version, read when a change's If-None-Match asks for it."""
    return lambda: matcher.firm_version(firm_id)[1]


@router.get("", summary="Firms the caller may see")
def list_firms(
    query: Annotated[FirmQuery, Query()], matcher: MatcherDep, access: AccessDep, principal: PrincipalDep
) -> Page[FirmPublic]:
    total, items = actions.visible_firms(matcher, access, principal, query.offset, query.limit, query.q)
    return Page[FirmPublic](items=items, total=total, offset=query.offset, limit=query.limit)


@router.post(
    "", summary="Create a firm (officers)", status_code=status.HTTP_201_CREATED,
    responses={**BODY_ERRORS, **responses(409)},
)
def create(body: FirmCreate, matcher: MatcherDep, _: OfficerDep) -> FirmPublic:
    return actions.create_firm(matcher, body)


@router.post(
    "/import", summary="Import firm profiles by upload (officers)", responses={**BODY_ERRORS, **responses(503)},
    description="The file is parsed and stored by a worker process at a lower CPU priority (reads keep their "
    "CPU); the answer comes once it is stored. 503: the worker stopped before it reported (upload again).",
)
async def import_file(file: Upload, matcher: MatcherDep, _: OfficerDep) -> IngestSummary:
    return await actions.import_firms(matcher, file)


@router.get(
    "/{firm_id}", summary="One firm profile", response_model=FirmPublic, responses=NOT_MODIFIED,
    description="With an ETag: a hash of the stored profile, which changes exactly when the profile does. Send it "
    "back as If-None-Match to get a 304 without a body while it is still the stored version, or as If-Match with "
    "a PATCH to change only that version.",
)
def get(firm_id: FirmAccess, matcher: MatcherDep, response: Response, if_none_match: IfNoneMatch = None) -> Any:
    firm, version = matcher.firm_version(firm_id)
    if (unchanged := not_modified(if_none_match, version)) is not None:
        return unchanged
    tagged(response, version)
    return actions.public_firm(firm)


@router.patch(
    "/{firm_id}", summary="Change a firm profile (a firm may edit its own)",
    responses={**BODY_ERRORS, **responses(409), **PRECONDITION},
    description="The fields sent are merged into the profile as stored when it is written: a change committed "
    "meanwhile (another PATCH, accepted codes or keywords) keeps its fields. The fields not sent are kept as stored, "
    "even one stored before a rule that now refuses it on input (a name holding a bidirectional control): only the "
    "fields sent are held to those rules, and a rule across fields only when a field it reads is sent (a declined "
    "code covering one of the firm's codes, stored before that was refused, is a 422 naming both only for a change "
    f"sending `codes` or `declined_codes`). {IF_MATCH_CHANGE} A profile other requests change {FIRM_CHANGE_ATTEMPTS} "
    "times while this one is made is a 409, and nothing of this change is stored: send it again.",
)
def update(firm_id: FirmAccess, body: FirmUpdate, matcher: MatcherDep, change: PreconditionDep) -> FirmPublic:
    on = change.versions(_stored(matcher, firm_id))
    return actions.public_firm(change.answer(lambda: actions.update_firm(matcher, firm_id, body, on)))


@router.get("/{firm_id}/suggested-codes", summary="CPV (and UNSPSC) codes inferred from the firm's description")
def suggested_codes(
    firm_id: FirmAccess, query: Annotated[SuggestCodesQuery, Query()], matcher: MatcherDep
) -> list[SuggestedCodePublic]:
    return [SuggestedCodePublic.model_validate(s.model_dump()) for s in matcher.suggest_codes(firm_id, query.k)]


@router.post(
    "/{firm_id}/codes", summary="Add codes to the firm's profile (officers, the firm's partner)",
    responses={**BODY_ERRORS, **PRECONDITION},
    description="Each code (in the shipped CPV or UNSPSC list) joins the firm's `codes` once, marked as accepted "
    f"(`accepted_codes`); a code declined before is declined no longer, nor is one covering it. {IF_MATCH_CHANGE}",
)
def accept_codes(
    firm_id: FirmAccess, body: CodesIn, matcher: MatcherDep, principal: CuratorDep, change: PreconditionDep,
) -> FirmPublic:
    on = change.versions(_stored(matcher, firm_id))
    return actions.public_firm(change.answer(
        lambda: matcher.accept_codes_version(firm_id, body.codes, principal.name, on)))


@router.post(
    "/{firm_id}/declined-codes",
    summary="Decline codes for the firm: never suggested or ranked on again (officers, the firm's partner)",
    responses={**BODY_ERRORS, **responses(409), **PRECONDITION},
    description="A suggestion the firm does not do (a cybersecurity firm's \"Security services\", the guarding "
    "code): it and every code under it leave the firm's suggestions and its ranking. A code among the firm's own "
    f"codes is a 409. `PATCH /firms/{{firm_id}}` with `declined_codes` restores them. {IF_MATCH_CHANGE}",
)
def decline_codes(
    firm_id: FirmAccess, body: CodesIn, matcher: MatcherDep, principal: CuratorDep, change: PreconditionDep,
) -> FirmPublic:
    on = change.versions(_stored(matcher, firm_id))
    return actions.public_firm(change.answer(
        lambda: matcher.decline_codes_version(firm_id, body.codes, principal.name, on)))


@router.get("/{firm_id}/suggested-keywords", summary="Keywords read from the firm's Korean description")
def suggested_keywords(firm_id: FirmAccess, matcher: MatcherDep) -> list[str]:
    """The phrases of the description that name what the firm sells (at most four, in the text's order, as it
    writes them), those already among its keywords (spaces and case ignored) left out; none for a description
    without Hangul. A Korean profile is found mostly through its keywords (no notice is in Korean: each keyword
    is translated to the codes notices carry), and a firm that wrote only a description has none. They are not
    ranked on until accepted (``POST /firms/{firm_id}/keywords``): read them and accept the right ones."""
    return matcher.suggest_keywords(firm_id)


@router.post(
    "/{firm_id}/keywords", summary="Add keywords to the firm's profile (officers, the firm's partner)",
    responses={**BODY_ERRORS, **PRECONDITION},
    description="Accepted keywords (suggested or not) join the firm's `keywords` after its own, each once (spaces "
    "and case ignored): they are what ranking reads, from the next ranking on, and leave the suggestions. A list "
    f"that would take the profile past 100 keywords is a 422, and nothing is stored. {IF_MATCH_CHANGE}",
)
def accept_keywords(
    firm_id: FirmAccess, body: KeywordsIn, matcher: MatcherDep, principal: CuratorDep, change: PreconditionDep,
) -> FirmPublic:
    on = change.versions(_stored(matcher, firm_id))
    return actions.public_firm(change.answer(
        lambda: matcher.accept_keywords_version(firm_id, body.keywords, principal.name, on)))

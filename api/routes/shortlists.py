"""Shortlists: partners (and officers) propose tenders for a firm and decide on them; the firm sees the
approved items. Every proposal and decision is appended to the feedback log that ranking learns from.
The shortlist downloads as CSV, Excel and a calendar of its deadlines, with the same access rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from api import actions
from api.deps import CuratorDep, FirmAccess, KeyFirstRoute, MatcherDep, PrincipalDep, TenderIdPath
from api.errors import BODY_ERRORS, ERRORS, responses
from api.etags import IF_MATCH_DECISION, IF_MATCH_NOTE, PRECONDITION, PreconditionDep
from api.schemas import (
    AcceptLanguage,
    DecisionIn,
    FeedbackEventOut,
    ShortlistExportQuery,
    ShortlistFromRecommendations,
    ShortlistItemIn,
    ShortlistItemOut,
    ShortlistProposalOut,
    ShortlistQuery,
)
from matcher.services.shortlists import ShortlistEntry

router = APIRouter(prefix="/firms/{firm_id}", tags=["shortlists"], responses=ERRORS, route_class=KeyFirstRoute)

#: Which items a key sees, in the list and in each file (``actions.visible_shortlist``).
ITEMS_SEEN = (
    "A firm's key sees the items its partner approved. An item whose tender is published after now (the API's "
    "clock, `MATCHER_CLOCK` when set: a clock set back for a replay, or a publication date an officer moved) is "
    "left out for firm and partner keys, as a tender they cannot know of; an officer's key lists it, with "
    "`published_after_now` true."
)
EXPORTED = (f"The items `GET /firms/{{firm_id}}/shortlist` lists for this key. {ITEMS_SEEN} An officer's CSV and "
            "Excel files end in a column saying so for each item ('Published after today': yes or no, empty for a "
            "deleted tender; Korean '오늘 이후 게시': 예, 아니요), and such an item's calendar event has a line "
            "naming its publication day; the other keys' files, which never hold one, have no such column.")


@router.get("/shortlist", summary="A firm's shortlist (firm keys see approved items only)",
            description=f"In the order items were proposed. {ITEMS_SEEN}")
def get_shortlist(
    firm_id: FirmAccess, query: Annotated[ShortlistQuery, Query()], matcher: MatcherDep, principal: PrincipalDep
) -> list[ShortlistItemOut]:
    return actions.shortlist(matcher, principal, firm_id, query.status)


def _file(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
                  "description": f"{what}, as an attachment"}}


@router.get(
    "/shortlist/export.csv", summary="The shortlist as CSV (UTF-8 with BOM; firm keys: approved items)",
    response_class=Response, responses=_file("text/csv", "One row per item"),
    description=EXPORTED,
)
def export_csv(
    firm_id: FirmAccess, query: Annotated[ShortlistExportQuery, Query()], matcher: MatcherDep,
    principal: PrincipalDep, accept_language: AcceptLanguage = None,
) -> Response:
    language = actions.reader_language(query.lang, accept_language)
    return actions.export_shortlist(matcher, principal, firm_id, query, "csv", language)


@router.get(
    "/shortlist/export.xlsx", summary="The shortlist as an Excel workbook (firm keys: approved items)",
    response_class=Response, responses=_file(actions.EXPORT_TYPES["xlsx"], "One row per item"),
    description=EXPORTED,
)
def export_xlsx(
    firm_id: FirmAccess, query: Annotated[ShortlistExportQuery, Query()], matcher: MatcherDep,
    principal: PrincipalDep, accept_language: AcceptLanguage = None,
) -> Response:
    language = actions.reader_language(query.lang, accept_language)
    return actions.export_shortlist(matcher, principal, firm_id, query, "xlsx", language)


@router.get(
    "/shortlist/export.ics", summary="The shortlist's deadlines as a calendar (.ics; firm keys: approved items)",
    response_class=Response, responses=_file("text/calendar", "One event per item with a deadline"),
    description=EXPORTED,
)
def export_ics(
    firm_id: FirmAccess, query: Annotated[ShortlistExportQuery, Query()], matcher: MatcherDep,
    principal: PrincipalDep, accept_language: AcceptLanguage = None,
) -> Response:
    language = actions.reader_language(query.lang, accept_language)
    return actions.export_shortlist(matcher, principal, firm_id, query, "ics", language)


@router.post(
    "/shortlist", summary="Propose a tender for the firm (partners, officers)",
    status_code=status.HTTP_201_CREATED,
    responses={**PRECONDITION, 200: {"model": ShortlistItemOut, "headers": PRECONDITION[200]["headers"],
                                     "description": "The tender was on the shortlist already"},
               201: {"headers": PRECONDITION[200]["headers"]}, **BODY_ERRORS},
    description="The tender must be open now, as the workspace requires: an award notice, a closed call (its "
    "deadline or window passed) or a cancelled one is a 422 naming why, in the words of the `notice_status` that "
    "`GET /tenders/{tender_id}/firms` gives (e.g. \"tender 'ted:1-2021': CLOSED: the deadline passed on 2021-04-20 "
    "12:00 UTC (as of 2021-04-28 12:00 UTC); it cannot be shortlisted\"). One published after now (the API's clock, "
    "`MATCHER_CLOCK` when set) is a 404: for a partner's key the same as for an id never stored, for an officer's "
    "naming its publication day. A 201 puts the tender on the shortlist. Proposing is idempotent: a tender on it "
    "already (also one listed before it closed) is a 200 with the item as stored, its status and proposer kept, "
    "a note sent replacing its note. So are all but one of several proposals sent at the same moment (two "
    "partners, a double click): one 201, every other a 200 with that item; one item and one logged proposal are "
    f"stored. {IF_MATCH_NOTE}",
)
def propose(
    firm_id: FirmAccess, body: ShortlistItemIn, matcher: MatcherDep, principal: CuratorDep, response: Response,
    change: PreconditionDep,
) -> ShortlistItemOut:
    on = change.proposal_versions(lambda: actions.listed_version(matcher, principal, firm_id, body.tender_id))
    entry = change.answer(lambda: _tagged(actions.propose(matcher, principal, firm_id, body, on)))
    if not entry.created:
        response.status_code = status.HTTP_200_OK
    return actions.item_out(entry)


@router.post(
    "/shortlist/from-recommendations", summary="Propose the firm's top recommendations (partners, officers)",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": list[ShortlistProposalOut],
                     "description": "Nothing new: every tender proposed was on the shortlist already, or none was "
                                    "at `min_fit_band`"},
               **BODY_ERRORS, **responses(503)},
    description="The firm's first `top` recommendations (open notices only), those at `min_fit_band` or better "
    "when it is given, each proposed as `POST /firms/{firm_id}/shortlist` proposes one, with its score. A 201 when "
    "this call put at least one of them on the shortlist; a 200 when it put none there: every one was on it "
    "already, or none was at the band (an empty list). Each item says whether this call created it (`created`); "
    "one on the shortlist already is answered as stored, its status and proposer kept, a note sent replacing its "
    "note. Proposing is idempotent: the same call sent again is a 200 with the same items, nothing stored twice. "
    "All or none are stored: a notice closed since it was ranked (e.g. cancelled meanwhile) is a 422 naming it "
    "and why, and none of the others is stored either.",
)
def propose_top(
    firm_id: FirmAccess, body: ShortlistFromRecommendations, matcher: MatcherDep, principal: CuratorDep,
    response: Response,
) -> list[ShortlistProposalOut]:
    entries = actions.propose_top(matcher, principal, firm_id, body)
    if not any(entry.created for entry in entries):
        response.status_code = status.HTTP_200_OK
    return [actions.proposal_out(entry) for entry in entries]


@router.patch(
    "/shortlist/{tender_id}", summary="Approve or reject a shortlist item (partners, officers)",
    responses={**BODY_ERRORS, **PRECONDITION},
    description="A tender not on the firm's shortlist is a 404. For a partner's key so is one on it whose tender is "
    "published after now (the API's clock, `MATCHER_CLOCK` when set), the same answer as for an id never stored, "
    "and nothing is stored (the date is read in the decision's own transaction: an officer moving it meanwhile "
    f"cannot let the decision through); an officer's key decides on it. {IF_MATCH_DECISION}",
)
def decide(
    firm_id: FirmAccess, tender_id: TenderIdPath, body: DecisionIn, matcher: MatcherDep, principal: CuratorDep,
    change: PreconditionDep,
) -> ShortlistItemOut:
    on = change.versions(lambda: actions.shortlist_item_version(matcher, principal, firm_id, tender_id))
    return actions.item_out(change.answer(lambda: _tagged(actions.decide(matcher, principal, firm_id, tender_id, body,
                                                                         on))))


def _tagged(entry: ShortlistEntry) -> tuple[ShortlistEntry, str]:
    return entry, entry.version


@router.get(
    "/feedback", summary="The firm's decision log, oldest first (partners, officers)",
    description="For a partner's key without the events of an item whose tender is published after now (the "
    "API's clock, `MATCHER_CLOCK` when set), as its shortlist leaves the item out; an officer's key lists every one.",
)
def feedback(firm_id: FirmAccess, matcher: MatcherDep, principal: CuratorDep) -> list[FeedbackEventOut]:
    events = matcher.feedback_events(firm_id)
    if (by := actions.published_by(matcher, principal)) is not None:
        # The items the shortlist leaves out for this key: those of every decision less those it lists.
        hidden = set(matcher.decisions([firm_id]).get(firm_id, {})) - set(
            matcher.decisions([firm_id], by).get(firm_id, {}))
        events = [e for e in events if e.tender_id not in hidden]
    return [actions.event_out(e) for e in events]

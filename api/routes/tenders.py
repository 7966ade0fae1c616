"""Tenders: batch upsert and file import (officers), get, search, delete (officers), reverse match.

An import is parsed, stored and indexed by a worker process at a lower CPU priority (``api.import_worker``),
so reads keep their CPU: the response comes once the file is stored and carries the ingest summary and the
index job; searches and recommendations keep using the previous index until the job ends.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Query, Response, UploadFile

from api import actions
from api.deps import AccessDep, CuratorDep, JobsDep, KeyFirstRoute, MatcherDep, OfficerDep, PrincipalDep, TenderIdPath
from api.errors import BODY_ERRORS, ERRORS, responses
from api.schemas import (
    AcceptLanguage,
    Deleted,
    FirmMatchPublic,
    FirmsForQuery,
    IngestSummary,
    Page,
    TenderBatch,
    TenderPublic,
    TenderQuery,
)
from matcher.errors import NotFound
from matcher.ranking.calibration import at_least
from matcher.schema import quoted

router = APIRouter(prefix="/tenders", tags=["tenders"], responses=ERRORS, route_class=KeyFirstRoute)
Upload = Annotated[UploadFile, File(description="TED XML/eForms, OCDS JSON, CSV/JSON table, or a .tar.gz/.zip of them")]


@router.get(
    "", summary="Search tenders (any role)",
    description="Newest publication first. A notice published after now (the API's clock, `MATCHER_CLOCK` when "
    "set) is left out, from the items and the total, unless an officer sends `include_unpublished=true`.",
)
def search(query: Annotated[TenderQuery, Query()], matcher: MatcherDep, principal: PrincipalDep) -> Page[TenderPublic]:
    return actions.list_tenders(matcher, principal, query)


@router.post(
    "", summary="Insert or update tenders (officers)", responses={**BODY_ERRORS, **responses(409)},
    description="A new notice is stored as sent, except that its title, buyer, description and translated titles "
    "lose the format characters that draw nothing (bidirectional embeddings, overrides and isolates, zero-width "
    "spaces, word joiners, byte order marks, soft hyphens, tag characters) instead of being refused, and are "
    "composed (NFC), as a feed's notices are. A stored one changes the fields sent and keeps every field left "
    "out (a title sent alone changes the title; the description, codes, deadline and value its feed supplied "
    "stay); send a field as null (or an empty list) to clear it. A notice keeps its source: an item naming "
    "another is a 409, and nothing of the batch is stored. A `deadline`, `published` or `notice_type` sent is held "
    "with the fields kept to the rule an item meets: an open call or prior information notice whose deadline falls "
    "on a day before its publication date is a 422 naming the item and both dates, and nothing of the batch is "
    "stored (a feed's notice published after its deadline keeps that pair while no update sends one of them). "
    "Corrections from corrigenda still apply afterwards. Of requests sending the same new notice at the same moment, "
    "one stores it (`new`) and each other is answered as if sent after it (`unchanged`, or `updated` when it sends "
    "other fields), on either store.",
)
def upsert(
    body: TenderBatch, matcher: MatcherDep, jobs: JobsDep, background: BackgroundTasks, _: OfficerDep
) -> IngestSummary:
    return actions.upsert_tenders(matcher, jobs, background, body)


@router.post(
    "/import", summary="Import a tender file by upload (officers)", responses={**BODY_ERRORS, **responses(503)},
    description="The file is parsed and stored by a worker process at a lower CPU priority (reads keep their "
    "CPU); the answer comes once it is stored, with the index sync as its job (GET /jobs/{job_id}). 503: the "
    "worker stopped before it reported (upload again: what it stored counts as unchanged).",
)
async def import_file(
    file: Upload, matcher: MatcherDep, jobs: JobsDep, background: BackgroundTasks, _: OfficerDep
) -> IngestSummary:
    return await actions.import_tenders(matcher, jobs, background, file)


@router.get(
    "/{tender_id}", summary="One tender (any role)",
    description="A firm's or partner's key gets a notice published after now (the API's clock, `MATCHER_CLOCK` "
    "when set) as a 404, the same as for an id never stored; an officer's key reads any stored notice.",
)
def get(tender_id: TenderIdPath, matcher: MatcherDep, principal: PrincipalDep) -> TenderPublic:
    return actions.read_tender(matcher, principal, tender_id)


@router.delete("/{tender_id}", summary="Delete a tender (officers)")
def delete(
    tender_id: TenderIdPath, matcher: MatcherDep, jobs: JobsDep, background: BackgroundTasks, _: OfficerDep
) -> Deleted:
    """Of deletions of one tender sent together, one answers 200 and the others 404: the answer is decided by the
    row this request deleted, not by a read before it (which every one of them passed)."""
    if not matcher.delete_tenders([tender_id], sync=False):
        raise NotFound(f"unknown tender {quoted(tender_id)}")
    return Deleted(deleted=tender_id, index_job=actions.schedule_index_sync(matcher, jobs, background))


@router.get(
    "/{tender_id}/firms", summary="Firms that fit a tender (officers; partners see their firms only)",
    responses=responses(503),
    description="A list of matches, best fit first. Each carries `notice_status`, the same on every match: "
    "whether the notice is open at the API's clock (`open`, `as_of`), why not as a code (`closure`: cancelled, "
    "award, other, deadline, window) and in the reader's language (`detail`, the line `matcher firms-for` "
    "prints first). An empty list says nothing of the notice. A notice published after now (the API's clock, "
    "`MATCHER_CLOCK` when set) is a 404: for a partner's key the same as for an id never stored, for an officer's "
    "naming its publication day.",
)
def firms_for(
    tender_id: TenderIdPath, query: Annotated[FirmsForQuery, Query()], matcher: MatcherDep, access: AccessDep,
    principal: CuratorDep, response: Response, accept_language: AcceptLanguage = None,
) -> list[FirmMatchPublic]:
    language = actions.reader_language(query.lang, accept_language)
    response.headers.update(actions.language_headers(language))
    found = actions.firms_for(matcher, access, principal, tender_id, query.k, language)
    return [m for m in found if at_least(m.fit_band, query.min_fit_band)]

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
from matcher.schema import STORED
from matcher.store import TenderFilter

router = APIRouter(prefix="/tenders", tags=["tenders"], responses=ERRORS, route_class=KeyFirstRoute)
Upload = Annotated[UploadFile, File(description="TED XML/eForms, OCDS JSON, CSV/JSON table, or a .tar.gz/.zip of them")]


@router.get("", summary="Search tenders (any role)")
def search(query: Annotated[TenderQuery, Query()], matcher: MatcherDep, _: PrincipalDep) -> Page[TenderPublic]:
    open_at = matcher.settings.now() if query.open_only else None
    flt = TenderFilter(query.country, query.code_prefix, query.notice_type, open_at, query.q, query.source)
    total, items = matcher.search_tenders(flt, query.offset, query.limit)
    page = [TenderPublic.model_validate(t.model_dump(), context=STORED) for t in items]
    return Page[TenderPublic](items=page, total=total, offset=query.offset, limit=query.limit)


@router.post(
    "", summary="Insert or update tenders (officers)", responses={**BODY_ERRORS, **responses(409)},
    description="A new notice is stored as sent. A stored one changes the fields sent and keeps every field left "
    "out (a title sent alone changes the title; the description, codes, deadline and value its feed supplied "
    "stay); send a field as null (or an empty list) to clear it. A notice keeps its source: an item naming "
    "another is a 409, and nothing of the batch is stored. Corrections from corrigenda still apply afterwards.",
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


@router.get("/{tender_id}", summary="One tender (any role)")
def get(tender_id: TenderIdPath, matcher: MatcherDep, _: PrincipalDep) -> TenderPublic:
    return TenderPublic.model_validate(matcher.get_tender(tender_id).model_dump(), context=STORED)


@router.delete("/{tender_id}", summary="Delete a tender (officers)")
def delete(
    tender_id: TenderIdPath, matcher: MatcherDep, jobs: JobsDep, background: BackgroundTasks, _: OfficerDep
) -> Deleted:
    matcher.get_tender(tender_id)
    matcher.delete_tenders([tender_id], sync=False)
    return Deleted(deleted=tender_id, index_job=actions.schedule_index_sync(matcher, jobs, background))


@router.get(
    "/{tender_id}/firms", summary="Firms that fit a tender (officers; partners see their firms only)",
    responses=responses(503),
    description="A list of matches, best fit first. Each carries `notice_status`, the same on every match: "
    "whether the notice is open at the API's clock (`open`, `as_of`), why not as a code (`closure`: cancelled, "
    "award, other, deadline, window) and in the reader's language (`detail`, the line `matcher firms-for` "
    "prints first). An empty list says nothing of the notice. A notice published after now is a 404.",
)
def firms_for(
    tender_id: TenderIdPath, query: Annotated[FirmsForQuery, Query()], matcher: MatcherDep, access: AccessDep,
    principal: CuratorDep, response: Response, accept_language: AcceptLanguage = None,
) -> list[FirmMatchPublic]:
    language = actions.reader_language(query.lang, accept_language)
    response.headers.update(actions.language_headers(language))
    return actions.firms_for(matcher, access, principal, tender_id, query.k, language)

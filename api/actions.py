"""What the routes do, beyond one facade call: scheduling index syncs, merging updates, shaping results.

Routes stay 5-10 line shims over these functions and the ``Matcher`` facade. Blocking work (imports,
ranking) runs in Starlette's threadpool: routes that call it are plain ``def`` or use ``run_in_threadpool``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import BackgroundTasks, UploadFile
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from api.jobs import JobRegistry
from api.schemas import (
    FeedbackEventOut,
    FirmCreate,
    FirmPublic,
    FirmUpdate,
    IndexHealth,
    IngestSummary,
    JobPublic,
    MatchPublic,
    Readiness,
    Rejection,
    ShortlistFromRecommendations,
    ShortlistItemOut,
    StoreHealth,
    TenderBatch,
)
from api.uploads import saved_upload
from matcher.errors import Conflict, IndexNotReady, InvalidInput, NotFound
from matcher.ingest.base import describe_validation_error
from matcher.pipeline import IngestResult, Matcher
from matcher.schema import FirmProfile, IngestReport, Match
from matcher.search.retrieve import MatchQuery
from matcher.services.access import AccessControl, Principal
from matcher.store import TenderFilter
from matcher.store.shortlists import FeedbackEvent, ShortlistItem, Status


# ----------------------------------------------------------------------------- imports and the index
def schedule_index_sync(matcher: Matcher, jobs: JobRegistry, background: BackgroundTasks) -> JobPublic:
    """Bring the index in step with the store after the response is sent; reads keep the current build."""
    job = jobs.submit("index-sync")
    background.add_task(jobs.run, job.job_id, lambda: matcher.build_index().summary())
    return job


def summary(report: IngestReport, job: JobPublic | None = None) -> IngestSummary:
    return IngestSummary(
        new=report.new, updated=report.updated, unchanged=report.unchanged,
        rejected=[Rejection(record=r, reason=why) for r, why in report.rejected], index_job=job,
    )


def upsert_tenders(
    matcher: Matcher, jobs: JobRegistry, background: BackgroundTasks, batch: TenderBatch
) -> IngestSummary:
    result = matcher.upsert_tenders(batch.tenders, sync=False)
    return _with_sync(result, matcher, jobs, background)


async def import_tenders(
    matcher: Matcher, jobs: JobRegistry, background: BackgroundTasks, upload: UploadFile
) -> IngestSummary:
    async with saved_upload(upload, matcher.settings.max_upload_bytes) as path:
        result = await run_in_threadpool(matcher.ingest_tenders, [path], False)
    return _with_sync(result, matcher, jobs, background)


def _with_sync(result: IngestResult, matcher: Matcher, jobs: JobRegistry, bg: BackgroundTasks) -> IngestSummary:
    changed = result.report.new + result.report.updated
    job = schedule_index_sync(matcher, jobs, bg) if changed or not matcher.index.exists() else None
    return summary(result.report, job)


async def import_firms(matcher: Matcher, upload: UploadFile) -> IngestSummary:
    async with saved_upload(upload, matcher.settings.max_upload_bytes) as path:
        result = await run_in_threadpool(matcher.ingest_firms, [path])
    return summary(result.report)


# ----------------------------------------------------------------------------- firms
def create_firm(matcher: Matcher, body: FirmCreate) -> FirmPublic:
    try:
        matcher.get_firm(body.firm_id)
    except NotFound:
        matcher.upsert_firms([FirmProfile.model_validate(body.model_dump())])
        return FirmPublic.model_validate(body.model_dump())
    raise Conflict(f"firm {body.firm_id!r} already exists (use PATCH /firms/{body.firm_id} to change it)")


def update_firm(matcher: Matcher, firm_id: str, patch: FirmUpdate) -> FirmPublic:
    """Merge the given fields into the stored profile; the merged profile is validated as a whole."""
    data = matcher.get_firm(firm_id).model_dump()
    data.update(patch.model_dump(exclude_unset=True))
    try:
        firm = FirmProfile.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"firm {firm_id!r}: {describe_validation_error(exc)}") from exc
    matcher.upsert_firms([firm])
    return FirmPublic.model_validate(firm.model_dump())


def visible_firms(
    matcher: Matcher, access: AccessControl, principal: Principal, offset: int, limit: int
) -> tuple[int, list[FirmPublic]]:
    total, firms = matcher.list_firms(access.visible_firm_ids(principal), offset, limit)
    return total, [FirmPublic.model_validate(f.model_dump()) for f in firms]


# ----------------------------------------------------------------------------- matches
def public(matches: list[Match]) -> list[MatchPublic]:
    return [MatchPublic.model_validate(m.model_dump()) for m in matches]


def firms_for(
    matcher: Matcher, access: AccessControl, principal: Principal, tender_id: str, k: int
) -> list[MatchPublic]:
    """Ranked firms for a tender, only among the firms the caller may see."""
    return public(matcher.firms_for(tender_id, k=k, firm_ids=access.visible_firm_ids(principal)))


# ----------------------------------------------------------------------------- shortlists
def item_out(item: ShortlistItem) -> ShortlistItemOut:
    return ShortlistItemOut.model_validate(item.__dict__)


def event_out(event: FeedbackEvent) -> FeedbackEventOut:
    return FeedbackEventOut.model_validate(event.__dict__)


def shortlist(
    matcher: Matcher, principal: Principal, firm_id: str, status: Status | None
) -> list[ShortlistItemOut]:
    """A firm's shortlist; a firm key sees only the items its partner approved."""
    if principal.role == "firm":
        status = "approved"
    return [item_out(i) for i in matcher.shortlist(firm_id, status)]


def propose_top(
    matcher: Matcher, principal: Principal, firm_id: str, body: ShortlistFromRecommendations
) -> list[ShortlistItemOut]:
    """Propose the firm's current top recommendations, keeping each one's score."""
    matches = matcher.recommend(firm_id, MatchQuery(k=body.top, include_closed=body.include_closed))
    return [
        item_out(matcher.propose(firm_id, m.tender_id, principal.name, body.note, m.score)) for m in matches
    ]


# ----------------------------------------------------------------------------- health
def readiness(matcher: Matcher) -> Readiness:
    """Ready when the store answers and an index is loaded (loading it now if this process has not)."""
    try:
        total_tenders, _ = matcher.search_tenders(TenderFilter(), limit=1)
        total_firms, _ = matcher.list_firms(limit=1)
        store = StoreHealth(ok=True, backend=matcher.store_backend(), tenders=total_tenders, firms=total_firms)
    except SQLAlchemyError as exc:
        store = StoreHealth(ok=False, backend=matcher.store_backend(), detail=type(exc).__name__)
    try:
        manifest = (loaded := matcher.index.current()).vectors.manifest
        index = IndexHealth(
            loaded=True, count=manifest.count, encoder=manifest.encoder_id, index_type=manifest.index_type,
            build_id=loaded.build_id, built_at=manifest.built_at,
        )
    except IndexNotReady as exc:
        index = IndexHealth(loaded=False, detail=str(exc))
    status: Literal["ready", "not_ready"] = "ready" if store.ok and index.loaded else "not_ready"
    return Readiness(status=status, store=store, index=index)

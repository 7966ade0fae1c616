"""What the routes do, beyond one facade call: scheduling index syncs, merging updates, shaping results.

Routes stay 5-10 line shims over these functions and the ``Matcher`` facade. Blocking work (ranking) runs in
Starlette's threadpool: routes that call it are plain ``def`` or use ``run_in_threadpool``. Imports and index
syncs run in a child process (``api.import_worker``), which a thread of the pool only waits for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

import anyio
from fastapi import BackgroundTasks, Response, UploadFile
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from api.etags import etag
from api.import_worker import ImportWorker, Stored, WorkOrder
from api.jobs import JobRegistry
from api.schemas import (
    DecisionIn,
    FeedbackEventOut,
    FirmCreate,
    FirmMatchPublic,
    FirmPublic,
    FirmUpdate,
    IndexHealth,
    IngestSummary,
    JobPublic,
    MatchPublic,
    Page,
    Readiness,
    Rejection,
    ShortlistExportQuery,
    ShortlistFromRecommendations,
    ShortlistItemIn,
    ShortlistItemOut,
    ShortlistProposalOut,
    StoreHealth,
    TenderBatch,
    TenderPublic,
    TenderQuery,
)
from api.uploads import hide_upload_path, saved_upload
from matcher.errors import Conflict, IndexNotReady, InvalidInput, NotFound, PermissionDenied
from matcher.ingest.base import describe_validation_error, table_format
from matcher.ingest.detect import tender_format
from matcher.pipeline import Matcher
from matcher.ranking.calibration import at_least
from matcher.ranking.reasons import ReasonLanguage, summary_in
from matcher.schema import STORED, FirmProfile, IngestReport, Match, Tender, kept_as_stored
from matcher.search.retrieve import MatchQuery
from matcher.services import shortlist_export
from matcher.services.access import AccessControl, Principal
from matcher.services.shortlists import ShortlistEntry
from matcher.store import TenderFilter
from matcher.store.shortlists import FeedbackEvent, Proposal, Status

# ----------------------------------------------------------------------------- imports and the index
#: The kind of the jobs that bring the index in step with the store.
SYNC = "index-sync"


def schedule_index_sync(matcher: Matcher, jobs: JobRegistry, background: BackgroundTasks) -> JobPublic:
    """Bring the index in step with the store after the response is sent, in a child process
    (``api.import_worker``); reads keep the current build meanwhile. A burst of writes shares syncs: a
    request joins the sync that is queued and not started yet (it will see the request's change), and
    one sync runs at a time per process (``JobRegistry.join_or_submit``)."""
    job, new = jobs.join_or_submit(SYNC)
    if new:
        background.add_task(_sync_in_worker, matcher, jobs, job.job_id)
    return job


def _sync_in_worker(matcher: Matcher, jobs: JobRegistry, job_id: str) -> None:
    """Runs as a background task, in a thread: it waits for its turn, then for the child."""
    jobs.run(job_id, lambda: _served_here(matcher, ImportWorker(WorkOrder("index", matcher.settings))),
             one_at_a_time=True)


def _served_here(matcher: Matcher, worker: ImportWorker) -> str:
    """The worker's index sync, then this process loading the new build on the job's thread (requests keep
    the build they have meanwhile), so that a job reported done is searchable in the process that answered
    the write; other processes load it on their next request (``IndexService.reload_in_background``)."""
    with worker:
        done = worker.indexed()
    matcher.index.latest()
    return done


def summary(report: IngestReport, job: JobPublic | None = None) -> IngestSummary:
    return IngestSummary(
        new=report.new, updated=report.updated, unchanged=report.unchanged,
        rejected=[Rejection(record=r, reason=why) for r, why in report.rejected], index_job=job,
    )


def list_tenders(matcher: Matcher, principal: Principal, query: TenderQuery) -> Page[TenderPublic]:
    """One page of stored notices and how many match. The notices published after now are left out (a replay at
    a fixed clock shows no key its future; README, "Open") unless an officer asks for them."""
    if query.include_unpublished and principal.role != "officer":
        raise PermissionDenied(f"include_unpublished is for officers' keys (this key's role is {principal.role!r}): "
                               "the notices published after now are hidden from it")
    now = matcher.settings.now()
    flt = TenderFilter(query.country, query.code_prefix, query.notice_type, now if query.open_only else None,
                       query.q, query.source, published_by=None if query.include_unpublished else now)
    total, items = matcher.search_tenders(flt, query.offset, query.limit)
    page = [TenderPublic.model_validate(t.model_dump(), context=STORED) for t in items]
    return Page[TenderPublic](items=page, total=total, offset=query.offset, limit=query.limit)


def published_by(matcher: Matcher, principal: Principal) -> datetime | None:
    """The moment after whose day the caller knows of no notice: now, for a firm's or partner's key or session
    (a replay at a fixed clock shows them none of its future; README, "Open"); None for an officer, who knows
    any (officers load, correct and delete notices, those a feed dated after a replayed clock included). The one
    role decision behind reading, proposing, deciding and every shortlist view."""
    return None if principal.role == "officer" else matcher.settings.now()


def known_tender(matcher: Matcher, principal: Principal, tender_id: str) -> Tender:
    """The stored notice as the caller may know of it (``published_by``), for every route that names one: a
    later one is NotFound exactly as an id never stored, so that no answer (nor the core's refusal naming its
    publication day, which officers get) tells that it exists."""
    return matcher.get_tender(tender_id, published_by(matcher, principal))


def read_tender(matcher: Matcher, principal: Principal, tender_id: str) -> TenderPublic:
    """One stored notice, as the caller may know of it (``known_tender``)."""
    return TenderPublic.model_validate(known_tender(matcher, principal, tender_id).model_dump(), context=STORED)


def upsert_tenders(
    matcher: Matcher, jobs: JobRegistry, background: BackgroundTasks, batch: TenderBatch
) -> IngestSummary:
    """Store the batch (``Matcher.update_tenders``). A request sending a new notice that another request stores at
    the same moment is answered as a second POST sent after the other is (unchanged, or updated): the store writes
    it so (``TenderRepository.upsert``), for every caller."""
    result = matcher.update_tenders(batch.tenders, sync=False)
    changed = result.report.new + result.report.updated
    job = schedule_index_sync(matcher, jobs, background) if changed or not matcher.index.exists() else None
    return summary(result.report, job)


async def import_tenders(
    matcher: Matcher, jobs: JobRegistry, background: BackgroundTasks, upload: UploadFile
) -> IngestSummary:
    """Store an uploaded tender file and sync the index, both in a child process (``api.import_worker``):
    the answer waits for the file to be stored (a file that cannot be read is refused with its error, and
    nothing is stored); the index sync goes on as the summary's job."""
    async with saved_upload(upload, matcher.settings.max_upload_bytes) as path:
        tender_format(path)  # an unknown file type is refused before a worker starts
        worker, stored = await _stored_by_worker(WorkOrder("tenders", matcher.settings, path))
        hide_upload_path(stored.report, path, upload.filename)
    if not stored.syncing:
        await run_in_threadpool(worker.close)
        return summary(stored.report)
    job = jobs.submit(SYNC)
    background.add_task(_follow_sync, matcher, worker, jobs, job.job_id)
    return summary(stored.report, job)


async def import_firms(matcher: Matcher, upload: UploadFile) -> IngestSummary:
    """Store an uploaded firm file in a child process (``api.import_worker``), answering once it is stored."""
    async with saved_upload(upload, matcher.settings.max_upload_bytes) as path:
        table_format(path)  # an unknown file type is refused before a worker starts
        worker, stored = await _stored_by_worker(WorkOrder("firms", matcher.settings, path))
        hide_upload_path(stored.report, path, upload.filename)
    await run_in_threadpool(worker.close)
    return summary(stored.report)


async def _stored_by_worker(order: WorkOrder) -> tuple[ImportWorker, Stored]:
    """A started worker and its ``Stored`` report; on any error (the file refused, the worker gone) the
    worker is stopped and its slot freed before the error goes on."""
    worker = await run_in_threadpool(ImportWorker, order)  # may wait for a slot
    try:
        return worker, await run_in_threadpool(worker.stored)
    except BaseException:
        with anyio.CancelScope(shield=True):  # a cancelled request must still end its child and free the slot
            await run_in_threadpool(worker.stop)
        raise


def _follow_sync(matcher: Matcher, worker: ImportWorker, jobs: JobRegistry, job_id: str) -> None:
    """The index job follows the worker's sync (a background task, in a thread: it only waits)."""
    jobs.run(job_id, lambda: _served_here(matcher, worker))


# ----------------------------------------------------------------------------- firms
def create_firm(matcher: Matcher, body: FirmCreate) -> FirmPublic:
    """Store a new firm; an id stored already (a moment earlier too, by a request sent together) is a 409."""
    try:
        firm = matcher.create_firm(FirmProfile.model_validate(body.model_dump()))
    except Conflict as exc:
        raise Conflict(f"{exc} (use PATCH /firms/{body.firm_id} to change it)") from exc
    return FirmPublic.model_validate(firm.model_dump())


def update_firm(
    matcher: Matcher, firm_id: str, patch: FirmUpdate, if_version: frozenset[str] | None = None,
) -> tuple[FirmProfile, str]:
    """Merge the given fields into the stored profile; the merged profile is validated as a whole (the rules across
    fields), the fields sent by every rule, while the fields not sent are kept as stored (``kept_as_stored``: a
    name stored before names were refused bidirectional controls refuses no change of the keywords). A change of
    the profile committed meanwhile (another PATCH, accepted keywords) is kept: the fields are merged into the
    profile as it is when written (``Matcher.change_firm_version``), unless ``if_version`` names the versions it
    may be made on (If-Match). Returns the profile and its stored version."""
    context = kept_as_stored(FirmProfile.model_fields.keys() - patch.model_fields_set)

    def merged(firm: FirmProfile) -> FirmProfile:
        try:
            return FirmProfile.model_validate({**firm.model_dump(), **patch.model_dump(exclude_unset=True)},
                                              context=context)
        except ValidationError as exc:
            raise InvalidInput(f"firm {firm_id!r}: {describe_validation_error(exc)}") from exc

    return matcher.change_firm_version(firm_id, merged, if_version)


def public_firm(firm: FirmProfile) -> FirmPublic:
    """A stored profile as the API answers it (read as stored: rules added since it was stored do not apply)."""
    return FirmPublic.model_validate(firm.model_dump(), context=STORED)


def visible_firms(
    matcher: Matcher, access: AccessControl, principal: Principal, offset: int, limit: int, text: str | None = None
) -> tuple[int, list[FirmPublic]]:
    """(total, one page) of the firms the caller may see; ``text``: those whose name or id holds its words."""
    total, firms = matcher.list_firms(access.visible_firm_ids(principal), offset, limit, text)
    return total, [public_firm(f) for f in firms]


# ----------------------------------------------------------------------------- the reader's language


def reader_language(lang: ReasonLanguage | None, accept_language: str | None) -> ReasonLanguage:
    """``lang`` when given, else the most preferred of ko and en in an Accept-Language header (RFC 9110:
    by q-value, then by order; q=0 means "not this one"), else English."""
    if lang is not None:
        return lang
    ranked: list[tuple[float, int, ReasonLanguage]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, *params = part.split(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("ko", "en"):
            continue
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                weight = _q(value)
        if weight > 0:
            ranked.append((-weight, position, "ko" if primary == "ko" else "en"))
    return min(ranked)[2] if ranked else "en"


def _q(value: str) -> float:
    try:
        weight = float(value.strip())
    except ValueError:
        return 0.0  # a malformed weight counts as refusing the language, never as a 500
    return weight if math.isfinite(weight) and 0 <= weight <= 1 else 0.0


def language_headers(language: ReasonLanguage) -> dict[str, str]:
    """What a response worded in the reader's language says about it: the language, and that caches must
    key it by the header it may have been chosen from."""
    return {"Content-Language": language, "Vary": "Accept-Language"}


# ----------------------------------------------------------------------------- matches
def public(matches: list[Match], language: ReasonLanguage = "en") -> list[MatchPublic]:
    """Matches as the API serves them, their reasons' summary worded in ``language`` (the reason codes
    themselves are the same in every language)."""
    out = []
    for match in matches:
        data = match.model_dump()
        data["reasons"]["summary"] = summary_in(match.reasons, language)
        out.append(MatchPublic.model_validate(data))
    return out


def firms_for(
    matcher: Matcher, access: AccessControl, principal: Principal, tender_id: str, k: int,
    language: ReasonLanguage = "en",
) -> list[FirmMatchPublic]:
    """Ranked firms for a tender the caller may know of (``known_tender``), only among the firms the caller may
    see, each saying whether the notice is open now and why not (``Matcher.notice_status``, as ``matcher
    firms-for`` reads it)."""
    tender = known_tender(matcher, principal, tender_id)
    matches = public(matcher.firms_for(tender_id, k=k, firm_ids=access.visible_firm_ids(principal)), language)
    status = matcher.notice_status(tender, language).model_dump()
    return [FirmMatchPublic.model_validate({**m.model_dump(), "notice_status": status}) for m in matches]


# ----------------------------------------------------------------------------- shortlists
def item_out(entry: ShortlistEntry) -> ShortlistItemOut:
    return ShortlistItemOut.model_validate({**vars(entry), "etag": etag(entry.version)})


def proposal_out(entry: ShortlistEntry) -> ShortlistProposalOut:
    return ShortlistProposalOut.model_validate({**vars(entry), "etag": etag(entry.version)})


def event_out(event: FeedbackEvent) -> FeedbackEventOut:
    return FeedbackEventOut.model_validate(event.__dict__)


def visible_shortlist(
    matcher: Matcher, principal: Principal, firm_id: str, status: Status | None
) -> list[ShortlistEntry]:
    """A firm's shortlist as the caller may see it, for the API's list and files and the workspace's page and
    downloads: a firm key sees only the items its partner approved, and its ``status`` narrows that list as it
    narrows anyone's (asking for proposed items finds none). An item whose notice is published after now is
    left out for a firm's or partner's key (``published_by``: as an id never stored); an officer's list keeps
    it, marked ``published_after_now``."""
    if principal.role == "firm":
        if status not in (None, "approved"):
            return []
        status = "approved"
    return matcher.shortlist(firm_id, status, published_by(matcher, principal))


def visible_decisions(matcher: Matcher, principal: Principal, firm_ids: list[str]) -> dict[str, dict[str, Status]]:
    """firm_id -> {tender_id: status} of the items ``visible_shortlist`` shows the caller, for counting (the
    workspace's home page) without reading every item."""
    decisions = matcher.decisions(firm_ids, published_by(matcher, principal))
    if principal.role == "firm":
        return {firm: {t: s for t, s in listed.items() if s == "approved"} for firm, listed in decisions.items()}
    return decisions


def shortlist(
    matcher: Matcher, principal: Principal, firm_id: str, status: Status | None
) -> list[ShortlistItemOut]:
    return [item_out(e) for e in visible_shortlist(matcher, principal, firm_id, status)]


ExportFormat = Literal["csv", "xlsx", "ics"]
#: Media type of each export (CSV and iCalendar are UTF-8 text).
EXPORT_TYPES: dict[ExportFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ics": "text/calendar; charset=utf-8",
}


def export_shortlist(
    matcher: Matcher, principal: Principal, firm_id: str, query: ShortlistExportQuery, file_format: ExportFormat,
    language: ReasonLanguage,
) -> Response:
    """The shortlist the caller may see, as a file to download (``matcher.services.shortlist_export``): an
    officer's CSV and workbook end in a column saying which notice is published after today (only their lists
    hold one; the others' files keep their columns)."""
    entries = visible_shortlist(matcher, principal, firm_id, query.status)
    marked = published_by(matcher, principal) is None
    writers: dict[ExportFormat, Callable[[Sequence[ShortlistEntry]], bytes]] = {
        "csv": lambda e: shortlist_export.to_csv(e, language, marked),
        "xlsx": lambda e: shortlist_export.to_xlsx(e, language, marked),
        "ics": lambda e: shortlist_export.to_ics(e, matcher.get_firm(firm_id).name, language),
    }
    name = f"shortlist-{_filename_part(firm_id)}-{matcher.settings.now():%Y-%m-%d}.{file_format}"
    return Response(
        writers[file_format](entries), media_type=EXPORT_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _filename_part(text: str) -> str:
    """An id as a safe ASCII file name part: ids may hold quotes, ';' or non-ASCII, which would break the
    Content-Disposition header or the user's file system."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in text)


def propose(matcher: Matcher, principal: Principal, firm_id: str, body: ShortlistItemIn,
            if_version: frozenset[str | None] | None = None) -> ShortlistEntry:
    """Put a notice the caller may know of (``known_tender``) on the firm's shortlist, if it is open now
    (``Shortlists.propose``): the entry, ``created`` unless it was there already. With ``if_version`` (If-Match;
    None in it: not on the shortlist) only on those versions of the item (PreconditionFailed), so that a note sent
    from an old read does not replace a colleague's newer note or decision unseen."""
    known_tender(matcher, principal, body.tender_id)
    return matcher.propose(firm_id, body.tender_id, principal.name, body.note, at=matcher.open_at(),
                           if_version=if_version)


def decide(matcher: Matcher, principal: Principal, firm_id: str, tender_id: str, body: DecisionIn,
           if_version: frozenset[str] | None = None) -> ShortlistEntry:
    """Approve or reject an item of the shortlist the caller may see (``visible_shortlist``): one whose notice is
    published after now is, for a firm's or partner's key, not on it, as an id never stored (nothing stored). With
    ``if_version`` (If-Match) only on those versions of the item (``Shortlists.decide``: PreconditionFailed)."""
    return matcher.decide(firm_id, tender_id, body.status, principal.name, body.note, published_by(matcher, principal),
                          if_version)


def shortlist_item_version(matcher: Matcher, principal: Principal, firm_id: str, tender_id: str) -> str:
    """The stored version of an item of the shortlist the caller may see (NotFound as ``decide`` answers), which
    a decision's If-None-Match is compared with (``api.etags.Precondition``)."""
    return matcher.shortlist_item(firm_id, tender_id, published_by(matcher, principal)).version


def listed_version(matcher: Matcher, principal: Principal, firm_id: str, tender_id: str) -> str | None:
    """``shortlist_item_version``, None for a notice not on the shortlist the caller sees (a proposal's
    If-None-Match is compared with it; the proposal then answers for a notice the caller may not know of)."""
    try:
        return shortlist_item_version(matcher, principal, firm_id, tender_id)
    except NotFound:
        return None


def propose_top(
    matcher: Matcher, principal: Principal, firm_id: str, body: ShortlistFromRecommendations
) -> list[ShortlistEntry]:
    """Propose the firm's current top recommendations, keeping each one's score (open ones: recommendations
    without ``include_closed``, checked again as any proposal is), all or none (``Shortlists.propose_many``: a
    notice closed since it was ranked refuses the call, naming it, and stores nothing): each entry ``created``
    unless it was there already."""
    matches = [m for m in matcher.recommend(firm_id, MatchQuery(k=body.top)) if at_least(m.fit_band, body.min_fit_band)]
    proposals = [Proposal(m.tender_id, m.score) for m in matches]
    return matcher.propose_many(firm_id, proposals, principal.name, body.note, matcher.open_at())


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

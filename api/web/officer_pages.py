"""The officer's page: live feeds, upload a feed file and watch its import, the firms, and partners' assignments.

Officers only, by the API's own check (``api.deps.require_officer``, the ``OfficerDep`` of the tender import
and partner routes): anyone else gets the 403 page before anything is read. The upload is the API's
``POST /tenders/import``: ``actions.import_tenders`` stores the file's notices (within
``max_upload_bytes``) and schedules the same background index sync in the app's ``JobRegistry``. The import
page shows the ingest report and follows that job (htmx polls its status until it ends). Assignments are
``AccessControl.assign`` / ``unassign``, as the API's partner routes do. Live feeds are the API's ``/feeds``
(``api.web.feed_pages``): add one, run it now (the API's background job, followed on the page), reset its
cursor, remove it.

An import's report is kept in memory by the process that ran it, newest ``KEEP_IMPORTS`` only, as the job
registry keeps its jobs: with several workers, the page answers on the worker that took the upload.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import quote

from cachetools import FIFOCache
from fastapi import APIRouter, BackgroundTasks, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as FormFile
from starlette.exceptions import HTTPException

from api import actions
from api.deps import JobsDep, require_officer
from api.errors import UploadTooLarge, status_of
from api.feed_runs import feed_runs
from api.jobs import JobRegistry
from api.schemas import IngestSummary, JobPublic
from api.web.feed_pages import KINDS, FeedForm, RunView, checked_name, run_view
from api.web.form_fields import FieldError, FormInvalid, text_of
from api.web.import_reasons import said
from api.web.paging import page_count, requested_page
from api.web.query_choices import MAX_QUERY, typed_words
from api.web.render import render
from api.web.session import (
    ChangeDep,
    PageRefused,
    Viewer,
    ViewerDep,
    checked_change,
    core,
    forbidden,
    form_not_utf8,
    is_htmx,
)
from matcher.errors import (
    Conflict,
    InvalidInput,
    MatcherError,
    NotFound,
    NotPublicAddress,
    PermissionDenied,
    UnreadableFile,
)
from matcher.ingest.detect import ARCHIVES, CSV_SUFFIXES, JSON_SUFFIXES, XML_SUFFIXES
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile
from matcher.services.access import AccessControl

router = APIRouter(prefix="/web/officer", include_in_schema=False)

OFFICER_PATH = "/web/officer"
#: Import reports a process remembers (first in, first out), like ``api.jobs.KEEP`` for jobs.
KEEP_IMPORTS = 200
#: Firms per page of the officer's firm list.
FIRMS_PAGE_SIZE = 50
#: Firms offered in the assignment form's list (a cohort is a few hundred firms).
ASSIGNABLE_FIRMS = 2000
#: Rejected records listed on an import page (the count is always shown in full).
SHOWN_REJECTIONS = 100
#: How often the import page (and the feeds block, while a run goes on) asks for its job's state.
POLL_SECONDS = 1
#: The file types the upload field offers (what ``matcher.ingest.detect`` reads; a hint to the browser only).
ACCEPT = ",".join(dict.fromkeys(s[s.rfind("."):] for s in (*XML_SUFFIXES, *JSON_SUFFIXES, *CSV_SUFFIXES, *ARCHIVES)))
_IMPORT_ID = 16  # hex characters, as the job registry's ids


@dataclass(frozen=True)
class ImportRecord:
    """One upload: what was stored (the API's ingest summary, with its index job) and by whom, when."""

    import_id: str
    file_name: str
    uploaded_by: str
    uploaded_at: datetime
    summary: IngestSummary


class ImportLog:
    """This process's recent imports by id (kept per app, as its ``JobRegistry`` is)."""

    def __init__(self) -> None:
        self._records: FIFOCache[str, ImportRecord] = FIFOCache(maxsize=KEEP_IMPORTS)
        self._lock = threading.Lock()

    def add(self, record: ImportRecord) -> None:
        with self._lock:
            self._records[record.import_id] = record

    def get(self, import_id: str) -> ImportRecord:
        with self._lock:
            found = self._records.get(import_id)
        if found is None:
            raise PageRefused(404, "not_found_title", "import_not_known")
        return found


_LOG_LOCK = threading.Lock()


def import_log(request: Request) -> ImportLog:
    with _LOG_LOCK:
        log: ImportLog | None = getattr(request.app.state, "web_imports", None)
        if log is None:
            log = request.app.state.web_imports = ImportLog()
    return log


async def require_officer_page(request: Request, viewer: Viewer) -> Matcher:
    """The facade, once the viewer is an officer (the API's check); the 403 page otherwise."""
    matcher = core(request)
    try:
        await require_officer(viewer.principal, matcher.access)
    except PermissionDenied:
        raise forbidden() from None
    return matcher


# ----------------------------------------------------------------------------- the officer's page
@dataclass(frozen=True)
class Partner:
    name: str
    firms: list[tuple[str, str]]  # (firm id, name), by name


def partners(matcher: Matcher, access: AccessControl) -> list[Partner]:
    assigned = {name: access.assigned_firms(name) for name in access.partner_names()}
    names = matcher.get_firms(sorted({f for ids in assigned.values() for f in ids}))
    return [
        Partner(name, sorted(((f, names[f].name if f in names else f) for f in ids), key=lambda pair: pair[1]))
        for name, ids in assigned.items()
    ]


@dataclass(frozen=True)
class Cohort:
    """What the officer's page lists: a page of firms, every partner with their firms, and the firms to assign."""

    total: int
    firms: list[FirmProfile]
    partners: list[Partner]
    assignable: list[FirmProfile]
    #: How many firms the assignment form could offer (the search's, or every firm): more than it lists when
    #: above ``ASSIGNABLE_FIRMS``, and the page says so.
    assignable_total: int

    def partners_of(self, firm_id: str) -> list[str]:
        return [p.name for p in self.partners if any(f == firm_id for f, _ in p.firms)]


def cohort(matcher: Matcher, page: int, text: str | None = None) -> Cohort:
    """The page's firms, and those the assignment form offers: the firms whose name or id holds ``text``, if any
    (``Matcher.list_firms``), else every firm."""
    total, firms = matcher.list_firms(None, (page - 1) * FIRMS_PAGE_SIZE, FIRMS_PAGE_SIZE, text)
    assignable_total, assignable = matcher.list_firms(None, 0, ASSIGNABLE_FIRMS, text)
    return Cohort(total, firms, partners(matcher, matcher.access), sorted(assignable, key=lambda f: f.name),
                  assignable_total)


#: What a change ends with (``?done=``), as the message key the page shows.
DONE = {
    "assigned": "assignment_assigned", "withdrawn": "assignment_withdrawn", "feed_added": "feed_added",
    "feed_reset": "feed_reset", "feed_removed": "feed_removed",
}


async def _page(
    request: Request, viewer: Viewer, matcher: Matcher, status: int = 200, upload_error: FieldError | None = None,
    assign_error: FieldError | None = None, feed_form: FeedForm | None = None,
) -> HTMLResponse:
    page = requested_page(request.query_params)
    text, problem = typed_words(request)  # the firm search box's (a GET: its address can be shared)
    found = await run_in_threadpool(cohort, matcher, page, None if problem else text or None)
    status = 400 if problem == "search_not_utf8" else status
    return render(
        request, "officer.html", viewer.language, viewer, status=status, cohort=found, page=page, text=text,
        problem=problem, max_query=MAX_QUERY,
        pages=page_count(page, found.total, FIRMS_PAGE_SIZE), upload_limit=matcher.settings.max_upload_bytes,
        accept=ACCEPT, upload_error=upload_error, assign_error=assign_error, officer_path=OFFICER_PATH,
        done=DONE.get(request.query_params.get("done") or ""), feed_form=feed_form or FeedForm(), kinds=KINDS,
        feeds=await run_in_threadpool(matcher.all_feeds), run=_run(request, request.query_params.get("run")),
        poll=POLL_SECONDS,
    )


def _run(request: Request, run_id: str | None) -> RunView | None:
    """The feed run the page follows (``?run=``), if any."""
    return run_view(request.app.state, request.app.state.jobs, run_id)


@router.get("", response_class=HTMLResponse)
async def officer(request: Request, viewer: ViewerDep) -> Response:
    matcher = await require_officer_page(request, viewer)
    return await _page(request, viewer, matcher)


# ----------------------------------------------------------------------------- uploads
@router.post("/imports", response_class=HTMLResponse)
async def upload(request: Request, viewer: ViewerDep, jobs: JobsDep, background: BackgroundTasks) -> Response:
    """Store an uploaded feed file as the API's import does, then show its import page (303)."""
    matcher = await require_officer_page(request, viewer)  # before the body is read
    try:
        # The body is read whole first, as ``checked_change`` reads it (after the form, the body could not be read
        # again): a multipart field or file name that is not UTF-8 is refused by name, not read as Latin-1. The body
        # is at most the upload limit (``api.uploads.BodyLimit``) and is held once while the file is spooled.
        await form_not_utf8(request)
        form = await request.form()
    except HTTPException as exc:  # the app's body limit (api.uploads.BodyLimit) while the file streams in
        if exc.status_code != 413:
            raise
        return await _page(request, viewer, matcher, 413, FieldError("upload_too_large"))
    await checked_change(request, viewer)  # the session's CSRF token, from the form just read
    sent = form.get("file")
    if not isinstance(sent, FormFile) or not sent.filename:
        return await _page(request, viewer, matcher, 422, FieldError("choose_file"))
    upload = UploadFile(sent.file, size=sent.size, filename=sent.filename, headers=sent.headers)
    try:
        summary = await actions.import_tenders(matcher, jobs, background, upload)
    except MatcherError as exc:  # too large, unreadable, an unknown file type: nothing was stored
        return await _page(request, viewer, matcher, status_of(exc)[0], upload_refusal(exc, sent.filename))
    record = ImportRecord(secrets.token_hex(_IMPORT_ID // 2), sent.filename, viewer.principal.name,
                          datetime.now(UTC), summary)
    import_log(request).add(record)
    return RedirectResponse(f"{OFFICER_PATH}/imports/{record.import_id}", status_code=303)


def upload_refusal(exc: MatcherError, file_name: str) -> FieldError:
    """Why a file was refused, in the page's words, naming the file (the core's reason is in English)."""
    if isinstance(exc, UploadTooLarge):
        return FieldError("upload_too_large")
    if isinstance(exc, UnreadableFile):
        return FieldError.naming("upload_unreadable", file_name)
    if isinstance(exc, InvalidInput):  # refused by its name before it is read (``tender_format``)
        return FieldError.naming("upload_unknown_type", file_name)
    return FieldError.naming("upload_refused", file_name)


@dataclass(frozen=True)
class IndexState:
    """Where an import's index update stands: ``job`` is None when none was needed or it is forgotten."""

    job: JobPublic | None
    needed: bool

    @property
    def finished(self) -> bool:
        return self.job is None or self.job.status in ("done", "failed")


def index_state(jobs: JobRegistry, record: ImportRecord) -> IndexState:
    if record.summary.index_job is None:
        return IndexState(None, needed=False)
    try:
        return IndexState(jobs.get(record.summary.index_job.job_id), needed=True)
    except NotFound:
        return IndexState(None, needed=True)


def _record(request: Request, import_id: str) -> ImportRecord:
    if len(import_id) != _IMPORT_ID or not all(c in "0123456789abcdef" for c in import_id):
        raise PageRefused(404, "not_found_title", "import_not_known")
    return import_log(request).get(import_id)


@router.get("/imports/{import_id}", response_class=HTMLResponse)
async def import_page(import_id: str, request: Request, viewer: ViewerDep, jobs: JobsDep) -> Response:
    await require_officer_page(request, viewer)
    record = _record(request, import_id)
    rejections = [(r.record, *said(r.reason, viewer.language)) for r in record.summary.rejected[:SHOWN_REJECTIONS]]
    return render(
        request, "import.html", viewer.language, viewer, record=record, state=index_state(jobs, record),
        shown_rejections=SHOWN_REJECTIONS, rejections=rejections, poll=POLL_SECONDS, officer_path=OFFICER_PATH,
    )


@router.get("/imports/{import_id}/status", response_class=HTMLResponse)
async def import_status(import_id: str, request: Request, viewer: ViewerDep, jobs: JobsDep) -> Response:
    """The index job's state alone, for the import page's polling (it stops once the job has ended)."""
    await require_officer_page(request, viewer)
    record = _record(request, import_id)
    if not is_htmx(request):  # opened as a page: the bare fragment had no style, title or way back
        return RedirectResponse(f"{OFFICER_PATH}/imports/{import_id}", status_code=303)
    return render(
        request, "_import_status.html", viewer.language, viewer, record=record, state=index_state(jobs, record),
        poll=POLL_SECONDS, officer_path=OFFICER_PATH,
    )


# ----------------------------------------------------------------------------- assignments
def assignment_refusal(matcher: Matcher, partner: str, firm_id: str) -> FieldError:
    """Why a refused assignment or withdrawal was refused, in the page's words (the core's are English): the
    partner, else the firm, is unknown, else the firm was not assigned to the partner."""
    if partner not in matcher.access.partner_names():
        return FieldError.naming("assignment_unknown_partner", partner)
    try:
        matcher.get_firm(firm_id)
    except NotFound:
        return FieldError.naming("assignment_unknown_firm", firm_id)
    if firm_id not in matcher.access.assigned_firms(partner):
        return FieldError.naming("assignment_not_assigned", firm_id)
    return FieldError("assignment_refused")


@router.post("/assignments", response_class=HTMLResponse)
async def assignment(request: Request, viewer: ChangeDep) -> Response:
    """Assign a firm to a partner, or withdraw it (``action``), as the API's partner routes do."""
    matcher = await require_officer_page(request, viewer)
    form = await request.form()
    partner, firm_id, action = (text_of(form, name) for name in ("partner", "firm_id", "action"))
    try:
        if action == "assign":
            await run_in_threadpool(matcher.access.assign, partner, firm_id, viewer.principal.name)
        elif action == "withdraw":
            await run_in_threadpool(matcher.access.unassign, partner, firm_id)
        else:
            raise PageRefused(422, "invalid_title", "invalid_form")
    except MatcherError as exc:  # an unknown partner or firm, a firm not assigned
        error = await run_in_threadpool(assignment_refusal, matcher, partner, firm_id)
        return await _page(request, viewer, matcher, status_of(exc)[0], assign_error=error)
    done = "assigned" if action == "assign" else "withdrawn"
    return RedirectResponse(f"{OFFICER_PATH}?done={done}#partners", status_code=303)


# ----------------------------------------------------------------------------- live feeds
@router.post("/feeds", response_class=HTMLResponse)
async def add_feed(request: Request, viewer: ChangeDep) -> Response:
    """Configure a feed (the API's ``POST /feeds``), or show the form again with each problem (422, 409)."""
    matcher = await require_officer_page(request, viewer)
    form = FeedForm.read(await request.form())
    try:
        spec = form.spec()
        await run_in_threadpool(matcher.add_feed, spec, viewer.principal.name)
    except FormInvalid as exc:
        return await _page(request, viewer, matcher, 422, feed_form=replace(form, errors=exc.errors))
    except NotPublicAddress as exc:
        refused = {"url": FieldError.naming("feed_url_not_public", exc.host)}
        return await _page(request, viewer, matcher, 422, feed_form=replace(form, errors=refused))
    except Conflict:
        return await _page(request, viewer, matcher, 409, feed_form=form.taken())
    return RedirectResponse(f"{OFFICER_PATH}?done=feed_added#feeds", status_code=303)


@router.post("/feeds/run", response_class=HTMLResponse)
async def run_all_feeds(request: Request, viewer: ChangeDep, jobs: JobsDep, background: BackgroundTasks) -> Response:
    """Run every feed in the background (the API's ``POST /feeds/run``) and follow the run on the page."""
    matcher = await require_officer_page(request, viewer)
    run = feed_runs(request.app.state).start(matcher, jobs, background, [], None)
    return RedirectResponse(f"{OFFICER_PATH}?run={run.job.job_id}#feeds", status_code=303)


#: Feed actions that ask for confirmation first (``feed_action``): they throw away what cannot be rebuilt.
CONFIRMED = frozenset({"reset", "remove"})


@router.post("/feeds/{name}/{action}", response_class=HTMLResponse)
async def feed_action(
    name: str, action: str, request: Request, viewer: ChangeDep, jobs: JobsDep, background: BackgroundTasks,
) -> Response:
    """Run one feed now, reset its cursor or remove it (the API's run, reset and delete). A reset or a removal
    asks first: without ``confirm=yes`` the answer is a page that says what it does, with the form that does it."""
    matcher = await require_officer_page(request, viewer)
    checked_name(name)
    try:
        await run_in_threadpool(matcher.feed, name)
        if action in CONFIRMED and (await request.form()).get("confirm") != "yes":
            return render(
                request, "confirm_feed.html", viewer.language, viewer, action=action, name=name,
                path=f"{OFFICER_PATH}/feeds/{name}/{action}", cancel=f"{OFFICER_PATH}#feeds",
            )
        if action == "run":
            run = feed_runs(request.app.state).start(matcher, jobs, background, [name], None)
            return RedirectResponse(f"{OFFICER_PATH}?run={run.job.job_id}#feeds", status_code=303)
        if action == "reset":
            await run_in_threadpool(matcher.reset_feed, name)
            return RedirectResponse(f"{OFFICER_PATH}?done=feed_reset#feeds", status_code=303)
        if action == "remove":
            await run_in_threadpool(matcher.remove_feed, name)
            return RedirectResponse(f"{OFFICER_PATH}?done=feed_removed#feeds", status_code=303)
    except NotFound:
        raise PageRefused(404, "not_found_title", "feed_not_known") from None
    raise PageRefused(404, "not_found_title", "not_found_text")


@router.get("/feeds/runs/{job_id}/status", response_class=HTMLResponse)
async def feed_run_status(job_id: str, request: Request, viewer: ViewerDep) -> Response:
    """The feeds block alone, for the page's polling while a run goes on (it stops once the run has ended)."""
    matcher = await require_officer_page(request, viewer)
    if not is_htmx(request):  # opened as a page: the officer page following the run, not the bare block
        return RedirectResponse(f"{OFFICER_PATH}?run={quote(job_id, safe='')}#feeds", status_code=303)
    return render(request, "_feeds.html", viewer.language, viewer, officer_path=OFFICER_PATH, kinds=KINDS,
                  feeds=await run_in_threadpool(matcher.all_feeds), run=_run(request, job_id), poll=POLL_SECONDS)

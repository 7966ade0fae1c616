"""Uploading a feed file and the import page that follows it (officers only, as the officer's page).

The upload is the API's ``POST /tenders/import``: ``actions.import_tenders`` stores the file's notices (within
``max_upload_bytes``) and schedules the same background index sync in the app's ``JobRegistry``; a refused file
shows the officer's page again with the reason next to the upload field. The import page shows the ingest
report, each rejected record's reason in the page's language (``api.web.import_reasons``), and follows that job
(htmx polls its status until it ends).

An import's report is kept in memory by the process that ran it, newest ``KEEP_IMPORTS`` only, as the job
registry keeps its jobs: with several workers, the page answers on the worker that took the upload.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from cachetools import FIFOCache
from fastapi import APIRouter, BackgroundTasks, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as FormFile
from starlette.exceptions import HTTPException

from api import actions
from api.deps import JobsDep
from api.errors import UploadTooLarge, status_of
from api.jobs import JobRegistry
from api.schemas import IngestSummary, JobPublic
from api.web.form_fields import FieldError
from api.web.import_reasons import said
from api.web.officer_pages import OFFICER_PATH, POLL_SECONDS, officer_page, require_officer_page
from api.web.render import render
from api.web.session import PageRefused, ViewerDep, checked_change, form_not_utf8, is_htmx
from matcher.errors import InvalidInput, MatcherError, NotFound, UnreadableFile

router = APIRouter(prefix=OFFICER_PATH, include_in_schema=False)

#: Import reports a process remembers (first in, first out), like ``api.jobs.KEEP`` for jobs.
KEEP_IMPORTS = 200
#: Rejected records listed on an import page (the count is always shown in full).
SHOWN_REJECTIONS = 100
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
        return await officer_page(request, viewer, matcher, 413, FieldError("upload_too_large"))
    await checked_change(request, viewer)  # the session's CSRF token, from the form just read
    sent = form.get("file")
    if not isinstance(sent, FormFile) or not sent.filename:
        return await officer_page(request, viewer, matcher, 422, FieldError("choose_file"))
    upload = UploadFile(sent.file, size=sent.size, filename=sent.filename, headers=sent.headers)
    try:
        summary = await actions.import_tenders(matcher, jobs, background, upload)
    except MatcherError as exc:  # too large, unreadable, an unknown file type: nothing was stored
        return await officer_page(request, viewer, matcher, status_of(exc)[0], upload_refusal(exc, sent.filename))
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


"""The officer's page: live feeds, the upload form, the firms, and partners' assignments.

Officers only, by the API's own check (``api.deps.require_officer``, the ``OfficerDep`` of the tender import
and partner routes): anyone else gets the 403 page before anything is read. Assignments are
``AccessControl.assign`` / ``unassign``, as the API's partner routes do. Live feeds are the API's ``/feeds``
(``api.web.feed_pages``): add one, run it now (the API's background job, followed on the page), reset its
cursor, remove it. An upload and the import page that follows it are ``api.web.import_pages``, which shows this
page again with an upload's problem.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import JobsDep, require_officer
from api.errors import status_of
from api.feed_runs import feed_runs
from api.web.feed_pages import KINDS, FeedForm, RunView, checked_name, is_job_id, run_view
from api.web.form_fields import FieldError, FormInvalid, text_of
from api.web.paging import page_count, requested_page
from api.web.query_choices import MAX_QUERY, typed_words
from api.web.render import render
from api.web.session import (
    ChangeDep,
    PageRefused,
    Viewer,
    ViewerDep,
    core,
    forbidden,
    is_htmx,
)
from matcher.errors import (
    Conflict,
    MatcherError,
    NotFound,
    NotPublicAddress,
    PermissionDenied,
)
from matcher.ingest.detect import ARCHIVES, CSV_SUFFIXES, JSON_SUFFIXES, XML_SUFFIXES
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile
from matcher.services.access import AccessControl

router = APIRouter(prefix="/web/officer", include_in_schema=False)

OFFICER_PATH = "/web/officer"
#: Firms per page of the officer's firm list.
FIRMS_PAGE_SIZE = 50
#: Firms offered in the assignment form's list (a cohort is a few hundred firms).
ASSIGNABLE_FIRMS = 2000
#: How often the import page (and the feeds block, while a run goes on) asks for its job's state.
POLL_SECONDS = 1
#: The file types the upload field offers (what ``matcher.ingest.detect`` reads; a hint to the browser only).
ACCEPT = ",".join(dict.fromkeys(s[s.rfind("."):] for s in (*XML_SUFFIXES, *JSON_SUFFIXES, *CSV_SUFFIXES, *ARCHIVES)))


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


async def officer_page(
    request: Request, viewer: Viewer, matcher: Matcher, status: int = 200, upload_error: FieldError | None = None,
    assign_error: FieldError | None = None, feed_form: FeedForm | None = None,
) -> HTMLResponse:
    """The officer's page (with a form's problem and its status, when a form sent to it was refused)."""
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
    return await officer_page(request, viewer, matcher)


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
        return await officer_page(request, viewer, matcher, status_of(exc)[0], assign_error=error)
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
        return await officer_page(request, viewer, matcher, 422, feed_form=replace(form, errors=exc.errors))
    except NotPublicAddress as exc:
        refused = {"url": FieldError.naming("feed_url_not_public", exc.host)}
        return await officer_page(request, viewer, matcher, 422, feed_form=replace(form, errors=refused))
    except Conflict:
        return await officer_page(request, viewer, matcher, 409, feed_form=form.taken())
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
    if not is_job_id(job_id):  # no run's: sent back whole in the redirect, 30,000 characters made as long a header
        raise PageRefused(404, "not_found_title", "not_found_text")
    if not is_htmx(request):  # opened as a page: the officer page following the run, not the bare block
        return RedirectResponse(f"{OFFICER_PATH}?run={quote(job_id, safe='')}#feeds", status_code=303)
    return render(request, "_feeds.html", viewer.language, viewer, officer_path=OFFICER_PATH, kinds=KINDS,
                  feeds=await run_in_threadpool(matcher.all_feeds), run=_run(request, job_id), poll=POLL_SECONDS)

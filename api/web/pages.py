"""The workspace's pages: the home page (a person's firms) and a firm's recommendations, with decisions.

Access is the API's: ``AccessControl.require_firm`` decides whether a firm page may be shown (403 before
anything is read, so a refusal says nothing about the firm), and a decision is recorded with the facade's
``propose`` / ``decide``, the calls behind the API's shortlist routes, so it lands in the same feedback log
that ranking learns from. Ranking runs in a worker thread within the app's ranking limit, as the API's
recommendations route does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import ParamSpec, TypeVar
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api import actions
from api.schemas import ID_PATTERN
from api.web import views
from api.web.form_fields import text_of
from api.web.paging import page_count, requested_page
from api.web.query_choices import MAX_QUERY, typed_words
from api.web.render import render
from api.web.session import ChangeDep, PageRefused, Viewer, ViewerDep, core, forbidden
from matcher.errors import IndexNotReady, NotFound, PermissionDenied, PreconditionFailed
from matcher.pipeline import Matcher
from matcher.reference.countries import ISO_COUNTRIES
from matcher.schema import FirmProfile, bidi_problem
from matcher.services.access import Principal
from matcher.store.shortlists import ShortlistItem, Status

router = APIRouter(prefix="/web", include_in_schema=False)

_ID = re.compile(ID_PATTERN)
ACTIONS = ("approve", "reject", "note")
#: What the live region says once an action is recorded (the message key; the tender's title fills it).
ANNOUNCED = {"approve": "announce_approved", "reject": "announce_rejected", "note": "announce_note"}
P = ParamSpec("P")
R = TypeVar("R")


def firm_url(firm_id: str) -> str:
    return f"/web/firms/{quote(firm_id, safe='')}"


async def ranked(request: Request, work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``work`` in a worker thread under the app's ranking limit; 503 page while there is no index."""
    limiter: anyio.CapacityLimiter = request.app.state.ranking
    try:
        return await anyio.to_thread.run_sync(lambda: work(*args, **kwargs), limiter=limiter)
    except IndexNotReady:
        raise PageRefused(503, "unavailable_title", "index_not_ready") from None


def visible_firm(matcher: Matcher, viewer: Viewer, firm_id: str) -> FirmProfile:
    """The firm, when this viewer may see it: 403 first (never revealing whether it exists), then 404."""
    try:
        if not _ID.fullmatch(firm_id):
            raise PermissionDenied("not a firm id")
        matcher.access.require_firm(viewer.principal, firm_id)
        return matcher.get_firm(firm_id)
    except PermissionDenied:
        raise forbidden() from None
    except NotFound:
        raise PageRefused(404, "not_found_title", "not_found_text") from None


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, viewer: ViewerDep) -> Response:
    principal = viewer.principal
    if principal.role == "firm" and principal.firm_id:
        return RedirectResponse(firm_url(principal.firm_id), status_code=303)
    page = requested_page(request.query_params)
    text, problem = typed_words(request)  # the search box's (a GET: its address can be shared)
    total, rows = await ranked(request, views.home_rows, core(request), principal, page,
                               None if problem else text)
    return render(
        request, "home.html", viewer.language, viewer, firms=rows, page=page,
        pages=page_count(page, total, views.HOME_PAGE_SIZE), total=total, text=text, problem=problem,
        max_query=MAX_QUERY, status=400 if problem == "search_not_utf8" else 200,
    )


@router.get("/firms/{firm_id}", response_class=HTMLResponse)
async def firm_page(firm_id: str, request: Request, viewer: ViewerDep) -> Response:
    matcher = core(request)
    firm = visible_firm(matcher, viewer, firm_id)
    filters = views.parse_filters(request.query_params, request.scope.get("query_string", b""))
    listed = await ranked(request, views.firm_rows, matcher, viewer.principal, firm_id, filters, viewer.language)
    to_decline = await ranked(request, views.codes_to_decline, matcher, firm) if viewer.may_decide else []
    every_fit = replace(filters, fit="all").query_string()
    return render(
        request, "firm.html", viewer.language, viewer, firm=firm, rows=listed.rows, below_fit=listed.below_fit,
        every_fit_path=f"{firm_url(firm_id)}?{every_fit}", filters=filters, fit_choices=list(views.FIT_CHOICES),
        first=views.FIRM_PAGE_MATCHES, countries=sorted(ISO_COUNTRIES), note_max=views.NOTE_MAX,
        firm_path=firm_url(firm_id), to_decline=to_decline, max_keyword=views.MAX_KEYWORD,
    )


@router.post("/firms/{firm_id}/decide", response_class=HTMLResponse)
async def decide(firm_id: str, request: Request, viewer: ChangeDep) -> Response:
    """Approve, reject or note one tender for the firm (partners and officers); a plain form comes back to
    the firm page, an htmx request gets the tender's new decision block."""
    matcher = core(request)
    visible_firm(matcher, viewer, firm_id)
    if not viewer.may_decide:
        raise forbidden()
    form = await request.form()
    # A file under a field's name is nothing typed (its str() is the parser's object, which was stored as a note).
    tender_id, action, note = (text_of(form, name) for name in ("tender_id", "action", "note"))
    # A NUL is no text a browser sends (the API's Note refuses one; the core too: ``checked_note``).
    if action not in ACTIONS or not _ID.fullmatch(tender_id):
        raise PageRefused(422, "invalid_title", "invalid_form")
    if len(note) > views.NOTE_MAX:
        raise PageRefused(422, "invalid_title", "note_too_long",
                          {"count": f"{len(note):,}", "limit": f"{views.NOTE_MAX:,}"})
    if "\x00" in note:
        raise PageRefused(422, "invalid_title", "note_nul")
    if bidi_problem(note):  # the API's rule for a note (``api.schemas.Note``)
        raise PageRefused(422, "invalid_title", "note_bidi_control")
    shown = _shown_version(form)
    try:
        item, title, changed = await run_in_threadpool(record, matcher, viewer.principal, firm_id, tender_id,
                                                       action, note, shown)
    except NotFound:  # not stored, or published after now (for a partner: ``actions.known_tender``)
        raise PageRefused(404, "not_found_title", "decision_gone") from None
    filters = views.parse_filters(request.query_params, request.scope.get("query_string", b""))
    htmx = request.headers.get("HX-Request") == "true"
    said = "note_changed_meanwhile" if action == "note" else "decision_changed_meanwhile"
    if changed and not htmx:
        raise PageRefused(409, "changed_title", said)
    if changed:  # the item as stored now, its form deciding on its version
        return render(request, "_decision.html", viewer.language, viewer, status=409, item=item,
                      tender_id=tender_id, title=title, firm_path=firm_url(firm_id), filters=filters,
                      note_max=views.NOTE_MAX, changed_meanwhile=said)
    if not htmx:  # back to the item decided (a browser without scripts)
        query = filters.query_string()
        anchor = f"#tender-{quote(tender_id, safe=':')}"
        return RedirectResponse(f"{firm_url(firm_id)}{'?' + query if query else ''}{anchor}", status_code=303)
    return render(
        request, "_decision.html", viewer.language, viewer, item=item, tender_id=tender_id, title=title,
        firm_path=firm_url(firm_id), filters=filters, note_max=views.NOTE_MAX, action_taken=action,
        announce=ANNOUNCED[action],
    )


def _shown_version(form: FormData) -> frozenset[str | None] | None:
    """The version of the item the decision form showed (``ShortlistItem.version``; sent empty: not on the
    shortlist, None), or None for a form that sends none (a script's: decided as stored, as the API without
    If-Match)."""
    if "version" not in form:
        return None
    return frozenset({text_of(form, "version") or None})


def record(
    matcher: Matcher, principal: Principal, firm_id: str, tender_id: str, action: str, note: str,
    shown: frozenset[str | None] | None = None,
) -> tuple[ShortlistItem | None, str, bool]:
    """The API's calls: a note is a proposal (``POST .../shortlist``: new item, or the note of an existing
    one); approve and reject are decisions (``PATCH .../shortlist/{tender}``), on a tender first proposed
    when it is not on the shortlist yet, in the decision's transaction (``Matcher.list_and_decide``), unless no
    firm can bid on it (``views.bid_refusal``: 422), and on the version the form ``shown`` (If-Match). With the
    tender's title, which the answer shows, and whether a decision stored meanwhile refused this one (the item
    then as stored now; the same decision by the same person, a double click, is answered as made). NotFound for
    a tender not stored, and for a partner one published after now (``actions.known_tender``: the same
    answer)."""
    tender = actions.known_tender(matcher, principal, tender_id)
    actor = principal.name
    if tender_id not in matcher.decisions([firm_id]).get(firm_id, {}):
        refusal = views.bid_refusal(matcher, tender)
        if refusal is not None:
            raise PageRefused(422, "invalid_title", refusal)
    status: Status = "approved" if action == "approve" else "rejected"
    try:
        if action == "note":
            return matcher.propose(firm_id, tender_id, actor, note, if_version=shown), tender.title, False
        item = matcher.list_and_decide(firm_id, tender_id, status, actor, note or None, matcher.open_at(), shown)
    except PreconditionFailed:
        now = next((e for e in matcher.shortlist(firm_id) if e.tender_id == tender_id), None)
        same = now is not None and (action == "note" or (now.status, now.decided_by) == (status, actor))
        twice = same and now is not None and note in ("", now.note)
        return now, tender.title, not twice
    return item, tender.title, False

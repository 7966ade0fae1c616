"""A firm's shortlist page and its downloads (CSV, Excel, the deadlines as a calendar).

The API's export routes need a bearer key, which a browser session does not send, so the same files are
served here under the session: access is the firm page's (``visible_firm``: 403 before anything is read),
the items are the API's (``actions.visible_shortlist``: a firm key sees only what its partner approved),
and the files are written by the same function as the API's (``actions.export_shortlist``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api import actions
from api.schemas import ShortlistExportQuery
from api.web.form_fields import SHOWN_VALUE
from api.web.pages import firm_url, visible_firm
from api.web.query_choices import chosen, one_value
from api.web.render import render
from api.web.session import PageRefused, Viewer, ViewerDep, core
from matcher.store.shortlists import STATUSES, Status

router = APIRouter(prefix="/web", include_in_schema=False)


def shortlist_url(firm_id: str) -> str:
    return f"{firm_url(firm_id)}/shortlist"


def chosen_status(value: str | None) -> Status | None:
    """The status filter; anything else (absent, empty, unknown) shows every status."""
    for status in STATUSES:
        if value == status:
            return status
    return None


@router.get("/firms/{firm_id}/shortlist", response_class=HTMLResponse)
async def shortlist_page(firm_id: str, request: Request, viewer: ViewerDep) -> Response:
    matcher = core(request)
    firm = visible_firm(matcher, viewer, firm_id)
    if not viewer.may_decide:  # no status field to name it at: a 400 naming the parameter and its values
        chosen(request.query_params, "status", STATUSES)
    sent = one_value(request.query_params, "status")
    status = chosen_status(sent)
    # A status no list offers is named at the field; the page lists every status, as with none chosen.
    refused = sent[:SHOWN_VALUE] if sent and status is None else None
    entries = await run_in_threadpool(actions.visible_shortlist, matcher, viewer.principal, firm_id, status)
    query = urlencode({"status": status}) if status and viewer.may_decide else ""
    return render(
        request, "shortlist.html", viewer.language, viewer, firm=firm, firm_section="shortlist", entries=entries,
        chosen=status, refused_status=refused,
        statuses=STATUSES, firm_path=firm_url(firm_id), shortlist_path=shortlist_url(firm_id),
        export_query=f"?{query}" if query else "",
    )


@router.get("/firms/{firm_id}/shortlist/export.csv")
async def export_csv(firm_id: str, request: Request, viewer: ViewerDep) -> Response:
    return await _export(firm_id, request, viewer, "csv")


@router.get("/firms/{firm_id}/shortlist/export.xlsx")
async def export_xlsx(firm_id: str, request: Request, viewer: ViewerDep) -> Response:
    return await _export(firm_id, request, viewer, "xlsx")


@router.get("/firms/{firm_id}/shortlist/export.ics")
async def export_ics(firm_id: str, request: Request, viewer: ViewerDep) -> Response:
    return await _export(firm_id, request, viewer, "ics")


async def _export(firm_id: str, request: Request, viewer: Viewer, file_format: actions.ExportFormat) -> Response:
    """The file the API's route of the same name serves, in the page language, for the items shown."""
    matcher = core(request)
    visible_firm(matcher, viewer, firm_id)
    sent = one_value(request.query_params, "status")
    status = chosen_status(sent)
    if sent and status is None:  # the file held every status without a word, as if none had been chosen
        raise PageRefused(400, "invalid_title", "shortlist_unknown_status", {"value": sent[:SHOWN_VALUE]})
    query = ShortlistExportQuery(status=status, lang=viewer.language)
    file = await run_in_threadpool(
        actions.export_shortlist, matcher, viewer.principal, firm_id, query, file_format, viewer.language
    )
    file.headers["Cache-Control"] = "no-store"  # a firm's shortlist: no shared or back-button cache keeps it
    return file

"""The web workspace: server-rendered pages for partners, firms and officers, in Korean and English.

``install(app)`` adds its routes under ``/web``, its static files (one stylesheet and htmx, vendored:
nothing is loaded from another host) and the two ways a page answers without its content: the sign-in
page for a request without a session, and a refusal page (403/404/500/503) that shows only the reason.
It is a face over the same ``Matcher`` facade and ``AccessControl`` as the JSON API.

An address under ``/web`` that no page answers (an unknown path, a method the path does not take, a missing
static file) answers the workspace's own page in the reader's language, not the API's JSON; the API's error
handler keeps every other path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import cast

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from api.errors import allowed_methods, status_of
from api.web import (
    auth,
    import_pages,
    officer_pages,
    pages,
    profile_pages,
    search_pages,
    shortlist_pages,
    subscription_pages,
    tender_pages,
)
from api.web.i18n import page_language
from api.web.render import STATIC_DIR, STATIC_PATH, remember_language, render
from api.web.session import (
    COOKIE_PATH,
    SESSION,
    PageRefused,
    SignInRequired,
    sign_in_location,
)
from matcher.errors import MatcherError, StoredRecordInvalid

__all__ = ["install"]

log = logging.getLogger(__name__)


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    location = sign_in_location(exc.next_path, exc.ended)
    response: Response
    if request.headers.get("HX-Request") == "true":  # htmx would swap a followed redirect into the page
        response = Response(status_code=401, headers={"HX-Redirect": location})
    else:
        response = RedirectResponse(location, status_code=303)
        remember_language(request, response)  # a language chosen before signing in stays chosen
    if SESSION.read(request):
        SESSION.clear(response, request)  # it opens nothing any more
    return response


async def _refused(request: Request, exc: Exception) -> Response:
    """The refusal page; to an htmx request (a one-click decision), the same words as an alert that htmx puts
    at the top of the page it came from (``HX-Retarget``), keeping the status code."""
    assert isinstance(exc, PageRefused)
    if request.headers.get("HX-Request") == "true":
        response = render(
            request, "_refused_alert.html", page_language(request), status=exc.status, title_key=exc.title,
            message_key=exc.message, message_params=exc.params,
        )
        response.headers.update({"HX-Retarget": "#page-alert", "HX-Reswap": "innerHTML"})
        return response
    return render(
        request, "refused.html", page_language(request), status=exc.status, title_key=exc.title,
        message_key=exc.message, message_params=exc.params,
    )


def in_workspace(request: Request) -> bool:
    path = request.url.path
    return path == COOKIE_PATH or path.startswith(COOKIE_PATH + "/")


Handler = Callable[[Request, Exception], Awaitable[Response]]


def _no_page(api_handler: Handler) -> Handler:
    """The handler for Starlette's own refusals (no route, a method the route does not take): the workspace's
    page under /web, the API's handler (``api_handler``) anywhere else."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if not in_workspace(request):
            return await api_handler(request, exc)
        if exc.status_code == 405:
            response = await _refused(request, PageRefused(405, "invalid_title", "method_not_allowed_text"))
            response.headers["Allow"] = allowed_methods(request)
            return response
        if exc.status_code == 404:
            return await _refused(request, PageRefused(404, "not_found_title", "not_found_text"))
        return await _refused(request, PageRefused(exc.status_code, "invalid_title", "invalid_request_text"))

    return handle


def _stored_record_page(api_handler: Handler) -> Handler:
    """A stored record that breaks a rule (``StoredRecordInvalid``): under /web the refusal page naming it, with the
    API's status (``api.errors``: the server's data, a 500); the API's handler, its JSON body, anywhere else."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StoredRecordInvalid)
        if not in_workspace(request):
            return await api_handler(request, exc)
        log.warning("%s: %s", type(exc).__name__, exc)
        refusal = PageRefused(status_of(exc)[0], "stored_record_title", "stored_record_invalid", {"value": exc.line})
        return await _refused(request, refusal)

    return handle


def install(app: FastAPI) -> None:
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(officer_pages.router)  # feeds, firms and partners (officers)
    app.include_router(import_pages.router)  # an officer's upload and its import page
    app.include_router(subscription_pages.router)  # a firm's email digests and their preview
    app.include_router(profile_pages.router)  # a firm's profile and its suggested codes
    app.include_router(shortlist_pages.router)  # a firm's shortlist and its downloads
    app.include_router(tender_pages.router)  # a notice in full and the firms it fits
    app.include_router(search_pages.router)  # notices found by meaning, words in any language
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="web-static")
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(PageRefused, _refused)
    api_handler = cast(Handler, app.exception_handlers.get(HTTPException, http_exception_handler))
    app.add_exception_handler(HTTPException, _no_page(api_handler))
    api_errors = cast(Handler, app.exception_handlers[MatcherError])  # api.errors' handler, installed first
    app.add_exception_handler(StoredRecordInvalid, _stored_record_page(api_errors))

"""Signing in with an API key (once, in a form's body) and signing out.

The key travels only in the POST body of ``/web/sign-in``: never in a URL, never echoed in a page (a
failed attempt shows an empty field). Success opens a server-side session (``Matcher.sign_in``) whose
random id is the only thing the browser keeps, and ends the session the browser held before, if any.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.web.form_fields import text_of
from api.web.i18n import page_language
from api.web.render import render
from api.web.session import (
    CSRF_FIELD,
    SESSION,
    SESSION_PARAM,
    SIGN_IN,
    SIGN_IN_PATH,
    ChangeDep,
    PageRefused,
    core,
    ended_reason,
    form_not_utf8,
    new_sign_in_token,
    refuse_not_utf8,
    refuse_repeated,
    tokens_match,
    way_back,
)
from matcher.services.access import AuthenticationError

router = APIRouter(prefix="/web", include_in_schema=False)

#: Longest form field read at sign-in (a key is ~60 characters; anything longer is not one).
MAX_KEY_LENGTH = 300


def _sign_in_page(request: Request, next_path: str, failed: bool = False, status: int = 200) -> HTMLResponse:
    token = new_sign_in_token()
    response = render(
        request, "sign_in.html", page_language(request), status=status, csrf=token, next_path=next_path,
        failed=failed, signed_out=request.query_params.get("signed_out") == "1",
        ended=ended_reason(request.query_params.get(SESSION_PARAM)),
    )
    SIGN_IN.set(response, request, token)
    return response


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> Response:
    try:
        core(request).web_session(SESSION.read(request))
    except AuthenticationError:
        return _sign_in_page(request, way_back(request, request.query_params.get("next")))
    return RedirectResponse(way_back(request, request.query_params.get("next")), status_code=303)


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    bad = await form_not_utf8(request)  # the body, read before the form is parsed from it
    form = await request.form()
    next_path = way_back(request, text_of(form, "next"))
    if not tokens_match(form.get(CSRF_FIELD), SIGN_IN.read(request) or ""):
        raise PageRefused(403, "forbidden_title", "form_expired")
    refuse_not_utf8(bad)  # a key read as Latin-1 (or U+FFFD) was answered 'wrong key', naming nothing
    refuse_repeated(form)  # 'key=wrong&key=right' was answered as the last
    key = form.get("key")
    try:
        if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH:
            raise AuthenticationError("not an API key")
        opened = core(request).sign_in(key)
    except AuthenticationError:  # the key is never shown back
        return _sign_in_page(request, next_path, failed=True, status=401)
    # The new session replaces any this browser had (a form opened in another tab before): ended, not left
    # open for whoever copied its cookie.
    core(request).sign_out(SESSION.read(request))
    response = RedirectResponse(next_path, status_code=303)
    SESSION.set(response, request, opened.session_id)
    SIGN_IN.clear(response, request)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, _viewer: ChangeDep) -> Response:
    core(request).sign_out(SESSION.read(request))
    response = RedirectResponse(f"{SIGN_IN_PATH}?signed_out=1", status_code=303)
    SESSION.clear(response, request)
    return response


"""Who is looking at a page: the session cookie, the CSRF check, and the two ways a page refuses.

- ``ViewerDep``    the signed-in person (``Matcher.web_session`` over the session cookie); a request
                   without a live session is sent to the sign-in page (``SignInRequired``), which says why
                   (the session ended; a form sent then was not saved) and comes back to the page after:
                   the address asked for, or for a form or an htmx request the page it was sent from (htmx's
                   ``HX-Current-URL``, else the Referer, when that is a workspace page of this site:
                   ``safe_next``), never an address that takes only a POST (``way_back``).
- ``ChangeDep``    the same, for a request that changes something: it must also carry the session's CSRF
                   token (the form field ``csrf_token`` or the ``X-CSRF-Token`` header), else 403; and a form
                   whose fields are UTF-8, each field that takes one value sent once, else 400.
- ``PageRefused``  a refusal rendered as a page (403, 404, 500, 503) that shows nothing but the reason.

The session cookie (``SESSION``) is HttpOnly (no script reads it) and SameSite=Lax (another site's form posts
arrive without it). Over HTTPS it is ``__Host-tm_session``, so a sibling subdomain cannot plant a session of its
own (cookie tossing: ``api.web.cookies``); the JSON API, which that cookie reaches too, authenticates by key only.
Over plain http (``matcher serve`` on 127.0.0.1) it is ``tm_session`` scoped to ``/web``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.routing import Match

from api.deps import not_utf8
from api.multipart_text import multipart_not_utf8
from api.web.cookies import HostCookie
from api.web.form_fields import repeated_field
from api.web.i18n import page_language
from api.web.messages import Language
from matcher.pipeline import Matcher
from matcher.services.access import AuthenticationError, Principal
from matcher.services.sessions import SESSION_TTL, WebSession

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
COOKIE_PATH = "/web"
SIGN_IN_PATH = "/web/sign-in"
HOME_PATH = "/web/"
#: The longest address signing in comes back to (``safe_next``): the longest a page makes is the firm page with
#: a 200-character id, every filter and 200 Korean characters of keyword (9 each, percent-encoded): under 2,500.
MAX_NEXT = 3000

#: The session cookie: SameSite=Lax (another site's form posts arrive without it), ``tm_session`` on ``/web``
#: over plain http, ``__Host-tm_session`` over https (``HostCookie``).
SESSION = HostCookie("tm_session", COOKIE_PATH, int(SESSION_TTL.total_seconds()), "lax")
#: The sign-in form's own CSRF token (double submit: cookie and field must agree), since no session exists yet;
#: it keeps another site from signing a visitor in with the other site's key. Over https a ``__Host-`` cookie, so
#: a sibling subdomain cannot set it and forge the double submit.
SIGN_IN = HostCookie("tm_sign_in", SIGN_IN_PATH, 3600, "strict")
SESSION_COOKIE, SECURE_SESSION_COOKIE = SESSION.name, SESSION.secure_name
SIGN_IN_COOKIE, SECURE_SIGN_IN_COOKIE = SIGN_IN.name, SIGN_IN.secure_name


#: Why the sign-in page is shown (its ``?session=``): a session cookie that no longer opens a session, and a form
#: sent with one (nothing of it was saved).
SessionEnded = Literal["expired", "unsaved"]
SESSION_PARAM = "session"


class SignInRequired(Exception):
    """No live session: the page answers with the sign-in page, coming back to ``next_path`` after."""

    def __init__(self, next_path: str, ended: SessionEnded | None = None) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.ended = ended


class PageRefused(Exception):
    """A page that cannot be shown, rendered with only the reason (``message`` is a message key, ``params`` fill
    its placeholders)."""

    def __init__(self, status: int, title: str, message: str, params: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message
        self.params = dict(params or {})


def forbidden() -> PageRefused:
    return PageRefused(403, "forbidden_title", "forbidden_text")


@dataclass(frozen=True)
class Viewer:
    session: WebSession
    language: Language

    @property
    def principal(self) -> Principal:
        return self.session.principal

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    @property
    def may_decide(self) -> bool:
        """Partners and officers decide on shortlists; a firm sees what was decided for it."""
        return self.principal.role in ("officer", "partner")


def core(request: Request) -> Matcher:
    matcher: Matcher = request.app.state.matcher
    return matcher


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a workspace path on this site, never another host or the sign-in page, nor an
    address longer than any page makes (``MAX_NEXT``): carried whole, 20,000 characters of query made a
    20,000-character ``Location`` header, which a proxy with the usual header buffer (nginx: 4-8 KB) answers
    with a 502 instead of the sign-in page."""
    if not value or len(value) > MAX_NEXT or not value.startswith(HOME_PATH) or "//" in value or "\\" in value:
        return HOME_PATH
    return HOME_PATH if value.startswith(SIGN_IN_PATH) else value


def ended_reason(value: str | None) -> SessionEnded | None:
    return "expired" if value == "expired" else "unsaved" if value == "unsaved" else None


def sign_in_location(next_path: str, ended: SessionEnded | None = None) -> str:
    params = [("next", safe_next(next_path)), *([(SESSION_PARAM, ended)] if ended else [])]
    return f"{SIGN_IN_PATH}?{urlencode(params, safe='/')}"


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _site_page(request: Request, url: str | None) -> str | None:
    """The path and query of ``url`` when it names a workspace page of this site (host and port; ``safe_next``
    keeps it), else None."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.netloc != request.url.netloc:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if safe_next(path) == path else None


def form_page(request: Request) -> str:
    """The page a request was sent from: for htmx the address in the tab (``HX-Current-URL``: a poll's or a
    decision's own address is a fragment's), else, or when that is no workspace page of this site, its Referer;
    home when neither is."""
    sent = [request.headers.get("HX-Current-URL")] if is_htmx(request) else []
    return next((page for url in (*sent, request.headers.get("referer")) if (page := _site_page(request, url))),
                HOME_PATH)


def _answers_get(request: Request, path: str) -> bool:
    scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)


def way_back(request: Request, value: str | None) -> str:
    """Where signing in returns to: ``safe_next``, then, when this app answers no GET there, the nearest address
    above it that it does, without the query. A form's target is shown with the form's answer (the add-feed form
    again with its problems at ``/web/officer/feeds``, a reset to confirm), so a Referer can name it; a GET there
    is a 405 page, and the page holding the form (``/web/officer``) is the one to come back to."""
    path = safe_next(value)
    address = path.partition("?")[0]
    if _answers_get(request, address):
        return path
    while len(address) > len(HOME_PATH):
        address = address.rsplit("/", 1)[0]
        if _answers_get(request, address):
            return address
    return HOME_PATH


async def current_viewer(request: Request) -> Viewer:
    # A primary-key read of the session and of its key: short enough for the event loop (see api.deps).
    try:
        session = core(request).web_session(SESSION.read(request))
    except AuthenticationError:
        # Back to the page after signing in; a form's target or an htmx fragment is no page to come back to, so
        # the page it was sent from.
        if request.method != "GET":
            raise SignInRequired(way_back(request, form_page(request)), "unsaved") from None
        query = f"?{request.url.query}" if request.url.query else ""
        ended: SessionEnded | None = "expired" if SESSION.read(request) else None
        asked = form_page(request) if is_htmx(request) else request.url.path + query
        raise SignInRequired(way_back(request, asked), ended) from None
    return Viewer(session, page_language(request))


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def tokens_match(sent: object, expected: str) -> bool:
    return isinstance(sent, str) and bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


async def checked_change(request: Request, viewer: ViewerDep) -> Viewer:
    """The viewer, once the request carries their session's CSRF token; 403 otherwise (nothing is done)."""
    bad = await form_not_utf8(request)  # the body, read before the form is parsed from it
    form = await request.form()  # Starlette keeps the parsed form for the route
    sent: object = request.headers.get(CSRF_HEADER)
    if sent is None:
        sent = form.get(CSRF_FIELD)
    if not tokens_match(sent, viewer.csrf_token):
        raise PageRefused(403, "forbidden_title", "form_expired")
    refuse_not_utf8(bad)
    refuse_repeated(form)
    return viewer


async def form_not_utf8(request: Request) -> str | None:
    """The name of the first field of a form whose value is not UTF-8, or None. Urlencoded (every form here but the
    upload's): not UTF-8 once percent-decoded, which Starlette reads as U+FFFD ('call %ED%A0%80', a lone
    surrogate's bytes, was saved as 'call \ufffd\ufffd\ufffd'). Multipart (the upload's, or any form forged so):
    a field's bytes, or a part's name or file name, which Starlette reads as Latin-1 when they are not UTF-8 ('call
    caf\\xe9' was saved as 'call café'). Reads the body, which Starlette keeps for the form to be parsed from; call
    it before the form is read."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == URLENCODED:
        bad = not_utf8(await request.body())
        return None if bad is None else bad.name
    if media_type == MULTIPART:
        return multipart_not_utf8(await request.body(), content_type)
    return None


def refuse_not_utf8(bad: str | None) -> None:
    """The page's 400 naming the field ``form_not_utf8`` found, if any: nothing of the form is stored."""
    if bad is not None:
        raise PageRefused(400, "invalid_title", "form_not_utf8", {"value": bad})


def refuse_repeated(form: FormData) -> None:
    """The page's 400 naming a field of ``form`` that takes one value and was sent more than once
    (``repeated_field``): nothing of the form is stored."""
    if (name := repeated_field(form)) is not None:
        raise PageRefused(400, "invalid_title", "form_field_repeated", {"value": name})


ChangeDep = Annotated[Viewer, Depends(checked_change)]


def new_sign_in_token() -> str:
    return secrets.token_urlsafe(32)

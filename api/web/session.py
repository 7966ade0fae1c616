"""Who is looking at a page: the session cookie, the CSRF check, and the two ways a page refuses.

- ``ViewerDep``    the signed-in person (``Matcher.web_session`` over the ``tm_session`` cookie); a request
                   without a live session is sent to the sign-in page (``SignInRequired``).
- ``ChangeDep``    the same, for a request that changes something: it must also carry the session's CSRF
                   token (the form field ``csrf_token`` or the ``X-CSRF-Token`` header), else 403.
- ``PageRefused``  a refusal rendered as a page (403, 404, 503) that shows nothing but the reason.

The cookie is HttpOnly (no script reads it), SameSite=Lax (another site's form posts arrive without it),
scoped to ``/web`` and marked Secure when the request came over HTTPS. ``X-Forwarded-Proto`` is not read:
behind a TLS proxy, run uvicorn with ``--proxy-headers`` so the scheme is the client's.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response

from api.web.i18n import page_language
from api.web.messages import Language
from matcher.pipeline import Matcher
from matcher.services.access import AuthenticationError, Principal
from matcher.services.sessions import SESSION_TTL, WebSession

SESSION_COOKIE = "tm_session"
#: The sign-in form's own CSRF token (double submit: cookie and field must agree), since no session exists
#: yet; it keeps another site from signing a visitor in with the other site's key.
SIGN_IN_COOKIE = "tm_sign_in"
SIGN_IN_TTL_SECONDS = 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
COOKIE_PATH = "/web"
SIGN_IN_PATH = "/web/sign-in"
HOME_PATH = "/web/"


class SignInRequired(Exception):
    """No live session: the page answers with the sign-in page, coming back to ``next_path`` after."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageRefused(Exception):
    """A page that cannot be shown, rendered with only the reason (``message`` is a message key)."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


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


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a workspace path on this site, never another host or the sign-in page."""
    if not value or not value.startswith(HOME_PATH) or "//" in value or "\\" in value:
        return HOME_PATH
    return HOME_PATH if value.startswith(SIGN_IN_PATH) else value


def sign_in_location(next_path: str) -> str:
    return f"{SIGN_IN_PATH}?next={quote(safe_next(next_path), safe='/')}"


async def current_viewer(request: Request) -> Viewer:
    # A primary-key read of the session and of its key: short enough for the event loop (see api.deps).
    try:
        session = core(request).web_session(request.cookies.get(SESSION_COOKIE))
    except AuthenticationError:
        # Back to the page after signing in; a form's target is no page to come back to, so home instead.
        query = f"?{request.url.query}" if request.url.query else ""
        raise SignInRequired(request.url.path + query if request.method == "GET" else HOME_PATH) from None
    return Viewer(session, page_language(request))


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def tokens_match(sent: object, expected: str) -> bool:
    return isinstance(sent, str) and bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


async def checked_change(request: Request, viewer: ViewerDep) -> Viewer:
    """The viewer, once the request carries their session's CSRF token; 403 otherwise (nothing is done)."""
    sent: object = request.headers.get(CSRF_HEADER)
    if sent is None:
        sent = (await request.form()).get(CSRF_FIELD)  # Starlette keeps the parsed form for the route
    if not tokens_match(sent, viewer.csrf_token):
        raise PageRefused(403, "forbidden_title", "form_expired")
    return viewer


ChangeDep = Annotated[Viewer, Depends(checked_change)]


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE, session_id, max_age=int(SESSION_TTL.total_seconds()), path=COOKIE_PATH,
        secure=is_https(request), httponly=True, samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, secure=is_https(request), httponly=True,
                           samesite="lax")


def new_sign_in_token() -> str:
    return secrets.token_urlsafe(32)


def set_sign_in_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SIGN_IN_COOKIE, token, max_age=SIGN_IN_TTL_SECONDS, path=SIGN_IN_PATH, secure=is_https(request),
        httponly=True, samesite="strict",
    )

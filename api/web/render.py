"""Pages from the Jinja2 templates in ``api/web/templates``, with the headers every page carries.

Autoescape is on for every template: notice titles, buyers and notes are untrusted text and reach the page
as text. Such text (a firm's name too) is isolated from the direction of its neighbours (``matcher.bidi``): a
value shown on its own passes ``isolated`` (``<bdi>``; an ``<option>`` takes ``dir="auto"``), one inside a
sentence is a ``PEOPLES_TEXT`` placeholder of ``t``, and in a ``<title>`` or an attribute ``isolated_text`` and
``t_text`` put it between FSI and PDI. Links out (a notice's address) pass ``http_url``, which keeps only
http(s) addresses, since escaping alone would still let a ``javascript:`` address through. The
Content-Security-Policy allows scripts and styles from this site only (htmx and the stylesheet in
``api/web/static``), nothing inline.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlencode

from cachetools import LRUCache, cached
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request

from api.web.cookies import is_https
from api.web.i18n import LANGUAGE_COOKIE, LANGUAGE_PARAM, Formatter, chosen_language
from api.web.messages import LANGUAGE_NAMES, LANGUAGES, Language
from api.web.session import COOKIE_PATH, HOME_PATH, SIGN_IN_PATH, Viewer, core
from matcher.bidi import isolated, isolated_text
from matcher.services.feeds import shown_url

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/web/static"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
#: Query parameters a language link carries over (the firm page's filters, the page number, where to go after
#: signing in and why, the feed run the officer page follows); nothing else a URL brought along is repeated.
KEPT_PARAMETERS = frozenset({"country", "min_value", "max_value", "closing_within", "q", "fit", "page", "next",
                             "status", "closed", "run", "session"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    # Pages carry a CSRF token and firm data: no shared or back-button cache keeps them.
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def http_url(value: str | None) -> str | None:
    """``value`` when it is an http(s) address, else None (the page then shows no link)."""
    if value and value.strip().lower().startswith(("https://", "http://")):
        return value.strip()
    return None


# One value: the environment over the package's templates. Nothing invalidates it; templates ship with the code.
@cached(LRUCache(maxsize=1), lock=threading.Lock())
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["http_url"] = http_url
    env.filters["isolated"] = isolated
    env.filters["isolated_text"] = isolated_text
    env.filters["shown_url"] = shown_url
    return env


def language_links(request: Request, current: Language, status: int) -> list[tuple[Language, str, str, bool]]:
    """(language, its name, the address of this page in it, whether it is the current one). A refusal or
    the answer to a POST switches on the home page instead: its own address is not a page to show again
    (and a refusal repeats nothing of what was asked)."""
    here = request.method == "GET" and status < 400
    path = request.url.path if here or request.url.path == SIGN_IN_PATH else HOME_PATH
    links = []
    for language in LANGUAGES:
        params = [(k, v) for k, v in request.query_params.multi_items() if here and k in KEPT_PARAMETERS]
        query = urlencode([*params, (LANGUAGE_PARAM, language)])
        links.append((language, LANGUAGE_NAMES[language], f"{path}?{query}", language == current))
    return links


def render(
    request: Request, template: str, language: Language, viewer: Viewer | None = None, status: int = 200,
    **context: object,
) -> HTMLResponse:
    fmt = Formatter(language, core(request).settings.now())
    body = environment().get_template(template).render(
        t=fmt.t, t_text=fmt.t_text, fmt=fmt, lang=language, viewer=viewer, static=STATIC_PATH,
        language_links=language_links(request, language, status), **context,
    )
    response = HTMLResponse(body, status_code=status, headers=HEADERS)
    remember_language(request, response)
    return response


def remember_language(request: Request, response: Response) -> None:
    """The switch (``?lang=``) is remembered in a cookie, so later pages keep the chosen language."""
    chosen = chosen_language(request.query_params.get(LANGUAGE_PARAM))
    if chosen is not None and chosen != request.cookies.get(LANGUAGE_COOKIE):
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_SECONDS, path=COOKIE_PATH,
            secure=is_https(request), httponly=True, samesite="lax",
        )

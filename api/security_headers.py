"""Security headers on every response: the floor every answer gets unless it set its own.

- ``X-Content-Type-Options: nosniff`` on everything, so a browser never reads JSON, CSV or an uploaded
  file's echo as HTML or script.
- ``Cache-Control: no-store`` on every answer to a request that carried credentials (an API key, the
  workspace's session cookie): firm data travels as JSON, HTML, CSV, a workbook or a calendar, and none of
  it may stay in a shared proxy or the browser's cache. Answers that choose their caching keep their
  choice, and so do scripts, styles, images and fonts (the workspace's static files, which the browser
  sends the session cookie for: re-fetching htmx on every page would only cost time).
- On HTML without a Content-Security-Policy of its own (the workspace's pages and the unsubscribe pages
  bring theirs): a restrictive one, and ``X-Frame-Options: DENY``. Scripts, styles, images and fetches
  from this site only, no plugins, no ``<base>``, forms posting here only, never inside a frame. The HTML
  that needs this is /docs and /redoc, whose pages carry one inline script (Swagger UI's set-up) or
  style block (ReDoc's): they are allowed by their SHA-256 hash, computed from the page as it is sent, so
  nothing else inline runs. ReDoc's bundle needs two things more, on /redoc alone (checked in Chromium:
  without them it renders nothing, or no search): the styles it writes into ``<style>`` elements at run
  time (styled-components), which only ``'unsafe-inline'`` permits, and its search worker, which it starts
  from a ``blob:`` URL of its own code. No script is ever allowed inline without its hash.

One pure ASGI middleware (``app.add_middleware(SecurityHeaders)``): it holds back only the start of an HTML
response without a policy until its (small) body is complete; everything else streams through unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.web.session import SECURE_SESSION_COOKIE, SESSION_COOKIE

BASE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: Pages whose bundle needs more than the base policy allows (see the module's docstring): path -> extra directives.
RELAXED: dict[str, str] = {"/redoc": "style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"}
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_INLINE_STYLE = re.compile(rb"<style[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_CREDENTIALS = (b"authorization", b"x-api-key")
#: The workspace's session cookie by either name (over https, over plain http): either makes an answer private.
_SESSION_COOKIES = frozenset({SESSION_COOKIE, SECURE_SESSION_COOKIE})
#: Content types of static assets: the same for everyone, so cacheable even when asked for with credentials.
ASSET_TYPES = ("text/css", "text/javascript", "application/javascript", "image/", "font/")


def policy(body: bytes, relaxed: str = "") -> str:
    """The Content-Security-Policy for an HTML page: ``BASE_POLICY``, the hashes of its inline blocks, and the
    ``relaxed`` directives (a style-src there replaces the hashed one: beside a hash, 'unsafe-inline' would be
    switched off, CSP 2)."""
    scripts = "".join(f" {_hash(m)}" for m in _INLINE_SCRIPT.findall(body))
    directives = [BASE_POLICY, f"script-src 'self'{scripts}"]
    if "style-src" not in relaxed:
        directives.append("style-src 'self'" + "".join(f" {_hash(m)}" for m in _INLINE_STYLE.findall(body)))
    return "; ".join([*directives, relaxed] if relaxed else directives)


def _hash(content: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(content).digest()).decode()}'"


def has_credentials(scope: Scope) -> bool:
    """The request carries an API key or a workspace session (whether valid or not: its answer is private)."""
    for name, value in scope.get("headers", ()):
        if name in _CREDENTIALS:
            return True
        if name == b"cookie" and not _SESSION_COOKIES.isdisjoint(cookie_parser(value.decode("latin-1"))):
            return True
    return False


def _route_path(scope: Scope) -> str:
    """The path below the app's root path (behind a proxy that mounts the API under a prefix)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = has_credentials(scope)
        relaxed = RELAXED.get(_route_path(scope), "")
        held: Message | None = None
        body: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if private and not headers.get("content-type", "").startswith(ASSET_TYPES):
                    headers.setdefault("Cache-Control", "no-store")
                if headers.get("content-type", "").startswith("text/html") and "content-security-policy" not in headers:
                    headers.setdefault("X-Frame-Options", "DENY")
                    held = message  # sent with its policy once the body is complete
                    return
            elif message["type"] == "http.response.body" and held is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                content = b"".join(body)
                MutableHeaders(scope=held)["Content-Security-Policy"] = policy(content, relaxed)
                await send(held)
                held = None
                message = {"type": "http.response.body", "body": content, "more_body": False}
            await send(message)

        await self.app(scope, receive, send_with_headers)

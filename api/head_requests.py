"""HEAD answered as GET without the body (RFC 9110 section 9.1: a general-purpose server supports GET and HEAD).

FastAPI's routes take only the methods they declare, so HEAD on any of them was a 405 (Starlette's own routes
add HEAD to GET; FastAPI's do not). One pure ASGI middleware, outermost: a HEAD request goes through the app as
a GET (the same key check, status and headers, ``Content-Length`` included), and its body is dropped on the way
out. Where no GET is taken the answer is the GET's 405, whose ``Allow`` names HEAD only beside GET
(``api.errors.allowed_methods``).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)

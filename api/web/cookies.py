"""The workspace's own cookies (the session, the sign-in form's token): one name and path over plain http, a
``__Host-`` cookie over https.

A ``__Host-`` cookie (Secure, Path=/, no Domain) is taken by a browser only from this host over https, so a sibling
subdomain cannot set it (cookie tossing); over https the unprefixed name, which such a subdomain could set, is never
read. Over plain http (``matcher serve`` on 127.0.0.1), where a browser other than Chromium drops a Secure cookie and
so a ``__Host-`` one, the cookie is the unprefixed name on its own path. ``X-Forwarded-Proto`` is not read: behind
a TLS proxy, run uvicorn with ``--proxy-headers`` so the scheme is the client's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import Request, Response


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


@dataclass(frozen=True)
class HostCookie:
    """An HttpOnly cookie: ``name`` on ``path`` over plain http, ``secure_name`` on '/' over https."""

    name: str
    path: str
    max_age: int  # seconds
    same_site: Literal["lax", "strict"]

    @property
    def secure_name(self) -> str:
        return f"__Host-{self.name}"

    def where(self, request: Request) -> tuple[str, str]:
        """The cookie's name and path for this request."""
        return (self.secure_name, "/") if is_https(request) else (self.name, self.path)

    def read(self, request: Request) -> str | None:
        """The value the request's cookie holds (under this request's name only), None without one."""
        return request.cookies.get(self.where(request)[0])

    def set(self, response: Response, request: Request, value: str) -> None:
        name, path = self.where(request)
        response.set_cookie(name, value, max_age=self.max_age, path=path, secure=is_https(request), httponly=True,
                            samesite=self.same_site)

    def clear(self, response: Response, request: Request) -> None:
        name, path = self.where(request)
        response.delete_cookie(name, path=path, secure=is_https(request), httponly=True, samesite=self.same_site)

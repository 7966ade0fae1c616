"""Secrets out of the access log: uvicorn logs each request's path with its query string, and the public
unsubscribe link carries its token there (``/unsubscribe?token=...``), so the value of every query parameter
named like a secret is replaced by ``[redacted]`` before any handler sees the record.

The filter sits on the ``uvicorn.access`` logger itself, so it holds whatever handlers or formatters a
deployment configures; ``create_app`` installs it in every process that serves the app.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "[redacted]"
#: Query parameters whose values are credentials (API keys travel in headers, which are not logged).
SECRET_PARAMETERS = ("token", "access_token", "key", "api_key", "apikey", "secret", "password")

_PAIRS = re.compile(r"([&;])")


def redact(path: str) -> str:
    """``path`` with the values of secret query parameters replaced; the path itself is left alone. A name is
    compared as the server reads it, decoded (``t%6Fken`` is ``token`` to Starlette) and in any case."""
    route, mark, query = path.partition("?")
    if not mark:
        return path
    query, hash_mark, fragment = query.partition("#")
    pairs = []
    for pair in _PAIRS.split(query):
        name, equals, _ = pair.partition("=")
        secret = equals and unquote_plus(name).lower() in SECRET_PARAMETERS
        pairs.append(f"{name}={REDACTED}" if secret else pair)
    return route + mark + "".join(pairs) + hash_mark + fragment


class RedactSecrets(logging.Filter):
    """Rewrites the request path of uvicorn's access records: ``(client, method, path, version, status)``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def install_access_log_redaction() -> None:
    """Once per process (each app instance calls it; a second filter would do nothing new)."""
    access = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())

"""Uploads: a size limit on every request body, and saving one uploaded file to a private temporary folder.

The body limit is enforced while the body streams in (``Content-Length`` may be absent or lie), so an
oversized upload is refused before it is stored anywhere; the file limit is then checked exactly. What a
compressed upload may expand to is the app's decompression limits (``matcher.ingest.bounded``), set for
each request by the same middleware.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import UploadTooLarge
from matcher.config import Settings, get_settings
from matcher.errors import MatcherError
from matcher.ingest.bounded import DecompressionLimits, decompression_limits
from matcher.schema import IngestReport

CHUNK = 1 << 20
#: Room for multipart boundaries and headers on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class BodyLimit:
    """ASGI middleware: a request whose body exceeds the served matcher's ``max_upload_bytes`` (and room for a
    multipart form around it) gets 413 (Error body), and what it uploads is decompressed within the limits of
    the same settings (those of ``app.state.matcher``, which ``api.main.bind`` may change)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = _served_settings(scope)
        limit = settings.max_upload_bytes + MULTIPART_OVERHEAD
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                # An HTTPException passes through FastAPI's body parsing unchanged (others become 400).
                raise HTTPException(413, f"request body is larger than {limit} bytes (MATCHER_MAX_UPLOAD_BYTES)")
            return message

        with decompression_limits(DecompressionLimits.of(settings)):
            await self.app(scope, counted, send)


def _served_settings(scope: Scope) -> Settings:
    """The serving app's settings: the environment's may differ from those its matcher was made with."""
    matcher = getattr(getattr(scope.get("app"), "state", None), "matcher", None)
    return matcher.settings if matcher is not None else get_settings()


def client_name(filename: str | None) -> str:
    """The upload's base name as the client sent it: what messages call the file (``safe_name`` is the disk's)."""
    return Path((filename or "").replace("\\", "/")).name or "upload"


def as_uploaded(text: str, path: Path, filename: str | None) -> str:
    """``text`` with the saved upload's temporary path replaced by the client's file name. Readers name files
    by path (right for the CLI, where the path is the user's own); a client must not learn where uploads
    land on the server. Any other mention of the temporary folder is dropped too."""
    # Longest first: where the temporary folder is behind a symlink (macOS's /var -> /private/var), the
    # resolved path contains the other one.
    for saved in sorted({path, path.resolve()}, key=lambda p: len(str(p)), reverse=True):
        text = text.replace(str(saved), client_name(filename))
    for folder in sorted({path.parent, path.resolve().parent}, key=lambda p: len(str(p)), reverse=True):
        text = text.replace(f"{folder}{os.sep}", "").replace(str(folder), "the upload")
    return text


def hide_upload_path(report: IngestReport, path: Path, filename: str | None) -> None:
    """The ingest report of one upload, its rejected records named as the client sent the file (in place)."""
    report.rejected = [(as_uploaded(record, path, filename), as_uploaded(reason, path, filename))
                       for record, reason in report.rejected]


def safe_name(filename: str | None) -> str:
    """The upload's base name with only safe characters; its suffixes pick the reader (.xml, .csv, ...)."""
    base = Path((filename or "").replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._")[:120]
    return cleaned or "upload"


@asynccontextmanager
async def saved_upload(upload: UploadFile, limit: int) -> AsyncIterator[Path]:
    """The upload written to a temporary folder (removed afterwards); UploadTooLarge over ``limit``. A domain
    error raised while it is read names the file as the client sent it (``as_uploaded``)."""
    name = safe_name(upload.filename)
    with tempfile.TemporaryDirectory(prefix="matcher-upload-") as folder:
        path = Path(folder) / name
        size = 0
        with path.open("wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(
                        f"upload {name!r} is larger than {limit} bytes (the limit, MATCHER_MAX_UPLOAD_BYTES)"
                    )
                out.write(chunk)
        try:
            yield path
        except MatcherError as exc:
            # Rewritten in place rather than re-raised as a new error: its class decides the status.
            exc.args = (as_uploaded(str(exc), path, upload.filename),)
            raise

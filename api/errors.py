"""Domain errors -> HTTP statuses with a JSON body naming the problem (the API's one conversion point).

Every error response has the ``Error`` shape: ``{"error": code, "detail": message, "problems": [...]}``.
``ERRORS`` documents the common ones in OpenAPI; routers add the route-specific ones (400, 409, 413, 503), and
every route that reads a JSON body documents 415 by itself (``api.deps.KeyFirstRoute``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles

from api.schemas import Error, Problem
from matcher.errors import (
    Conflict,
    IndexNotReady,
    InvalidInput,
    MatcherError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    StoredRecordInvalid,
    UnreadableFile,
)
from matcher.services.access import AuthenticationError

log = logging.getLogger(__name__)

#: The methods a 405's Allow header may name (RFC 9110 section 9 and PATCH, RFC 5789), in its order.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


class UploadTooLarge(InvalidInput):
    """An upload or request body is over ``MATCHER_MAX_UPLOAD_BYTES``."""


class UnreadableBody(UnreadableFile):
    """A request body that cannot be read at all (a JSON body that is not UTF-8)."""


class UnsupportedMediaType(InvalidInput):
    """A body sent to a route that reads JSON under another Content-Type (or none)."""


# Most specific first: the first class an error is an instance of decides its status. A stored record that breaks a
# rule (``StoredRecordInvalid``) is a 500: the server's own data stops it answering, whatever the caller sent (not a
# 4xx), and no retry helps until someone repairs the row (not a 503, which says to come back later); its body names
# the row and the command that lists every such row, as every other error names its cause.
STATUSES: tuple[tuple[type[MatcherError], int, str], ...] = (
    (AuthenticationError, 401, "unauthenticated"),
    (PermissionDenied, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (PreconditionFailed, 412, "precondition_failed"),
    (UploadTooLarge, 413, "too_large"),
    (UnsupportedMediaType, 415, "unsupported_media_type"),
    (UnreadableBody, 400, "bad_request"),
    (UnreadableFile, 400, "unreadable_file"),
    (InvalidInput, 422, "invalid_input"),
    (IndexNotReady, 503, "index_not_ready"),
    (StoredRecordInvalid, 500, "stored_record_invalid"),
    (MatcherError, 503, "unavailable"),
)

_DESCRIPTIONS = {
    400: "The upload or body cannot be read as a whole (bad XML/JSON/CSV, not UTF-8, broken multipart)",
    401: "Missing, malformed, unknown or revoked API key",
    403: "The key's role or firm scope does not allow this",
    404: "An id names nothing that is stored",
    409: "Clashes with stored state (e.g. the firm already exists, or another request wrote the same record at the "
         "same moment: send it again)",
    412: "If-Match named a version that is no longer the stored one (another change was stored since): read the "
         "record again and make the change from there; or If-None-Match listed the stored version (or was '*'); "
         "nothing was stored",
    413: "Body or upload larger than MATCHER_MAX_UPLOAD_BYTES",
    415: "The body is not sent as JSON (Content-Type application/json or another +json type)",
    422: "A parameter or body field is invalid; 'problems' names each one",
    500: "A stored record this request reads breaks a rule (its row was changed outside the app): 'detail' names the "
         "table, the row and the rule; 'matcher store check' lists every such row",
    503: "The search index is not built yet (or the store is unavailable)",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for these error statuses, all with the ``Error`` body. Errors are JSON even on
    routes whose success response is not (an HTML page), so the JSON content type is stated explicitly."""
    json_error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {code: {"model": Error, "description": _DESCRIPTIONS[code], "content": json_error} for code in codes}


#: What every authenticated route can answer (500: a stored record it reads breaks a rule).
ERRORS = responses(401, 403, 404, 422, 500)
#: What every route with a request body can answer besides (a body that is not UTF-8 JSON, or too large).
BODY_ERRORS = responses(400, 413)


def status_of(exc: MatcherError) -> tuple[int, str]:
    for kind, status, code in STATUSES:
        if isinstance(exc, kind):
            return status, code
    return 503, "unavailable"  # unreachable: MatcherError is the last entry


def _body(
    status: int, error: str, detail: str, problems: list[Problem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    payload = Error(error=error, detail=detail, problems=problems or [])
    extra = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return JSONResponse(payload.model_dump(mode="json"), status_code=status, headers={**(headers or {}), **extra})


async def _matcher_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MatcherError)
    status, code = status_of(exc)
    if status >= 500:
        log.warning("%s: %s", type(exc).__name__, exc)
    return _body(status, code, str(exc))


def _loc(parts: tuple[int | str, ...] | list[int | str]) -> str:
    return ".".join(str(p) for p in parts)


#: Pydantic's errors for a value outside a fixed set, whose message lists the set but not the value sent.
_CHOICE_ERRORS = frozenset({"literal_error", "enum"})


def _message(error: Mapping[str, Any]) -> str:
    """An error's message, naming the value sent when it had to be one of a fixed set ("Input should be
    'proposed', 'approved' or 'rejected', not 'maybe'"); a long value is cut to its first 60 characters."""
    msg = str(error.get("msg", "invalid"))
    value = error.get("input")
    if error.get("type") in _CHOICE_ERRORS and isinstance(value, str | int | float | bool):
        msg += f", not {value[:60] if isinstance(value, str) else value!r}"
    return msg


def _problem(error: Mapping[str, Any]) -> Problem:
    """One invalid field; a body that is not JSON at all is the body's problem, at the character where it breaks
    (pydantic puts that offset in the location: 'body.0: JSON decode error' named neither place nor reason)."""
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid" and len(loc) == 2 and loc[0] == "body":
        reason = str(error.get("ctx", {}).get("error", "cannot be parsed"))
        return Problem(loc="body", msg=f"not valid JSON: {reason} at character {loc[1]}")
    return Problem(loc=_loc(loc), msg=_message(error))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_problem(e) for e in exc.errors()]
    first = problems[0] if problems else Problem(loc="request", msg="invalid request")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return _body(422, "invalid_request", f"{first.loc}: {first.msg}{more}", problems)


#: Python's refusal of a JSON integer longer than ``sys.get_int_max_str_digits()``.
_LONG_NUMBER = re.compile(r"limit \((\d+) digits\).*has (\d+) digits")


def _unread_body(cause: BaseException | None) -> Problem | None:
    """Why a JSON body the reader gave up on was not read, from the error FastAPI's 400 "There was an error parsing
    the body" was raised from (a hostile sweep: it named neither the nesting nor the number). A syntax error never
    comes here: FastAPI reports it as a 422 at its character (``_problem``)."""
    if isinstance(cause, RecursionError):
        return Problem(loc="body", msg="JSON nested too deeply to read")
    if isinstance(cause, ValueError) and (found := _LONG_NUMBER.search(str(cause))) is not None:
        limit, digits = found.groups()
        return Problem(loc="body", msg=f"a number of {digits} digits is too long to read (at most {limit})")
    return None


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    codes = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    code = codes.get(exc.status_code, f"http_{exc.status_code}")
    if exc.status_code == 400 and (problem := _unread_body(exc.__cause__)) is not None:
        return _body(400, code, f"{problem.loc}: {problem.msg}", [problem])
    return _body(exc.status_code, code, _routing_detail(request, exc, headers.get("Allow", "")), headers=headers)


def _routing_detail(request: Request, exc: HTTPException, allow: str) -> str:
    """Starlette's own 404 (no route has the path) and 405 (none takes the method) say only "Not Found" and
    "Method Not Allowed": they name the method and path instead (a hostile sweep's ids holding %2F, which is read
    as '/' before routing, got a bare "Not Found"). Any other detail, a route's own, is kept."""
    if exc.status_code not in (404, 405) or exc.detail != HTTPStatus(exc.status_code).phrase:
        return str(exc.detail)
    path = request.scope.get("path", "")[:200]
    if exc.status_code == 405:
        return f"{request.method} is not allowed on {path} (allowed: {allow})"
    return f"no route answers {request.method} {path} (the routes are listed at /docs; an id holds no '/', '?' or '#')"


def allowed_methods(request: Request) -> str:
    """The methods the request's path answers to, for a 405's ``Allow`` (RFC 9110 section 15.5.6 requires it).
    Starlette names those of the first route on the path only (``GET /tenders`` and ``POST /tenders`` are two
    routes), and static files none. So each method is tried against every route with the path as the app
    received it (a mount rewrites the scope's root path), through the routes' public ``matches``; HEAD beside
    GET."""
    root_path = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    allowed = []
    for method in METHODS:
        if method == "HEAD":  # answered wherever GET is (api.head_requests), nowhere else
            if "GET" in allowed:
                allowed.append(method)
            continue
        scope = {"type": "http", "method": method, "path": request.scope["path"], "root_path": root_path}
        for route in request.app.router.routes:
            if route.matches(scope)[0] is not Match.FULL:
                continue
            # A mount matches whatever the method; static files answer GET and HEAD only.
            if not (isinstance(route, Mount) and isinstance(route.app, StaticFiles)) or method in ("GET", "HEAD"):
                allowed.append(method)
                break
    return ", ".join(allowed)


async def _clash(_request: Request, exc: Exception) -> JSONResponse:
    """A unique or foreign key the store refused: another request wrote the same row at the same moment (two
    assignments) and this one's check passed before that write was committed. It was a 500; the request can simply
    be sent again. (Two proposals of one notice for one firm no longer come here: the second answers the first's
    item, ``ShortlistRepository.propose``.)"""
    assert isinstance(exc, IntegrityError)
    reason = str(exc.orig).splitlines()[0][:200] if exc.orig is not None else "a stored key"
    log.warning("store refused a write: %s", reason)
    return _body(409, "conflict", f"another request changed the same record at the same moment ({reason}): send "
                                  "this one again")


def install(app: FastAPI) -> None:
    app.add_exception_handler(MatcherError, _matcher_error)
    app.add_exception_handler(IntegrityError, _clash)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)

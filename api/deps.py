"""Dependencies every route module reuses: the facade, the caller, and the firm-access check.

Use them as annotations (FastAPI resolves them; keep these imports at runtime, not under TYPE_CHECKING)::

    from api.deps import FirmAccess, MatcherDep, PrincipalDep

    @router.get("/firms/{firm_id}/digest/preview")
    def preview(firm_id: FirmAccess, matcher: MatcherDep) -> ...:
        ...

- ``MatcherDep``   the process's ``Matcher`` (one per app; thread-safe for reads).
- ``AccessDep``    the ``AccessControl`` (keys, assignments, ``can_see_firm``, ``visible_firm_ids``).
- ``PrincipalDep`` the authenticated caller (``Authorization: Bearer <key>`` or ``X-API-Key: <key>``);
                   401 when the key is missing, unknown or revoked.
- ``OfficerDep``   the caller, who must be an officer (403 otherwise).
- ``CuratorDep``   the caller, who must be an officer or a partner (403 for firm keys).
- ``FirmAccess``   the ``{firm_id}`` path parameter, checked: 403 unless the caller may see that firm
                   (officers: any; partners: firms assigned to them; firm keys: only their own), then
                   404 if no such firm is stored. Declaring it on a route is the whole access check.
- ``SettingsDep``  the app's ``Settings``.

They are ``async def`` on purpose: FastAPI runs every plain ``def`` dependency in the threadpool, and on
the hot read routes those hops cost more than the work (a thread hop each, measured at about 0.2 ms of CPU
and a GIL hand-off under load; see BENCHMARKS.md part 4). What they do is a dictionary lookup or a
primary-key read (key, assignment, firm), short enough for the event loop. Anything slower (ranking,
ingest, search) stays in ``def`` routes or goes through ``run_in_threadpool``.
"""

from __future__ import annotations

import email.message
import json
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import unquote_to_bytes

from fastapi import Depends, Path, Request, Response, params
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel

from api.errors import UnreadableBody, UnsupportedMediaType, responses
from api.etags import NO_ETAG, Precondition, no_etag_to_match
from api.jobs import JobRegistry
from api.multipart_text import utf8_multipart
from api.schemas import ID_PATTERN
from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import canonical_id
from matcher.services.access import AccessControl, Principal

_bearer = HTTPBearer(auto_error=False, description="an API key from 'matcher keys create'")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the same key, as a header")


async def get_matcher(request: Request) -> Matcher:
    matcher: Matcher = request.app.state.matcher
    return matcher


async def get_access(request: Request) -> AccessControl:
    access: AccessControl = request.app.state.access
    return access


async def get_jobs(request: Request) -> JobRegistry:
    jobs: JobRegistry = request.app.state.jobs
    return jobs


async def get_settings(matcher: Annotated[Matcher, Depends(get_matcher)]) -> Settings:
    return matcher.settings


MatcherDep = Annotated[Matcher, Depends(get_matcher)]
AccessDep = Annotated[AccessControl, Depends(get_access)]
JobsDep = Annotated[JobRegistry, Depends(get_jobs)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_principal(
    request: Request,
    access: AccessDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> Principal:
    known: Principal | None = getattr(request.state, "principal", None)  # set by ``KeyFirstRoute``
    if known is not None:
        return known
    return access.authenticate(bearer.credentials if bearer is not None else header)


def key_of(request: Request) -> str | None:
    """The key a request carries, read as ``get_principal``'s schemes read it: ``Authorization: Bearer <key>``
    first, then ``X-API-Key``. For the places that look at the key before (or without) FastAPI's dependencies:
    ``KeyFirstRoute`` and readiness."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials
    return request.headers.get("x-api-key")


def _needs_principal(dependant: Dependant) -> bool:
    return any(d.call is get_principal or _needs_principal(d) for d in dependant.dependencies)


def _has_etag(dependant: Dependant) -> bool:
    """Whether the route compares If-Match with a record's ETag (``api.etags.Precondition``)."""
    return any(d.call is Precondition or _has_etag(d) for d in dependant.dependencies)


def is_json(content_type: str) -> bool:
    """Whether FastAPI reads a body of this Content-Type as JSON: application/json or application/*+json,
    parameters (charset) aside, in any case."""
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def require_json(request: Request) -> None:
    """A body must come as JSON to a route that reads JSON. FastAPI hands a body of any other type (or of none)
    to validation as bytes, which answered "Input should be a valid dictionary or object", naming neither the
    type sent nor the one expected (an outside trial sent text/plain and form bodies). A request without a body
    and without a Content-Type is left to validation ("body: Field required")."""
    sent = request.headers.get("content-type")
    if sent is None:
        if request.headers.get("content-length", "0").strip() != "0" or "transfer-encoding" in request.headers:
            raise UnsupportedMediaType("the body has no Content-Type: send it as JSON (Content-Type: application/json)")
    elif not is_json(sent):
        raise UnsupportedMediaType(
            f"Content-Type {sent[:100]!r} is not accepted here: send the body as JSON (Content-Type: application/json)")
    elif (charset := _charset(sent)) is not None and charset.lower() not in UTF8_CHARSETS:
        # JSON is UTF-8 (RFC 8259 section 8.1); the body would be read as UTF-8 whatever the charset said.
        raise UnsupportedMediaType(
            f"charset {charset[:40]!r} is not accepted here: send the body as UTF-8 (Content-Type: application/json)")
    # RFC 9110 section 8.4: a coding the server does not apply is a 415. The body was read as it came, so a gzipped
    # one was 'the body is not UTF-8 (byte 0x8b ...)', naming the symptom, not the coding.
    coding = request.headers.get("content-encoding", "").strip()
    if coding and coding.lower() != "identity":
        raise UnsupportedMediaType(
            f"Content-Encoding {coding[:40]!r} is not accepted here: send the body uncompressed (no Content-Encoding)")


#: The charsets a JSON body may be declared in: UTF-8, and ASCII, which is UTF-8 too.
UTF8_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii"})


def _charset(content_type: str) -> str | None:
    message = email.message.Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return charset if isinstance(charset, str) else None


def utf8_body(body: bytes) -> None:
    """A JSON body must be UTF-8: one that is not was FastAPI's 400 "There was an error parsing the body", which
    names nothing (a Latin-1 'é', UTF-16)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableBody(f"the body is not UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start}): send JSON "
                             "as UTF-8") from exc


def unique_keys(body: bytes) -> None:
    """A JSON body names each key once per object: Python's reader keeps the last of two values without a word, so
    '{"name": "a", "name": "b"}' stored 'b' where a client's log or a proxy's filter read 'a'. Each repeated key is
    a problem at its place ('body.tenders.0.title'). A body that is not JSON is left to FastAPI's reading, which
    names where it breaks. The body is parsed here and again by FastAPI: the hook that sees the repeats is not the
    reader FastAPI calls, and its result is not handed over (that would lean on Starlette's private cache)."""
    # By the object's id; the object is kept beside it, so that one a later repeat discards (the first of two
    # values) never hands its id to another object.
    repeats: dict[int, tuple[dict[str, Any], list[tuple[str, int]]]] = {}

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) < len(pairs):
            repeats[id(obj)] = obj, [(key, n) for key, n in Counter(key for key, _ in pairs).items() if n > 1]
        return obj

    try:
        document = json.loads(body, object_pairs_hook=pairs_hook) if body else None
    except (ValueError, RecursionError):  # not JSON, a number too long to read, nested too deep: FastAPI's
        return                              # reading of the body refuses it in its words
    if repeats:
        raise RequestValidationError([{
            "type": "repeated_key", "loc": (*place, key), "input": None,
            "msg": f"key {key[:60]!r} sent {times} times in one object: send it once",
        } for place, obj in _objects(document, ("body",)) for key, times in repeats.get(id(obj), (obj, []))[1]])


def _objects(document: Any, place: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every object in a parsed JSON document with its place, in document order; walked with a list, not
    recursion, as a document may nest as deep as the reader let it."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [(place, document)]
    while pending:
        at, node = pending.pop()
        if isinstance(node, dict):
            yield at, node
            pending.extend(reversed([((*at, key), value) for key, value in node.items()]))
        elif isinstance(node, list):
            pending.extend(reversed([((*at, position), value) for position, value in enumerate(node)]))


#: The methods that change what a route names: the ones If-Match is a condition of.
_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class KeyFirstRoute(APIRoute):
    """A route that authenticates its caller, then checks that a JSON body comes as JSON (415, documented on
    each such route), before it reads the body. FastAPI reads and parses the body before it resolves
    dependencies, so without this a request with no key and a malformed body got the body's 400/422 instead of
    401: an anonymous client learnt the body's rules, and an unknown caller's body was parsed at all. Routes
    without ``PrincipalDep`` (health, unsubscribe) are not asked for a key. A query parameter that takes one value
    sent twice, or not UTF-8, is refused next (``sent_once``, ``utf8_query``), so is If-Match on a change of a
    record without an ETag (``no_etag_to_match``), and a JSON body must be UTF-8 (``utf8_body``) and name each key
    once per object (``unique_keys``); a multipart form's fields and file names must be UTF-8 (``utf8_multipart``)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if self.reads_json:
            self.responses = {**responses(415), **self.responses}
        if self.untagged:
            self.responses = {**self.responses, 412: {**responses(412)[412], "description": NO_ETAG}}

    @property
    def untagged(self) -> bool:
        """Whether the route changes a record that has no ETag (``no_etag_to_match``)."""
        return bool((self.methods or set()) & _CHANGES) and not _has_etag(self.dependant)

    @property
    def reads_json(self) -> bool:
        """Whether the route's body is JSON (not a form or an upload)."""
        return self.body_field is not None and not isinstance(self.body_field.field_info, params.Form)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        keyed, reads_json, once = _needs_principal(self.dependant), self.reads_json, one_value_queries(self.dependant)
        untagged, reads_form = self.untagged, self.body_field is not None and not reads_json

        async def checked(request: Request) -> Response:
            if keyed:
                access: AccessControl = request.app.state.access
                request.state.principal = access.authenticate(key_of(request))
            utf8_query(request)
            sent_once(request, once)
            if untagged:
                no_etag_to_match(request.headers.get("if-match"))
            if reads_json:
                require_json(request)
                body = await request.body()
                utf8_body(body)
                unique_keys(body)
            if reads_form:  # an upload: its file name and fields must be UTF-8 (checked as the body streams in)
                request = utf8_multipart(request)
            return await handler(request)

        return checked


def one_value_queries(dependant: Dependant) -> frozenset[str]:
    """The names of the query parameters a route (and its dependencies) takes one value of: its own parameters
    and the fields of its query models (``Annotated[TenderQuery, Query()]``), lists left out."""
    names: set[str] = set()
    for param in dependant.query_params:
        model = param.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            names.update(info.alias or name for name, info in model.model_fields.items()
                         if not _is_list(info.annotation))
        elif not _is_list(model):
            names.add(param.alias)
    for sub in dependant.dependencies:
        names.update(one_value_queries(sub))
    return frozenset(names)


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, UnionType):
        return any(_is_list(arg) for arg in get_args(annotation))
    return (get_origin(annotation) or annotation) in (list, tuple, set, frozenset)


@dataclass(frozen=True)
class NotUtf8:
    """The first query parameter whose value is not UTF-8 once percent-decoded: its name, the bad byte and where."""

    name: str
    byte: int
    offset: int


def not_utf8(query: bytes) -> NotUtf8 | None:
    """The first value of a raw query string that is not UTF-8 once percent-decoded, or None: Starlette reads each
    bad byte as U+FFFD, so a Latin-1 '?q=caf%E9' searched for 'caf\ufffd' and found nothing without a word."""
    for part in query.split(b"&"):
        name, _, value = part.partition(b"=")
        raw = unquote_to_bytes(value.replace(b"+", b" "))
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            key = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")[:60]
            return NotUtf8(key, raw[exc.start], exc.start)
    return None


def utf8_query(request: Request) -> None:
    """Every query value must be UTF-8 once percent-decoded (``not_utf8``); the first that is not is named."""
    if (bad := not_utf8(request.scope.get("query_string", b""))) is not None:
        raise RequestValidationError([{
            "type": "not_utf8", "loc": ("query", bad.name), "input": None,
            "msg": f"not UTF-8 once percent-decoded (byte 0x{bad.byte:02x} at offset {bad.offset})",
        }])


def sent_once(request: Request, names: frozenset[str]) -> None:
    """A parameter that takes one value, sent more than once, is refused naming it and its values: the last one
    was taken without a word (a hostile sweep: '?limit=5&limit=500', '?lang=ko&lang=en')."""
    repeated = [(name, values) for name in sorted(names) if len(values := request.query_params.getlist(name)) > 1]
    if repeated:
        raise RequestValidationError([{
            "type": "repeated", "loc": ("query", name), "input": values,
            "msg": f"sent {len(values)} times ({', '.join(repr(v[:60]) for v in values[:5])}): send it once",
        } for name, values in repeated])


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_officer(principal: PrincipalDep, access: AccessDep) -> Principal:
    access.require_role(principal, "officer")
    return principal


async def require_curator(principal: PrincipalDep, access: AccessDep) -> Principal:
    access.require_role(principal, "officer", "partner")
    return principal


OfficerDep = Annotated[Principal, Depends(require_officer)]
CuratorDep = Annotated[Principal, Depends(require_curator)]

#: Path ids with the core's Identifier rule, in NFC (``canonical_id``: either normal form of 'café' names one
#: firm); the examples are demo ids (docs and property tests use them).
FirmIdPath = Annotated[
    str, Path(pattern=ID_PATTERN, max_length=200, description="a firm id", examples=["kr-hanbit-water"]),
    AfterValidator(canonical_id),
]
TenderIdPath = Annotated[
    str, Path(pattern=ID_PATTERN, max_length=200, description="a tender id", examples=["ted:023838-2021"]),
    AfterValidator(canonical_id),
]


async def firm_access(firm_id: FirmIdPath, principal: PrincipalDep, access: AccessDep, matcher: MatcherDep) -> str:
    access.require_firm(principal, firm_id)  # 403 first: never reveal whether a hidden firm exists
    matcher.get_firm(firm_id)
    return firm_id


FirmAccess = Annotated[str, Depends(firm_access)]

"""Entity tags of the records people edit together (a firm profile, a shortlist item): ``ETag`` on a read,
``If-None-Match`` -> 304, ``If-Match`` on a change -> 412 when the stored version is another, ``If-None-Match`` on a
change -> 412 when the stored version is one it lists or it is '*' (RFC 9110 sections 8.8.3, 13.1.1, 13.1.2, in the
order of 13.2.2).

The tag is the core's version of the stored row (``Matcher.firm_version``, a hash of the stored JSON; a shortlist
item's ``ShortlistItem.version``, a hash of its row), quoted; the If-Match comparison is the core's, in the same read
that the change is merged into, so a version stored between the read and the write is caught too
(``Catalog.change_firm_version``; ``Shortlists.decide``, in the decision's transaction).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Response
from pydantic import WithJsonSchema

from api.errors import responses
from matcher.errors import PreconditionFailed

R = TypeVar("R")

#: What If-Match holds: '*' or a list of entity tags ('"v1", W/"v2"'). Another value names no version: a 412 that
#: says what was expected (a precondition that cannot hold, RFC 9110 13.1.1), as a stale tag is.
_IF_MATCH = re.compile(r'\s*(\*|(W/)?"[\x21\x23-\x7e]*"(\s*,\s*(W/)?"[\x21\x23-\x7e]*")*)\s*')
_TAG = re.compile(r'(W/)?"([^"]*)"')

#: The header is optional, never null (a document saying "or null" had clients send the text 'null').
IfMatch = Annotated[str | None, Header(description=(
    "change only if the stored record (the firm profile, the shortlist item) is still this version (its ETag as "
    "GET gave it, in quotes; '*' for any): another is a 412 and nothing is stored. Without it the change is made on "
    "the record as stored")),
    WithJsonSchema({"type": "string"})]
IfNoneMatch = Annotated[str | None, Header(description=(
    "the ETag of the version the client holds: while it is still the stored one, a 304 without a body")),
    WithJsonSchema({"type": "string"})]

IfNoneMatchChange = Annotated[str | None, Header(alias="If-None-Match", description=(
    "change only if the stored record is none of these versions (ETags, weak or strong, in quotes; '*': it "
    "exists, so never): the stored version listed is a 412 and nothing is stored")),
    WithJsonSchema({"type": "string"})]

#: What a change of a profile (PATCH, codes or keywords accepted, codes declined) says of If-Match and its ETag.
IF_MATCH_CHANGE = (
    "With If-Match (the ETag of GET, or of an earlier change's answer), the change is made only while that version "
    "is the stored one: after another change it is a 412 and nothing is stored (two people editing one firm do not "
    "overwrite each other). The answer's ETag is the new version: send it as If-Match with the next change, "
    "without reading the profile again.")

_ETAG_HEADER = {"ETag": {"description": "the stored version (a hash of the stored record)",
                         "schema": {"type": "string"}}}
#: A read's 200 with its ETag, and its 304 with If-None-Match, documented.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {200: {"headers": _ETAG_HEADER}, 304: {
    "description": "Not Modified: the version named in If-None-Match is still the stored one (no body)",
    "headers": _ETAG_HEADER,
}}
#: A change's 200 with the new ETag, and the 412 of a change with If-Match, documented.
PRECONDITION: dict[int | str, dict[str, Any]] = {200: {"headers": _ETAG_HEADER}, **responses(412)}


def etag(version: str) -> str:
    return f'"{version}"'


def if_match_versions(header: str | None) -> frozenset[str] | None:
    """The versions an If-Match header accepts; None when any will do (no header, or '*'). A weak tag (W/"...")
    names no version: If-Match compares strongly, so it never matches (a 412); nor does a value that is not a list
    of tags (PreconditionFailed here, naming it)."""
    if header is None or header.strip() == "*":
        return None
    if not _IF_MATCH.fullmatch(header):
        raise PreconditionFailed(f"If-Match {header[:80]!r} names no version: send the ETag as GET gave it, in "
                                 "double quotes (or '*' for any version); nothing was stored")
    strong = frozenset(tag for weak, tag in _TAG.findall(header) if not weak)
    if not strong:  # the core's 412 would say the profile "has changed since", which it may not have
        raise PreconditionFailed(f"If-Match {header[:80]!r} holds only weak tags (W/), which never match a change "
                                 "(RFC 9110 13.1.1): send the ETag as GET gave it, without W/; nothing was stored")
    return strong


def refuse_if_none_match(header: str, version: str) -> None:
    """A change's If-None-Match (RFC 9110 13.1.2): PreconditionFailed, naming the header, for '*' (the record
    exists) or a listed tag, weak or strong, equal to the stored ``version``; a value that is not '*' or a list of
    tags, as If-Match's (``if_match_versions``); else nothing."""
    if header.strip() == "*":
        raise PreconditionFailed("If-None-Match '*' asks for the change only where nothing is stored yet, and the "
                                 f'record is stored (its ETag is "{version}"); nothing was stored')
    if not _IF_MATCH.fullmatch(header):
        raise PreconditionFailed(f"If-None-Match {header[:80]!r} names no version: send ETags as GET gave them, in "
                                 "double quotes (or '*'); nothing was stored")
    if version in {tag for _, tag in _TAG.findall(header)}:
        raise PreconditionFailed(f'If-None-Match {header[:80]!r} lists the stored version "{version}": the change '
                                 "is made only while the record is none of the versions listed; nothing was stored")


#: A shortlist decision's If-Match and its ETag (``PATCH /firms/{firm_id}/shortlist/{tender_id}``).
IF_MATCH_DECISION = (
    "Each item of `GET /firms/{firm_id}/shortlist` carries its ETag (`etag`, a hash of the stored item: it changes "
    "with every decision or note). With If-Match of it, the decision is made only while that version is the stored "
    "one: after another decision or note it is a 412 naming If-Match and nothing is stored (two partners deciding "
    "from one read do not overwrite each other). The answer's ETag is the new version. If-None-Match listing the "
    "stored version, or '*', is a 412 too.")

#: A proposal's If-Match and If-None-Match and its ETag (``POST /firms/{firm_id}/shortlist``).
IF_MATCH_NOTE = (
    "The answer's ETag is the item's version, as `etag` in `GET /firms/{firm_id}/shortlist`. With If-Match of it, "
    "a proposal of a tender on the shortlist already (the note it sends replacing the item's note) is made only "
    "while that version is the stored one: after another note or decision it is a 412 naming If-Match and nothing "
    "is stored (a note written from an old read does not replace a colleague's newer one unseen); If-Match of a "
    "tag for a tender not on the shortlist is a 412 too. Without If-Match, or with '*', the note is replaced as "
    "stored, as before. If-None-Match: '*' proposes only a tender not on the shortlist yet (a 412 naming "
    "If-None-Match when it is), and listing the stored version is a 412 too.")

#: The 412 of a change of a record without an ETag, as documented (``no_etag_to_match``).
NO_ETAG = ("If-Match listed a tag, but this record has no ETag, so none can match: send the change without "
           "If-Match, or with If-Match: *; nothing was stored")


def no_etag_to_match(header: str | None) -> None:
    """If-Match on a change of a record that has no ETag (every change but a profile's and a shortlist decision's:
    ``Precondition``): a listed
    tag matches no version of it (RFC 9110 13.1.1), so PreconditionFailed saying why; '*' (any version) or no
    header, nothing. It was ignored, and a change meant for a version read before overwrote whatever was stored."""
    if header is None or header.strip() == "*":
        return
    raise PreconditionFailed(f"If-Match {header[:80]!r} cannot hold: this record has no ETag to match (only a firm "
                             "profile and a shortlist item have one: GET /firms/{firm_id}, GET "
                             "/firms/{firm_id}/shortlist); send the change without If-Match, or with "
                             "If-Match: *; nothing was stored")


def not_modified(header: str | None, version: str) -> Response | None:
    """The 304 for an If-None-Match naming the stored version ('*', or the tag weak or strong: RFC 9110 13.1.2
    compares weakly), else None."""
    if header is None:
        return None
    if header.strip() == "*" or version in {tag for _, tag in _TAG.findall(header)}:
        return Response(status_code=304, headers={"ETag": etag(version)})
    return None


def tagged(response: Response, version: str) -> None:
    response.headers["ETag"] = etag(version)


class Precondition:
    """A change's If-Match and If-None-Match and its answer's ETag, declared by a route (``PreconditionDep``):
    ``versions(stored)`` are the versions the change may be made on (read by the route, so that a bad body is a 422
    first), ``answer(change)`` makes the change and gives the record it left stored, with its version as the
    answer's ETag."""

    def __init__(self, response: Response, if_match: IfMatch = None,
                 if_none_match: IfNoneMatchChange = None) -> None:
        self.response = response
        self.if_match = if_match
        self.if_none_match = if_none_match
        #: How the stored version was read when If-None-Match was checked against it (``versions``), else None.
        self._checked: Callable[[], str | None] | None = None

    def versions(self, stored: Callable[[], str]) -> frozenset[str] | None:
        """If-Match's versions (``if_match_versions``), None for any. With If-None-Match, the stored version is
        read (``stored``) and checked against it (``_pinned``)."""
        versions = if_match_versions(self.if_match)
        if self.if_none_match is None:
            return versions
        return self._pinned(stored(), versions, stored)

    def proposal_versions(self, stored: Callable[[], str | None]) -> frozenset[str | None] | None:
        """``versions`` of a change that may create its record (a shortlist proposal): ``stored`` is None while
        nothing is stored, which If-Match of a tag does not match (the core's 412) and If-None-Match, any value that
        is '*' or a list of tags, does (RFC 9110 13.1.2): the change is then made only where still nothing is."""
        if self.if_none_match is None:
            return if_match_versions(self.if_match)
        version = stored()
        if version is not None:
            return self._pinned(version, if_match_versions(self.if_match), stored)
        if self.if_none_match.strip() != "*" and not _IF_MATCH.fullmatch(self.if_none_match):
            refuse_if_none_match(self.if_none_match, "")  # names the header and what it should hold
        if (versions := if_match_versions(self.if_match)) is not None:
            return versions  # none is stored: the core's 412 names If-Match
        self._checked = stored
        return frozenset({None})

    def _pinned(self, version: str, versions: frozenset[str] | None,
                stored: Callable[[], str | None]) -> frozenset[str] | None:
        """If-None-Match checked against the stored ``version``: refused when it lists it
        (``refuse_if_none_match``), else the change is made only on that version, so a version stored meanwhile,
        which the header might list, is a 412 too (the core compares in the change's own read; ``answer`` reads
        the stored version again with ``stored`` and names If-None-Match). If-Match is evaluated first (RFC 9110
        13.2.2): when ``version`` is not one of its ``versions``, those are returned, and the core's 412 names it."""
        assert self.if_none_match is not None
        if versions is not None and version not in versions:
            return versions
        refuse_if_none_match(self.if_none_match, version)
        self._checked = stored
        return frozenset({version})

    def answer(self, change: Callable[[], tuple[R, str]]) -> R:
        """The record ``change`` left stored, its version the answer's ETag. A change refused because the version
        If-None-Match was checked against is no longer stored is a 412 naming If-None-Match, the header the client
        sent (the core's refusal names If-Match, which it may not have sent)."""
        try:
            record, version = change()
        except PreconditionFailed as exc:
            if self._checked is None or self.if_none_match is None:
                raise
            now = self._checked()
            raise PreconditionFailed(
                f"If-None-Match {self.if_none_match[:80]!r} was checked against the stored version, and another "
                "change was stored before this one was written (its ETag is now "
                f'{"none: nothing is stored" if now is None else etag(now)}): read it again and send the change from '
                "there; nothing was stored") from exc
        tagged(self.response, version)
        return record


PreconditionDep = Annotated[Precondition, Depends()]

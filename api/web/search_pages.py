"""Searching notices by their words, in any language (``Matcher.search_notices``: the encoder and the index
the recommendations use, not a SQL LIKE), for partners and officers as the API's ``GET /search/tenders``.

The form is a GET (a search changes nothing and its address can be shared); each result links to its tender
page. Open notices only unless the reader asks for closed ones and awards too (``closed=1``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.web.pages import ranked
from api.web.query_choices import MAX_QUERY, chosen, typed_words
from api.web.render import render
from api.web.session import ViewerDep, core, forbidden
from api.web.tender_pages import value_in_eur
from api.web.views import LabelKind, english_label
from matcher.errors import PermissionDenied
from matcher.pipeline import Matcher
from matcher.schema import Tender

router = APIRouter(prefix="/web", include_in_schema=False)

#: Notices a search page shows.
SEARCH_RESULTS = 20


@dataclass(frozen=True)
class Found:
    """One notice found, as the results table shows it."""

    tender: Tender
    label: str | None
    label_kind: LabelKind | None
    value_eur: float | None
    by_id: bool  # the words are its id (``NoticeHit.by_id``): listed first, and says so


def found(tender: Tender, by_id: bool = False) -> Found:
    label, kind = english_label(tender)
    return Found(tender, label, kind, value_in_eur(tender), by_id)


def search(matcher: Matcher, text: str, open_only: bool) -> list[Found]:
    return [found(hit.tender, hit.by_id) for hit in matcher.search_notices(text, SEARCH_RESULTS, open_only)]


@router.get("/search", response_class=HTMLResponse)
async def search_page(request: Request, viewer: ViewerDep) -> Response:
    matcher = core(request)
    try:
        matcher.access.require_role(viewer.principal, "officer", "partner")
    except PermissionDenied:
        raise forbidden() from None
    text, problem = typed_words(request)
    # The box's value, or none; a value not sent as UTF-8 is the words' problem, named first.
    open_only = problem == "search_not_utf8" or chosen(request.query_params, "closed", ("1",)) is None
    results = await ranked(request, search, matcher, text, open_only) if text and not problem else None
    return render(
        request, "search.html", viewer.language, viewer, text=text, open_only=open_only, results=results,
        problem=problem, max_query=MAX_QUERY, status=400 if problem == "search_not_utf8" else 200,
    )



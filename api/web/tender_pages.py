"""A notice in full, the firms it fits (as far as the viewer may see firms), and "add to this firm's shortlist".

Which firms are ranked is the API's rule for ``/tenders/{id}/firms``: ``AccessControl.visible_firm_ids``
(officers every firm, partners their assigned firms, a firm key its own). Ranking is ``Matcher.firms_for``
and adding is ``Matcher.propose``, the call behind the API's ``POST /firms/{id}/shortlist``, so the item
lands in the same shortlist and feedback log; only partners and officers add, with the session's CSRF token.
Each firm's shortlist state is read as the API shows it (``actions.visible_shortlist``: a firm key sees only
approved items). A notice published after the matcher's clock is not found for a firm or a partner, as in the
API (``actions.known_tender``); an officer reads it, and no firm is ranked for it (``firms_for`` refuses it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from api import actions
from api.schemas import ID_PATTERN
from api.web.form_fields import text_of
from api.web.pages import visible_firm
from api.web.query_choices import chosen
from api.web.render import render
from api.web.session import ChangeDep, PageRefused, ViewerDep, core, forbidden
from api.web.views import DEFAULT_FIT, LabelKind, bid_refusal, english_label, meanings, worth_listing
from matcher.errors import IndexNotReady, NotFound
from matcher.normalize.currencies import to_eur
from matcher.pipeline import Matcher
from matcher.ranking.reasons import markup_lines
from matcher.reference.codebook import codebook
from matcher.schema import Match, Tender
from matcher.services.access import Principal
from matcher.store.shortlists import Status

router = APIRouter(prefix="/web", include_in_schema=False)

_ID = re.compile(ID_PATTERN)
#: Firms the page ranks for one notice (the API's ``/tenders/{id}/firms`` allows up to 100).
TENDER_FIRMS = 20
#: The tender page's ``?fit=``: every fit, weak ones too, or a possible fit or better (as without it).
TENDER_FITS = ("all", DEFAULT_FIT)
#: Languages whose titles are listed first among a notice's other titles: those every reader reads.
FIRST_LANGUAGES = ("en", "ko")


def tender_url(tender_id: str) -> str:
    return f"/web/tenders/{quote(tender_id, safe='')}"


@dataclass(frozen=True)
class Notice:
    """What the page shows of the notice besides its own fields."""

    tender: Tender
    label: str | None
    label_kind: LabelKind | None
    value_eur: float | None
    other_titles: list[tuple[str, str]]  # (language code, title), the notice's own title left out
    paragraphs: list[str]
    codes: list[tuple[str, str | None, str | None]]  # (code, its English label, its label in the reader's language)


def value_in_eur(tender: Tender) -> float | None:
    """The value in euros beside the notice's own currency; None when it is in euros already or unknown."""
    if tender.value is None or (tender.currency or "").upper() == "EUR":
        return None
    return to_eur(tender.value, tender.currency)


def _rank(language: str) -> int:
    return FIRST_LANGUAGES.index(language) if language in FIRST_LANGUAGES else len(FIRST_LANGUAGES)


def notice_of(tender: Tender, language: str) -> Notice:
    label, kind = english_label(tender)
    titles = sorted(
        ((code, title) for code, title in tender.titles.items() if title.strip() and title != tender.title),
        key=lambda pair: (_rank(pair[0]), pair[0]),
    )
    paragraphs = [line.strip() for line in tender.description.splitlines() if line.strip()]
    codes = meanings(codebook(), tender.codes, language)
    return Notice(tender, label, kind, value_in_eur(tender), titles, paragraphs, codes)


@dataclass(frozen=True)
class FirmFit:
    """One firm the notice fits, as the page shows it."""

    match: Match
    reasons: list[Markup]  # each line escaped, the text people or feeds wrote in it isolated
    concerns: list[Markup]
    status: Status | None  # the tender's status on this firm's shortlist, as the viewer may see it


def firm_fits(matcher: Matcher, principal: Principal, tender_id: str, language: str) -> list[FirmFit]:
    """The firms this viewer may see, best fit first, each with its shortlist state for the tender."""
    visible = matcher.access.visible_firm_ids(principal)
    matches = matcher.firms_for(tender_id, TENDER_FIRMS, firm_ids=visible)
    fits = []
    for match in matches:
        listed = actions.visible_shortlist(matcher, principal, match.firm_id, None)
        status = next((e.status for e in listed if e.tender_id == tender_id), None)
        fits.append(FirmFit(match, *markup_lines(match.reasons, language), status))
    return fits


async def _ranked_fits(request: Request, principal: Principal, tender_id: str, language: str) -> list[FirmFit] | None:
    """``firm_fits`` in a worker thread under the app's ranking limit; None while there is no index (the
    notice is still shown)."""
    limiter: anyio.CapacityLimiter = request.app.state.ranking
    matcher = core(request)
    try:
        return await anyio.to_thread.run_sync(
            lambda: firm_fits(matcher, principal, tender_id, language), limiter=limiter
        )
    except IndexNotReady:
        return None


def _not_found() -> PageRefused:
    return PageRefused(404, "not_found_title", "not_found_text")


@router.get("/tenders/{tender_id}", response_class=HTMLResponse)
async def tender_page(tender_id: str, request: Request, viewer: ViewerDep) -> Response:
    """The notice, as the API's ``GET /tenders/{id}`` reads it for the viewer (``actions.known_tender``): one
    published after now is the 404 of an id never stored for a firm or a partner; an officer reads it, told why
    no firm is ranked for it yet (firms-for ranks no notice of the clock's future)."""
    matcher = core(request)
    if not _ID.fullmatch(tender_id):
        raise _not_found()
    every_fit = chosen(request.query_params, "fit", TENDER_FITS) == "all"  # before the ranking it would cost
    try:
        tender = await run_in_threadpool(actions.known_tender, matcher, viewer.principal, tender_id)
        at = await run_in_threadpool(matcher.open_at)
        published = at.visible(tender)
        fits = await _ranked_fits(request, viewer.principal, tender_id, viewer.language) if published else []
    except NotFound:  # not stored (or deleted meanwhile), or published after now for this viewer
        raise _not_found() from None
    shown, below_fit = (fits, 0) if fits is None or every_fit else worth_showing(fits)
    return render(
        request, "tender.html", viewer.language, viewer, tender=tender, notice=notice_of(tender, viewer.language),
        fits=shown, below_fit=below_fit, every_fit_path=f"{tender_url(tender_id)}?fit=all#firms-heading",
        add_path=f"{tender_url(tender_id)}/shortlist", not_biddable=bid_refusal(matcher, tender, at),
        published=published,
    )


def worth_showing(fits: list[FirmFit]) -> tuple[list[FirmFit], int]:
    """The firms the notice is a possible fit or better for (what their digests send and their pages list by
    default), and those on whose shortlist it is whatever the fit; and how many weak fits were left out."""
    kept = [f for f in fits if f.status is not None or worth_listing(f.match)]
    return kept, len(fits) - len(kept)


@router.post("/tenders/{tender_id}/shortlist")
async def add_to_shortlist(tender_id: str, request: Request, viewer: ChangeDep) -> Response:
    """Propose the tender for one firm (partners and officers, for a firm they may see), then back to the
    tender page. A tender already on that shortlist keeps its status and note; one no firm can bid on (an
    award notice, a closed one, for an officer one published after now: ``bid_refusal``) is refused with the
    reason (422); for a partner one published after now is the 404 of an id never stored."""
    matcher = core(request)
    firm_id = text_of(await request.form(), "firm_id")
    visible_firm(matcher, viewer, firm_id)  # 403 for a firm this session may not see (or a malformed id)
    if not viewer.may_decide:
        raise forbidden()
    if not _ID.fullmatch(tender_id):
        raise _not_found()
    try:
        tender = await run_in_threadpool(actions.known_tender, matcher, viewer.principal, tender_id)
        refusal = bid_refusal(matcher, tender)
        if refusal is not None:
            raise PageRefused(422, "invalid_title", refusal)
        await run_in_threadpool(matcher.propose, firm_id, tender_id, viewer.principal.name)
    except NotFound:
        raise _not_found() from None
    return RedirectResponse(f"{tender_url(tender_id)}#firm-{quote(firm_id, safe='')}", status_code=303)

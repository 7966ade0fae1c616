"""A firm's profile page: edit what the ranking reads (description, keywords, codes, target countries, value
range, languages), accept or decline the codes it suggests, and add the keywords it reads from a Korean
description.

Who may do what is the API's (``api.routes.firms``): anyone who may see the firm edits its profile (``PATCH
/firms/{id}``: officers, its partner, the firm itself), and only officers and partners accept suggested
codes (``POST /firms/{id}/codes``, ``AccessControl.require_role``) or decline them (``POST
/firms/{id}/declined-codes``), and add suggested keywords (``POST /firms/{id}/keywords``); deleting a code
from the profile's declined codes restores it. The form is read
with the API's ``FirmUpdate`` and stored by ``actions.update_firm``, the PATCH route's own call, so the page
refuses what the API refuses and stores nothing then (422, each problem next to its field, in the page's own
words: the rules across fields, the profile's, are checked here first so that each is named where it belongs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from babel.numbers import format_percent
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api import actions
from api.deps import require_curator
from api.schemas import CodesIn, FirmUpdate, KeywordsIn
from api.web.form_fields import (
    Errors,
    Expects,
    FieldError,
    FormInvalid,
    amount,
    as_saved,
    field_errors,
    items,
    plain_number,
    text_of,
    texts_of,
    tokens,
)
from api.web.pages import firm_url, ranked, visible_firm
from api.web.render import render
from api.web.session import ChangeDep, PageRefused, Viewer, ViewerDep, core, forbidden
from api.web.views import SUGGESTIONS, local_label, meanings
from matcher.characters import without_bidi_controls
from matcher.errors import Conflict, InvalidInput, PermissionDenied, PreconditionFailed
from matcher.pipeline import Matcher
from matcher.reference.codebook import codebook
from matcher.reference.countries import ISO_COUNTRIES
from matcher.reference.hierarchy import covers
from matcher.schema import FirmProfile
from matcher.search.code_inference import parse_codes
from matcher.services.code_suggestions import CodeSuggestion

router = APIRouter(prefix="/web", include_in_schema=False)

#: What each field expects, as a message key: the whole of what a refused field shows.
EXPECTS: dict[str, str] = {
    "description": "expect_description",
    "keywords": "expect_keywords",
    "codes": "expect_codes",
    "declined_codes": "expect_codes",
    "target_countries": "expect_countries",
    "languages": "expect_languages",
    "min_value": "expect_amount",
    "max_value": "expect_amount",
    "currency": "expect_currency",
    "value_range": "expect_value_range",
}
#: Where a rule across the value fields (minimum above maximum, an amount without a currency) is shown.
VALUE_RANGE = "value_range"
#: The fields of codes, whose message names the refused one.
NAMING: dict[str, str] = {
    "codes": "expect_listed_code", "declined_codes": "expect_listed_code", "target_countries": "expect_listed_country",
    "languages": "expect_language_code", "currency": "expect_rated_currency",
}
FIELDS = Expects(EXPECTS, whole=VALUE_RANGE, other=VALUE_RANGE, naming=NAMING,
                 items={"keywords": "expect_keyword_shows"}, long_items={"keywords": "expect_keyword_length"})
#: The profile form's hidden field holding the version of the profile it shows (the API's ETag): the save is made on
#: it (the API's If-Match), so a form opened before another change cannot put back what that change replaced.
VERSION_FIELD = "version"
#: The ticked suggested keywords (``KeywordsIn``): none ticked, or a value the page never lists (a forged form).
KEYWORD_CHOICE = Expects({"keywords": "choose_keywords"}, whole="keywords", other="keywords",
                         naming={"keywords": "expect_listed_keyword"})


def profile_url(firm_id: str) -> str:
    return f"{firm_url(firm_id)}/profile"


@dataclass(frozen=True)
class ProfileForm:
    """The profile form as typed (or as stored, to begin with), and the problem of each refused field."""

    description: str = ""
    keywords: str = ""
    codes: str = ""
    declined_codes: str = ""
    target_countries: tuple[str, ...] = ()
    languages: str = ""
    min_value: str = ""
    max_value: str = ""
    currency: str = ""
    errors: Errors = field(default_factory=dict)

    @classmethod
    def of(cls, firm: FirmProfile) -> ProfileForm:
        """The stored profile as the form shows it: its typed text as saving stores it (``as_saved``, ``Cleaned``)."""
        keywords = [shown for keyword in firm.keywords if (shown := as_saved(keyword, item=True))]
        return cls(
            as_saved(firm.description), "\n".join(keywords), "\n".join(firm.codes), "\n".join(firm.declined_codes),
            tuple(firm.target_countries), ", ".join(firm.languages), plain_number(firm.min_value),
            plain_number(firm.max_value), firm.currency or "",
        )

    @classmethod
    def read(cls, form: FormData) -> ProfileForm:
        return cls(
            text_of(form, "description"), text_of(form, "keywords"), text_of(form, "codes"),
            text_of(form, "declined_codes"), texts_of(form, "target_countries"), text_of(form, "languages"),
            text_of(form, "min_value"), text_of(form, "max_value"), text_of(form, "currency"),
        )

    def in_stored_order(self, firm: FirmProfile) -> ProfileForm:
        """The ticked countries in the firm's stored order, one ticked anew after them: the list sends its options'
        order (by name), which saving stored over the firm's own."""
        stored = {country: place for place, country in enumerate(firm.target_countries)}
        ordered = sorted(self.target_countries, key=lambda country: stored.get(country, len(stored)))
        return replace(self, target_countries=tuple(ordered))

    def patch(self) -> FirmUpdate:
        """The API's PATCH body for what was typed; FormInvalid names each field it refuses."""
        data = {
            "description": self.description, "keywords": items(self.keywords), "codes": tokens(self.codes),
            "declined_codes": tokens(self.declined_codes),
            "target_countries": list(self.target_countries), "languages": tokens(self.languages),
            "min_value": amount(self.min_value), "max_value": amount(self.max_value),
            "currency": self.currency or None,
        }
        try:
            patch = FirmUpdate.model_validate(data)
        except ValidationError as exc:
            raise FormInvalid(field_errors(exc, FIELDS)) from None
        errors = across_fields(patch)
        if errors:
            raise FormInvalid(errors)
        return patch


@dataclass(frozen=True)
class Cleaned:
    """What the form shows of the stored profile otherwise than stored, as saving it will store it (``as_saved``),
    for the notices at those fields: the keywords that lose a bidirectional control (as shown), how many keywords
    of invisible characters only it leaves out, and whether the description loses a bidirectional control."""

    keywords: tuple[str, ...] = ()
    invisible_keywords: int = 0
    description: bool = False

    @classmethod
    def of(cls, firm: FirmProfile) -> Cleaned:
        changed = [shown for keyword in firm.keywords if (shown := as_saved(keyword, item=True)) != keyword]
        return cls(tuple(shown for shown in changed if shown), changed.count(""),
                   without_bidi_controls(firm.description) != firm.description)


def across_fields(patch: FirmUpdate) -> Errors:
    """The profile's rules across fields (``FirmProfile``'s), each at the field it is about: a declined code
    that is one of the firm's codes or covers one, a minimum above the maximum, an amount without currency."""
    errors: Errors = {}
    codes = patch.codes or []
    clash = next((d for d in patch.declined_codes or [] if any(covers(d, c) for c in codes)), None)
    if clash is not None:
        errors["declined_codes"] = FieldError.naming("expect_codes_apart", clash)
    low, high = patch.min_value, patch.max_value
    if low is not None and high is not None and low > high:
        errors[VALUE_RANGE] = FieldError("expect_min_below_max")
    elif (low is not None or high is not None) and not patch.currency:
        errors[VALUE_RANGE] = FieldError("expect_range_currency")
    return errors


def code_refusal(firm: FirmProfile, ticked: Sequence[str], declining: bool) -> FieldError:
    """Why accepting or declining the ticked codes was refused: the first that is not a known code, else (to
    decline) the first that is one of the firm's codes or covers one."""
    for value in ticked:
        try:
            parse_codes([value])
        except InvalidInput:
            return FieldError.naming("expect_known_code", value)
    own = next((t for t in parse_codes(ticked) if any(covers(t, c) for c in firm.codes)), None)
    if declining and own is not None:
        return FieldError.naming("decline_own_code", own)
    return FieldError("choose_codes")


@dataclass(frozen=True)
class Suggestion:
    code: str
    label: str
    confidence: str
    source: str
    keyword: str | None  # the firm's keyword the code translates (source "keyword")
    label_local: str | None = None  # the code's label in the viewer's language, where one ships (Korean CPV)
    approved: int = 0  # the partner's decisions on the firm's shortlisted notices under the code
    rejected: int = 0
    worth_declining: bool = False
    ranked: bool = False  # ranking reads the code for the firm now (``CodeSuggestion.ranked``)


def suggestions(viewer: Viewer, firm: FirmProfile, found: Sequence[CodeSuggestion]) -> list[Suggestion]:
    """The suggested codes not yet in the profile, the confidence as a percentage."""
    book = codebook()
    return [
        Suggestion(s.code, s.label, format_percent(s.confidence, locale=viewer.language), s.source, s.keyword,
                   local_label(book, s.code, viewer.language), s.approved, s.rejected, s.worth_declining,
                   s.ranked)
        for s in found
        if s.code not in firm.codes
    ]


async def _page(
    request: Request, viewer: Viewer, firm: FirmProfile, version: str, form: ProfileForm, status: int = 200,
    code_error: FieldError | None = None, saved: str | None = None, keyword_error: FieldError | None = None,
    changed_meanwhile: bool = False,
) -> HTMLResponse:
    """The page; its form is saved on ``version``, the version of the profile the form was filled from."""
    matcher = core(request)
    found = await ranked(request, matcher.suggest_codes, firm.firm_id, SUGGESTIONS)
    keywords = await run_in_threadpool(matcher.suggest_keywords, firm)  # Kiwi's analysis: off the event loop
    offered = suggestions(viewer, firm, found)
    book = codebook()
    return render(
        request, "profile.html", viewer.language, viewer, status=status, firm=firm, firm_section="profile",
        form=form, errors=form.errors, cleaned=Cleaned.of(firm), countries=sorted(ISO_COUNTRIES),
        profile_path=profile_url(firm.firm_id),
        current_codes=meanings(book, firm.codes, viewer.language),
        declined_codes=meanings(book, firm.declined_codes, viewer.language),
        suggestions=offered, suggested_keywords=keywords, keyword_error=keyword_error,
        may_accept=await _may_accept(viewer, matcher), code_error=code_error, saved=saved,
        version_field=VERSION_FIELD, version=version, changed_meanwhile=changed_meanwhile,
    )


async def _may_accept(viewer: Viewer, matcher: Matcher) -> bool:
    """The API's rule for accepting codes (its ``CuratorDep``): officers and partners, not the firm's key."""
    try:
        await require_curator(viewer.principal, matcher.access)
    except PermissionDenied:
        return False
    return True


def _saved(params: Mapping[str, str]) -> str | None:
    value = params.get("saved")
    return value if value in ("profile", "codes", "declined", "keywords") else None


@router.get("/firms/{firm_id}/profile", response_class=HTMLResponse)
async def profile(firm_id: str, request: Request, viewer: ViewerDep) -> Response:
    firm, version = _stored(core(request), viewer, firm_id)
    return await _page(request, viewer, firm, version, ProfileForm.of(firm), saved=_saved(request.query_params))


def _stored(matcher: Matcher, viewer: Viewer, firm_id: str) -> tuple[FirmProfile, str]:
    """The firm (``visible_firm``: 403, 404) and its stored version, read together: the form filled from it is
    saved on that version. A primary-key read, as ``visible_firm``'s."""
    visible_firm(matcher, viewer, firm_id)
    return matcher.firm_version(firm_id)


@router.post("/firms/{firm_id}/profile", response_class=HTMLResponse)
async def save_profile(firm_id: str, request: Request, viewer: ChangeDep) -> Response:
    """Store the edited profile (the API's PATCH) on the version the form was filled from (If-Match), or show the
    form again: with each refused field (422), or, when the profile was changed since (409, nothing stored), with
    what was typed and the profile as stored now, whose version saving the form again is made on."""
    matcher = core(request)
    firm = visible_firm(matcher, viewer, firm_id)
    sent = await request.form()
    form, shown = ProfileForm.read(sent).in_stored_order(firm), text_of(sent, VERSION_FIELD)
    on_version = frozenset({shown}) if shown else None  # a form without it is merged, as a PATCH without If-Match
    try:
        await run_in_threadpool(actions.update_firm, matcher, firm_id, form.patch(), on_version)
    except FormInvalid as exc:
        return await _page(request, viewer, firm, shown, replace(form, errors=exc.errors), status=422)
    except PreconditionFailed:
        now, version = matcher.firm_version(firm_id)
        if form.in_stored_order(now) == ProfileForm.of(now):  # stored already: the button pressed twice
            return RedirectResponse(f"{profile_url(firm_id)}?saved=profile", status_code=303)
        return await _page(request, viewer, now, version, form.in_stored_order(now), status=409, changed_meanwhile=True)
    except InvalidInput:  # each field was valid and so were the rules across them; the merged profile was not
        errors = {VALUE_RANGE: FieldError(EXPECTS[VALUE_RANGE])}
        return await _page(request, viewer, firm, shown, replace(form, errors=errors), status=422)
    return RedirectResponse(f"{profile_url(firm_id)}?saved=profile", status_code=303)


#: The suggested codes' buttons (``action``); none sent is "accept".
CODE_ACTIONS = ("", "accept", "decline")


@router.post("/firms/{firm_id}/profile/codes", response_class=HTMLResponse)
async def choose_codes(firm_id: str, request: Request, viewer: ChangeDep) -> Response:
    """Add the ticked suggestions to the firm's codes (the API's ``POST /firms/{id}/codes``), or decline them
    when the decline button was pressed (``POST /firms/{id}/declined-codes``)."""
    matcher = core(request)
    firm, version = _stored(matcher, viewer, firm_id)
    if not await _may_accept(viewer, matcher):
        raise forbidden()
    form = await request.form()
    action = text_of(form, "action")  # none sent (a script's form): accept, the API's POST /firms/{id}/codes
    if action not in CODE_ACTIONS:  # read as "accept", a mistyped "decline" added the codes it meant to decline
        raise PageRefused(422, "invalid_title", "invalid_form")
    declining = action == "decline"
    store = matcher.decline_codes if declining else matcher.accept_codes
    ticked = list(texts_of(form, "code"))
    try:
        body = CodesIn.model_validate({"codes": ticked})
        await run_in_threadpool(store, firm_id, body.codes, viewer.principal.name)
    except ValidationError:  # none ticked, or one no code is (longer than any): named, not called none ticked
        error = code_refusal(firm, ticked, declining) if ticked else FieldError("choose_codes")
        return await _page(request, viewer, firm, version, ProfileForm.of(firm), status=422, code_error=error)
    except (InvalidInput, Conflict):
        error = code_refusal(firm, ticked, declining)
        return await _page(request, viewer, firm, version, ProfileForm.of(firm), status=422, code_error=error)
    return RedirectResponse(f"{profile_url(firm_id)}?saved={'declined' if declining else 'codes'}", status_code=303)


@router.post("/firms/{firm_id}/profile/keywords", response_class=HTMLResponse)
async def add_keywords(firm_id: str, request: Request, viewer: ChangeDep) -> Response:
    """Add the ticked suggested keywords to the firm's keywords (the API's ``POST /firms/{id}/keywords``)."""
    matcher = core(request)
    firm, version = _stored(matcher, viewer, firm_id)
    if not await _may_accept(viewer, matcher):
        raise forbidden()
    ticked = list(texts_of(await request.form(), "keyword"))
    try:
        body = KeywordsIn.model_validate({"keywords": ticked})
        await run_in_threadpool(matcher.accept_keywords, firm_id, body.keywords, viewer.principal.name)
    except ValidationError as exc:  # none ticked, or a forged value
        error = field_errors(exc, KEYWORD_CHOICE)["keywords"]
    except InvalidInput:  # the profile would hold more than its 100 keywords
        error = FieldError("keywords_limit")
    else:
        return RedirectResponse(f"{profile_url(firm_id)}?saved=keywords", status_code=303)
    return await _page(request, viewer, firm, version, ProfileForm.of(firm), status=422, keyword_error=error)

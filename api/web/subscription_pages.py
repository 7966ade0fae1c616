"""A firm's digest subscriptions: see them, add one, end one, and preview what the next digests would hold.

Whoever may see the firm manages its subscriptions, as in the API (``api.routes.subscriptions``: the firm its
own, a partner those of its assigned firms, officers all), so ``visible_firm`` is the whole check. The form
is read with the API's ``SubscriptionIn`` and turned into a subscription by the API's ``subscription_spec``
(the lowest fit left empty is the facade's ``default_min_fit()``); a refused form stores nothing (422, each
problem next to its field). The page says each problem in its own words, in the page's language, never the
validator's (pydantic's "String should match pattern ..."), naming the refused value where it has one (a
country, a currency: ``api.web.form_fields.field_errors``). An address the firm's digest already goes to is refused next
to the email field, as the API's 409 refuses it; the existing subscription is left as it is. The preview is
``matcher.digest.plan.preview``: it ranks, sends and records nothing, and carries no live unsubscribe link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api.routes.subscriptions import SubscriptionIn, subscription_spec
from api.web.form_fields import Errors, Expects, FieldError, FormInvalid, amount, field_errors, text_of, texts_of
from api.web.messages import LANGUAGE_NAMES, Language
from api.web.pages import firm_url, ranked, visible_firm
from api.web.render import render
from api.web.session import ChangeDep, PageRefused, Viewer, ViewerDep, core
from matcher.digest.plan import preview
from matcher.digest.render import subject_html
from matcher.errors import Conflict, NotFound
from matcher.reference.countries import ISO_COUNTRIES
from matcher.schema import FirmProfile

router = APIRouter(prefix="/web", include_in_schema=False)

_SUBSCRIPTION_ID = re.compile(r"^[0-9a-f]{32}$")  # the API's path rule for a subscription id
#: What each field expects, as a message key: the whole of what a refused field shows.
EXPECTS: dict[str, str] = {
    "email": "expect_email",
    "frequency": "expect_frequency",
    "min_score": "expect_min_score",
    "max_items": "expect_max_items",
    "language": "expect_digest_language",
    "countries": "expect_countries",
    "min_value": "expect_amount",
    "max_value": "expect_amount",
    "currency": "expect_currency",
    "value_range": "expect_min_below_max",
    "form": "invalid_form",
}
#: The message that names the refused value ({value}) instead, for the fields where a typed code was refused.
NAMING: dict[str, str] = {"countries": "expect_listed_country", "currency": "expect_rated_currency"}
#: Where the one rule across fields (the minimum above the maximum) is shown: the value range's fieldset.
VALUE_RANGE = "value_range"
FIELDS = Expects(EXPECTS, whole=VALUE_RANGE, other="form", naming=NAMING)


def subscriptions_url(firm_id: str) -> str:
    return f"{firm_url(firm_id)}/subscriptions"


@dataclass(frozen=True)
class SubscriptionForm:
    """The new-subscription form as typed (or its defaults), and the problem of each refused field."""

    email: str = ""
    frequency: str = "weekly"
    min_score: str = ""
    max_items: str = "10"
    language: str = "en"
    countries: tuple[str, ...] = ()
    min_value: str = ""
    max_value: str = ""
    currency: str = "EUR"
    errors: Errors = field(default_factory=dict)

    @classmethod
    def read(cls, form: FormData) -> SubscriptionForm:
        def text(name: str) -> str:
            return text_of(form, name)

        return cls(
            text("email"), text("frequency"), text("min_score"), text("max_items"), text("language"),
            texts_of(form, "countries"), text("min_value"), text("max_value"), text("currency"),
        )

    def body(self) -> SubscriptionIn:
        """The API's request body for what was typed; FormInvalid names each field it refuses."""
        data = {
            "email": self.email, "frequency": self.frequency, "min_score": amount(self.min_score),
            "max_items": self.max_items, "language": self.language, "countries": list(self.countries),
            "min_value": amount(self.min_value), "max_value": amount(self.max_value), "currency": self.currency,
        }
        data = {k: v for k, v in data.items() if v != ""}  # an empty field takes the API's default
        try:
            return SubscriptionIn.model_validate(data)
        except ValidationError as exc:
            raise FormInvalid(field_errors(exc, FIELDS)) from None


def _languages() -> list[tuple[Language, str]]:
    return list(LANGUAGE_NAMES.items())


async def _page(
    request: Request, viewer: Viewer, firm: FirmProfile, form: SubscriptionForm, status: int = 200,
    done: str | None = None,
) -> HTMLResponse:
    matcher = core(request)
    listed = await run_in_threadpool(matcher.firm_subscriptions, firm.firm_id)
    listed.sort(key=lambda s: (not s.active, s.email))
    return render(
        request, "subscriptions.html", viewer.language, viewer, status=status, firm=firm,
        firm_section="subscriptions", subscriptions=listed, form=form, errors=form.errors,
        countries=sorted(ISO_COUNTRIES), languages=_languages(), default_min_score=matcher.default_min_fit(),
        subscriptions_path=subscriptions_url(firm.firm_id), done=done,
    )


@router.get("/firms/{firm_id}/subscriptions", response_class=HTMLResponse)
async def subscriptions(firm_id: str, request: Request, viewer: ViewerDep) -> Response:
    firm = visible_firm(core(request), viewer, firm_id)
    done = request.query_params.get("done")
    return await _page(request, viewer, firm, SubscriptionForm(language=viewer.language),
                       done=done if done in ("added", "ended") else None)


@router.post("/firms/{firm_id}/subscriptions", response_class=HTMLResponse)
async def subscribe(firm_id: str, request: Request, viewer: ChangeDep) -> Response:
    """Subscribe an address (the API's ``POST /firms/{id}/subscriptions``), or show the form again (422)."""
    matcher = core(request)
    firm = visible_firm(matcher, viewer, firm_id)
    form = SubscriptionForm.read(await request.form())
    try:
        spec = subscription_spec(matcher, firm_id, form.body())
        await run_in_threadpool(matcher.subscribe, spec, viewer.principal.name)
    except FormInvalid as exc:
        return await _page(request, viewer, firm, replace(form, errors=exc.errors), status=422)
    except Conflict:  # the address receives the firm's digest already (the API's 409)
        errors = {"email": FieldError("email_subscribed")}
        return await _page(request, viewer, firm, replace(form, errors=errors), status=422)
    return RedirectResponse(f"{subscriptions_url(firm_id)}?done=added", status_code=303)


@router.post("/firms/{firm_id}/subscriptions/{subscription_id}/end", response_class=HTMLResponse)
async def end(firm_id: str, subscription_id: str, request: Request, viewer: ChangeDep) -> Response:
    """End one of the firm's subscriptions (the API's ``DELETE``); another firm's id is not found."""
    matcher = core(request)
    visible_firm(matcher, viewer, firm_id)
    try:
        if not _SUBSCRIPTION_ID.fullmatch(subscription_id):
            raise NotFound("not a subscription id")
        await run_in_threadpool(matcher.unsubscribe, subscription_id, firm_id)
    except NotFound:
        raise PageRefused(404, "not_found_title", "not_found_text") from None
    return RedirectResponse(f"{subscriptions_url(firm_id)}?done=ended", status_code=303)


@dataclass(frozen=True)
class PreviewItem:
    tender_id: str
    title: str
    fit_band: str
    approved: bool


@dataclass(frozen=True)
class DigestPreview:
    email: str
    language: str
    subject: Markup  # the firm's name isolated (``subject_html``)
    items: list[PreviewItem]
    text: str


def previews(request: Request, firm_id: str) -> list[DigestPreview]:
    found = preview(core(request), firm_id)
    return [
        DigestPreview(
            p.plan.subscription.email, p.plan.subscription.language, subject_html(p.plan),
            [PreviewItem(i.match.tender_id, i.match.title, i.match.fit_band or "unknown", i.approved)
             for i in p.plan.items],
            p.rendered.text,
        )
        for p in found
    ]


@router.get("/firms/{firm_id}/subscriptions/preview", response_class=HTMLResponse)
async def preview_page(firm_id: str, request: Request, viewer: ViewerDep) -> Response:
    """What the next digest of each active subscription would hold, as of now (sends and records nothing)."""
    firm = visible_firm(core(request), viewer, firm_id)
    shown = await ranked(request, previews, request, firm_id)
    return render(
        request, "digest_preview.html", viewer.language, viewer, firm=firm, firm_section="subscriptions",
        previews=shown, subscriptions_path=subscriptions_url(firm_id),
    )

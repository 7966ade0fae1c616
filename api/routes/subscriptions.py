"""Digest subscriptions, the public one-click unsubscribe, and a preview of a firm's next digest that sends and
records nothing.

Whoever may see a firm manages its subscriptions: the firm its own, a partner those of its assigned firms,
officers all (issue 13: a partner keeps its firms' digests in order). ``FirmAccess`` (``AccessControl.require_firm``)
is therefore the whole check, the same one the workspace's subscriptions page makes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from api.deps import FirmAccess, KeyFirstRoute, MatcherDep, PrincipalDep, SettingsDep
from api.errors import BODY_ERRORS, ERRORS, responses
from api.pages import unsubscribe_confirmation, unsubscribed
from api.schemas import CountryCode, NumbersNotBool
from matcher.digest.plan import preview
from matcher.digest.tokens import read_token
from matcher.errors import InvalidInput, NotFound
from matcher.pipeline import Matcher
from matcher.schema import EMAIL_PATTERN, MAX_EMAIL, RangeAmount, RangeCurrency, check_value_range, quoted
from matcher.store.subscriptions import Subscription, SubscriptionSpec

router = APIRouter(tags=["digests"], responses=ERRORS, route_class=KeyFirstRoute)


class SubscriptionIn(NumbersNotBool):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    #: The pattern, not ``EmailAddress``: the document states it (tests/api/test_contract_regressions.py).
    email: str = Field(pattern=EMAIL_PATTERN, max_length=MAX_EMAIL, description="recipient address")
    frequency: Literal["daily", "weekly"] = "weekly"
    min_score: float | None = Field(default=None, ge=0.0, le=1.0, allow_inf_nan=False, description=(
        "lowest calibrated fit sent (the share of such matches judged relevant); default: the floor of the "
        "'possible' band of the shipped calibration"))
    max_items: int = Field(default=10, ge=1, le=100)
    language: Literal["ko", "en"] = "en"
    countries: list[CountryCode] = Field(default_factory=list, max_length=50, description=(
        "only tenders of these countries (none: any); a country no notice has gives empty digests"))
    min_value: RangeAmount | None = Field(default=None, description=(
        "lowest tender value sent, in 'currency' (at most max_value)"))
    max_value: RangeAmount | None = Field(default=None, description=(
        "highest tender value sent, in 'currency' (at least min_value)"))
    currency: RangeCurrency = "EUR"

    @field_validator("countries")
    @classmethod
    def _each_once(cls, countries: list[str]) -> list[str]:
        """Each country once, in the order first sent, as a profile's (["KR", "kr"] was stored as two)."""
        return list(dict.fromkeys(countries))

    @model_validator(mode="after")
    def _value_range(self) -> SubscriptionIn:
        check_value_range(self.min_value, self.max_value)  # an upside-down range was stored, shown "€10 – €1"
        return self


class SubscriptionOut(BaseModel):
    subscription_id: str
    firm_id: str
    email: str
    frequency: str
    min_score: float
    max_items: int
    language: str
    countries: list[str]
    min_value: float | None
    max_value: float | None
    currency: str
    active: bool
    created_at: datetime | None
    unsubscribed_at: datetime | None


class PreviewItem(BaseModel):
    tender_id: str
    title: str
    score: float
    approved: bool


class DigestPreview(BaseModel):
    subscription_id: str
    email: str
    language: str
    subject: str
    items: list[PreviewItem]
    text: str
    html: str


class Unsubscribed(BaseModel):
    subscription_id: str
    unsubscribed: bool


def _out(sub: Subscription) -> SubscriptionOut:
    return SubscriptionOut(**{k: getattr(sub, k) for k in SubscriptionOut.model_fields})


def subscription_spec(matcher: Matcher, firm_id: str, body: SubscriptionIn) -> SubscriptionSpec:
    """What ``body`` asks for the firm, with the default lowest fit filled in (the workspace's form too)."""
    min_score = matcher.default_min_fit() if body.min_score is None else body.min_score
    return SubscriptionSpec(firm_id=firm_id, **body.model_dump(exclude={"countries", "currency", "min_score"}),
                            min_score=min_score, countries=tuple(body.countries), currency=body.currency)


@router.get("/firms/{firm_id}/subscriptions", summary="A firm's digest subscriptions")
def list_subscriptions(firm_id: FirmAccess, matcher: MatcherDep) -> list[SubscriptionOut]:
    return [_out(s) for s in matcher.firm_subscriptions(firm_id)]


@router.post(
    "/firms/{firm_id}/subscriptions", summary="Subscribe an address (the firm itself, its partner, officers)",
    status_code=status.HTTP_201_CREATED, responses={**BODY_ERRORS, **responses(409)},
)
def create_subscription(
    firm_id: FirmAccess, body: SubscriptionIn, matcher: MatcherDep, principal: PrincipalDep
) -> SubscriptionOut:
    """An address has one active subscription per firm, compared case-insensitively: subscribing it again is a
    409 naming the existing subscription, which is left as it is (end it first to change its settings)."""
    return _out(matcher.subscribe(subscription_spec(matcher, firm_id, body), actor=principal.name))


@router.delete(
    "/firms/{firm_id}/subscriptions/{subscription_id}",
    summary="End a subscription (the firm itself, its partner, officers)",
)
def delete_subscription(
    firm_id: FirmAccess, subscription_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], matcher: MatcherDep,
) -> Unsubscribed:
    """Ends an active subscription (``unsubscribed`` is then true). One already ended, by an earlier DELETE, its
    unsubscribe link or a DELETE sent at the same moment, is a 404: of several sent together exactly one succeeds,
    as decided by the row each one's write changed."""
    if not matcher.unsubscribe(subscription_id, firm_id):
        raise NotFound(f"subscription {quoted(subscription_id)} of firm {quoted(firm_id)} is already ended")
    return Unsubscribed(subscription_id=subscription_id, unsubscribed=True)


@router.get(
    "/firms/{firm_id}/digest/preview", summary="What the next digest of each subscription would hold (sends nothing)",
    responses=responses(503),
)
def digest_preview(firm_id: FirmAccess, matcher: MatcherDep) -> list[DigestPreview]:
    return [
        DigestPreview(
            subscription_id=p.plan.subscription.subscription_id, email=p.plan.subscription.email,
            language=p.plan.subscription.language, subject=p.rendered.subject, text=p.rendered.text,
            html=p.rendered.html,
            items=[PreviewItem(tender_id=i.match.tender_id, title=i.match.title, score=i.match.score,
                               approved=i.approved) for i in p.plan.items],
        )
        for p in preview(matcher, firm_id)
    ]


TOKEN_DOC = "the signed token from the email's unsubscribe link"
#: A token's shape (``matcher.digest.tokens``): '<subscription>.<signature>'. A well-formed token whose
#: signature does not match is still a 422: a schema cannot state which signatures are valid.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
#: The pattern is stated, and enforced by ``read_token`` with its own message ("bad unsubscribe token ...").
STATED = {"pattern": TOKEN_PATTERN}
Token = Annotated[str, Query(min_length=3, max_length=300, json_schema_extra=STATED, description=TOKEN_DOC)]
QueryToken = Annotated[str | None, Query(
    alias="token", min_length=3, max_length=300, json_schema_extra=STATED,
    description=TOKEN_DOC + " (RFC 8058 one-click: the List-Unsubscribe URI as it is)")]
# Form fields are left out, never null (a form has no null): their schemas say so.
FormToken = Annotated[str | None, Form(alias="token", description=TOKEN_DOC + " (the confirmation page's form)"),
                      WithJsonSchema({"type": "string", "minLength": 3, "maxLength": 300, "pattern": TOKEN_PATTERN})]
OneClick = Annotated[Literal["One-Click"] | None, Form(alias="List-Unsubscribe", description=(
    "the RFC 8058 one-click body a mailbox provider sends")), WithJsonSchema({"type": "string", "const": "One-Click"})]
HTML_OR_JSON: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}},
          "description": "Unsubscribed: an HTML page when the client accepts text/html (a browser), else JSON"},
    **responses(404, 422),
    **BODY_ERRORS,
}


def _subscription_of(matcher: MatcherDep, settings: SettingsDep, token: str) -> Subscription:
    return matcher.subscription(read_token(settings, token))


@router.get(
    "/unsubscribe", summary="The email's unsubscribe link: a confirmation page that changes nothing (no login)",
    response_class=HTMLResponse, responses=responses(404, 422),
)
def unsubscribe_page(token: Token, matcher: MatcherDep, settings: SettingsDep) -> HTMLResponse:
    # GET only asks: mail scanners and link previews follow every link, and must not unsubscribe anyone.
    sub = _subscription_of(matcher, settings, token)
    return unsubscribe_confirmation(sub.email, token.strip(), sub.active)


@router.post(
    "/unsubscribe", summary="Unsubscribe: the confirmation form, or RFC 8058 one-click (no login)",
    response_model=Unsubscribed, responses=HTML_OR_JSON,
)
def unsubscribe(
    request: Request, matcher: MatcherDep, settings: SettingsDep, query_token: QueryToken = None,
    form_token: FormToken = None, one_click: OneClick = None,
) -> Unsubscribed | Response:
    """The token comes as the form field (the confirmation page) or in the query (a mailbox provider's
    one-click POST to the List-Unsubscribe URI, body ``List-Unsubscribe=One-Click``). Repeating it is harmless."""
    token = form_token or query_token
    if token is None:
        raise InvalidInput("no unsubscribe token (expected the 'token' form field or query parameter)")
    subscription_id = _subscription_of(matcher, settings, token).subscription_id
    done = Unsubscribed(subscription_id=subscription_id, unsubscribed=matcher.unsubscribe(subscription_id))
    return unsubscribed() if "text/html" in request.headers.get("accept", "") else done

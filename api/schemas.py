"""Request and response bodies. Inputs forbid unknown fields; outputs are what the OpenAPI document promises.

Input and output models are separate classes (``FirmCreate`` / ``FirmPublic``) even where their fields
coincide today, so either side can change without silently changing the other.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from types import UnionType
from typing import Annotated, Any, Generic, Literal, TypeVar, Union, get_args, get_origin

from fastapi import Header
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from matcher.characters import BIDI_CONTROLS
from matcher.schema import (
    CODE_PATTERN,
    MAX_PROFILE_LANGUAGES,
    MAX_SUGGESTIONS,
    MAX_TARGET_COUNTRIES,
    NO_BIDI_PATTERN,
    SHOWN_ITEM_DOC,
    SHOWN_TEXT,
    SHOWN_TEXT_DOC,
    SPACE_OR_CONTROL,
    BandName,
    Code,
    Country,
    FirmProfile,
    Identifier,
    Match,
    Nature,
    NoticeType,
    ProfileLanguage,
    RangeAmount,
    RangeCurrency,
    Tender,
    TypedItem,
    blank,
    check_value_range,
    no_nul,
    text_without_nul,
    typed_item,
    typed_text,
    visible,
)
from matcher.schema import ID_PATTERN as CORE_ID_PATTERN
from matcher.services.code_suggestions import CodeSuggestion
from matcher.services.keyword_suggestions import MAX_KEYWORD
from matcher.services.notice_status import NoticeStatus

T = TypeVar("T")

#: Every id in a path has the core's Identifier rule (no control characters: PostgreSQL keeps no NUL in text,
#: so one reached the store as a 500), so bad ids are 422 before any lookup.
ID_PATTERN = CORE_ID_PATTERN


def free_text(value: str) -> str:
    """Text that may be empty (a note), held to ``typed_text``'s rule on bidirectional controls."""
    return typed_text(value, must_draw=False)


#: A shortlist note: free text, empty or not (``free_text``).
Note = Annotated[str, Field(max_length=2000, json_schema_extra={"pattern": NO_BIDI_PATTERN}, description=(
    "free text for the partner, the firm or the officer; no bidirectional embedding, override or isolate "
    "(U+202A-U+202E, U+2066-U+2069)")), AfterValidator(free_text)]
#: A country as the API takes it: the core's rule and its JSON schema (``matcher.schema.Country``).
CountryCode = Country


def _takes_number(field: FieldInfo | None) -> bool:
    """Whether the field holds an int or a float (alone or beside None), and never a bool."""
    if field is None:
        return False
    kinds = get_args(field.annotation) if get_origin(field.annotation) in (Union, UnionType) else (field.annotation,)
    kinds = tuple(get_args(k)[0] if get_origin(k) is Annotated else k for k in kinds)  # a ``RangeAmount | None``
    return bool is not field.annotation and bool not in kinds and any(k in (int, float) for k in kinds)


class NumbersNotBool(BaseModel):
    """A JSON boolean given for a number field is refused naming the field: pydantic's lax mode read true as 1
    (``"min_score": true``, the highest fit; ``"page_size": true``, one notice a page). Query parameters, text
    that is parsed, never come as booleans."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and _takes_number(cls.model_fields.get(info.field_name or "")):
            raise ValueError(f"expected a number, not {str(value).lower()}")
        return value


class _NoNul(NumbersNotBool):
    """Every field of a request model is refused with a NUL in its text (``no_nul``); the 422 names the field,
    and the JSON schema states it (``text_without_nul``)."""

    model_config = ConfigDict(json_schema_extra=text_without_nul)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        return visible(no_nul(value), cls.model_fields.get(info.field_name or ""))


class _In(_NoNul):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def matching(pattern: str, expected: str) -> AfterValidator:
    """Enforces ``pattern`` (stated in the schema as it is) with a message a person can act on, instead of
    pydantic's "should match pattern '...'"."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value[:200]!r}: expected {expected}")
        return value

    return AfterValidator(check)


# ----------------------------------------------------------------------------- query parameters
#: Words to search for: one line with a character that draws. A zero-width space or a soft hyphen alone passed
#: the strip and searched for nothing (an empty page; twenty unrelated notices by meaning).
SEARCH_PATTERN = rf"^[^\x00-\x1f\x7f]*[^{SPACE_OR_CONTROL}][^\x00-\x1f\x7f]*$"


def _draws(value: str) -> str:
    """``value``, if a character of it draws: the tag characters above U+FFFF are past ``SEARCH_PATTERN``."""
    if problem := blank(value):
        raise ValueError(problem)
    return value


#: ``q`` of both searches (``GET /tenders``, ``GET /search/tenders``); each route describes what it searches.
SearchWords = Annotated[
    str, Field(min_length=1, max_length=200, json_schema_extra={"pattern": SEARCH_PATTERN}),
    matching(SEARCH_PATTERN, "words with a visible character and no control characters"), AfterValidator(_draws),
]


class PageQuery(_In):
    offset: int = Field(default=0, ge=0, le=1_000_000)
    limit: int = Field(default=50, ge=1, le=200)


class FirmQuery(PageQuery):
    q: SearchWords | None = Field(default=None, description=(
        "words of a firm's name or id, each held in either, in any case and with or without accents (e.g. "
        "'hanbit', '한빛', 'societe'; a visible character, no control characters)"))


class TenderQuery(PageQuery):
    """Filters for listing tenders; all optional and combined with AND."""

    country: CountryCode | None = Field(default=None, description="buyer country or place of performance")
    code_prefix: str | None = Field(
        default=None, max_length=40, pattern=r"^(CPV|UNSPSC|GSIN|NAICS|OTHER):[A-Za-z0-9.-]*$",
        description="classification code prefix, e.g. 'CPV:3314' or 'UNSPSC:42'",
    )
    notice_type: NoticeType | None = None
    open_only: bool = Field(default=False, description=(
        "only notices open now: published, deadline (or without one the window after publication) not "
        "passed, not cancelled (README, 'Open')"))
    q: SearchWords | None = Field(default=None, description=(
        "words in title or buyer (taken literally: '%' and '_' are not wildcards; a visible character, no control "
        "characters)"))
    source: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$")
    include_unpublished: bool = Field(default=False, description=(
        "officers only (another key giving it is a 403): also the notices published after now (the API's clock, "
        "MATCHER_CLOCK when set), such as those a feed loaded ahead of a replayed clock; open_only still leaves "
        "them out"))


class LanguageQuery(_In):
    lang: Literal["ko", "en"] | None = Field(default=None, description=(
        "language of the worded text (reasons' summary, file headers); without it the first of ko or en in "
        "the Accept-Language header, else en"))


#: The reader's languages, used when a route that words text is not given ``lang``.
AcceptLanguage = Annotated[str | None, Header(description=(
    "the reader's languages; the first of ko or en in it words the text when 'lang' is not given"))]


MinFitBand = Annotated[BandName | None, Field(description=(
    "only matches in this fit band or a better one (strong > good > possible > weak), still best first: the "
    "first k of them. 'possible' is what a digest sends by default and the workspace lists unless asked for "
    "every fit; a weak fit is about one in eighteen judged relevant. Without it every band is listed, as "
    "without a calibration (fit_band null)"))]


class RecommendQuery(LanguageQuery):
    k: int = Field(default=10, ge=1, le=100, description="how many results")
    country: list[CountryCode] = Field(default_factory=list, max_length=50, description="repeatable")
    min_value: RangeAmount | None = Field(default=None, description="in 'currency'")
    max_value: RangeAmount | None = Field(default=None, description="in 'currency'")
    currency: RangeCurrency = "EUR"
    include_closed: bool = Field(default=False, description="also closed tenders (past their deadline or window, "
                                 "or cancelled); never those published after now")
    min_fit_band: MinFitBand = None

    @model_validator(mode="after")
    def _range(self) -> RecommendQuery:
        check_value_range(self.min_value, self.max_value)
        return self


class FirmsForQuery(LanguageQuery):
    k: int = Field(default=10, ge=1, le=100, description="how many firms")
    min_fit_band: MinFitBand = None


class ShortlistQuery(_In):
    status: Literal["proposed", "approved", "rejected"] | None = Field(
        default=None, description=("only items with this status (firm keys see approved items only, so another "
                                    "status finds none for them)")
    )


class ShortlistExportQuery(ShortlistQuery, LanguageQuery):
    """Which items to export, and the language of the headers and status words."""


# ----------------------------------------------------------------------------- errors
class Problem(BaseModel):
    loc: str = Field(description="where the problem is, e.g. 'query.k' or 'body.tenders.0.title'")
    msg: str


class Error(BaseModel):
    """Every 4xx/5xx body: a stable code and a message naming the bad value and what was expected."""

    error: str = Field(description="stable code: unauthenticated, forbidden, not_found, invalid_input, ...")
    detail: str = Field(description="human-readable message naming the problem")
    problems: list[Problem] = Field(default_factory=list, description="one entry per invalid field")


# ----------------------------------------------------------------------------- paging and jobs
class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(ge=0, description="how many items match, over all pages")
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)


class JobPublic(BaseModel):
    """A background job: bringing the search index in step with the store after an import, or a run of
    live feeds (kind ``feeds-run``, whose outcomes ``GET /feeds/runs/{job_id}`` lists)."""

    job_id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    created_at: datetime
    finished_at: datetime | None = None
    detail: str | None = Field(default=None, description=(
        "the index sync summary or each feed's outcome in one line, or why the job failed"))


class Rejection(BaseModel):
    record: str = Field(description="which record: file:line, or the index in the request body")
    reason: str


class IngestSummary(BaseModel):
    """What an import stored. Nothing is stored from a file that cannot be read as a whole."""

    new: int
    updated: int
    unchanged: int
    rejected: list[Rejection]
    index_job: JobPublic | None = Field(
        default=None, description="the background index sync; reads keep using the previous index until it ends"
    )


class Deleted(BaseModel):
    deleted: str
    index_job: JobPublic | None = None


# ----------------------------------------------------------------------------- tenders
class TenderIn(Tender, NumbersNotBool):
    """A tender notice as sent by a client (unknown fields and NUL characters are refused, as in the core)."""


class TenderBatch(_In):
    """Notices to insert, or to update field by field: a stored notice keeps the fields an item leaves out."""

    tenders: list[TenderIn] = Field(min_length=1, max_length=5000, description="each notice once (a tender_id "
                                    "named twice is a 422 naming it and its places, and nothing is stored)")

    @field_validator("tenders")
    @classmethod
    def _each_once(cls, tenders: list[TenderIn]) -> list[TenderIn]:
        """The store keeps one record per id, so one of two records of an id would win without a word (an
        outside trial): the batch is refused, naming each repeated id where it is ("'a' at tenders.0 and
        tenders.2"). A file's repeated records are rejected one by one instead (``matcher.ingest.base``)."""
        places: dict[str, list[str]] = {}
        for position, tender in enumerate(tenders):
            places.setdefault(tender.tender_id, []).append(f"tenders.{position}")
        repeated = [f"{tender_id!r} at {', '.join(at[:-1])} and {at[-1]}" for tender_id, at in places.items()
                    if len(at) > 1]
        if repeated:
            raise ValueError(f"tender_id sent more than once (each notice once per batch): {'; '.join(repeated)}")
        return tenders


class TenderPublic(Tender):
    """A stored tender notice."""


# ----------------------------------------------------------------------------- firms
class FirmCreate(FirmProfile, NumbersNotBool):
    """A new firm profile (the description may be in any language, Korean included)."""


#: FirmUpdate fields a profile must have a value for: absent keeps it, null is refused (422 naming the field).
#: The others (home country, value range, currency) may be cleared with null.
NOT_NULL_UPDATES = ("name", "description", "keywords", "codes", "declined_codes", "target_countries", "languages",
                    "certifications", "offers")


def _without_null(schema: dict[str, Any]) -> None:
    """The OpenAPI schema of ``FirmUpdate``: the NOT_NULL_UPDATES fields are optional but not nullable, and
    its text has no NUL (``text_without_nul``)."""
    text_without_nul(schema)
    properties: dict[str, Any] = schema["properties"]
    for name in NOT_NULL_UPDATES:
        prop = properties[name]
        (kept,) = [branch for branch in prop.pop("anyOf") if branch.get("type") != "null"]
        prop.pop("default", None)
        prop.update(kept)


class FirmUpdate(_In):
    """Fields to change; absent fields keep their value. ``firm_id`` cannot change. Null clears the home
    country, the value range and the currency; the other fields cannot be null."""

    model_config = ConfigDict(json_schema_extra=_without_null)

    @model_validator(mode="before")
    @classmethod
    def _no_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = [name for name in NOT_NULL_UPDATES if name in data and data[name] is None]
            if nulls:
                raise ValueError(f"{', '.join(nulls)} cannot be null (leave a field out to keep its value)")
        return data

    name: str | None = Field(default=None, min_length=1, max_length=300, json_schema_extra=SHOWN_TEXT,
                             description=SHOWN_TEXT_DOC)
    description: str | None = Field(default=None, min_length=1, max_length=20_000, json_schema_extra=SHOWN_TEXT,
                                    description=SHOWN_TEXT_DOC)
    keywords: list[TypedItem] | None = Field(default=None, max_length=100, description=f"each {SHOWN_ITEM_DOC}")
    codes: list[Code] | None = Field(default=None, max_length=200)
    declined_codes: list[Code] | None = Field(
        default=None, max_length=200, description="codes never to suggest or rank on for this firm (an empty list "
        "restores every declined code)",
    )
    home_country: CountryCode | None = None
    target_countries: list[CountryCode] | None = Field(default=None, max_length=MAX_TARGET_COUNTRIES)
    languages: list[ProfileLanguage] | None = Field(default=None, max_length=MAX_PROFILE_LANGUAGES)
    min_value: RangeAmount | None = None
    max_value: RangeAmount | None = None
    currency: RangeCurrency | None = None
    certifications: list[TypedItem] | None = Field(default=None, max_length=100, description=f"each {SHOWN_ITEM_DOC}")
    offers: list[Nature] | None = Field(
        default=None, max_length=3, description="what the firm sells: supplies, services and/or works"
    )


class FirmPublic(FirmProfile):
    """A stored firm profile, as stored (``actions.public_firm`` reads it with ``STORED``)."""

    @model_validator(mode="wrap")
    @classmethod
    def _answered_as_made(cls, value: Any, handler: ModelWrapValidatorHandler[FirmPublic]) -> FirmPublic:
        # FastAPI validates a route's answer again against its response model, without a context, and pydantic runs
        # a model's "after" validators even on an instance it is handed: a profile stored before a rule across its
        # fields (a declined code covering one of its codes) was a 500 wherever it was answered. An instance was
        # validated when it was made, so it is answered as it is.
        return value if isinstance(value, cls) else handler(value)


class SuggestCodesQuery(_In):
    k: int = Field(default=10, ge=1, le=MAX_SUGGESTIONS, description="how many codes")


class SuggestedCodePublic(CodeSuggestion):
    """A code inferred from the firm's description, with a confidence (the chance its CPV class fits, as
    measured on stored notices), the evidence behind it, and the partner's decisions on the firm's shortlisted
    notices under it (``worth_declining`` when those say the firm does not do it). Not part of the profile
    until accepted."""


class CodesIn(_In):
    """Codes to add to the firm's confirmed codes (accepted suggestions) or to its declined codes; present ones
    are kept once."""

    codes: list[Annotated[str, Field(min_length=1, max_length=40), WithJsonSchema({
        "type": "string", "pattern": CODE_PATTERN, "maxLength": 40})]] = Field(
        min_length=1, max_length=200, description=(
            "scheme-prefixed codes of the CPV 2008 or UNGM UNSPSC list, e.g. 'CPV:33111000' (an unknown one is "
            "a 422)"),
    )


#: A keyword to add to a profile: one line (no control character: C0, DEL or C1, as the core's ``keyword_problem``)
#: with a visible character (above U+FFFF too), and no bidirectional control (``typed_item``, which names the
#: character, checked first).
KEYWORD_PATTERN = rf"^[^\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]*[^{SPACE_OR_CONTROL}][^\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]*$"
Keyword = Annotated[
    str, Field(min_length=1, max_length=MAX_KEYWORD, json_schema_extra={"pattern": KEYWORD_PATTERN}),
    AfterValidator(typed_item),
    matching(KEYWORD_PATTERN, "a keyword: one line with a visible character, no control characters"),
]


class KeywordsIn(_In):
    """Keywords to add to the firm's keywords (its suggested keywords, or others), after those it has; one it
    has already (spaces and case ignored) is kept once."""

    keywords: list[Keyword] = Field(min_length=1, max_length=100, description=(
        f"1-{MAX_KEYWORD} characters each, e.g. '정수장'; the profile holds at most 100 keywords (past that, a 422 "
        "and nothing is stored)"))


# ----------------------------------------------------------------------------- matches and shortlists
class MatchPublic(Match):
    """A ranked tender for a firm (or firm for a tender) with its score, score parts and reasons, exactly
    as ``matcher recommend --json`` prints it in English. The reasons and concerns are codes with parameters;
    their ``summary`` is worded in the reader's language (``lang`` or Accept-Language; the response's
    Content-Language names it), concerns prefixed ("concern: " in English)."""


class NoticeStatusPublic(NoticeStatus):
    """Whether the notice is open at the API's clock (``MATCHER_CLOCK`` when set), and why not: the line
    ``matcher firms-for`` prints first, as a code and in words."""


class FirmMatchPublic(MatchPublic):
    """A firm for a tender: its match as ``MatchPublic``, and whether the notice is open, exactly as ``matcher
    firms-for --json`` prints it."""

    notice_status: NoticeStatusPublic = Field(description=(
        "the notice's, the same on every match of the answer: whether a firm can bid on it now, and why not"))


class ShortlistItemIn(_In):
    tender_id: Identifier
    note: Note = ""


class ShortlistFromRecommendations(_In):
    """Propose a firm's current top recommendations (hard filters as for recommendations)."""

    top: int = Field(default=5, ge=1, le=50)
    min_fit_band: MinFitBand = None
    include_closed: Literal[False] = Field(default=False, description=(
        "only false: closed notices are never shortlisted (the workspace's rule too)"))
    note: Note = ""

    @field_validator("include_closed", mode="before")
    @classmethod
    def _open_only(cls, value: Any) -> Any:
        if value is True:
            raise ValueError("closed notices are never shortlisted: leave include_closed out, or false")
        return value


class DecisionIn(_In):
    status: Literal["approved", "rejected"]
    note: Note | None = None


class ShortlistItemOut(BaseModel):
    """A shortlist item with the fields of its tender; a tender deleted since keeps its item (the
    decision is history) with its tender fields null. An item whose notice is published after now is listed
    only for officers (``published_after_now`` true); for firm and partner keys it is not on the shortlist."""

    firm_id: str
    tender_id: str
    status: Literal["proposed", "approved", "rejected"]
    note: str
    score: float | None
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    title: str | None = Field(description="the tender's title; null when the tender has been deleted")
    buyer: str | None
    buyer_country: str | None
    deadline: datetime | None
    url: str | None
    published: date | None = Field(description="the tender's publication day; null when unknown or deleted")
    published_after_now: bool = Field(description=(
        "the tender is published after now (the API's clock, MATCHER_CLOCK when set): only an officer's key "
        "lists such an item"))
    etag: str = Field(description=(
        "the item's ETag, in quotes as a header holds it (a hash of the stored item: it changes with every decision "
        "or note): send it as If-Match with `PATCH .../shortlist/{tender_id}` to decide only on the version shown"))


class ShortlistProposalOut(ShortlistItemOut):
    """A shortlist item as a proposal of several answers it (``POST .../shortlist/from-recommendations``): the item
    as stored, and whether this call put it on the shortlist (``ShortlistEntry.created``)."""

    created: bool = Field(description=(
        "true when this call put the tender on the shortlist; false when it was on it already (kept as stored, "
        "a note sent replacing its note)"))


class FeedbackEventOut(BaseModel):
    firm_id: str
    tender_id: str
    decision: Literal["proposed", "approved", "rejected"]
    actor: str
    note: str
    score: float | None
    created_at: datetime


# ----------------------------------------------------------------------------- people
class PrincipalPublic(BaseModel):
    key_id: str
    name: str
    role: Literal["officer", "partner", "firm"]
    firm_id: str | None = None
    firm_ids: list[str] | None = Field(description="firms this key may see; null means every firm (officers)")


class PartnerPublic(BaseModel):
    name: str
    firm_ids: list[str]


# ----------------------------------------------------------------------------- health
class StoreHealth(BaseModel):
    ok: bool
    backend: str | None = Field(default=None, description="sqlite or postgresql (with an officer's key)")
    tenders: int | None = None
    firms: int | None = None
    detail: str | None = None


class IndexHealth(BaseModel):
    loaded: bool
    count: int | None = None
    encoder: str | None = None
    index_type: str | None = None
    build_id: str | None = None
    built_at: str | None = None
    detail: str | None = None


class FeedHealth(BaseModel):
    """A live feed's latest run, for monitoring (``api.routes.feeds`` has the rest)."""

    name: str
    kind: str
    status: Literal["running", "ok", "failed"] | None = Field(description="the latest run's; null before the first")
    finished_at: datetime | None = Field(description="when the latest run ended (null while it runs)")
    cursor_at: datetime | None = Field(description="when the feed's cursor last moved: its last stored page")
    new: int = Field(ge=0)
    updated: int = Field(ge=0)
    rejected: int = Field(ge=0)
    error: str | None = Field(description="what stopped the latest run")


class FeedCounts(BaseModel):
    """How many live feeds' latest run is in each state: what anyone may monitor without a key."""

    ok: int = Field(default=0, ge=0)
    failed: int = Field(default=0, ge=0)
    running: int = Field(default=0, ge=0)
    never_run: int = Field(default=0, ge=0)

    @classmethod
    def of(cls, feeds: list[FeedHealth]) -> FeedCounts:
        states = [f.status or "never_run" for f in feeds]
        return cls(**{state: states.count(state) for state in set(states)})


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"] = Field(description=(
        "ready when the store answers and an index is loaded; the feeds do not count"))
    store: StoreHealth
    index: IndexHealth
    feed_counts: FeedCounts = Field(default_factory=FeedCounts, description=(
        "the feeds' latest runs by state. A failed feed does not make the service not ready: a source being "
        "down is not this service being down, and what is stored keeps being served. Alert on failed > 0"))
    feeds: list[FeedHealth] = Field(default_factory=list, description=(
        "each configured feed's latest run, with its name and error: only with an officer's key (empty "
        "otherwise). Without one the store and index parts say only ok and loaded"))


class Liveness(BaseModel):
    status: Literal["alive"] = "alive"

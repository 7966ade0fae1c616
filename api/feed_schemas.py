"""Request and response bodies of the live feeds' API (``api.routes.feeds``) and of a feed run's job.

The input rules are the server's own (``matcher.services.feeds.validated_spec``: the name, the kinds, the URL,
the query, the page size), written out here so that the OpenAPI document says what a 422 will be about. The
service checks the spec again, so the API, the workspace and the CLI refuse the same feeds.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from api.schemas import JobPublic, NumbersNotBool, Rejection, free_text, matching
from matcher.characters import BIDI_CONTROLS
from matcher.schema import FeedKind
from matcher.services.feed_credentials import without_credentials
from matcher.services.feeds import MAX_PAGE_SIZE, MAX_QUERY, MAX_URL

#: A feed's name (``validated_spec``'s rule): 1-60 lower-case letters, digits, '-' or '_', not starting with
#: '-' or '_'.
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,59}$"
#: http(s), a host name or IPv4 address and an optional port, then any path, query and fragment; no spaces or
#: control characters anywhere. No user:password@: credentials in a stored URL would show in every listing.
#: No bracketed IPv6 literal: a regular expression cannot tell a valid one, and urlsplit raises on an invalid
#: one (``http://[0]``), which would reach the service as a crash instead of a 422. No bidirectional control either
#: (``typed_text``'s rule: shown to officers, 'releases/\\u202egpj.exe' displays as 'releases/exe.jpg'); one
#: percent-encoded (%E2%80%AE) is taken, shown as it is written.
URL_PATTERN = (rf"^https?://[^\x00-\x20\x7f/?#@:\[\]{BIDI_CONTROLS}]+(:[0-9]{{1,5}})?"
               rf"([/?#][^\x00-\x20\x7f{BIDI_CONTROLS}]*)?$")
#: No control characters (tabs and line breaks included), and no bidirectional control (``typed_text``'s rule).
QUERY_PATTERN = rf"^[^\x00-\x1f\x7f{BIDI_CONTROLS}]*$"


FeedNameText = Annotated[str, Field(max_length=60, json_schema_extra={"pattern": NAME_PATTERN}), matching(
    NAME_PATTERN, "1-60 lower-case letters, digits, '-' or '_', starting with a letter or digit")]
#: A feed's endpoint as the API takes it (``format: uri`` for clients; the pattern is what is enforced).
HttpUrlText = Annotated[
    str, Field(max_length=MAX_URL, json_schema_extra={"pattern": URL_PATTERN, "format": "uri"}),
    AfterValidator(free_text),
    matching(URL_PATTERN, "an http:// or https:// URL with a host name (no spaces, no user:password@)"),
]
QueryText = Annotated[
    str, Field(max_length=MAX_QUERY, json_schema_extra={"pattern": QUERY_PATTERN}), AfterValidator(free_text),
    matching(QUERY_PATTERN, "text without control characters (tabs and line breaks included)"),
]


class FeedCreate(NumbersNotBool):
    """A feed to configure: what to fetch. Its cursor starts empty: the first run starts from the source's
    default starting point (or from ``since`` when the run is given one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: FeedNameText = Field(description=(
        "the feed's name: 1-60 lower-case letters, digits, '-' or '_', starting with a letter or digit"),
        examples=["ted-water"])
    kind: FeedKind = Field(description=(
        "the source: 'ted' (TED's search API), 'worldbank' (the World Bank's procurement notices API) or "
        "'ocds' (any OCDS publisher's release or record package endpoint)"))
    url: HttpUrlText | None = Field(default=None, validate_default=True, description=(
        "the endpoint, http:// or https:// with a host; null means the source's public default. Required "
        "for 'ocds' (a 422 without it). No bidirectional embedding, override or isolate (U+202A-U+202E, "
        "U+2066-U+2069): an address holding one is written percent-encoded (%E2%80%AE), as it is then shown"))
    query: QueryText | None = Field(default=None, description=(
        "a filter in the source's own terms (for TED an expert search query), passed to the source as "
        "given; no control characters, nor a bidirectional embedding, override or isolate (U+202A-U+202E, "
        "U+2066-U+2069); empty means none"))
    page_size: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE, description=(
        "notices asked for per page; null means the connector's default"))

    @field_validator("url")
    @classmethod
    def _ocds_needs_url(cls, url: str | None, info: ValidationInfo) -> str | None:
        if url is None and info.data.get("kind") == "ocds":
            raise ValueError("an ocds feed needs a url: the publisher's release or record package endpoint")
        return url


class FeedRunPublic(BaseModel):
    """A feed's latest run, as stored page by page (all zeros and nulls before the first run). A run that
    was killed half-way stays ``running`` with the pages it stored; the next run resumes after them."""

    started_at: datetime | None
    finished_at: datetime | None
    status: Literal["running", "ok", "failed"] | None
    pages: int = Field(ge=0, description="pages stored, each with the cursor after it")
    new: int = Field(ge=0)
    updated: int = Field(ge=0)
    unchanged: int = Field(ge=0)
    rejected: int = Field(ge=0, description="records that could not be read as a notice")
    error: str | None = Field(description="what stopped the run (the source down, a malformed page, ...)")
    rejections: list[Rejection] = Field(description="the run's first rejected records, each with its reason")


class FeedPublic(BaseModel):
    """A configured feed: what it fetches, where its last stored page left off, and how its latest run went."""

    name: str
    kind: str
    url: str | None = Field(description=(
        "null: the source's public default endpoint. A user:password@ in it (stored by `matcher feeds add`) is "
        "shown as ***@"))
    query: str | None
    page_size: int | None
    cursor: dict[str, Any] = Field(description=(
        "where the next run resumes, as the feed's connector wrote it ({} before the first page or after a "
        "reset)"))
    cursor_at: datetime | None = Field(description="when the cursor last moved (or was reset)")
    created_at: datetime
    created_by: str
    last_run: FeedRunPublic

    @field_validator("url")
    @classmethod
    def _no_password(cls, url: str | None) -> str | None:
        return without_credentials(url) if url else url


class FeedOutcomePublic(BaseModel):
    """How one feed's run ended. ``busy``: another process (a scheduler, another officer's run) holds the
    feed's lease, so this run left it alone; nothing is wrong with the feed."""

    name: str
    status: Literal["ok", "failed", "busy"]
    pages: int = Field(ge=0)
    new: int = Field(ge=0)
    updated: int = Field(ge=0)
    unchanged: int = Field(ge=0)
    rejected: int = Field(ge=0)
    error: str | None


class FeedsRunJob(BaseModel):
    """A run of feeds in the background: its job, and each feed's outcome once the job has ended."""

    job: JobPublic
    feeds: list[str] = Field(description="the feeds asked for; empty means every configured feed")
    since: date | None = Field(description="the starting day the run was given instead of the cursors")
    outcomes: list[FeedOutcomePublic] = Field(description=(
        "one per feed, in the order they ran; empty until the job has ended (and when it failed before any "
        "feed ran: see job.detail)"))
    index: str | None = Field(default=None, description="the search index update after the run, when one ran")

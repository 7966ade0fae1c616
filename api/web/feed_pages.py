"""The officer page's live feeds: what the table shows, the add form, and runs started as the API's job.

The form is read with the API's ``FeedCreate`` and turned into a spec by the API's ``feed_spec``
(``validated_spec``), so the page refuses exactly what ``POST /feeds`` refuses, each problem next to its
field. "Run now" starts the API's background job (``api.feed_runs``); the page then follows that job by its
id (``?run=``), htmx polling the feeds block until the job has ended, when the block shows each feed's
outcome and the table the new latest runs. The routes are the officer page's (``api.web.officer_pages``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import ValidationError
from starlette.datastructures import FormData, State

from api.feed_runs import feed_runs
from api.feed_schemas import NAME_PATTERN, FeedCreate, FeedsRunJob
from api.jobs import JobRegistry
from api.routes.feeds import feed_spec
from api.web.form_fields import Errors, Expects, FieldError, FormInvalid, field_errors, text_of
from api.web.session import PageRefused
from matcher.errors import InvalidInput, NotFound
from matcher.schema import FEED_KINDS
from matcher.store.feeds import FeedSpec

#: What each field expects, as a message key: the whole of what a refused field shows.
EXPECTS: dict[str, str] = {
    "name": "expect_feed_name",
    "kind": "expect_feed_kind",
    "url": "expect_feed_url",
    "query": "expect_feed_query",
    "page_size": "expect_feed_page_size",
    "form": "feed_refused",
}
FIELDS = Expects(EXPECTS, whole="form", other="form")
KINDS = FEED_KINDS
_NAME = re.compile(NAME_PATTERN)
_JOB_ID = re.compile(r"^[0-9a-f]{16}$")  # the job registry's ids


@dataclass(frozen=True)
class FeedForm:
    """The add-a-feed form as typed (or empty), and the problem of each refused field."""

    name: str = ""
    kind: str = "ted"
    url: str = ""
    query: str = ""
    page_size: str = ""
    errors: Errors = field(default_factory=dict)

    @classmethod
    def read(cls, form: FormData) -> FeedForm:
        return cls(text_of(form, "name"), text_of(form, "kind"), text_of(form, "url"), text_of(form, "query"),
                   text_of(form, "page_size"))

    def spec(self) -> FeedSpec:
        """The spec to store; FormInvalid names each refused field (nothing is stored)."""
        data = {"name": self.name, "kind": self.kind, "url": self.url, "query": self.query,
                "page_size": self.page_size}
        try:
            body = FeedCreate.model_validate({k: v for k, v in data.items() if v != ""})  # empty: the default
            return feed_spec(body)
        except ValidationError as exc:
            raise FormInvalid(field_errors(exc, FIELDS)) from None
        except InvalidInput:  # the service's own check, should the two rules ever part
            raise FormInvalid({"form": FieldError("feed_refused")}) from None

    def taken(self) -> FeedForm:
        return FeedForm(self.name, self.kind, self.url, self.query, self.page_size,
                        {"name": FieldError.naming("feed_exists", self.name)})


def checked_name(name: str) -> str:
    """A feed name from a page address; anything else is the not-found page (as an unknown feed is)."""
    if not _NAME.fullmatch(name):
        raise PageRefused(404, "not_found_title", "feed_not_known")
    return name


@dataclass(frozen=True)
class RunView:
    """The run the page follows: ``run`` is None when this server no longer knows the job id it was given."""

    job_id: str
    run: FeedsRunJob | None

    @property
    def state(self) -> str:
        return self.run.job.status if self.run else "unknown"

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "unknown")


def is_job_id(value: str) -> bool:
    """``value`` has the shape of the job registry's ids."""
    return _JOB_ID.fullmatch(value) is not None


def run_view(state: State, jobs: JobRegistry, job_id: str | None) -> RunView | None:
    """The run named by the page's ``?run=`` (None without one, or with something that is not a job id)."""
    if job_id is None or not is_job_id(job_id):
        return None
    try:
        return RunView(job_id, feed_runs(state).get(jobs, job_id))
    except NotFound:
        return RunView(job_id, None)

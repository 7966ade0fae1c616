"""Live feeds (officers): configure them, see their cursors and latest runs, and run them in the background.

A run is a background job (``api.feed_runs``): ``POST /feeds/run`` answers 202 at once with the job, and
``GET /feeds/runs/{job_id}`` (the ``Location``) lists each feed's outcome once it has ended. A feed that
another process is running at that moment (the scheduler, another officer) comes back ``busy``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query, Response, status

from api.deps import JobsDep, KeyFirstRoute, MatcherDep, OfficerDep
from api.errors import BODY_ERRORS, ERRORS, responses
from api.feed_runs import FeedRunsDep
from api.feed_schemas import NAME_PATTERN, FeedCreate, FeedPublic, FeedRunPublic, FeedsRunJob
from api.schemas import Rejection
from matcher.schema import Day
from matcher.services.feeds import checked_since, validated_spec
from matcher.store.feeds import Feed, FeedSpec

router = APIRouter(prefix="/feeds", tags=["feeds"], responses=ERRORS, route_class=KeyFirstRoute)
FeedName = Annotated[
    str, Path(pattern=NAME_PATTERN, max_length=60, description="a feed's name", examples=["ted-water"])
]
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="the run's job id")]
Since = Annotated[Day | None, Query(description=(
    "fetch notices published on or after this day (YYYY-MM-DD in the years 1900-2200; a number is a 422) instead "
    "of resuming from the cursor (not after today)"))]
#: The 202's header, documented: where to poll the run.
RUN_STARTED: dict[int | str, dict[str, Any]] = {202: {
    "description": "The run is queued; poll the Location (GET /feeds/runs/{job_id}) until job.status is done",
    "headers": {"Location": {"description": "the run's address", "schema": {"type": "string"}}},
}}


def feed_spec(body: FeedCreate) -> FeedSpec:
    """The core's spec for a request body (``validated_spec`` checks it again: one rule for every face)."""
    return validated_spec(body.name, body.kind, body.url, body.query, body.page_size)


def public(feed: Feed) -> FeedPublic:
    run = feed.last_run
    return FeedPublic(
        name=feed.name, kind=feed.spec.kind, url=feed.spec.url, query=feed.spec.query,
        page_size=feed.spec.page_size, cursor=feed.cursor, cursor_at=feed.cursor_at, created_at=feed.created_at,
        created_by=feed.created_by, last_run=FeedRunPublic(
            started_at=run.started_at, finished_at=run.finished_at, status=run.status, pages=run.pages,
            new=run.new, updated=run.updated, unchanged=run.unchanged, rejected=run.rejected, error=run.error,
            rejections=[Rejection(record=r, reason=why) for r, why in run.rejections],
        ),
    )


@router.get("", summary="Configured feeds with their cursor and latest run (officers)")
def list_feeds(matcher: MatcherDep, _: OfficerDep) -> list[FeedPublic]:
    return [public(feed) for feed in matcher.all_feeds()]


@router.post(
    "", summary="Configure a feed (officers)", status_code=status.HTTP_201_CREATED,
    responses={**BODY_ERRORS, **responses(409)},
)
def add_feed(body: FeedCreate, matcher: MatcherDep, officer: OfficerDep, response: Response) -> FeedPublic:
    feed = matcher.add_feed(feed_spec(body), officer.name)
    response.headers["Location"] = f"/feeds/{feed.name}"
    return public(feed)


@router.post("/run", summary="Run every feed in the background (officers)", status_code=202, responses=RUN_STARTED)
def run_all(
    matcher: MatcherDep, jobs: JobsDep, runs: FeedRunsDep, background: BackgroundTasks, response: Response,
    _: OfficerDep, since: Since = None,
) -> FeedsRunJob:
    since = checked_since(since, matcher.settings.now().date())
    return _started(runs.start(matcher, jobs, background, [], since), response)


@router.get("/runs/{job_id}", summary="A feed run: its job and, once it has ended, each feed's outcome (officers)")
def run_state(job_id: JobId, jobs: JobsDep, runs: FeedRunsDep, _: OfficerDep) -> FeedsRunJob:
    return runs.get(jobs, job_id)


@router.get("/{name}", summary="One feed (officers)")
def get_feed(name: FeedName, matcher: MatcherDep, _: OfficerDep) -> FeedPublic:
    return public(matcher.feed(name))


@router.delete(
    "/{name}", summary="Stop fetching a feed; the notices it brought stay (officers)",
    status_code=status.HTTP_204_NO_CONTENT,
)
def remove_feed(name: FeedName, matcher: MatcherDep, _: OfficerDep) -> None:
    matcher.remove_feed(name)


@router.post("/{name}/reset", summary="Forget a feed's cursor: its next run starts afresh (officers)")
def reset_feed(name: FeedName, matcher: MatcherDep, _: OfficerDep) -> FeedPublic:
    matcher.reset_feed(name)
    return public(matcher.feed(name))


@router.post(
    "/{name}/run", summary="Run one feed in the background (officers)", status_code=202, responses=RUN_STARTED,
)
def run_one(
    name: FeedName, matcher: MatcherDep, jobs: JobsDep, runs: FeedRunsDep, background: BackgroundTasks,
    response: Response, _: OfficerDep, since: Since = None,
) -> FeedsRunJob:
    matcher.feed(name)  # 404 now rather than a failed job
    since = checked_since(since, matcher.settings.now().date())
    return _started(runs.start(matcher, jobs, background, [name], since), response)


def _started(run: FeedsRunJob, response: Response) -> FeedsRunJob:
    response.headers["Location"] = f"/feeds/runs/{run.job.job_id}"
    return run

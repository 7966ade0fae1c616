"""Liveness and readiness (no key needed: load balancers and orchestrators call these).

Readiness also counts the live feeds' latest runs by status for monitoring, without letting a failed feed make
the service "not ready": a source that is down is not this service being down. Without a key it says no more
than that (ready or not, the counts); an officer's key adds the details: store and index sizes, the encoder
and build, each feed's name and last error (issue 15: they were public, naming the sources and their errors).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api import actions
from api.deps import AccessDep, MatcherDep, key_of
from api.schemas import FeedCounts, FeedHealth, IndexHealth, Liveness, Readiness, StoreHealth
from matcher.pipeline import Matcher
from matcher.services.access import AuthenticationError

log = logging.getLogger(__name__)

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", summary="The process is up")
def live() -> Liveness:
    return Liveness()


@router.get(
    "/ready", summary="The store answers and an index is loaded (details with an officer's key)",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: no index loaded, or the store is down"}},
)
def ready(request: Request, matcher: MatcherDep, access: AccessDep) -> JSONResponse:
    """Anyone gets the status, whether the store answers and an index is loaded, and the feeds' counts by
    state; the same request with an officer's key (``Authorization: Bearer`` or ``X-API-Key``) also gets
    sizes, the encoder and build, and each feed's latest run with its error. A missing or bad key is never a
    401 here: it just gets the public answer."""
    report = actions.readiness(matcher)
    feeds = feed_health(matcher)
    report.feed_counts = FeedCounts.of(feeds)
    if is_officer(access, key_of(request)):
        report.feeds = feeds
    else:
        report = public(report)
    return JSONResponse(report.model_dump(mode="json"), status_code=200 if report.status == "ready" else 503)


def is_officer(access: AccessDep, token: str | None) -> bool:
    """Whether ``token`` is an officer's key; no key or a bad one is simply not (readiness never says 401)."""
    if token is None:
        return False
    try:
        return access.authenticate(token).role == "officer"
    except AuthenticationError:
        return False


def public(report: Readiness) -> Readiness:
    """What anyone may read: ready or not, whether the store answers and an index is loaded, feed counts."""
    return Readiness(
        status=report.status, store=StoreHealth(ok=report.store.ok), index=IndexHealth(loaded=report.index.loaded),
        feed_counts=report.feed_counts,
    )


def feed_health(matcher: Matcher) -> list[FeedHealth]:
    """Each feed's latest run; none when the store cannot be read (``store`` already says so)."""
    try:
        feeds = matcher.all_feeds()
    except SQLAlchemyError as exc:
        log.warning("readiness: feeds unreadable: %s", type(exc).__name__)
        return []
    return [
        FeedHealth(
            name=f.name, kind=f.spec.kind, status=f.last_run.status, finished_at=f.last_run.finished_at,
            cursor_at=f.cursor_at, new=f.last_run.new, updated=f.last_run.updated, rejected=f.last_run.rejected,
            error=f.last_run.error,
        )
        for f in feeds
    ]

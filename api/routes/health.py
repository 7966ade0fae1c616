"""Liveness and readiness (no key needed: load balancers and orchestrators call these).

Readiness also lists each live feed's latest run for monitoring, without letting a failed feed make the
service "not ready": a source that is down is not this service being down.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api import actions
from api.deps import MatcherDep
from api.schemas import FeedHealth, Liveness, Readiness
from matcher.pipeline import Matcher

log = logging.getLogger(__name__)

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", summary="The process is up")
def live() -> Liveness:
    return Liveness()


@router.get(
    "/ready", summary="The store answers and an index is loaded (and how each live feed last ran)",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: no index loaded, or the store is down"}},
)
def ready(matcher: MatcherDep) -> JSONResponse:
    report = actions.readiness(matcher)
    report.feeds = feed_health(matcher)
    return JSONResponse(report.model_dump(mode="json"), status_code=200 if report.status == "ready" else 503)


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

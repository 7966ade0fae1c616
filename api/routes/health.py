"""Liveness and readiness (no key needed: load balancers and orchestrators call these)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api import actions
from api.deps import MatcherDep
from api.schemas import Liveness, Readiness

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", summary="The process is up")
def live() -> Liveness:
    return Liveness()


@router.get(
    "/ready", summary="The store answers and an index is loaded", response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: no index loaded, or the store is down"}},
)
def ready(matcher: MatcherDep) -> JSONResponse:
    report = actions.readiness(matcher)
    return JSONResponse(report.model_dump(mode="json"), status_code=200 if report.status == "ready" else 503)

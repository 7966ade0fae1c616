"""Who am I, and how is my background job doing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import AccessDep, JobsDep, KeyFirstRoute, OfficerDep, PrincipalDep
from api.errors import ERRORS
from api.schemas import JobPublic, PrincipalPublic

router = APIRouter(tags=["account"], responses=ERRORS, route_class=KeyFirstRoute)


@router.get("/me", summary="The caller's key, role and the firms it may see")
def me(principal: PrincipalDep, access: AccessDep) -> PrincipalPublic:
    return PrincipalPublic(
        key_id=principal.key_id, name=principal.name, role=principal.role, firm_id=principal.firm_id,
        firm_ids=access.visible_firm_ids(principal),
    )


@router.get("/jobs/{job_id}", summary="A background job (index sync after an import), by id")
def job(job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")], jobs: JobsDep, _: OfficerDep) -> JobPublic:
    return jobs.get(job_id)

"""Partners and their firms: officers assign firms to partners (partners are named by their keys' name)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.deps import AccessDep, FirmIdPath, KeyFirstRoute, OfficerDep, PrincipalDep
from api.errors import ERRORS
from api.schemas import PartnerPublic

router = APIRouter(prefix="/partners", tags=["partners"], responses=ERRORS, route_class=KeyFirstRoute)
PartnerName = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$", description="the partner keys' name")
]


@router.get("", summary="Every partner and the firms assigned to them (officers)")
def list_partners(access: AccessDep, _: OfficerDep) -> list[PartnerPublic]:
    return [PartnerPublic(name=name, firm_ids=access.assigned_firms(name)) for name in access.partner_names()]


@router.get("/{partner}/firms", summary="Firms assigned to a partner (officers, or that partner)")
def partner_firms(partner: PartnerName, access: AccessDep, principal: PrincipalDep) -> PartnerPublic:
    access.require_partner_view(principal, partner)
    return PartnerPublic(name=partner, firm_ids=access.assigned_firms(partner))


@router.put("/{partner}/firms/{firm_id}", summary="Assign a firm to a partner (officers)")
def assign(partner: PartnerName, firm_id: FirmIdPath, access: AccessDep, officer: OfficerDep) -> PartnerPublic:
    access.assign(partner, firm_id, officer.name)
    return PartnerPublic(name=partner, firm_ids=access.assigned_firms(partner))


@router.delete(
    "/{partner}/firms/{firm_id}", summary="Withdraw a firm from a partner (officers)",
    status_code=status.HTTP_204_NO_CONTENT,
)
def unassign(partner: PartnerName, firm_id: FirmIdPath, access: AccessDep, _: OfficerDep) -> None:
    access.unassign(partner, firm_id)

"""The access-control matrix: every route x every role x own/other firm, on SQLite and PostgreSQL.

"own" is the firm the partner key is assigned to and the firm key belongs to; "other" is a firm neither may
see. Besides the status, every partner/firm response is checked for the other firm's id and name.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute

from matcher.services.access import AccessControl
from tests.api.conftest import OTHER, OWN, World

Expect = dict[str, tuple[int, int]]  # role -> (status for own target, status for other target)

EVERYONE: Expect = {"officer": (200, 200), "partner": (200, 200), "firm": (200, 200)}
SEE_FIRM: Expect = {"officer": (200, 200), "partner": (200, 403), "firm": (200, 403)}
CURATE: Expect = {"officer": (200, 200), "partner": (200, 403), "firm": (403, 403)}
#: Proposing a firm's top recommendations, run by the partner (for OWN) before the officer: the officer's call for OWN
#: finds them on the shortlist already (a 200), its call for OTHER puts them there (a 201).
PROPOSE_TOP: Expect = {"officer": (200, 201), "partner": (201, 403), "firm": (403, 403)}


def officer_only(status: int) -> Expect:
    return {"officer": (status, status), "partner": (403, 403), "firm": (403, 403)}


def _tender(tender_id: str) -> dict[str, Any]:
    return {"tender_id": tender_id, "source": "test", "title": "Supply of ultrafiltration membranes",
            "countries": ["KE"], "published": "2021-04-01"}


def _firm(firm_id: str) -> dict[str, Any]:
    return {"firm_id": firm_id, "name": f"Firm {firm_id}", "description": "Water treatment equipment"}


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    expect: Expect
    body: Any = None
    upload: tuple[str, str] | None = None  # (filename, text)
    auth: bool = True

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


CASES = [
    Case("GET", "/health/live", EVERYONE, auth=False),
    Case("GET", "/health/ready", EVERYONE, auth=False),
    Case("GET", "/me", EVERYONE),
    Case("GET", "/jobs/0123456789abcdef", officer_only(404)),
    Case("GET", "/tenders?country=FR&limit=5", EVERYONE),
    Case("POST", "/tenders", officer_only(200), body={"tenders": [_tender("t:{role}-{target}")]}),
    Case("POST", "/tenders/import", officer_only(200),
         upload=("t.jsonl", json.dumps(_tender("u:{role}-{target}")))),
    Case("GET", "/tenders/{tender}", EVERYONE),
    Case("DELETE", "/tenders/{tender}", officer_only(200)),
    Case("GET", "/tenders/{item}/firms?k=5", {"officer": (200, 200), "partner": (200, 200), "firm": (403, 403)}),
    Case("GET", "/firms", EVERYONE),
    Case("POST", "/firms", officer_only(201), body=_firm("new-{role}-{target}")),
    Case("POST", "/firms/import", officer_only(200), upload=("f.json", json.dumps([_firm("imp-{role}-{target}")]))),
    Case("GET", "/firms/{firm}", SEE_FIRM),
    Case("PATCH", "/firms/{firm}", SEE_FIRM, body={"keywords": ["membrane"]}),
    Case("GET", "/firms/{firm}/suggested-codes?k=3", SEE_FIRM),
    Case("POST", "/firms/{firm}/codes", CURATE, body={"codes": ["CPV:38421100"]}),
    Case("POST", "/firms/{firm}/declined-codes", CURATE, body={"codes": ["CPV:79710000"]}),
    Case("GET", "/firms/{firm}/suggested-keywords", SEE_FIRM),
    Case("POST", "/firms/{firm}/keywords", CURATE, body={"keywords": ["정수장"]}),
    Case("GET", "/firms/{firm}/recommendations?k=3", SEE_FIRM),
    Case("GET", "/firms/{firm}/shortlist", SEE_FIRM),
    Case("GET", "/firms/{firm}/shortlist/export.csv", SEE_FIRM),
    Case("GET", "/firms/{firm}/shortlist/export.xlsx", SEE_FIRM),
    Case("GET", "/firms/{firm}/shortlist/export.ics", SEE_FIRM),
    # {item} is on both firms' shortlists already (the seed item): proposing it again is a 200 for curators.
    Case("POST", "/firms/{firm}/shortlist", CURATE, body={"tender_id": "{item}", "note": "fits"}),
    Case("POST", "/firms/{firm}/shortlist/from-recommendations", PROPOSE_TOP, body={"top": 2}),
    Case("PATCH", "/firms/{firm}/shortlist/{item}", CURATE, body={"status": "approved"}),
    Case("GET", "/firms/{firm}/feedback", CURATE),
    Case("GET", "/partners", officer_only(200)),
    Case("GET", "/partners/{partner}/firms", CURATE),
    Case("PUT", "/partners/{partner}/firms/{firm}", officer_only(200)),
    Case("DELETE", "/partners/{partner}/firms/{firm}", officer_only(204)),
]
MODULES = ("health", "account", "tenders", "firms", "recommendations", "shortlists", "partners")
# Officers last, so their changes (a deleted tender, a withdrawn assignment) happen after the others ran.
ROLES = ("firm", "partner", "officer")
TARGETS = ("own", "other")


def _fill(value: str, world: World, role: str, target: str) -> str:
    own = target == "own"
    places = {
        "{firm}": OWN if own else OTHER, "{partner}": "partner-a" if own else "partner-b",
        "{tender}": world.tenders[1] if own else world.tenders[2], "{item}": world.tenders[0],
        "{role}": role, "{target}": target,
    }
    for placeholder, text in places.items():
        value = value.replace(placeholder, text)
    return value


def call(world: World, case: Case, role: str, target: str, headers: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if case.body is not None:
        kwargs["json"] = json.loads(_fill(json.dumps(case.body), world, role, target))
    if case.upload is not None:
        name, content = case.upload
        kwargs["files"] = {"file": (name, _fill(content, world, role, target).encode())}
    return world.client.request(case.method, _fill(case.path, world, role, target), **kwargs)


def test_matrix_covers_every_route() -> None:
    """Every route of these router modules is in the matrix (other modules test their own routes)."""
    routes = {
        (method, route.path)
        for name in MODULES
        for route in importlib.import_module(f"api.routes.{name}").router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    covered = {(c.method, c.path.split("?")[0].replace("{item}", "{tender_id}").replace("{tender}", "{tender_id}")
                .replace("{firm}", "{firm_id}").replace("/jobs/0123456789abcdef", "/jobs/{job_id}"))
               for c in CASES}
    assert routes == covered
    assert len(CASES) * len(ROLES) * len(TARGETS) == 198


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_access_matrix(world: World, case: Case) -> None:
    hidden = [OTHER, world.firm_name(OTHER)]
    for role in ROLES:
        for target in TARGETS:
            response = call(world, case, role, target, world.auth(role) if case.auth else {})
            expected = case.expect[role][target == "other"]
            assert response.status_code == expected, (role, target, response.text)
            if role != "officer":
                leaked = [h for h in hidden if h in response.text]
                assert not leaked, (role, target, leaked, response.text[:500])


@pytest.mark.parametrize("case", [c for c in CASES if c.auth], ids=lambda c: c.id)
def test_every_route_needs_a_valid_key(world: World, case: Case) -> None:
    access = AccessControl(world.matcher.engine.db)
    revoked = access.create_key("officer", "gone").token
    access.revoke("gone")
    unknown = "tm_0123456789ab_" + "x" * 43
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": f"Bearer {unknown}"},
                    {"Authorization": f"Bearer {revoked}"}, {"X-API-Key": revoked}):
        response = call(world, case, "officer", "own", headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["error"] == "unauthenticated"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_x_api_key_header_is_accepted(world: World) -> None:
    response = world.client.get("/me", headers={"X-API-Key": world.keys["firm"]})
    assert response.status_code == 200
    assert response.json() == {"key_id": response.json()["key_id"], "name": "firm-a", "role": "firm",
                               "firm_id": OWN, "firm_ids": [OWN]}


def test_a_route_of_other_roles_names_them_in_english(world: World) -> None:
    """The 403 names the roles the route takes with the article they need: "an officer key", not "a officer"."""
    officers = world.client.get("/partners", headers=world.auth("partner"))
    curators = world.client.get("/search/tenders?q=water", headers=world.auth("firm"))
    assert (officers.status_code, officers.json()["detail"]) == (
        403, "this route needs an officer key (this key's role is 'partner')")
    assert (curators.status_code, curators.json()["detail"]) == (
        403, "this route needs an officer or partner key (this key's role is 'firm')")


def test_keys_are_stored_only_as_hashes(world: World) -> None:
    from sqlalchemy import select

    from matcher.store.access import api_keys

    with world.matcher.engine.db.connect() as conn:
        rows = [tuple(str(v) for v in r) for r in conn.execute(select(api_keys))]
    stored = " ".join(" ".join(r) for r in rows)
    for token in world.keys.values():
        secret = token.split("_", 2)[2]
        assert secret not in stored and token not in stored


def test_firm_key_sees_only_approved_items_and_partner_only_own_firms(world: World) -> None:
    partner = world.client.get("/firms", headers=world.auth("partner")).json()
    assert [f["firm_id"] for f in partner["items"]] == [OWN] and partner["total"] == 1
    item = world.tenders[0]
    seen = world.client.get(f"/firms/{OWN}/shortlist", headers=world.auth("firm")).json()
    assert seen == []  # the seeded item is only proposed
    decided = world.client.patch(f"/firms/{OWN}/shortlist/{item}", json={"status": "approved", "note": "go"},
                                 headers=world.auth("partner"))
    assert decided.status_code == 200 and decided.json()["decided_by"] == "partner-a"
    seen = world.client.get(f"/firms/{OWN}/shortlist?status=approved", headers=world.auth("firm")).json()
    assert [(i["tender_id"], i["status"], i["note"]) for i in seen] == [(item, "approved", "go")]
    # Its status filter narrows what it may see, as anyone's does (tests/api/test_shortlist_rules.py).
    assert world.client.get(f"/firms/{OWN}/shortlist?status=proposed", headers=world.auth("firm")).json() == []


def test_revoking_and_unassigning_take_effect_immediately(world: World) -> None:
    access = AccessControl(world.matcher.engine.db)
    assert world.client.get(f"/firms/{OWN}", headers=world.auth("partner")).status_code == 200
    response = world.client.delete(f"/partners/partner-a/firms/{OWN}", headers=world.auth("officer"))
    assert response.status_code == 204
    assert world.client.get(f"/firms/{OWN}", headers=world.auth("partner")).status_code == 403
    access.revoke("firm-a")
    assert world.client.get(f"/firms/{OWN}", headers=world.auth("firm")).status_code == 401

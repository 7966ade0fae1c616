"""Property-based tests generated from the OpenAPI document (schemathesis), over every operation, as every role
(issue 15, "Kept fixed"): an officer, a partner with an assigned firm, a firm's own key, and no key at all.

Every response must pass ``tests.api.contract.checks_for(role)``: no 5xx; every status code, content type,
header and body as documented (a documented header is sent); ``nosniff`` everywhere; ``no-store`` on every
answer to a key; without a key, 401 on every protected operation and never on a public one; a valid key is
never a 401, and an officer never a 403. Two kinds of run:

- per operation and role, each on a fresh demo world: the examples and coverage phases (deterministic) and
  ``MAX_EXAMPLES`` random examples, less generated for the roles that stop earlier (``contract.GENERATION``);
- stateful, per role: ``SCENARIOS`` sequences of up to ``STEPS`` calls, each on a fresh world, that feed one
  response into the next request through the links schemathesis infers from the document (a new feed is
  fetched, run and deleted; a feed run's job is polled; a new subscription is ended; ...) and
  ``contract.EXTRA_LINKS``.

The officer's per-operation run covers SQLite and PostgreSQL (when configured: CI), the rest SQLite: what the
other roles add is access logic, the same over both stores, and the officer's run already takes every
operation through each store. What each run sent and got, and the links followed, are printed at the end
(``-s``). Failures found here are pinned one by one in ``test_contract_regressions.py``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.core.transport import Response
from schemathesis.generation.stateful.state_machine import APIStateMachine, StepInput, StepOutput

from api import actions
from matcher.config import Settings
from tests.api.conftest import DemoTemplate, World
from tests.api.contract import (
    APP,
    ROLES,
    Role,
    Worlds,
    checks_for,
    headers_for,
    prepare,
    schema_for,
    sync_in_this_process,
)

#: Random examples per operation, after the deterministic phases.
MAX_EXAMPLES: dict[Role, int] = {"officer": 6, "partner": 4, "firm": 4, "anonymous": 3}
#: Stateful scenarios per role (each up to ``STEPS`` calls); without a key only health and the unsubscribe
#: link answer, so few scenarios show all there is.
SCENARIOS: dict[Role, int] = {"officer": 30, "partner": 15, "firm": 15, "anonymous": 5}
STEPS = 10

SCHEMAS = {role: schema_for(role) for role in ROLES}
PER_OPERATION: dict[str, Any] = dict(
    deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

#: "operation [role, store]" -> status code -> how many generated requests got it; printed at the end (-s).
STATS: dict[str, Counter[int]] = defaultdict(Counter)
#: "role: link" -> how many times a stateful step followed it.
LINKS: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    total = sum(sum(c.values()) for c in STATS.values())
    print(f"\nschemathesis: {total} requests over {len(STATS)} operation runs, {sum(LINKS.values())} links followed")
    for name, counts in sorted(STATS.items()):
        print(f"  {name}: {sum(counts.values())} requests, statuses {dict(sorted(counts.items()))}")
    for link, count in sorted(LINKS.items()):
        print(f"  link {link}: {count}")


def record(case: Case[Any], response: Response, world: World, role: Role, kind: str = "") -> None:
    backend = world.matcher.engine.db.engine.dialect.name
    STATS[f"{case.operation.label} [{role}, {backend}{kind}]"][response.status_code] += 1


@pytest.fixture(autouse=True)
def _syncs_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions, "_sync_in_worker", sync_in_this_process)


# ----------------------------------------------------------------------------- each operation, each role
@pytest.fixture
def contract_world(world: World) -> World:
    world = prepare(world)
    APP.app = world.client.app
    return world


def call(case: Case[Any], world: World, role: Role) -> None:
    response = case.call_and_validate(headers=headers_for(world, role), checks=checks_for(role))
    record(case, response, world, role)


@pytest.mark.slow
@SCHEMAS["officer"].parametrize()
@settings(max_examples=MAX_EXAMPLES["officer"], **PER_OPERATION)
def test_as_an_officer(case: Case[Any], contract_world: World) -> None:
    call(case, contract_world, "officer")


@pytest.mark.slow
@SQLITE_ONLY
@SCHEMAS["partner"].parametrize()
@settings(max_examples=MAX_EXAMPLES["partner"], **PER_OPERATION)
def test_as_a_partner(case: Case[Any], contract_world: World) -> None:
    call(case, contract_world, "partner")


@pytest.mark.slow
@SQLITE_ONLY
@SCHEMAS["firm"].parametrize()
@settings(max_examples=MAX_EXAMPLES["firm"], **PER_OPERATION)
def test_as_a_firm(case: Case[Any], contract_world: World) -> None:
    call(case, contract_world, "firm")


@pytest.mark.slow
@SQLITE_ONLY
@SCHEMAS["anonymous"].parametrize()
@settings(max_examples=MAX_EXAMPLES["anonymous"], **PER_OPERATION)
def test_without_a_key(case: Case[Any], contract_world: World) -> None:
    call(case, contract_world, "anonymous")


# ----------------------------------------------------------------------------- stateful, each role
@pytest.fixture
def worlds(api_settings: Settings, demo_template: DemoTemplate, tmp_path: Path) -> Worlds:
    return Worlds(api_settings, demo_template, tmp_path / "scenarios")


def machine_for(role: Role, worlds: Worlds) -> type[APIStateMachine]:
    """The role's state machine: each scenario on a fresh world (a scenario Hypothesis replays must meet the
    same state), the role's key on every call, the role's checks on every response."""
    base = SCHEMAS[role].as_state_machine()

    class Contract(base):  # type: ignore[valid-type, misc]
        world: World

        def setup(self) -> None:
            self.world = worlds.new()
            APP.app = self.world.client.app

        def teardown(self) -> None:
            self.world.matcher.close()

        def step(self, input: StepInput) -> StepOutput:
            if input.transition is not None and input.is_applied:
                LINKS[f"{role}: {input.transition.id}"] += 1
            output: StepOutput = super().step(input)
            return output

        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            return {"headers": headers_for(self.world, role)}

        def after_call(self, response: Response, case: Case[Any]) -> None:
            super().after_call(response, case)
            record(case, response, self.world, role, ", stateful")

        def validate_response(
            self, response: Response, case: Case[Any], additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=checks_for(role), transport_kwargs=kwargs,
                                   recorder=self.recorder)

    return Contract


@pytest.mark.slow
@SQLITE_ONLY
@pytest.mark.parametrize("role", ROLES)
def test_stateful(role: Role, worlds: Worlds) -> None:
    machine_for(role, worlds).run(settings=settings(
        max_examples=SCENARIOS[role], stateful_step_count=STEPS, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck),
    ))

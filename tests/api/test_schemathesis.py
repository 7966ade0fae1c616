"""Property-based tests generated from the OpenAPI document (schemathesis), over every route, as an officer.

Checks: no 5xx, every status code and content type is documented, every body matches its documented schema.
Each operation runs against a fresh demo world (SQLite, and PostgreSQL when configured), with a few
examples per operation so the whole run stays well under two minutes per database.
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from api.main import create_app
from matcher.config import Settings
from tests.api.conftest import World

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


class CurrentApp:
    """Forwards to the app of the running test, so each test has its own database behind one schema."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


# The OpenAPI document does not depend on stored data: read it once from an app over an empty home.
APP = CurrentApp(create_app(Settings(home=Path(tempfile.mkdtemp(prefix="matcher-openapi-")), encoder="fake")))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


#: (operation, database) -> status code -> how many generated requests got it; printed at the end (-s).
STATS: dict[str, Counter[int]] = defaultdict(Counter)


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    total = sum(sum(c.values()) for c in STATS.values())
    print(f"\nschemathesis: {total} requests over {len(STATS)} operation runs")
    for name, counts in sorted(STATS.items()):
        print(f"  {name}: {sum(counts.values())} requests, statuses {dict(sorted(counts.items()))}")


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=6, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_openapi_contract(case: Any, world: World) -> None:
    APP.app = world.client.app
    response = case.call_and_validate(headers=world.auth("officer"), checks=CHECKS)
    backend = world.matcher.engine.db.engine.dialect.name
    STATS[f"{case.operation.label} [{backend}]"][response.status_code] += 1

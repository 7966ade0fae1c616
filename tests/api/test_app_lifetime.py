"""An app that is dropped is freed, with everything it holds (the Matcher, its store's engine, its index).

A process serves one app, but the tests build one per test, several hundred in a run. FastAPI keeps the last
4,096 endpoint and dependency callables it classified (``fastapi.dependencies.models``, an ``lru_cache``), so an
endpoint defined inside ``create_app`` (a closure over the app) kept every app of the run alive, and its
Matcher with it: the contract run's heap grew by about 14,000 objects a test, each full garbage collection
took longer (0.8 s after 25 tests, 1.9 s after 100 on CI's two cores), and late in the run one request
stalled past the client's 10 s read timeout. Endpoints are module-level functions that read ``request.app``.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.main import create_app
from matcher.pipeline import Matcher

#: Every page that is not under a router module: the docs, their assets, the OpenAPI document.
PAGES = ("/docs", "/docs/oauth2-redirect", "/redoc", "/static-docs/redoc.standalone.js", "/openapi.json",
         "/health/live", "/web/sign-in")


def serve_and_drop(matcher: Matcher) -> weakref.ref[object]:
    app = create_app(matcher=matcher)
    with TestClient(app) as client:
        for page in PAGES:
            assert client.get(page).status_code == 200, page
    return weakref.ref(app)


def test_a_dropped_app_is_freed(empty_matcher: Matcher) -> None:
    gone = serve_and_drop(empty_matcher)
    gc.collect()
    assert gone() is None, [type(r).__qualname__ for r in gc.get_referrers(gone())]


@pytest.mark.slow
def test_many_apps_do_not_accumulate(empty_matcher: Matcher) -> None:
    apps = [serve_and_drop(empty_matcher) for _ in range(5)]
    gc.collect()
    assert [app() for app in apps] == [None] * 5


def calls(dependant: Dependant) -> Iterator[Callable[..., object]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from calls(sub)


def test_no_endpoint_or_dependency_is_defined_inside_a_function(empty_matcher: Matcher) -> None:
    """FastAPI keeps whatever it classified; a callable made per app (a closure) would keep that app alive."""
    app = create_app(matcher=empty_matcher)
    made_per_app = {
        f"{route.path}: {call.__qualname__}"
        for route in app.routes if isinstance(route, APIRoute)
        for call in calls(route.dependant) if "<locals>" in getattr(call, "__qualname__", "")
    }
    assert made_per_app == set()

"""The FastAPI application: ``create_app(settings)`` for tests and embedding, ``app_factory`` for uvicorn;
``routed_app`` and ``bind`` are its two halves (the tests bind one routed app to each test's matcher).

    uvicorn --factory api.main:app_factory --host 127.0.0.1 --port 8000     # or: matcher serve

Every router module is listed once in ``ROUTER_MODULES``; adding a resource is one line there. Each
process owns one ``Matcher`` (shared by the threadpool; reads never block on an index sync, see
``api.jobs``), one ``AccessControl`` and one ``JobRegistry``, kept on ``app.state``. The web workspace
(``api.web``) is a second face in the same app: pages under ``/web`` over the same facade and access rules.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from starlette.datastructures import State

from api import docs, errors, web
from api.head_requests import HeadAsGet
from api.jobs import JobRegistry
from api.logs import install_access_log_redaction
from api.security_headers import SecurityHeaders
from api.single_flight import SingleFlight
from api.uploads import BodyLimit
from matcher import __version__
from matcher.config import Settings, get_settings
from matcher.errors import IndexNotReady
from matcher.pipeline import Matcher
from matcher.services.index_catchup import IndexCatchUp
from matcher.services.result_cache import ResultCache

log = logging.getLogger(__name__)

#: Rankings one worker process runs at once (api.routes.recommendations).
RANKING_THREADS = 2

#: Router modules under ``api.routes``, each exporting ``router``, in the order the docs show them.
ROUTER_MODULES: tuple[str, ...] = (
    "health",
    "account",
    "tenders",
    "search",
    "firms",
    "recommendations",
    "shortlists",
    "partners",
    "subscriptions",
    "feeds",
)

DESCRIPTION = """\
Ranked overseas public tenders for export-ready firms, with the reasons for every match.

**Auth**: send an API key as `Authorization: Bearer <key>` (or `X-API-Key: <key>`); keys are made with
`matcher keys create --role officer|partner|firm`. Officers see everything; partners see the firms assigned
to them; a firm key sees only its own firm. Errors are JSON: `{"error": code, "detail": message}`.
"""


def warm_up(matcher: Matcher) -> None:
    """Load the encoder and the serving index now rather than on the first request."""
    matcher.embedder.encode_queries(["warm-up"])
    try:
        matcher.index.current()
    except IndexNotReady as exc:
        log.warning("serving without an index: %s", exc)


def index_catch_up(matcher: Matcher) -> IndexCatchUp | None:
    """Start following the store's tenders with this home's index (README, "Two replicas"); None when
    ``index_catch_up_seconds`` is 0."""
    interval = matcher.settings.index_catch_up_seconds
    if interval <= 0:
        return None
    follower = IndexCatchUp(matcher.catalog, interval)
    follower.start()
    return follower


def create_app(
    settings: Settings | None = None, *, matcher: Matcher | None = None, warm: bool = False, catch_up: bool = False,
) -> FastAPI:
    """The API over ``matcher`` (or a new Matcher from ``settings``/the environment). ``catch_up`` keeps the
    index in step with tenders other replicas and jobs write to the store (``index_catch_up``)."""
    core = matcher or Matcher(settings or get_settings())
    app = routed_app(warm=warm, catch_up=catch_up)
    bind(app, core, owned=matcher is None)
    return app


def routed_app(*, warm: bool = False, catch_up: bool = False) -> FastAPI:
    """Everything of the app but the matcher it serves (``bind``): routes, pages, middleware, error handlers.

    Most of what an app costs is here: FastAPI prepares every route's parameters on the app's first request
    (0.15 s on the 2-core machine, measured 2026-12-07), so the tests bind one routed app per worker to each
    test's own matcher."""

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[None]:
        core: Matcher = served.state.matcher
        if warm:
            warm_up(core)
        follower = index_catch_up(core) if catch_up else None
        yield
        if follower is not None:
            follower.stop()
        if served.state.owns_matcher:  # create_app made it, so the app closes it
            core.close()

    # /docs and /redoc with no CDN, from module-level endpoints (api.docs: closures over the app kept it alive).
    app = FastAPI(
        title="Tender matcher", version=__version__, description=DESCRIPTION, lifespan=lifespan, docs_url=None,
        redoc_url=None, swagger_ui_parameters={"validatorUrl": None},
    )
    docs.install(app)
    errors.install(app)
    install_access_log_redaction()  # unsubscribe tokens travel in query strings
    app.add_middleware(BodyLimit)  # the served matcher's MATCHER_MAX_UPLOAD_BYTES (api.uploads)
    app.add_middleware(SecurityHeaders)  # nosniff, no-store for credentials, a CSP on HTML (api.security_headers)
    app.add_middleware(HeadAsGet)  # outermost: HEAD is the GET without its body (api.head_requests)
    for name in ROUTER_MODULES:
        app.include_router(importlib.import_module(f"api.routes.{name}").router)
    web.install(app)  # the workspace's pages under /web (api.web)
    return app


def bind(app: FastAPI, core: Matcher, *, owned: bool = False) -> None:
    """Serve ``core`` from ``app`` (made by ``routed_app``), with nothing of what it served before: every
    request reads the matcher and what the app keeps for it (jobs, cached rankings, the workspace's uploads and
    feed runs) from ``app.state``, which starts afresh here. ``owned``: the app closes ``core`` at shutdown."""
    # A build another process swaps in is loaded beside the requests, never by one of them (issue 15 item 10).
    core.index.reload_in_background = True
    app.state = State()
    app.state.matcher = core
    app.state.owns_matcher = owned
    app.state.access = core.access
    app.state.jobs = JobRegistry()
    app.state.responses = ResultCache[bytes](core.settings.result_cache_size)  # api.routes.recommendations
    app.state.ranking = anyio.CapacityLimiter(RANKING_THREADS)
    app.state.flights = SingleFlight[bytes]()  # one ranking for requests that miss together


def app_factory() -> FastAPI:
    """For ``uvicorn --factory`` (one call per worker process): settings from ``MATCHER_*``, warmed up, and
    its index following the store."""
    return create_app(warm=True, catch_up=True)

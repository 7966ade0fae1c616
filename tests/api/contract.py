"""What the schemathesis contract test (``test_schemathesis.py``) runs against and as: the roles and how much
each generates, the world it starts from, a feed source that never leaves the machine, the links the stateful
runs follow besides those schemathesis infers, and the checks every response must pass.

Roles: ``officer``; ``partner`` (partner-a, assigned the demo firm ``OWN``); ``firm`` (firm-a's key, ``OWN``);
``anonymous`` (no key). The operations' path examples name ``OWN`` and the feed ``FEED``, so each role reaches
past the access check into the routes it may use.
"""

from __future__ import annotations

import copy
import itertools
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import schemathesis
from schemathesis import Case
from schemathesis.checks import (
    CheckContext,
    CheckFunction,
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.schemas import OpenApiSchema
from starlette.types import ASGIApp, Receive, Scope, Send

from api.feed_runs import feed_runs
from api.jobs import JobRegistry
from api.main import create_app
from matcher.config import Settings
from matcher.feeds.base import Connector, Page
from matcher.feeds.http import PoliteClient
from matcher.pipeline import Matcher
from matcher.schema import Tender
from matcher.search.encoders import FakeEncoder
from matcher.store import TenderFilter
from matcher.store.feeds import FeedSpec
from tests.api.conftest import OTHER, OWN, DemoTemplate, World, load_demo_fast, make_keys, served

Role = Literal["officer", "partner", "firm", "anonymous"]
ROLES: tuple[Role, ...] = ("officer", "partner", "firm", "anonymous")
#: The feed every world has; the feeds' path examples name it (``api.routes.feeds.FeedName``).
FEED = "ted-water"


class CurrentApp:
    """Forwards to the app of the running test, so each test has its own database behind one schema."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


# The OpenAPI document does not depend on stored data: read it once from an app over an empty home.
APP = CurrentApp(create_app(Settings(home=Path(tempfile.mkdtemp(prefix="matcher-openapi-")), encoder="fake")))
DOCUMENT: dict[str, Any] = APP.app.openapi()  # type: ignore[attr-defined]


def sync_in_this_process(matcher: Matcher, jobs: JobRegistry, job_id: str) -> None:
    """``api.actions._sync_in_worker`` for the contract runs: the index job syncs in the test's process
    instead of a spawned child. The runs send hundreds of valid ``POST /tenders``, each followed by a sync
    that the test client waits for, and a child's start (a new interpreter importing numpy, FAISS and
    scikit-learn: about 2 s) each time made the officer's run take over 20 minutes. What an answer says does
    not depend on where its sync runs; the child's own behaviour is tested in ``test_import_worker.py``."""
    served: Matcher = APP.app.state.matcher  # type: ignore[attr-defined]
    assert matcher.settings.home == served.settings.home, "the sync is for the app the request went to"
    jobs.run(job_id, lambda: matcher.sync_index().summary())


def _link(operation_id: str, parameters: dict[str, str] | None = None, body: Any = None) -> dict[str, Any]:
    link: dict[str, Any] = {"operationId": operation_id, "parameters": parameters or {}}
    if body is not None:
        link["requestBody"] = body
    return link


#: Links the stateful runs follow besides those schemathesis infers from names and shapes (over a hundred, among
#: them a new feed -> get/delete and a feed run -> its job): a new or listed feed is run and reset; an import's index
#: job is polled; a recommended tender is opened and proposed for the firm.
EXTRA_LINKS: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {
    ("/feeds", "post", "201"): {
        "RunNewFeed": _link("run_one_feeds__name__run_post", {"path.name": "$response.body#/name"}),
        "ResetNewFeed": _link("reset_feed_feeds__name__reset_post", {"path.name": "$response.body#/name"}),
    },
    ("/feeds/{name}", "get", "200"): {
        "RunFeed": _link("run_one_feeds__name__run_post", {"path.name": "$response.body#/name"}),
    },
    ("/tenders", "post", "200"): {
        "IndexJob": _link("job_jobs__job_id__get", {"path.job_id": "$response.body#/index_job/job_id"}),
    },
    ("/tenders/import", "post", "200"): {
        "ImportIndexJob": _link("job_jobs__job_id__get", {"path.job_id": "$response.body#/index_job/job_id"}),
    },
    ("/firms/{firm_id}/recommendations", "get", "200"): {
        "RecommendedTender": _link(
            "get_tenders__tender_id__get", {"path.tender_id": "$response.body#/0/tender_id"}),
        "ProposeRecommended": _link(
            "propose_firms__firm_id__shortlist_post", {"path.firm_id": "$request.path.firm_id"},
            {"tender_id": "$response.body#/0/tender_id"}),
    },
}


def linked_document() -> dict[str, Any]:
    """The API's document with ``EXTRA_LINKS`` added (the document itself declares none)."""
    document = copy.deepcopy(DOCUMENT)
    for (path, method, status), links in EXTRA_LINKS.items():
        document["paths"][path][method]["responses"][status].setdefault("links", {}).update(links)
    return document


#: The phases each role's per-operation run goes through (the random examples after them are counted by the
#: test's ``MAX_EXAMPLES``). The officer gets every phase and mode. Partner and firm keys reach the
#: same validation as the officer once past the access check, so their coverage phase is positive only:
#: boundary values and enums into the role-specific paths (scoped lists, a firm's approved-only view). Without
#: a key everything protected stops at the key, so there is no coverage phase at all.
GENERATION: dict[Role, dict[str, Any]] = {
    "officer": {},
    "partner": {"coverage": {"generation": {"mode": "positive"}}},
    "firm": {"coverage": {"generation": {"mode": "positive"}}},
    "anonymous": {"coverage": {"enabled": False}},
}


def schema_for(role: Role) -> OpenApiSchema:
    """The document with the extra links, loaded with the role's phases, calling the current test's app."""
    config = SchemathesisConfig.from_dict({"phases": GENERATION[role]})
    schema = schemathesis.openapi.from_dict(linked_document(), config=config)
    schema.app = APP
    return schema


def headers_for(world: World, role: Role) -> dict[str, str]:
    """The role's key as a header; none for ``anonymous``."""
    return {} if role == "anonymous" else world.auth(role)


class LocalSource:
    """A feed source for every feed name: one page of real demo notices, then nothing (its cursor says so).
    Schemathesis configures feeds with any URL it likes; a run must never fetch one."""

    def __init__(self, notices: list[Tender]) -> None:
        self.notices = notices

    def factory(self, spec: FeedSpec, client: PoliteClient, settings: Settings) -> Connector:
        return LocalConnector(self.notices)


class LocalConnector:
    def __init__(self, notices: list[Tender]) -> None:
        self.notices = notices

    def pages(self, cursor: Mapping[str, Any], since: date | None) -> Iterator[Page]:
        if since is not None or not cursor.get("done"):
            yield Page("https://feeds.example/page-1", list(self.notices), [], {"done": True})


def prepare(world: World) -> World:
    """The demo world plus the feed ``FEED`` and a feed source that stays on this machine."""
    notices = sorted(world.matcher.all_tenders(), key=lambda t: t.tender_id)[:3]
    feed_runs(world.client.app.state).connectors = LocalSource(notices).factory  # type: ignore[attr-defined]
    world.matcher.add_feed(FeedSpec(FEED, "ted", query="classification-cpv=65*"), "officer-1")
    return world


@dataclass
class Worlds:
    """Fresh demo worlds on SQLite under ``root``, as the ``world`` fixture makes them: a stateful scenario
    starts from one of its own, so that Hypothesis, replaying a scenario, gets the same answers again."""

    settings: Settings
    template: DemoTemplate
    root: Path
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def new(self) -> World:
        where = self.root / f"world-{next(self._numbers)}"
        settings = self.settings.model_copy(update={"home": where / "home", "database_url": f"sqlite:///{where}.db"})
        matcher = Matcher(settings, encoder=FakeEncoder())
        load_demo_fast(matcher, self.template)
        keys = make_keys(matcher.access)
        _, open_now = matcher.search_tenders(TenderFilter(open_at=settings.now()), limit=1)
        seeded = [t.tender_id for t in open_now]
        for firm_id in (OWN, OTHER):
            matcher.propose(firm_id, seeded[0], "officer-1", "seed item")
        return prepare(World(served(matcher), matcher, keys, seeded))


def is_protected(case: Case[Any]) -> bool:
    """Whether the operation asks for a key (everything but health and the unsubscribe link)."""
    return bool(case.operation.definition.raw.get("security"))


def no_key_no_entry(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Without a key (or with one schemathesis made up) a protected operation answers 401 with the Error body
    and ``WWW-Authenticate``; a public one never asks for a key."""
    if not is_protected(case):
        assert response.status_code not in (401, 403), (
            f"{case.operation.label} is public but answered {response.status_code}: {response.text[:300]}")
        return None
    assert response.status_code == 401, (
        f"{case.operation.label} needs a key but answered {response.status_code} without one: {response.text[:300]}")
    assert response.headers.get("www-authenticate") == ["Bearer"], response.headers
    assert response.json()["error"] == "unauthenticated", response.text[:300]
    return None


def key_accepted(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every role's key is valid: a 401 to it is a broken key check."""
    assert response.status_code != 401, f"{case.operation.label} refused a valid key: {response.text[:300]}"
    return None


def officer_not_refused(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """An officer may do everything: a 403 to an officer's key is a broken access rule."""
    assert response.status_code != 403, f"{case.operation.label} refused an officer: {response.text[:300]}"
    return None


#: What a request valid by the document may still be refused for with a 422: rules between fields or with the
#: stored state, which JSON Schema does not state (each is stated in the field's or operation's description).
SEMANTIC_REFUSALS: tuple[str, ...] = (
    "need a currency",  # a firm's value range needs its currency (or the stored profile's, on PATCH)
    "is greater than max_value",  # a value range whose minimum is above its maximum
    "unknown code",  # a well-formed code that is not in the CPV 2008 or UNGM UNSPSC list
    "unsupported tender file", "unsupported firm file",  # an upload's name ends in none of the stated suffixes
    "signature does not match",  # a well-formed unsubscribe token that this service did not sign
    "no unsubscribe token",  # the token comes as a form field or a query parameter: one of the two
    "an ocds feed needs a url",  # the one field required for one kind of feed
    "is after today",  # a feed run's start date in the future: the clock, not the document, says so
    "sent more than once",  # one tender_id twice in a batch: a schema cannot say items differ in one field
    "it cannot be shortlisted",  # a stored notice no firm can bid on now (an award, a closed call): the clock says so
    "before the publication date",  # a call's deadline on a day before its publication date (Tender.deadline)
    # A firm's codes and its declined codes apart (matcher.schema.codes_clash): a rule across two lists, which a
    # schema cannot state (the stateful run sent codes and declined_codes both holding 'OTHER:Z').
    "is both one of the firm's codes and a declined code", "one of the firm's codes (take",
    # An id or text with an invisible character above U+FFFF (matcher.schema.ABOVE_BMP): a JSON-schema pattern
    # without the 'u' flag cannot name a character past the Basic Multilingual Plane.
    "character above U+FFFF",
)


def schema_states_the_rules(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A request generated to match the document is not refused as invalid (422), except for the rules in
    ``SEMANTIC_REFUSALS``: the document states every rule on a single value the server enforces (ids,
    countries, codes, languages, currencies, not-null fields, non-blank text), so clients can rely on it."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    detail = str(response.json().get("detail", ""))
    assert any(rule in detail for rule in SEMANTIC_REFUSALS), (
        f"{case.operation.label} refused data valid by its schema: {response.text[:500]}")
    return None


def documented_headers_sent(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A header the document names for a status is sent with it (schemathesis only insists on those marked
    required): a 202's Location is where the client polls the run."""
    definition = case.operation.responses.find_by_status_code(response.status_code)
    missing = [name for name, _ in (definition.headers.items() if definition is not None else [])
               if name.lower() not in response.headers]
    assert not missing, f"{case.operation.label} answered {response.status_code} without {missing}"
    return None


def security_headers(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """``nosniff`` on every answer, and a Content-Security-Policy on HTML (issue 15, item 9;
    ``api.security_headers``)."""
    assert response.headers.get("x-content-type-options") == ["nosniff"], (case.operation.label, response.headers)
    if response.headers.get("content-type", [""])[0].startswith("text/html"):
        assert "content-security-policy" in response.headers, (case.operation.label, response.headers)
    return None


def private_answers_not_stored(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """An answer to a request with a key is ``Cache-Control: no-store`` whatever its format: firm data must
    not stay in a shared cache."""
    assert response.headers.get("cache-control") == ["no-store"], (case.operation.label, response.headers)
    return None


#: 0 server errors and 0 schema violations: status codes, content types, headers and bodies as documented; a
#: method a path does not take is a 405 naming those it does in ``Allow`` (issue 15, item 9: TRACE).
CONFORMANCE: list[CheckFunction] = [
    not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
    response_schema_conformance, documented_headers_sent, security_headers, unsupported_method,
]
KEYED: list[CheckFunction] = [key_accepted, private_answers_not_stored]
ROLE_CHECKS: dict[Role, list[CheckFunction]] = {
    "officer": [*KEYED, officer_not_refused, schema_states_the_rules],
    "partner": KEYED,
    "firm": KEYED,
    "anonymous": [no_key_no_entry],
}


def checks_for(role: Role) -> list[CheckFunction]:
    return CONFORMANCE + ROLE_CHECKS[role]

"""API fixtures: every API test runs on SQLite and, when MATCHER_TEST_POSTGRES_URL is set, on PostgreSQL.

Each test gets a clean database (a new SQLite file, or a PostgreSQL schema of its own: ``postgres_schema_url``)
holding the bundled demo (125 real TED notices, six firms) loaded with the fake encoder, plus keys for every role
(copied from its worker's ``StoredWorld``), served by the worker's one routed app bound to the test's own matcher
(``served``).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from api.main import bind, routed_app
from matcher.config import Settings
from matcher.demo import demo_data, load_demo
from matcher.pipeline import Matcher
from matcher.reference.hierarchy import covers
from matcher.schema import Tender
from matcher.search.code_labels import class_key
from matcher.search.encoders import FakeEncoder
from matcher.services.access import AccessControl
from matcher.store import TenderFilter
from matcher.store.shortlists import Status
from tests.conftest import copy_rows, postgres_schema_url

UPLOAD_LIMIT = 1_000_000  # the demo archive (~0.5 MB) fits; tests of 413 send a little more
OWN, OTHER = "kr-hanbit-water", "kr-saebyeol-optics"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'api.db'}"
        return
    with postgres_schema_url() as url:
        yield url


@pytest.fixture
def api_settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        home=tmp_path / "home", database_url=database_url, encoder="fake", clock=demo_data().as_of,
        min_candidates=50, max_upload_bytes=UPLOAD_LIMIT,
    )


@pytest.fixture
def empty_matcher(api_settings: Settings) -> Iterator[Matcher]:
    matcher = Matcher(api_settings, encoder=FakeEncoder())
    yield matcher
    matcher.close()


@dataclass
class World:
    """The demo behind a test client, keys for every role, and one proposed shortlist item per firm."""

    client: TestClient
    matcher: Matcher
    keys: dict[str, str] = field(default_factory=dict)
    tenders: list[str] = field(default_factory=list)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def firm_name(self, firm_id: str) -> str:
        return self.matcher.get_firm(firm_id).name


def make_keys(access: AccessControl) -> dict[str, str]:
    """officer; partner-a (assigned OWN) and partner-b (assigned OTHER); firm-a (OWN), firm-b (OTHER)."""
    keys = {
        "officer": access.create_key("officer", "officer-1").token,
        "partner": access.create_key("partner", "partner-a").token,
        "partner_b": access.create_key("partner", "partner-b").token,
        "firm": access.create_key("firm", "firm-a", OWN).token,
        "firm_b": access.create_key("firm", "firm-b", OTHER).token,
    }
    access.assign("partner-a", OWN, "test")
    access.assign("partner-b", OTHER, "test")
    return keys


@dataclass(frozen=True)
class DemoTemplate:
    tenders: list[Tender]
    indexes: Path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoTemplate:
    """The demo parsed and indexed once per session; each test copies the index into its own home."""
    home = tmp_path_factory.mktemp("demo-template")
    matcher = Matcher(Settings(home=home, encoder="fake"), encoder=FakeEncoder())
    load_demo(matcher)
    tenders = list(matcher.all_tenders())
    matcher.close()
    return DemoTemplate(tenders, home / "indexes")


def load_demo_fast(matcher: Matcher, template: DemoTemplate) -> None:
    """What ``load_demo`` does, from the session's parsed notices and built index."""
    matcher.upsert_tenders(template.tenders, sync=False)
    matcher.ingest_firms([demo_data().firms])
    shutil.copytree(template.indexes, matcher.settings.indexes_dir)


@dataclass(frozen=True)
class StoredWorld:
    """A world's database made once per worker and store (``stored_world``): the demo, the keys of
    ``make_keys`` and one proposed shortlist item per firm. Each test's ``world`` starts from a copy of its rows:
    loading the demo, the keys and the proposals cost most of a test's time."""

    database_url: str
    keys: dict[str, str]
    tenders: list[str]

    def copy_into(self, database_url: str) -> None:
        """This world's rows into the new, empty database at ``database_url`` (a SQLite file not yet made, or a
        PostgreSQL schema of ``postgres_schema_url``: its tables made and empty but for what ``create_all``
        writes)."""
        source = make_url(self.database_url)
        if source.get_backend_name() == "sqlite":
            with closing(sqlite3.connect(str(source.database))) as stored, \
                    closing(sqlite3.connect(str(make_url(database_url).database))) as new:
                stored.backup(new)
            return
        copy_rows(self.database_url, database_url)


#: The stored world of each store in this worker process (``stored_world``).
_STORED: dict[str, StoredWorld] = {}


def stored_world(config: pytest.Config, template: DemoTemplate, database_url: str) -> StoredWorld:
    """The worker's ``StoredWorld`` on the store of ``database_url``, made the first time a test asks for it;
    its files and its PostgreSQL schema go when the session ends. Not a fixture: the modules that import the
    world's fixtures by name (``world`` and those it takes) would each have to import it too."""
    backend = make_url(database_url).get_backend_name()
    if backend not in _STORED:
        cleanup = ExitStack()
        config.add_cleanup(cleanup.close)
        root = Path(tempfile.mkdtemp(prefix="matcher-world-"))
        cleanup.callback(shutil.rmtree, root, ignore_errors=True)
        url = f"sqlite:///{root / 'world.db'}" if backend == "sqlite" else cleanup.enter_context(postgres_schema_url())
        settings = Settings(home=root / "home", database_url=url, encoder="fake", clock=demo_data().as_of)
        _STORED[backend] = make_world(Matcher(settings, encoder=FakeEncoder()), template, url)
    return _STORED[backend]


def make_world(matcher: Matcher, template: DemoTemplate, database_url: str) -> StoredWorld:
    try:
        load_demo_fast(matcher, template)
        keys = make_keys(AccessControl(matcher.engine.db))
        total, open_tenders = matcher.search_tenders(TenderFilter(open_at=matcher.settings.now()), limit=3)
        assert total >= 3
        ids = [t.tender_id for t in open_tenders]
        for firm_id in (OWN, OTHER):
            matcher.propose(firm_id, ids[0], "officer-1", "seed item")
        return StoredWorld(database_url, keys, ids)
    finally:
        matcher.close()


@pytest.fixture
def world(
    request: pytest.FixtureRequest, api_settings: Settings, database_url: str, demo_template: DemoTemplate,
) -> Iterator[World]:
    stored = stored_world(request.config, demo_template, database_url)
    stored.copy_into(database_url)
    matcher = Matcher(api_settings, encoder=FakeEncoder())
    shutil.copytree(demo_template.indexes, matcher.settings.indexes_dir)
    yield World(served(matcher), matcher, dict(stored.keys), list(stored.tenders))
    matcher.close()


#: One routed app per worker process (``api.main.routed_app``: what costs most in an app), bound to each test's
#: own matcher with none of the previous test's state (``api.main.bind``; tests/api/test_app_binding.py).
_ROUTED: list[FastAPI] = []


def served(matcher: Matcher) -> TestClient:
    """A client of the API and workspace over ``matcher``: what ``TestClient(create_app(matcher=matcher))`` is,
    without building the routes again."""
    if not _ROUTED:
        _ROUTED.append(routed_app())
    bind(_ROUTED[0], matcher)
    return TestClient(_ROUTED[0])



# ----------------------------------------------------------------------------- partners' decisions on suggested codes
def describe_as_the_commonest_class(world: World) -> None:
    """Give ``OWN`` the text of a notice of the store's most common CPV class, so that the stored notices' votes
    suggest that class (the fake encoder's label suggestions are noise) and several notices fall under it."""
    classes = Counter(k for t in world.matcher.all_tenders() for k in {class_key(c) for c in t.codes} if k)
    common = classes.most_common(1)[0][0]
    notice = next(t for t in world.matcher.all_tenders() if any(class_key(c) == common for c in t.codes))
    patched = world.client.patch(f"/firms/{OWN}", json={"description": notice.text()[:2000]},
                                 headers=world.auth("officer"))
    assert patched.status_code == 200


def notices_under(world: World, code: str) -> list[str]:
    """The stored notices carrying a code of ``code``'s class or under it."""
    return sorted(t.tender_id for t in world.matcher.all_tenders()
                  if any(covers(code, c) or class_key(c) == class_key(code) for c in t.codes))


def decide(world: World, tender_id: str, status: Status) -> None:
    """``OWN``'s partner shortlists the notice and decides on it."""
    world.matcher.propose(OWN, tender_id, "partner-a")
    world.matcher.decide(OWN, tender_id, status, "partner-a")

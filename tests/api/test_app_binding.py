"""One routed app serves whichever matcher it is bound to (``api.main.bind``), with nothing of the one before.

The tests bind one routed app per worker to each test's matcher (``tests.api.conftest.served``: building the
routes is most of what an app costs), so a second binding must not serve the first matcher's keys, store,
jobs, cached rankings or workspace state, and the body limit must be the bound matcher's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import bind, create_app, routed_app
from matcher.config import Settings
from matcher.demo import demo_data
from matcher.pipeline import Matcher
from matcher.search.encoders import FakeEncoder
from tests.api.conftest import OWN, World


@pytest.fixture
def second(tmp_path: Path) -> Iterator[Matcher]:
    """An empty SQLite store of its own, with a small upload limit."""
    settings = Settings(home=tmp_path / "second", database_url=f"sqlite:///{tmp_path / 'second.db'}", encoder="fake",
                        clock=demo_data().as_of, max_upload_bytes=10_000)
    matcher = Matcher(settings, encoder=FakeEncoder())
    yield matcher
    matcher.close()


def test_a_rebound_app_serves_the_new_matcher_and_nothing_of_the_old(world: World, second: Matcher) -> None:
    app = world.client.app
    for _ in range(2):
        ranked = world.client.get(f"/firms/{OWN}/recommendations?k=3", headers=world.auth("firm"))
        assert ranked.status_code == 200 and len(ranked.json()) == 3
    assert app.state.responses.hits == 1  # type: ignore[attr-defined]  # the second call was the cached ranking
    job = app.state.jobs.submit("index-sync")  # type: ignore[attr-defined]
    app.state.web_imports = "the first matcher's uploads"  # type: ignore[attr-defined]

    bind(app, second)  # type: ignore[arg-type]
    client = TestClient(app)
    officer = second.access.create_key("officer", "officer-2").token
    assert client.get("/tenders", headers={"Authorization": f"Bearer {world.keys['officer']}"}).status_code == 401
    listed = client.get("/tenders", headers={"Authorization": f"Bearer {officer}"})
    assert listed.status_code == 200 and listed.json()["total"] == 0
    assert client.get(f"/firms/{OWN}", headers={"Authorization": f"Bearer {officer}"}).status_code == 404
    assert client.get(f"/jobs/{job.job_id}", headers={"Authorization": f"Bearer {officer}"}).status_code == 404
    assert (app.state.responses.hits, app.state.responses.misses) == (0, 0)  # type: ignore[attr-defined]
    assert not hasattr(app.state, "web_imports")  # type: ignore[attr-defined]
    assert app.state.owns_matcher is False  # type: ignore[attr-defined]  # the test closes its own matcher


def test_the_body_limit_is_the_bound_matchers(world: World, second: Matcher) -> None:
    body = {"tenders": [{"tender_id": "t-1", "source": "manual", "title": "x" * 80_000}]}
    officer = {"Authorization": f"Bearer {world.keys['officer']}"}
    assert world.client.post("/tenders", json=body, headers=officer).status_code != 413  # a 1 MB limit

    app = routed_app()
    bind(app, second)
    key = {"Authorization": f"Bearer {second.access.create_key('officer', 'officer-2').token}"}
    refused = TestClient(app).post("/tenders", json=body, headers=key)
    assert refused.status_code == 413
    assert f"larger than {10_000 + 64 * 1024} bytes" in refused.json()["detail"]


def test_only_a_matcher_the_app_made_is_closed_at_shutdown(
    tmp_path: Path, second: Matcher, monkeypatch: pytest.MonkeyPatch,
) -> None:
    own = create_app(Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'own.db'}",
                              encoder="fake"))
    bound = routed_app()
    bind(bound, second)
    closed: list[str] = []
    monkeypatch.setattr(own.state.matcher, "close", lambda: closed.append("own"))
    monkeypatch.setattr(second, "close", lambda: closed.append("second"))
    for app in (own, bound):
        with TestClient(app) as client:
            assert client.get("/health/live").status_code == 200
    assert closed == ["own"]

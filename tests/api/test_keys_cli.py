"""``matcher keys`` / ``assign`` / the demo keys of ``serve --demo``: the key is printed once, alone on the
last line, works against the API, and is gone after revoke."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from matcher.cli import app
from matcher.cli.serve import DEMO_NAMES, demo_keys
from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.search.encoders import FakeEncoder
from matcher.services.access import AccessControl

runner = CliRunner()
FIRMS = Path(__file__).resolve().parents[1] / "fixtures" / "firms" / "firms.json"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    return tmp_path / "home"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_create_prints_the_key_alone_on_the_last_line_and_revoke_ends_it(home: Path) -> None:
    code, out, _ = run("keys", "create", "--role", "officer", "--name", "seoul-desk")
    assert code == 0
    key = out.strip().splitlines()[-1]
    assert key.startswith("tm_") and " " not in key
    client = TestClient(create_app(Settings(home=home, encoder="fake")))
    assert client.get("/me", headers={"Authorization": f"Bearer {key}"}).json()["role"] == "officer"

    code, listing, _ = run("keys", "list")
    secret = key.split("_", 2)[2]  # tm_<id>_<secret>; the secret itself may hold "_" (token_urlsafe)
    assert code == 0 and "seoul-desk" in listing and secret not in listing
    assert run("keys", "revoke", "seoul-desk") == (0, "revoked 1 key(s)\n", "")
    assert client.get("/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    # Nothing active: said, not an empty answer.
    assert run("keys", "list") == (0, "no active keys (--all lists revoked ones too): create one with `matcher keys "
                                      "create --role officer|partner|firm --name NAME`\n", "")
    assert "seoul-desk" in run("keys", "list", "--all")[1]


def test_a_name_in_the_form_of_a_key_id_is_refused(home: Path) -> None:
    """`keys revoke X` reads X as a key id first: a key named like another key's id (twelve hex digits) would have
    revoked that other key instead of itself."""
    code, out, _ = run("keys", "create", "--role", "officer", "--name", "seoul-desk")
    key_id = out.strip().splitlines()[-1].split("_")[1]
    code, _, err = run("keys", "create", "--role", "partner", "--name", key_id)
    assert code == 2 and "the form of a key id" in err
    assert run("keys", "create", "--role", "partner", "--name", "0123456789abc")[0] == 0  # thirteen: a name
    assert run("keys", "create", "--role", "partner", "--name", "ABCDEF012345")[0] == 0  # ids are lower case


def test_firm_keys_and_assignments_check_their_firm(home: Path) -> None:
    assert run("ingest", "firms", str(FIRMS))[0] == 0
    firm_id = Matcher(Settings(home=home, encoder="fake")).list_firms()[1][0].firm_id
    code, _, err = run("keys", "create", "--role", "firm", "--name", "f", "--firm-id", "no-such-firm")
    assert code == 2 and "unknown firm 'no-such-firm'" in err
    code, _, err = run("keys", "create", "--role", "firm", "--name", "f")
    assert code == 2 and "--firm-id" in err
    code, _, err = run("keys", "create", "--role", "admin", "--name", "f")
    assert code == 2 and "unknown role 'admin'" in err
    assert run("keys", "create", "--role", "partner", "--name", "kotra")[0] == 0
    code, _, err = run("keys", "create", "--role", "officer", "--name", "kotra")
    assert code == 2 and "already belongs to a partner key" in err
    assert run("assign", "kotra", firm_id) == (0, f"assigned: {firm_id} -> kotra\n", "")
    code, _, err = run("assign", "nobody", firm_id)
    assert code == 2 and "unknown partner 'nobody'" in err


def test_demo_keys_are_fresh_on_every_run(tmp_path: Path) -> None:
    from matcher.demo import load_demo

    matcher = Matcher(Settings(home=tmp_path, encoder="fake"), encoder=FakeEncoder())
    load_demo(matcher)
    first = demo_keys(matcher)
    second = demo_keys(matcher)
    access = AccessControl(matcher.engine.db)
    assert {k.name for k in access.list_keys()} == set(DEMO_NAMES.values())  # the first set was revoked
    for role, key in second.items():
        assert access.authenticate(key).role == role
        assert first[role] != key
    partner = access.authenticate(second["partner"])
    firm = access.authenticate(second["firm"])
    assert firm.firm_id in (access.visible_firm_ids(partner) or [])

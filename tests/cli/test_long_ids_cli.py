"""An unknown id, name or role of 10,000 characters is quoted by its first 80 and its length, as ``bad id`` is
(``matcher.schema.quoted``): `matcher assign PARTNER <10,000 characters>` printed an error line of 10,046."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import test_cli
from tests.cli.test_cli import FIRMS, run
from tests.cli.test_error_lines import one_error_line

home = test_cli.home  # the fixture: MATCHER_HOME in a temporary folder, the fake encoder

LONG = "x" * 10_000
SHOWN = f"{'x' * 80!r}... (10,000 characters)"


@pytest.fixture
def partner(home: Path) -> str:
    assert run("ingest", "firms", str(FIRMS))[0] == 0
    assert run("keys", "create", "--role", "partner", "--name", "p1")[0] == 0
    return "p1"


@pytest.mark.parametrize(("args", "expected"), [
    (("assign", "p1", LONG), f"unknown firm {SHOWN}"),
    (("assign", LONG, "kr-cryo-01"), f"unknown partner {SHOWN} (expected the name of a partner key)"),
    (("unassign", "p1", LONG), f"firm {SHOWN} is not assigned to partner 'p1'"),
    (("unassign", LONG, "kr-cryo-01"), f"firm 'kr-cryo-01' is not assigned to partner {SHOWN}"),
    (("keys", "create", "--role", "firm", "--name", "f1", "--firm-id", LONG), f"unknown firm {SHOWN}"),
    (("keys", "create", "--role", LONG, "--name", "f1"), f"unknown role {SHOWN} (expected one of"),
    (("keys", "create", "--role", "partner", "--name", LONG), f"bad key name {SHOWN} (expected 1-200"),
    (("keys", "revoke", LONG), f"no key with id or name {SHOWN}"),
    (("recommend", LONG), f"unknown firm {SHOWN}"),
    (("firms", "accept-codes", LONG, "CPV:38000000"), f"unknown firm {SHOWN}"),
    (("firms-for", LONG), f"unknown tender {SHOWN}"),
    (("feeds", "reset", LONG), f"unknown feed {SHOWN}"),
    (("feeds", "remove", LONG), f"unknown feed {SHOWN}"),
    (("feeds", "add", LONG, "--kind", "ted"), f"feed name {SHOWN}: use 1-60"),
    (("subscribe", "kr-cryo-01", "--email", "a@example.org", "--frequency", LONG), f"unknown frequency {SHOWN}"),
    (("subscribe", "kr-cryo-01", "--email", "a@example.org", "--language", LONG), f"unknown language {SHOWN}"),
])
def test_a_long_unknown_value_is_quoted_in_part(partner: str, args: tuple[str, ...], expected: str) -> None:
    err = one_error_line(*run(*args))
    assert expected in err and len(err) < 400, err[:400]


def test_a_short_unknown_firm_is_quoted_whole(partner: str) -> None:
    assert one_error_line(*run("assign", "p1", "no-such-firm")) == "error: unknown firm 'no-such-firm'\n"

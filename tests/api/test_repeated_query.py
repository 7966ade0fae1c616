"""A query parameter that takes one value, sent twice, is a 422 naming it and its values (a hostile sweep: the
last one won without a word, so '?limit=5&limit=500' or '?lang=ko&lang=en' meant what a proxy or a client
library happened to put last). A parameter that takes a list (``country``) is repeated as documented."""

from __future__ import annotations

import pytest

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot


@pytest.mark.parametrize(("who", "path", "name", "values"), [
    ("firm", "/tenders?limit=5&open_only=true&limit=6", "limit", "'5', '6'"),
    ("partner", f"/firms/{OWN}/recommendations?k=5&k=6&k=7", "k", "'5', '6', '7'"),
    ("partner", f"/firms/{OWN}/recommendations?lang=ko&lang=en", "lang", "'ko', 'en'"),
    ("officer", f"/firms/{OWN}/shortlist?status=approved&status=rejected", "status", "'approved', 'rejected'"),
    ("officer", f"/firms/{OWN}/shortlist/export.csv?lang=ko&lang=ko", "lang", "'ko', 'ko'"),
    ("partner", "/search/tenders?q=water&q=pumps", "q", "'water', 'pumps'"),
    (None, "/unsubscribe?token=a.b&token=c.d", "token", "'a.b', 'c.d'"),
])
def test_a_one_value_parameter_sent_twice_is_422_naming_it(
    world: World, who: str | None, path: str, name: str, values: str
) -> None:
    response = world.client.get(path, headers=world.auth(who) if who else {})
    assert response.status_code == 422, response.text
    detail = f"query.{name}: sent {values.count(',') + 1} times ({values}): send it once"
    assert response.json()["detail"] == detail
    assert response.json()["problems"] == [{"loc": f"query.{name}", "msg": detail.split(": ", 1)[1]}]


def test_a_repeated_parameter_of_a_write_stores_nothing(world: World) -> None:
    before = snapshot(world)
    response = world.client.post("/feeds/run?since=2021-04-01&since=2021-04-02", headers=world.auth("officer"))
    assert response.status_code == 422 and response.json()["detail"].startswith("query.since: sent 2 times")
    assert snapshot(world) == before


def test_a_list_parameter_is_repeated_as_documented(world: World) -> None:
    response = world.client.get(f"/firms/{OWN}/recommendations?country=FR&country=DE&k=3", headers=world.auth("firm"))
    assert response.status_code == 200, response.text


def test_the_key_is_checked_first(world: World) -> None:
    response = world.client.get("/tenders?limit=5&limit=6")
    assert response.status_code == 401


@pytest.mark.parametrize(("query", "name", "detail"), [
    ("q=%C3", "q", "not UTF-8 once percent-decoded (byte 0xc3 at offset 0)"),
    ("limit=5&q=caf%E9", "q", "not UTF-8 once percent-decoded (byte 0xe9 at offset 3)"),
    ("source=%ED%A0%80", "source", "not UTF-8 once percent-decoded (byte 0xed at offset 0)"),  # a surrogate
])
def test_a_query_value_that_is_not_utf8_is_422_naming_it(world: World, query: str, name: str, detail: str) -> None:
    """Was: each bad byte read as U+FFFD, so '?q=caf%E9' (Latin-1) searched for 'caf\ufffd' and found nothing, said
    nothing."""
    response = world.client.get(f"/tenders?{query}", headers=world.auth("firm"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == f"query.{name}: {detail}"


def test_utf8_query_values_are_read(world: World) -> None:
    response = world.client.get("/tenders?q=%EC%A0%95%EC%88%98", headers=world.auth("firm"))
    assert response.status_code == 200, response.text

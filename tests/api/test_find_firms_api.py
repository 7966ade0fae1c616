"""``GET /firms?q=``: a firm found by its name or id, in any case and with or without accents, among the firms the
caller may see (``Matcher.list_firms(text=)``); the workspace's firm lists ask the same (tests/web)."""

# ruff: noqa: F811

from __future__ import annotations

from tests.api.conftest import OTHER, OWN, World, api_settings, database_url, demo_template, world  # noqa: F401


def found(world: World, who: str, q: str) -> tuple[int, list[str]]:
    response = world.client.get("/firms", params={"q": q}, headers=world.auth(who))
    assert response.status_code == 200, response.text
    page = response.json()
    return page["total"], [f["firm_id"] for f in page["items"]]


def test_an_officer_finds_a_firm_by_part_of_its_name_or_id(world: World) -> None:
    assert found(world, "officer", "광학") == (1, [OTHER])  # 새별광학 (Saebyeol Optics)
    assert found(world, "officer", "RAIL") == (1, ["kr-gyeongin-rail"])
    assert found(world, "officer", "kr-hanbit") == (1, [OWN])
    assert found(world, "officer", "hanbit solutions") == (1, [OWN])  # every word, in any order
    assert found(world, "officer", "cable optics") == (0, [])


def test_a_partner_finds_only_its_own_firms(world: World) -> None:
    assert found(world, "partner", "광학") == (0, [])  # another partner's firm: not found, not hinted at
    assert found(world, "partner", "한빛") == (1, [OWN])


def test_a_search_without_visible_words_is_refused_naming_it(world: World) -> None:
    # Before q was a parameter of GET /firms it was refused too, as an extra field: the words of each refusal
    # say what q must be.
    for q, said in (("", "at least 1 character"), (" ", "at least 1 character"),
                    ("a\x00b", "a visible character and no control characters")):
        refused = world.client.get("/firms", params={"q": q}, headers=world.auth("officer"))
        assert refused.status_code == 422, (q, refused.text)
        (problem,) = refused.json()["problems"]
        assert problem["loc"] == "query.q" and said in problem["msg"], (q, problem)

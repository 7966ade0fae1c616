"""A firm profile has an ETag (a hash of its stored row), so two people editing one firm cannot lose each other's
change without a word: a PATCH sent with If-Match of a version that is no longer stored is a 412 and stores
nothing, If-None-Match of the stored version is a 304. Without If-Match a PATCH merges as before. Before, no
ETag was sent, and a partner who changed the keywords from a profile read before a colleague's change of them
replaced that change, both answered 200."""

from __future__ import annotations

from tests.api.conftest import OWN, World
from tests.api.test_bad_input import snapshot

PATH = f"/firms/{OWN}"


def _etag(world: World, who: str = "officer") -> str:
    read = world.client.get(PATH, headers=world.auth(who))
    assert read.status_code == 200, read.text
    etag = read.headers.get("etag", "")
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2, read.headers
    return etag


def test_the_etag_changes_exactly_when_the_stored_profile_changes(world: World) -> None:
    first = _etag(world)
    assert _etag(world) == first and _etag(world, "partner") == first
    same = world.client.patch(PATH, json={"name": world.firm_name(OWN)}, headers=world.auth("officer"))
    assert same.status_code == 200 and same.headers["etag"] == first == _etag(world), same.text
    renamed = world.client.patch(PATH, json={"name": "Hanbit Water 2"}, headers=world.auth("officer"))
    assert renamed.status_code == 200 and renamed.headers["etag"] not in ("", first), renamed.headers
    assert _etag(world) == renamed.headers["etag"]
    added = world.client.post(f"{PATH}/keywords", json={"keywords": ["정수장"]}, headers=world.auth("officer"))
    assert added.status_code == 200, added.text
    assert _etag(world) not in (first, renamed.headers["etag"])


def test_if_none_match_of_the_stored_version_is_a_304(world: World) -> None:
    etag = _etag(world)
    for method in ("GET", "HEAD"):
        unchanged = world.client.request(method, PATH, headers={**world.auth("officer"), "If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b"", unchanged.text
        assert unchanged.headers["etag"] == etag
    other = world.client.get(PATH, headers={**world.auth("officer"), "If-None-Match": '"other", ' + '"x"'})
    assert other.status_code == 200 and other.json()["firm_id"] == OWN


def test_a_patch_from_a_stale_version_is_a_412_and_stores_nothing(world: World) -> None:
    """Two partners read the profile; the first one's change holds, the second one's (made from the version
    both read) is refused, naming the firm, and can be made again from the profile as it now is."""
    read = _etag(world, "partner")
    first = world.client.patch(PATH, json={"keywords": ["water meters"]},
                               headers={**world.auth("partner"), "If-Match": read})
    assert first.status_code == 200, first.text
    before = snapshot(world)
    second = world.client.patch(PATH, json={"keywords": ["pumps"]}, headers={**world.auth("officer"), "If-Match": read})
    assert second.status_code == 412, second.text
    assert second.json()["error"] == "precondition_failed" and OWN in second.json()["detail"], second.text
    assert snapshot(world) == before
    now = world.client.patch(PATH, json={"keywords": ["water meters", "pumps"]},
                             headers={**world.auth("officer"), "If-Match": first.headers["etag"]})
    assert now.status_code == 200 and now.json()["keywords"] == ["water meters", "pumps"], now.text


def test_if_match_of_any_version_or_none_keeps_the_merge(world: World) -> None:
    for number, if_match in enumerate(["*", '"stale", {current}', None]):
        headers = {} if if_match is None else {"If-Match": if_match.format(current=_etag(world))}
        changed = world.client.patch(PATH, json={"description": f"Water meters {number}"},
                                     headers={**world.auth("officer"), **headers})
        assert changed.status_code == 200 and changed.json()["description"] == f"Water meters {number}", headers


def test_a_weak_or_malformed_if_match_never_matches(world: World) -> None:
    etag = _etag(world)
    before = snapshot(world)
    weak = world.client.patch(PATH, json={"name": "X"}, headers={**world.auth("officer"), "If-Match": f"W/{etag}"})
    assert weak.status_code == 412 and "only weak tags" in weak.json()["detail"], weak.text  # not "has changed"
    bare = world.client.patch(PATH, json={"name": "X"}, headers={**world.auth("officer"), "If-Match": etag.strip('"')})
    assert bare.status_code == 412 and "in double quotes" in bare.json()["detail"], bare.text
    assert snapshot(world) == before

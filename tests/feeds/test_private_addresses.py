"""Feeds fetch from public internet addresses only (``matcher.services.feed_address``), unless
MATCHER_FEEDS_ALLOW_PRIVATE=1: refused when the feed is added and at every connection, on the addresses the host
resolves to (every one of them), so names that resolve inward, or later resolve elsewhere, do not pass.

The other feed tests run their servers on 127.0.0.1 with the setting on (tests/feeds/conftest.py); these turn it
off, as every deployment starts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpcore
import httpx
import pytest
from pytest_httpserver import HTTPServer

from matcher.config import Settings
from matcher.errors import InvalidInput
from matcher.feeds.http import FeedError, HttpPolicy, PoliteClient
from matcher.pipeline import Matcher
from matcher.services.feed_address import address_kind
from matcher.services.feeds import validated_spec
from tests.feeds.conftest import Names, cli

pytestmark = pytest.mark.usefixtures("private_refused")  # the conftest allows them, for the other tests
ALLOW = "MATCHER_FEEDS_ALLOW_PRIVATE=1 allows private ones"
PUBLIC = "93.184.216.34"  # a public address (example.com's); no test connects to it


# ----------------------------------------------------------------------------- when a feed is added


@pytest.mark.parametrize(("url", "problem"), [
    ("http://127.0.0.1:8080/releases", "host '127.0.0.1' is a loopback address"),
    ("http://localhost/releases", "host 'localhost' is a loopback name"),
    ("http://tenders.localhost:9000/", "host 'tenders.localhost' is a loopback name"),
    ("http://[::1]/releases", "host '::1' is a loopback address"),
    ("http://10.0.0.5/releases", "host '10.0.0.5' is a private address"),
    ("http://172.16.0.1/", "host '172.16.0.1' is a private address"),
    ("http://192.168.1.10/", "host '192.168.1.10' is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "host '169.254.169.254' is a link-local address"),
    ("http://[fe80::1]/", "host 'fe80::1' is a link-local address"),
    ("http://[fd12:3456::1]/", "host 'fd12:3456::1' is a private address"),
    ("http://100.64.0.1/", "host '100.64.0.1' is a non-public address"),
    ("http://0.0.0.0:8000/", "host '0.0.0.0' is an unspecified address"),
    ("http://224.0.0.1/", "host '224.0.0.1' is a multicast address"),
    ("http://[::ffff:127.0.0.1]/", "host '::ffff:127.0.0.1' is a loopback address"),
    ("http://[64:ff9b::a9fe:a9fe]/", "host '64:ff9b::a9fe:a9fe' is a link-local address"),  # NAT64 169.254.169.254
    ("http://[2002:a00:1::]/", "host '2002:a00:1::' is a private address"),  # 6to4 of 10.0.0.1
    ("http://2130706433/", "host '2130706433' resolves to 127.0.0.1, a loopback address"),  # 127.0.0.1 as a number
    ("http://0x7f.1/", "host '0x7f.1' resolves to 127.0.0.1, a loopback address"),
])
def test_adding_a_feed_at_an_internal_address_is_refused(home: Path, url: str, problem: str) -> None:
    code, out, err = cli("feeds", "add", "inside", "--kind", "ocds", "--url", url)
    assert (code, out) == (2, "")
    assert err == (f"error: feed url {url!r}: {problem}; feeds fetch from public internet addresses only "
                   f"({ALLOW})\n")
    assert cli("feeds", "list", "--json")[1].strip() == "[]"  # nothing stored


def test_a_name_is_refused_when_any_of_its_addresses_is_internal(
    home: Path, names: Names
) -> None:
    names["mixed.example"] = [[PUBLIC, "10.1.2.3"]]
    code, _, err = cli("feeds", "add", "mixed", "--kind", "ocds", "--url", "https://mixed.example/api")
    assert code == 2 and "host 'mixed.example' resolves to 10.1.2.3, a private address" in err


def test_public_names_and_names_not_resolvable_yet_are_added(home: Path, names: Names) -> None:
    names["tenders.example"] = [[PUBLIC]]
    assert cli("feeds", "add", "pub", "--kind", "ocds", "--url", "https://tenders.example/api")[0] == 0
    # no answer now (a name not live yet, a resolver down): accepted, and checked at every connection
    assert cli("feeds", "add", "later", "--kind", "ocds", "--url", "https://not-yet.invalid/api")[0] == 0
    assert cli("feeds", "add", "ted", "--kind", "ted")[0] == 0  # the public default endpoint


def test_the_facade_refuses_for_every_face(tmp_path: Path) -> None:
    """The API's POST /feeds and the workspace's form add through ``Matcher.add_feed`` too (API: 422)."""
    matcher = Matcher(Settings(home=tmp_path / "home", encoder="fake"))
    with pytest.raises(InvalidInput, match="link-local address"):
        matcher.add_feed(validated_spec("meta", "ocds", url="http://169.254.169.254/latest"), "officer-1")
    assert matcher.all_feeds() == []


def test_the_setting_allows_private_addresses(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_FEEDS_ALLOW_PRIVATE", "1")
    assert cli("feeds", "add", "lan", "--kind", "ocds", "--url", "http://10.0.0.5/releases")[0] == 0


# ----------------------------------------------------------------------------- when a feed fetches


@pytest.fixture
def refusing(policy: HttpPolicy) -> Iterator[PoliteClient]:
    """The conftest's policy as it is in production: private addresses refused, and no retry."""
    strict = HttpPolicy(**{**policy.__dict__, "allow_private": False, "retries": 0})
    with PoliteClient(strict) as polite:
        yield polite


def test_a_fetch_from_an_internal_address_is_refused_before_connecting(
    httpserver: HTTPServer, refusing: PoliteClient
) -> None:
    httpserver.expect_request("/releases").respond_with_json({"releases": []})
    port = httpserver.port
    for url, problem in [(f"http://127.0.0.1:{port}/releases", "host '127.0.0.1' is a loopback address"),
                         (f"http://localhost:{port}/releases", "host 'localhost' is a loopback name")]:
        with pytest.raises(FeedError, match=f"^{re.escape(f'{url}: {problem}; refused')}$"):
            refusing.get(url)
    assert httpserver.log == []  # nothing reached the server


def test_a_name_that_resolves_inward_is_refused_at_the_fetch(
    httpserver: HTTPServer, refusing: PoliteClient, names: Names
) -> None:
    """A name checked when added (not resolvable, or public then) is checked again at each connection."""
    names["feeds.example"] = [["127.0.0.1"]]
    httpserver.expect_request("/releases").respond_with_json({"releases": []})
    url = f"http://feeds.example:{httpserver.port}/releases"
    with pytest.raises(FeedError, match=re.escape("host 'feeds.example' resolves to 127.0.0.1, a loopback address; "
                                                  "refused")):
        refusing.get(url)
    assert httpserver.log == []


def test_the_connection_goes_to_the_address_checked(
    refusing: PoliteClient, names: Names, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: public when checked, 127.0.0.1 a moment later. The name is resolved once per connection
    and the socket opened on the address that was checked, never on the name again."""
    names["rebind.example"] = [[PUBLIC], ["127.0.0.1"]]
    opened: list[str] = []

    def connect(self: object, host: str, port: int, *args: object, **kwargs: object) -> object:
        opened.append(host)
        raise httpcore.ConnectError("test: no network")

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect)
    with pytest.raises(FeedError, match="gave up after 1 attempts"):
        refusing.get("http://rebind.example/releases")
    assert opened == [PUBLIC] and names.calls == {"rebind.example": 1}


def test_every_redirect_is_checked(monkeypatch: pytest.MonkeyPatch, policy: HttpPolicy) -> None:
    """A source redirecting to the metadata service, or to a file, is refused (and not retried)."""
    for target in ("http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"):
        sent: list[str] = []

        def handler(request: httpx.Request, target: str = target, sent: list[str] = sent) -> httpx.Response:
            sent.append(str(request.url))
            return httpx.Response(302, headers={"Location": target})

        strict = HttpPolicy(**{**policy.__dict__, "allow_private": False})
        with PoliteClient(strict, transport=httpx.MockTransport(handler)) as polite, pytest.raises(
            FeedError, match="refused"
        ):
            polite.get("https://feeds.example/releases")
        assert sent == ["https://feeds.example/releases"]


def test_a_stored_feed_at_an_internal_address_fails_its_run(
    home: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Added while private addresses were allowed (or before this rule): the run refuses, records why, stores
    nothing, and exits 1 as any failed feed does."""
    httpserver.expect_request("/releases").respond_with_json({"releases": []})
    url = f"http://127.0.0.1:{httpserver.port}/releases"
    monkeypatch.setenv("MATCHER_FEEDS_ALLOW_PRIVATE", "1")
    assert cli("feeds", "add", "lan", "--kind", "ocds", "--url", url)[0] == 0
    monkeypatch.delenv("MATCHER_FEEDS_ALLOW_PRIVATE")
    code, out, _ = cli("feeds", "run")
    assert code == 1
    assert out.startswith("lan: failed, 0 pages, 0 new") and "host '127.0.0.1' is a loopback address; refused" in out
    assert httpserver.log == []
    listed = json.loads(cli("feeds", "list", "--json")[1])
    assert "loopback address" in listed[0]["last_run"]["error"]


@pytest.mark.parametrize(("address", "kind"), [
    ("8.8.8.8", None), ("2606:4700:4700::1111", None), ("::ffff:8.8.8.8", None),
    ("127.5.5.5", "loopback"), ("192.0.2.1", "private"), ("198.18.0.1", "private"), ("240.0.0.1", "private"),
    ("255.255.255.255", "private"), ("2001:db8::1", "private"), ("ff02::1", "multicast"), ("::", "unspecified"),
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo: server 65.54.227.120, client 10.0.0.1
    ("fe80::1%eth0", "link-local"), ("not an address", "unreadable"),
])
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(address) == kind

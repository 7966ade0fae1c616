"""Feeds through the operator's HTTP(S) proxy (MATCHER_FEEDS_PROXY) keep the public-address rule: the client
resolves each target itself and refuses it, in the usual words, before anything is sent to the proxy; what passes
goes through the proxy (absolute-form for http, CONNECT for https), on every request and redirect hop.

A real proxy (tests/feeds/proxy.py) and real origin servers listen on 127.0.0.1; the names fixture makes
``feeds.example`` look public (or not) to the client, while the proxy, resolving on its own, reaches the origin.
"""

from __future__ import annotations

import base64
import re
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from matcher.config import Settings
from matcher.feeds.http import FeedError, HttpPolicy, PoliteClient
from tests.feeds.conftest import Names, Sleeps, cli
from tests.feeds.proxy import Proxy, running_proxy

pytestmark = pytest.mark.usefixtures("private_refused")  # the conftest allows them, for the other tests
PUBLIC = "93.184.216.34"  # a public address (example.com's); nothing connects to it: the proxy goes to 127.0.0.1


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    with running_proxy() as running:
        yield running


@pytest.fixture
def guarded(policy: HttpPolicy, proxy: Proxy) -> HttpPolicy:
    """The conftest's policy as a deployment behind a proxy runs it: private addresses refused, the proxy set."""
    return HttpPolicy(**{**policy.__dict__, "allow_private": False, "proxy": proxy.url})


@pytest.fixture
def through(guarded: HttpPolicy, sleeps: Sleeps) -> Iterator[PoliteClient]:
    with PoliteClient(guarded, sleep=sleeps, jitter=lambda: 1.0) as polite:
        yield polite


# ----------------------------------------------------------------------------- (a) refused before the proxy


@pytest.mark.parametrize(("url", "problem"), [
    ("http://feeds.example:{port}/releases", "host 'feeds.example' resolves to 10.0.0.7, a private address"),
    ("https://feeds.example/releases", "host 'feeds.example' resolves to 10.0.0.7, a private address"),
    ("http://127.0.0.1:{port}/releases", "host '127.0.0.1' is a loopback address"),
    ("https://localhost/releases", "host 'localhost' is a loopback name"),
    ("http://[::ffff:169.254.169.254]/latest/", "host '::ffff:169.254.169.254' is a link-local address"),
])
def test_a_target_that_is_not_public_never_reaches_the_proxy(
    httpserver: HTTPServer, through: PoliteClient, proxy: Proxy, names: Names, url: str, problem: str
) -> None:
    names["feeds.example"] = [["10.0.0.7"]]
    httpserver.expect_request("/releases").respond_with_json({"releases": []})
    url = url.format(port=httpserver.port)
    with pytest.raises(FeedError, match=f"^{re.escape(f'{url}: {problem}; refused')}$"):
        through.get(url)
    assert proxy.seen.connections == 0 and proxy.seen.requests == []
    assert httpserver.log == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    through: PoliteClient, proxy: Proxy, names: Names
) -> None:
    names["mixed.example"] = [[PUBLIC, "192.168.4.4"]]
    with pytest.raises(FeedError, match=re.escape("host 'mixed.example' resolves to 192.168.4.4, a private address; "
                                                  "refused")):
        through.get("https://mixed.example/api")
    assert proxy.seen.connections == 0


def test_a_name_the_client_cannot_resolve_is_not_left_to_the_proxy(
    through: PoliteClient, proxy: Proxy, sleeps: Sleeps
) -> None:
    """Unresolvable here: retried as a lost connection, then the run fails; the proxy is never asked to
    resolve it (its view of the network, where the name might lead inward, is not checked)."""
    with pytest.raises(FeedError, match=r"gave up after 4 attempts \(ConnectError: cannot resolve 'nowhere.invalid'"):
        through.get("http://nowhere.invalid/releases")
    assert sleeps == [1.0, 2.0, 4.0] and proxy.seen.connections == 0


# ----------------------------------------------------------------------------- (b) what passes goes through


def test_a_public_target_over_http_goes_through_the_proxy_in_absolute_form(
    httpserver: HTTPServer, through: PoliteClient, proxy: Proxy, names: Names
) -> None:
    names["feeds.example"] = [[PUBLIC]]
    httpserver.expect_request("/releases", query_string="page=2").respond_with_json({"releases": [1]})
    url = f"http://feeds.example:{httpserver.port}/releases"
    assert through.get_json(url, params={"page": 2}) == {"releases": [1]}
    assert proxy.seen.requests == [f"GET {url}?page=2"]
    assert httpserver.log[0][0].headers["Host"] == f"feeds.example:{httpserver.port}"
    assert names.calls == {"feeds.example": 1}  # checked by the client; the proxy resolved on its own


def test_every_redirect_hop_is_checked_again(
    httpserver: HTTPServer, through: PoliteClient, proxy: Proxy, names: Names
) -> None:
    """Public for the first request, private at the redirect's hop (the same origin, so the origin rule lets it
    through): refused before the hop reaches the proxy."""
    names["feeds.example"] = [[PUBLIC], ["10.0.0.7"]]
    httpserver.expect_request("/old").respond_with_data("", status=302, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_json({"releases": []})
    url = f"http://feeds.example:{httpserver.port}/old"
    with pytest.raises(FeedError, match=re.escape(f"{url}: host 'feeds.example' resolves to 10.0.0.7, a private "
                                                  "address; refused")):
        through.get(url)
    assert proxy.seen.requests == [f"GET {url}"] and [r.path for r, _ in httpserver.log] == ["/old"]


def test_redirects_retries_validators_and_bounds_work_through_the_proxy(
    httpserver: HTTPServer, guarded: HttpPolicy, proxy: Proxy, names: Names, sleeps: Sleeps
) -> None:
    names["feeds.example"] = [[PUBLIC]]
    base = f"http://feeds.example:{httpserver.port}"
    httpserver.expect_ordered_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_ordered_request("/new").respond_with_data("", status=503, headers={"Retry-After": "3"})
    httpserver.expect_ordered_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_ordered_request("/new").respond_with_data("page", headers={"ETag": '"v1"'})
    httpserver.expect_ordered_request("/new", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    httpserver.expect_ordered_request("/big").respond_with_data(b"x" * 5000)
    httpserver.expect_ordered_request("/away").respond_with_data(
        "", status=302, headers={"Location": f"http://elsewhere.example:{httpserver.port}/"})
    small = HttpPolicy(**{**guarded.__dict__, "max_bytes": 4096})
    with PoliteClient(small, sleep=sleeps, jitter=lambda: 1.0) as polite:
        fetched = polite.get(f"{base}/old")
        assert (fetched.url, fetched.body, sleeps) == (f"{base}/new", b"page", [3.0])  # Retry-After honoured
        assert polite.get(f"{base}/new", validators=fetched.validators).not_modified
        with pytest.raises(FeedError, match="response larger than 4096 bytes; refused"):
            polite.get(f"{base}/big")
        with pytest.raises(FeedError, match="another origin; refused"):
            polite.get(f"{base}/away")
    assert proxy.seen.requests == [f"GET {base}{path}" for path in ("/old", "/new", "/old", "/new", "/new", "/big",
                                                                    "/away")]
    assert names.calls == {"feeds.example": 7}  # once per request, each checked before it went out


def test_proxy_credentials_are_sent_to_the_proxy(
    httpserver: HTTPServer, policy: HttpPolicy, proxy: Proxy, names: Names
) -> None:
    """A password with '@' and ':' percent-encoded in the URL reaches the proxy decoded, as Basic credentials."""
    names["feeds.example"] = [[PUBLIC]]
    httpserver.expect_request("/releases").respond_with_data("ok")
    with_user = proxy.url.replace("http://", "http://feeds%20bot:p%40ss%3Aword@")
    Settings(feeds_proxy=with_user)  # a valid setting
    strict = HttpPolicy(**{**policy.__dict__, "allow_private": False, "proxy": with_user})
    with PoliteClient(strict) as polite:
        assert polite.get(f"http://feeds.example:{httpserver.port}/releases").body == b"ok"
    assert proxy.seen.authorizations == ["Basic " + base64.b64encode(b"feeds bot:p@ss:word").decode()]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for feeds.example (openssl), trusted by the client through SSL_CERT_FILE."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test origin's certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=feeds.example",
                    "-addext", "subjectAltName=DNS:feeds.example"], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_origin(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def test_a_public_target_over_https_goes_through_a_connect_tunnel(
    tls_origin: HTTPServer, guarded: HttpPolicy, proxy: Proxy, names: Names
) -> None:
    """The proxy sees only CONNECT host:port; TLS runs end to end and verifies the origin's name."""
    names["feeds.example"] = [[PUBLIC]]
    tls_origin.expect_request("/releases").respond_with_json({"releases": ["tls"]})
    url = f"https://feeds.example:{tls_origin.port}/releases"
    with PoliteClient(guarded) as polite:  # made after tls_origin set SSL_CERT_FILE
        assert polite.get_json(url) == {"releases": ["tls"]}
    assert proxy.seen.requests == [f"CONNECT feeds.example:{tls_origin.port}"]
    assert tls_origin.log[0][0].headers["Host"] == f"feeds.example:{tls_origin.port}"


def test_a_later_request_on_the_open_tunnel_is_checked_again(
    tls_origin: HTTPServer, guarded: HttpPolicy, proxy: Proxy, names: Names
) -> None:
    names["feeds.example"] = [[PUBLIC], ["127.0.0.1"]]
    tls_origin.expect_request("/releases").respond_with_json({"releases": []})
    url = f"https://feeds.example:{tls_origin.port}/releases"
    with PoliteClient(guarded) as polite:
        assert polite.get_json(url) == {"releases": []}
        with pytest.raises(FeedError, match=re.escape("resolves to 127.0.0.1, a loopback address; refused")):
            polite.get(url)
    assert len(tls_origin.log) == 1 and proxy.seen.connections == 1  # the tunnel was open, and not used


# ----------------------------------------------------------------------------- the setting


def test_a_feed_run_uses_the_configured_proxy(
    home: Path, httpserver: HTTPServer, proxy: Proxy, names: Names, monkeypatch: pytest.MonkeyPatch
) -> None:
    names["feeds.example"] = [[PUBLIC]]
    httpserver.expect_request("/releases").respond_with_json({"releases": []})
    url = f"http://feeds.example:{httpserver.port}/releases"
    assert cli("feeds", "add", "portal", "--kind", "ocds", "--url", url)[0] == 0
    monkeypatch.setenv("MATCHER_FEEDS_PROXY", proxy.url)
    code, out, err = cli("feeds", "run")
    assert code == 0, out + err
    assert proxy.seen.requests == [f"GET {url}"] and len(httpserver.log) == 1


def test_allowing_private_addresses_uses_the_proxy_without_the_check(
    httpserver: HTTPServer, policy: HttpPolicy, proxy: Proxy
) -> None:
    httpserver.expect_request("/releases").respond_with_data("lan")
    url = f"http://127.0.0.1:{httpserver.port}/releases"
    with PoliteClient(HttpPolicy(**{**policy.__dict__, "proxy": proxy.url})) as polite:
        assert polite.get(url).body == b"lan"
    assert proxy.seen.requests == [f"GET {url}"]


EXPECTED = "(expected http://host:port or https://host:port, with user:password@ before the host if it asks)"


@pytest.mark.parametrize(("value", "problem"), [
    ("proxy.corp:3128", "no scheme"),
    ("socks5://127.0.0.1:1080", "scheme 'socks5' is not http or https"),
    ("ftp://proxy.corp", "scheme 'ftp' is not http or https"),
    ("http://", "no host"),
    ("http://:3128", "no host"),
    ("http://proxy.corp:99999", "port 99999 is out of range (1-65535)"),
    ("http://proxy.corp:3128/feeds?x=1", "a path, query or fragment; a proxy URL has none"),
    ("http://proxy.corp:3128#top", "a path, query or fragment; a proxy URL has none"),
    ("http://[::1:3128", "not a URL (Invalid port: ':1:3128')"),
    ("http://feeds:pa/ss@proxy.corp:3128", "not a URL (a / # ? in the user name or password must be "
                                           "percent-encoded: %2F %23 %3F)"),
    ("http://fe%3Aeds:secret@proxy.corp", "the user name contains ':' (Basic credentials cannot carry it)"),
    ("http://feeds:s%FFcret@proxy.corp", "the user name or password is not UTF-8 once percent-decoded"),
])
def test_a_bad_proxy_setting_is_one_line_and_exit_2(
    home: Path, monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    monkeypatch.setenv("MATCHER_FEEDS_PROXY", value)
    code, out, err = cli("feeds", "list")
    assert (code, out) == (2, "")
    assert err == f"error: bad setting MATCHER_FEEDS_PROXY: {problem} {EXPECTED}\n"
    assert "secret" not in err and "pa/ss" not in err  # a password is never repeated


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_proxy_setting_means_none(value: str) -> None:
    assert Settings(feeds_proxy=value).feeds_proxy is None
    assert HttpPolicy.from_settings(Settings(feeds_proxy=value)).proxy is None


def test_the_proxy_setting_reaches_the_policy_and_stays_out_of_its_repr() -> None:
    policy = HttpPolicy.from_settings(Settings(feeds_proxy=" https://feeds:secret@proxy.corp:8443 "))
    assert policy.proxy == "https://feeds:secret@proxy.corp:8443"
    assert "secret" not in repr(policy)


# ------------------------------------------------------------------------- the proxy itself failing


def test_a_proxy_asking_for_credentials_fails_the_run_at_once_and_says_so(
    tls_origin: HTTPServer, policy: HttpPolicy, names: Names, sleeps: Sleeps
) -> None:
    """407 to a CONNECT is the operator's setting to fix, not a connection to try five more times; over http
    the 407 comes back as the answer to the request and is final as every other 4xx."""
    names["feeds.example"] = [[PUBLIC]]
    with running_proxy(credentials="Basic " + base64.b64encode(b"bot:secret").decode()) as strict:
        guarded = HttpPolicy(**{**policy.__dict__, "allow_private": False, "proxy": strict.url})
        with PoliteClient(guarded, sleep=sleeps) as polite:
            url = f"https://feeds.example:{tls_origin.port}/releases"
            with pytest.raises(FeedError, match=re.escape(
                    f"{url}: the feeds proxy (MATCHER_FEEDS_PROXY) refused the tunnel: 407 Proxy Authentication "
                    "Required")) as refused:
                polite.get(url)
            assert refused.value.status == 407
            with pytest.raises(FeedError, match="HTTP 407 Proxy Authentication Required"):
                polite.get(f"http://feeds.example:{tls_origin.port}/releases")
        assert strict.seen.requests == [f"CONNECT feeds.example:{tls_origin.port}",
                                        f"GET http://feeds.example:{tls_origin.port}/releases"]
    assert sleeps == []
    assert tls_origin.log == []


def test_a_proxy_that_cannot_be_reached_is_named(policy: HttpPolicy, names: Names, sleeps: Sleeps) -> None:
    """Behind a proxy every connection the client opens is to the proxy: a refused one says so, and is retried
    as a lost connection is (the proxy may be restarting)."""
    names["feeds.example"] = [[PUBLIC]]
    with running_proxy() as gone:
        url = gone.url
    guarded = HttpPolicy(**{**policy.__dict__, "allow_private": False, "proxy": url, "retries": 1})
    with PoliteClient(guarded, sleep=sleeps, jitter=lambda: 1.0) as polite, pytest.raises(
            FeedError, match=re.escape(f"cannot reach the feeds proxy {url.removeprefix('http://')}")):
        polite.get("https://feeds.example/releases")
    assert len(sleeps) == 1

"""The polite client against a real local server: retries, Retry-After, pace, conditional requests, bounds."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from matcher.config import Settings
from matcher.feeds import http as feed_http
from matcher.feeds import transport as feed_transport
from matcher.feeds.http import FeedError, Fetched, HttpPolicy, PoliteClient, Validators
from tests.feeds.conftest import Sleeps


def test_user_agent_names_the_product_and_a_contact(httpserver: HTTPServer, client: PoliteClient) -> None:
    httpserver.expect_request("/x").respond_with_data("ok")
    client.get(httpserver.url_for("/x"))
    agent = httpserver.log[0][0].headers["User-Agent"]
    assert agent == "tender-matcher/test (+ops@example.org)"


def test_default_contact_is_the_digest_sender(tmp_path: object) -> None:
    policy = HttpPolicy.from_settings(Settings(smtp_from="Agency <tenders@agency.example>"))
    assert policy.user_agent.startswith("tender-matcher/") and policy.user_agent.endswith("(+tenders@agency.example)")
    policy = HttpPolicy.from_settings(Settings(feeds_contact="https://agency.example/feeds"))
    assert policy.user_agent.endswith("(+https://agency.example/feeds)")


def test_429_with_retry_after_seconds_waits_that_long(
    httpserver: HTTPServer, client: PoliteClient, sleeps: Sleeps
) -> None:
    httpserver.expect_ordered_request("/p").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request("/p").respond_with_json({"ok": True})
    assert client.get_json(httpserver.url_for("/p")) == {"ok": True}
    assert sleeps == [7.0]
    assert client.requests == 2


def test_retry_after_as_an_http_date(httpserver: HTTPServer, client: PoliteClient, sleeps: Sleeps) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    httpserver.expect_ordered_request("/p").respond_with_data("", status=503, headers={"Retry-After": when})
    httpserver.expect_ordered_request("/p").respond_with_data("fine")
    assert client.get(httpserver.url_for("/p")).body == b"fine"
    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 30


def test_a_retry_after_beyond_the_limit_fails_at_once(
    httpserver: HTTPServer, client: PoliteClient, sleeps: Sleeps
) -> None:
    httpserver.expect_request("/p").respond_with_data("", status=429, headers={"Retry-After": "86400"})
    with pytest.raises(FeedError, match="asks us to wait 86400 s"):
        client.get(httpserver.url_for("/p"))
    assert sleeps == [] and client.requests == 1


@pytest.mark.parametrize("value", ["\u00b2", "\u00b9\u00b3", "-5", "7.5", "soon"])
def test_a_retry_after_that_is_no_delay_nor_date_is_ignored_for_the_backoff(
    httpserver: HTTPServer, client: PoliteClient, sleeps: Sleeps, value: str
) -> None:
    # A superscript digit (byte 0xB2, read as Latin-1) passed str.isdigit, then float() raised ValueError: the feed's
    # run ended as "unexpected ValueError: could not convert string to float: '\u00b2'" instead of retrying.
    httpserver.expect_ordered_request("/p").respond_with_data("", status=503, headers={"Retry-After": value})
    httpserver.expect_ordered_request("/p").respond_with_data("fine")
    assert client.get(httpserver.url_for("/p")).body == b"fine"
    assert sleeps == [1.0]  # the first backoff, as without the header


def test_500s_back_off_exponentially_then_succeed(
    httpserver: HTTPServer, client: PoliteClient, sleeps: Sleeps
) -> None:
    for _ in range(3):
        httpserver.expect_ordered_request("/p").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request("/p").respond_with_data("done")
    assert client.get(httpserver.url_for("/p")).body == b"done"
    assert sleeps == [1.0, 2.0, 4.0]  # backoff 1 s doubling; the fixture's jitter is 1.0 (the full span)


def test_backoff_is_capped_and_jittered(policy: HttpPolicy) -> None:
    polite = PoliteClient(policy, jitter=lambda: 0.5)
    assert [polite._backoff(a) for a in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]  # max_backoff 8 s * 0.5
    polite.close()


def test_giving_up_names_the_url_and_the_last_problem(
    httpserver: HTTPServer, client: PoliteClient, sleeps: Sleeps
) -> None:
    httpserver.expect_request("/down").respond_with_data("", status=502)
    with pytest.raises(FeedError, match=r"/down: gave up after 4 attempts \(HTTP 502\)"):
        client.get(httpserver.url_for("/down"))
    assert len(sleeps) == 3


def test_4xx_is_final(httpserver: HTTPServer, client: PoliteClient, sleeps: Sleeps) -> None:
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    with pytest.raises(FeedError, match="HTTP 404"):
        client.get(httpserver.url_for("/gone"))
    assert client.requests == 1 and sleeps == []


def test_a_read_timeout_is_retried(policy: HttpPolicy, sleeps: Sleeps) -> None:
    calls = []
    httpserver = HTTPServer(host="127.0.0.1", threaded=True)  # the retry must not queue behind the slow answer
    httpserver.start()

    def slow_once(request: Request) -> Response:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(1.0)
        return Response("late but fine")

    httpserver.expect_request("/slow").respond_with_handler(slow_once)
    fast = HttpPolicy(**{**policy.__dict__, "read_timeout": 0.3})
    with PoliteClient(fast, sleep=sleeps, jitter=lambda: 1.0) as polite:
        assert polite.get(httpserver.url_for("/slow")).body == b"late but fine"
    assert len(calls) == 2 and sleeps == [1.0]


def test_a_connection_refused_is_retried_then_reported(policy: HttpPolicy, sleeps: Sleeps) -> None:
    with PoliteClient(policy, sleep=sleeps, jitter=lambda: 1.0) as polite, pytest.raises(
        FeedError, match=r"gave up after 4 attempts \(ConnectError"
    ):
        polite.get("http://127.0.0.1:9/nothing-listens-here")
    assert sleeps == [1.0, 2.0, 4.0]


def test_malformed_json_is_fetched_once_more(httpserver: HTTPServer, client: PoliteClient) -> None:
    httpserver.expect_ordered_request("/page").respond_with_data(
        '{"releases": [{"ocid": "a"', content_type="application/json")
    httpserver.expect_ordered_request("/page").respond_with_json({"releases": []})
    assert client.get_json(httpserver.url_for("/page")) == {"releases": []}


def test_malformed_json_twice_fails_naming_the_url(httpserver: HTTPServer, client: PoliteClient) -> None:
    httpserver.expect_request("/page").respond_with_data('{"releases": [', content_type="application/json")
    with pytest.raises(FeedError, match=r"/page: malformed JSON"):
        client.get_json(httpserver.url_for("/page"))


def test_conditional_request_sends_validators_and_reports_not_modified(
    httpserver: HTTPServer, client: PoliteClient
) -> None:
    httpserver.expect_ordered_request("/pkg").respond_with_data(
        "v1", headers={"ETag": '"abc"', "Last-Modified": "Tue, 01 Dec 2026 06:00:00 GMT"})
    httpserver.expect_ordered_request("/pkg", headers={"If-None-Match": '"abc"'}).respond_with_data("", status=304)
    first = client.get(httpserver.url_for("/pkg"))
    kept = Validators.from_json(first.validators.to_json())  # as stored in a cursor
    assert kept == Validators('"abc"', "Tue, 01 Dec 2026 06:00:00 GMT")
    second = client.get(httpserver.url_for("/pkg"), validators=kept)
    assert second.not_modified and second.body == b""
    assert httpserver.log[1][0].headers["If-Modified-Since"] == "Tue, 01 Dec 2026 06:00:00 GMT"


def test_a_body_past_the_bound_is_refused(httpserver: HTTPServer, policy: HttpPolicy) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    small = HttpPolicy(**{**policy.__dict__, "max_bytes": 4096})
    with PoliteClient(small) as polite, pytest.raises(FeedError, match="larger than 4096 bytes"):
        polite.get(httpserver.url_for("/big"))


def test_requests_to_one_host_are_paced(
    httpserver: HTTPServer, policy: HttpPolicy, monkeypatch: pytest.MonkeyPatch,
) -> None:
    httpserver.expect_request("/x").respond_with_data("ok")
    # The client's clock stands still, so the waits are exact however loaded the machine (measured on the real
    # clock, a request that took more than 50 ms under load failed the bounds this asserted before).
    monkeypatch.setattr(feed_http, "time", SimpleNamespace(monotonic=lambda: 1000.0, sleep=time.sleep))
    paced = HttpPolicy(**{**policy.__dict__, "host_interval": 0.25})
    waits = Sleeps()
    with PoliteClient(paced, sleep=waits) as polite:
        for _ in range(3):
            polite.get(httpserver.url_for("/x"))
    # The second request waits its turn (0.25 s after the first), the third 0.5 s after the first (the sleeps
    # are recorded, not slept, so each later request queues behind the previous turn).
    assert waits == [0.25, 0.5]


def test_post_json_sends_the_payload(httpserver: HTTPServer, client: PoliteClient) -> None:
    httpserver.expect_request("/search", method="POST", json={"query": "classification-cpv IN (33100000)"}
                              ).respond_with_json({"notices": []})
    assert client.post_json(httpserver.url_for("/search"), {"query": "classification-cpv IN (33100000)"}
                            ).json() == {"notices": []}


def test_redirects_on_the_same_origin_are_followed(httpserver: HTTPServer, client: PoliteClient) -> None:
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data("moved here")
    fetched = client.get(httpserver.url_for("/old"))
    assert fetched.body == b"moved here" and fetched.url.endswith("/new")


def test_a_redirect_to_another_origin_is_refused(httpserver: HTTPServer, client: PoliteClient) -> None:
    other = HTTPServer(host="127.0.0.1")
    other.expect_request("/stolen").respond_with_data("should never be asked")
    other.start()
    try:
        httpserver.expect_request("/page").respond_with_data(
            "", status=302, headers={"Location": other.url_for("/stolen")})
        with pytest.raises(FeedError, match=r"/page: redirected to http://127\.0\.0\.1:\d+/stolen, another origin"):
            client.get(httpserver.url_for("/page"))
        assert other.log == []
    finally:
        other.stop()


def test_a_body_that_is_not_in_its_content_encoding_fails_naming_it(
    httpserver: HTTPServer, client: PoliteClient, sleeps: Sleeps
) -> None:
    # A broken (or hostile) server says gzip and sends something else: httpx's DecodingError used to escape the
    # client, so the runner logged a traceback and recorded "unexpected DecodingError".
    httpserver.expect_request("/p").respond_with_data(b"plain text", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FeedError, match=r"/p: the body is not in its Content-Encoding 'gzip' \(Error -3"):
        client.get(httpserver.url_for("/p"))
    assert client.requests == 1 and sleeps == []


def gzipped_zeros(megabytes: int) -> bytes:
    """``megabytes`` MiB of zeros, gzipped (about 1,000 times smaller), made a MiB at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return b"".join(packer.compress(bytes(1 << 20)) for _ in range(megabytes)) + packer.flush()


def test_a_compression_bomb_is_refused_before_it_is_inflated(httpserver: HTTPServer, policy: HttpPolicy) -> None:
    # 200 MiB of zeros gzipped twice is an 800-byte body: httpx's decoders inflated each received chunk whole,
    # layer after layer, so it took 200 MiB and more in one step before the size bound could look (a few more
    # layers and the process is out of memory). The client decodes in steps no larger than what it may still take.
    bomb = gzipped_zeros(200)
    small = HttpPolicy(**{**policy.__dict__, "max_bytes": 1 << 20})
    httpserver.expect_request("/twice").respond_with_data(
        gzip.compress(bomb), headers={"Content-Encoding": "gzip, gzip"})
    httpserver.expect_request("/once").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with PoliteClient(small) as polite:
        tracemalloc.start()
        try:
            with pytest.raises(FeedError, match=r"/twice: Content-Encoding 'gzip, gzip': one coding at most"):
                polite.get(httpserver.url_for("/twice"))
            with pytest.raises(FeedError, match=r"/once: response larger than 1048576 bytes; refused"):
                polite.get(httpserver.url_for("/once"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # The 1 MiB bound, its copy and the raw chunks in flight, and the 10 MB werkzeug's test server in this
    # process may set aside to drain a request (it counts too); the peak was 437 MiB, and 141 MiB gzipped once.
    assert peak < 16 << 20


def test_gzip_and_deflate_bodies_are_decoded(httpserver: HTTPServer, client: PoliteClient) -> None:
    text = b'{"releases": []}' * 1000
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)  # 'deflate' without its zlib header
    for path, body, coding in (("/gz", gzip.compress(text), "gzip"), ("/zlib", zlib.compress(text), "deflate"),
                               ("/raw", raw_deflate.compress(text) + raw_deflate.flush(), "deflate"),
                               ("/plain", text, "identity")):
        httpserver.expect_request(path).respond_with_data(body, headers={"Content-Encoding": coding})
        assert client.get(httpserver.url_for(path)).body == text
    assert {request.headers["Accept-Encoding"] for request, _ in httpserver.log} == {"gzip, deflate"}


def test_a_content_encoding_the_client_did_not_ask_for_is_named(httpserver: HTTPServer, client: PoliteClient) -> None:
    httpserver.expect_request("/br").respond_with_data(b"\x1b\x00", headers={"Content-Encoding": "br"})
    with pytest.raises(FeedError, match=r"/br: Content-Encoding 'br': expected gzip or deflate"):
        client.get(httpserver.url_for("/br"))


def test_json_is_read_as_json_loads_reads_bytes_with_lone_surrogates_replaced() -> None:
    def parsed(body: bytes) -> Any:
        return Fetched("https://feed.example/p", 200, body).json()

    assert parsed(b'{"t": "caf\\u00e9 \\ud83d\\ude00"}') == {"t": "caf\u00e9 \U0001f600"}  # an escaped pair is one
    assert parsed(b'\xef\xbb\xbf{"t": "bom"}') == {"t": "bom"}  # a UTF-8 BOM, as json.loads allows it on bytes
    assert parsed('{"t": "utf-16"}'.encode("utf-16")) == {"t": "utf-16"}
    assert parsed(b'{"\\udc80k": ["a\\ud800", "\xed\xa0\x80b"]}') == {"\ufffdk": ["a\ufffd", "\ufffdb"]}  # CESU-8 too
    with pytest.raises(FeedError, match=r"https://feed.example/p: malformed JSON \('utf-8' codec can't decode"):
        parsed(b'{"t": "\xff"}')


@contextmanager
def dripping_server(head: bytes, drip: Callable[[int], bytes]) -> Iterator[tuple[int, list[int]]]:
    """A server that answers each connection with ``head`` and then ``drip(i)`` every 0.1 s for 10 s, each read
    well within the read timeout; its port, and how many connections it took."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop, accepted = threading.Event(), [0]

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted[0] += 1
            with connection:
                connection.recv(65536)
                try:
                    connection.sendall(head)
                    for i in range(100):
                        if stop.wait(0.1):
                            return
                        connection.sendall(drip(i))
                except OSError:  # the client gave up, as it should
                    continue

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        listener.close()
        worker.join(5)


@pytest.fixture
def dripping() -> Iterator[str]:
    """Headers at once, then a 100-byte body a byte every 0.1 s; its URL."""
    with dripping_server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
                         lambda i: b" ") as (port, _):
        yield f"http://127.0.0.1:{port}/drip"


def test_a_body_dripped_slower_than_the_response_timeout_is_abandoned(
    dripping: str, policy: HttpPolicy, sleeps: Sleeps
) -> None:
    # Every read came within the read timeout, so the 100 bytes held the client 10 s (at a byte a second, a
    # 200 MiB bound is six years); the whole response must now come within response_timeout.
    slow = HttpPolicy(**{**policy.__dict__, "response_timeout": 0.5})
    started = time.monotonic()
    with PoliteClient(slow, sleep=sleeps) as polite, pytest.raises(
        FeedError, match=r"/drip: the response took longer than 0\.5 s \(MATCHER_FEEDS_RESPONSE_TIMEOUT\)"
    ):
        polite.get(dripping)
    assert time.monotonic() - started < 2.0 and polite.requests == 1 and sleeps == []
    assert HttpPolicy.from_settings(Settings(feeds_response_timeout=42.5)).response_timeout == 42.5


@pytest.fixture
def dripping_headers() -> Iterator[tuple[str, list[int]]]:
    """A status line, then a header line every 0.1 s; its address, and how many connections it took."""
    with dripping_server(b"HTTP/1.1 200 OK\r\n", lambda i: f"X-Drip-{i}: 1\r\n".encode()) as (port, accepted):
        yield f"127.0.0.1:{port}", accepted


@pytest.mark.parametrize("way", ["direct", "proxy"])
def test_headers_dripped_slower_than_the_response_timeout_are_abandoned(
    dripping_headers: tuple[str, list[int]], policy: HttpPolicy, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch,
    way: str,
) -> None:
    """Each header line came within the read timeout, so a source could hold a run for 100 KiB of headers times
    the read timeout (days); the response's deadline now covers the headers, on the connections of a deployment
    (public addresses only: directly, or through the operator's proxy)."""
    address, accepted = dripping_headers
    host, port = address.split(":")
    slow = HttpPolicy(**{**policy.__dict__, "response_timeout": 0.5, "allow_private": False})
    url = f"http://feeds.example:{port}/drip"
    if way == "direct":  # the public-address check would refuse 127.0.0.1: this server stands for a public one
        monkeypatch.setattr(feed_transport, "public_addresses", lambda name, port: [host])
    else:
        monkeypatch.setattr(feed_transport, "public_addresses", lambda name, port: ["93.184.216.34"])
        slow = HttpPolicy(**{**slow.__dict__, "proxy": f"http://{address}"})  # the server answers as the proxy
    started = time.monotonic()
    with PoliteClient(slow, sleep=sleeps) as polite, pytest.raises(
        FeedError, match=r"/drip: the response took longer than 0\.5 s \(MATCHER_FEEDS_RESPONSE_TIMEOUT\)"
    ):
        polite.get(url)
    assert time.monotonic() - started < 2.0 and polite.requests == 1 and accepted == [1] and sleeps == []


def test_a_redirect_without_a_location_is_named(httpserver: HTTPServer, client: PoliteClient) -> None:
    # httpx hands back a 3xx it cannot follow; it was returned as if it were the page, so a JSON feed said
    # "malformed JSON (Expecting value ...)" about the 302's body.
    httpserver.expect_request("/moved").respond_with_data("moved", status=302)
    with pytest.raises(FeedError, match=r"/moved: HTTP 302 FOUND without a Location to follow$") as refused:
        client.get_json(httpserver.url_for("/moved"))
    assert refused.value.status == 302 and client.requests == 1

"""The one HTTP client every feed uses: polite to the source, patient with its failures, bounded in what it takes.

- **Timeouts** on connect and on every read, so a source that stops answering cannot hang a run, and on the
  whole response (``response_timeout``: each read of its connection waits no later, ``transport.
  response_deadline``, and the body is checked as it arrives), so one that drips its headers or its body cannot
  either. A response past it is not retried (the next run resumes from the cursor). Only httpx's own transport
  (private addresses allowed and no proxy named: tests, a trusted network) bounds dripped headers by the read
  timeout per read and httpcore's 100 KiB header limit alone.
- **Retries** on 429, 5xx and lost connections (connect errors, read timeouts, a body cut short), waiting
  ``backoff * 2**attempt`` seconds with full jitter (a uniform fraction of it, so many clients that failed
  together do not come back together), capped at ``max_backoff``; a ``Retry-After`` header (seconds or an
  HTTP date) is honoured instead, and one asking for more than ``max_retry_after`` fails the run at once
  rather than holding the scheduler (the next run resumes from the cursor). Other 4xx are final.
- **A per-host pace**: at most one request every ``host_interval`` seconds to the same host, across the
  threads of this process.
- **Conditional requests**: a caller that kept a response's ``ETag`` / ``Last-Modified`` sends them back
  and gets ``not_modified`` for a 304 (no body downloaded, nothing parsed).
- **A User-Agent** naming the product, its version and a contact, as the sources' terms ask.
- **A size bound** on every decoded body, enforced while it streams in and while it is inflated (gzip or
  deflate, one layer: ``_Body``), so a compression bomb is refused before it takes the memory; a body that
  is not in the Content-Encoding it names fails at once (the next attempt would get the same bytes).
- **Credentials in a URL** (``https://user:password@host/``) are sent as basic authentication, never in the URL
  httpx logs, and every FeedError shows them as ``***@`` (``matcher.feeds.credentials``); ``signed_in`` keeps a
  feed's password out of its connector altogether.
- **Redirects stay on the source's origin** (same host and port; http may become https, never the reverse).
- **Public addresses only** (``matcher.feeds.transport``; ``MATCHER_FEEDS_ALLOW_PRIVATE`` lifts it): every
  connection, or with ``MATCHER_FEEDS_PROXY`` every request sent through the operator's proxy, first resolves
  its host here and is refused when any address is not a public one (the proxy resolves the name again; the
  transport module says what that leaves open). A proxy from the environment (HTTPS_PROXY) is used only while
  private addresses are allowed.

httpx does the HTTP; this module adds only the policy above (httpx's own transport retries cover connect
failures only, not 429/5xx or Retry-After).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from matcher import __version__
from matcher.config import Settings
from matcher.errors import MatcherError
from matcher.feeds import transport as feed_transport
from matcher.ingest.base import parse_json
from matcher.services.feed_credentials import without_credentials

log = logging.getLogger(__name__)

#: The content codings the client asks for and decodes (``_Body``), as zlib's window bits.
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
ACCEPT_ENCODING = "gzip, deflate"

#: Statuses worth another try: rate limited, and the server-side failures that are usually transient.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class FeedError(MatcherError):
    """A source could not be read this run (down, refusing, malformed): the run records it and goes on."""

    def __init__(self, message: str, status: int | None = None, refused: bool = False) -> None:
        super().__init__(without_credentials(message))  # it is stored, listed and logged: never a password
        #: The HTTP status of a final refusal (404, 410, ...), so a caller can tell "not there" from "down".
        self.status = status
        #: The client refused what the source answered (too large, a redirect elsewhere, a private address, a
        #: bad Content-Encoding): asking again would get the same, as for a final status.
        self.refused = refused


@dataclass(frozen=True)
class HttpPolicy:
    user_agent: str
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    response_timeout: float = 300.0
    retries: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    max_retry_after: float = 600.0
    host_interval: float = 1.0
    max_bytes: int = 200 * 1024 * 1024
    allow_private: bool = False
    proxy: str | None = field(default=None, repr=False)  # may carry the proxy's password

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpPolicy:
        contact = settings.feeds_contact.strip() or _address(settings.smtp_from)
        return cls(
            user_agent=f"tender-matcher/{__version__} (+{contact})",
            connect_timeout=settings.feeds_connect_timeout, read_timeout=settings.feeds_read_timeout,
            response_timeout=settings.feeds_response_timeout,
            retries=settings.feeds_retries, backoff=settings.feeds_backoff_seconds,
            max_backoff=settings.feeds_max_backoff_seconds,
            max_retry_after=settings.feeds_max_retry_after_seconds,
            host_interval=settings.feeds_host_interval_seconds, max_bytes=settings.feeds_max_response_bytes,
            allow_private=settings.feeds_allow_private, proxy=settings.feeds_proxy,
        )


@dataclass(frozen=True)
class Validators:
    """What a conditional request sends back: the ETag and Last-Modified of the copy we already have."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in (("etag", self.etag), ("last_modified", self.last_modified)) if v}

    @classmethod
    def from_json(cls, value: Any) -> Validators:
        value = value if isinstance(value, Mapping) else {}
        etag, modified = value.get("etag"), value.get("last_modified")
        return cls(etag if isinstance(etag, str) else None, modified if isinstance(modified, str) else None)


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def validators(self) -> Validators:
        return Validators(self.headers.get("etag"), self.headers.get("last-modified"))

    def json(self, marks_repeats: bool = False) -> Any:
        """The body as JSON, or FeedError naming the URL and what is wrong with it. A lone UTF-16 surrogate
        (JSON may escape one, "\\ud800"; no store can encode it) is read as U+FFFD, as bad UTF-8 is elsewhere:
        one odd character in a title must neither fail the page nor reach the store. ``marks_repeats``: as
        ``parse_json``'s, for a connector whose notices are rejected for a key named twice."""
        if not self.body.strip():
            raise FeedError(f"{self.url}: an empty body (HTTP {self.status}) where JSON was expected")
        try:  # decoded as json.loads decodes bytes, so that the text can be looked at first
            return parse_json(self.body.decode(json.detect_encoding(self.body), "surrogatepass"), marks_repeats)
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting from a hostile server
            if self.body.lstrip()[:1] == b"<":  # an error or login page (HTML, XML) where a page of JSON belongs
                start = self.body.lstrip()[:60].decode("utf-8", "replace")
                kind = self.headers.get("content-type", "no Content-Type")[:60]
                raise FeedError(f"{self.url}: not JSON but {kind!r}, starting {start!r}") from None
            raise FeedError(f"{self.url}: malformed JSON ({str(exc)[:200]})") from exc


class PoliteClient:
    """GET with the policy above. One per run; thread-safe (the pace is shared by all threads)."""

    def __init__(
        self, policy: HttpPolicy, transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep, jitter: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._jitter = jitter
        self._client = httpx.Client(
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            follow_redirects=True, max_redirects=5,
            transport=transport or feed_transport.for_feeds(policy.proxy, policy.allow_private),
            event_hooks={"request": [self._same_origin], "response": [self._readable_location]},
        )
        self._asked = threading.local()  # the URL this thread asked for, which redirects must stay on
        self._login: tuple[tuple[str, str, int | None], httpx.BasicAuth] | None = None  # see ``signed_in``
        self._next_turn: dict[str, float] = {}
        self._pace = threading.Lock()
        self.requests = 0  # requests sent, retries included (reported by the runner and the benchmark)

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    @contextmanager
    def signed_in(self, url: str | None) -> Iterator[str | None]:
        """``url`` without its ``user:password@``, which the client sends as basic authentication to every request
        on that URL's origin within the block (one feed's run): the connector never holds the password, so none of
        its pages, rejections, cursors or logs can show it."""
        try:
            target, auth = _credentials_apart(url) if url else (None, None)
        except httpx.InvalidURL:  # a row edited by hand: the request fails, naming it (FeedError, masked)
            target, auth = None, None
        if target is None or auth is None:
            yield url
            return
        self._login = (_origin(target), auth)
        try:
            yield str(target)
        finally:
            self._login = None

    def get(
        self, url: str, params: Mapping[str, str | int] | None = None, accept: str | None = None,
        validators: Validators | None = None,
    ) -> Fetched:
        """The response to a GET (200-299, or 304 when ``validators`` matched), after retries.
        Raises FeedError when the source refuses (4xx), keeps failing, or sends too much."""
        return self._send("GET", url, params=params, accept=accept, validators=validators)

    def post_json(self, url: str, payload: Mapping[str, Any], accept: str = "application/json") -> Fetched:
        """A POST of a JSON body (TED's Search API takes its query this way), with the same policy."""
        return self._send("POST", url, payload=payload, accept=accept)

    def get_json(self, url: str, params: Mapping[str, str | int] | None = None, marks_repeats: bool = False) -> Any:
        """A GET whose body must be JSON (``Fetched.json``). A malformed body is fetched once more (a proxy or a
        dropped connection can cut a page short) before it fails the run."""
        for attempt in (1, 2):
            fetched = self.get(url, params=params, accept="application/json")
            try:
                return fetched.json(marks_repeats)
            except FeedError:
                if attempt == 2:
                    raise
                log.warning("malformed JSON from %s; fetching it once more", without_credentials(url))
        raise AssertionError("unreachable")

    def _send(
        self, method: str, url: str, params: Mapping[str, str | int] | None = None, accept: str | None = None,
        validators: Validators | None = None, payload: Mapping[str, Any] | None = None,
    ) -> Fetched:
        headers = {"Accept": accept} if accept else {}
        headers.update(validators.headers() if validators else {})
        problem = ""
        for attempt in range(self.policy.retries + 1):
            if attempt:
                log.info("retrying %s %s (attempt %d): %s", method, without_credentials(url), attempt + 1, problem)
            self._wait_turn(url)
            self.requests += 1
            sent = time.monotonic()
            try:
                target, auth = _credentials_apart(url)  # in the try: a URL httpx cannot take is an InvalidURL below
                if auth is None and self._login is not None and self._login[0] == _origin(target):
                    auth = self._login[1]
                self._asked.url = target
                with feed_transport.response_deadline(self.policy.response_timeout), self._client.stream(
                        method, target, params=params, headers=headers, json=payload, auth=auth) as response:
                    status = response.status_code
                    if status in RETRY_STATUSES:
                        problem = f"HTTP {status}"
                        delay = self._retry_after(url, response) or self._backoff(attempt)
                    elif status == 304:
                        return Fetched(str(response.url), status, b"", dict(response.headers))
                    elif status >= 400:
                        raise FeedError(f"{url}: {_answer(response)}", status)
                    elif status >= 300:  # a redirect httpx could not follow: not the page asked for
                        raise FeedError(f"{url}: {_answer(response)} without a Location to follow", status)
                    else:
                        body = self._read(url, response, sent)
                        return Fetched(str(response.url), status, body, dict(response.headers))
            except feed_transport.Refused as exc:
                raise FeedError(f"{url}: {exc}", refused=True) from None
            except httpx.TooManyRedirects as exc:
                raise FeedError(f"{url}: too many redirects", refused=True) from exc
            except httpx.InvalidURL as exc:
                raise FeedError(f"{url}: invalid URL ({exc})", refused=True) from exc
            except httpx.ProxyError as exc:  # the operator's proxy answered a CONNECT with an error
                refusal = _proxy_status(exc)
                if refusal is None or refusal not in RETRY_STATUSES:  # 407, 403: a setting to fix, not to retry
                    raise FeedError(f"{url}: the feeds proxy (MATCHER_FEEDS_PROXY) refused the tunnel: {exc}",
                                    refusal) from None
                problem, delay = f"the feeds proxy answered {exc}", self._backoff(attempt)
            except httpx.TransportError as exc:  # connect errors, timeouts, a connection lost mid-body
                if isinstance(exc, httpx.TimeoutException) and time.monotonic() - sent >= self.policy.response_timeout:
                    raise self._too_long(url) from None  # the response's deadline (headers dripped): not retried
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                delay = self._backoff(attempt)
            if attempt < self.policy.retries:
                self._sleep(delay)
        raise FeedError(f"{url}: gave up after {self.policy.retries + 1} attempts ({problem})")

    def _same_origin(self, request: httpx.Request) -> None:
        """Refuse a redirect to another host or port, or from https to http: a source (or whoever took over
        its DNS name) must not steer a feed to fetch from elsewhere."""
        asked: httpx.URL | None = getattr(self._asked, "url", None)
        if request.url.scheme not in ("http", "https"):  # a redirect to file:, ftp:, ...: not retried
            raise FeedError(f"{asked or request.url}: redirected to a {request.url.scheme}: address; refused",
                            refused=True)
        if asked is None or request.url == asked:
            return
        upgrade = asked.scheme == "http" and request.url.scheme == "https"
        if request.url.host != asked.host or (request.url.port != asked.port and not upgrade) or (
            asked.scheme == "https" and request.url.scheme != "https"
        ):
            raise FeedError(f"{asked}: redirected to {request.url.copy_with(query=None)}, another origin; refused",
                            refused=True)

    def _readable_location(self, response: httpx.Response) -> None:
        """Refuse a redirect whose Location is no URL ('http://[::1/x', a control character): httpx's error for it is
        a RemoteProtocolError, retried as a lost connection, though the source answers the same every time."""
        if not response.has_redirect_location:
            return
        location = response.headers["location"]
        try:
            httpx.URL(location)
        except httpx.InvalidURL as exc:
            asked = getattr(self._asked, "url", None) or response.request.url
            raise FeedError(f"{asked}: redirected to {location[:200]!r}, not a URL ({exc}); refused",
                            refused=True) from None

    def _read(self, url: str, response: httpx.Response, sent: float) -> bytes:
        """The body, decoded and bounded; FeedError when it is not all there ``response_timeout`` seconds after
        the request was sent (each read has its own timeout, but a source can drip a byte within each)."""
        body = _Body(url, response.headers.get("content-encoding", ""), self.policy.max_bytes)
        for chunk in response.iter_raw():
            if time.monotonic() - sent > self.policy.response_timeout:
                raise self._too_long(url)
            body.feed(chunk)
        return body.finish()

    def _too_long(self, url: str) -> FeedError:
        return FeedError(f"{url}: the response took longer than {self.policy.response_timeout:g} s "
                         "(MATCHER_FEEDS_RESPONSE_TIMEOUT); abandoned, the next run resumes")

    def _backoff(self, attempt: int) -> float:
        return float(min(self.policy.max_backoff, self.policy.backoff * 2.0**attempt)) * self._jitter()

    def _retry_after(self, url: str, response: httpx.Response) -> float | None:
        """Seconds the source asked us to wait (RFC 9110 Retry-After: delay-seconds or an HTTP date)."""
        value = response.headers.get("retry-after", "").strip()
        if not value:
            return None
        if value.isascii() and value.isdigit():  # isdigit alone takes '\u00b2' (byte 0xB2), which float() refuses
            seconds = float(value)
        else:
            try:
                seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
            except (TypeError, ValueError):
                return None
        seconds = max(0.0, seconds)
        if seconds > self.policy.max_retry_after:
            raise FeedError(f"{url}: the source asks us to wait {seconds:.0f} s (Retry-After); the next run resumes")
        return seconds

    def _wait_turn(self, url: str) -> None:
        """Keep at least ``host_interval`` seconds between two requests to one host."""
        host = urlsplit(url).netloc.lower()
        with self._pace:
            now = time.monotonic()
            turn = max(now, self._next_turn.get(host, now))
            self._next_turn[host] = turn + self.policy.host_interval
        if turn > now:
            self._sleep(turn - now)


class _Body:
    """A response body decoded (gzip or deflate, one layer) in steps no larger than what it may still grow by.

    httpx's own decoders inflate each received chunk whole and stack one per listed coding: an 800-byte body
    of 200 MiB of zeros gzipped twice took 437 MiB before a 1 MiB bound could look (tracemalloc's peak; 141 MiB
    gzipped once), and a few more layers take any memory. So the client reads the raw bytes and decodes here.
    """

    def __init__(self, url: str, coding: str, limit: int) -> None:
        codings = [c for c in (part.strip().lower() for part in coding.split(",")) if c not in ("", "identity")]
        if len(codings) > 1:
            raise FeedError(f"{url}: Content-Encoding {coding.strip()[:60]!r}: one coding at most; refused",
                            refused=True)
        if codings and codings[0] not in _WBITS:
            raise FeedError(f"{url}: Content-Encoding {coding.strip()[:60]!r}: expected gzip or deflate "
                            "(the codings the client asks for); refused", refused=True)
        self.url, self.coding, self.limit = url, coding.strip()[:40], limit
        self.inflate = zlib.decompressobj(_WBITS[codings[0]]) if codings else None
        self.bare_deflate_possible = codings == ["deflate"]  # some servers send deflate without its zlib header
        self.body = bytearray()

    def feed(self, data: bytes) -> None:
        while data:
            if self.inflate is None:
                piece, data = data, b""
            else:
                piece = self._inflate(data)
                data = self.inflate.unconsumed_tail
            self.body += piece
            if len(self.body) > self.limit:
                raise FeedError(f"{self.url}: response larger than {self.limit} bytes; refused", refused=True)

    def finish(self) -> bytes:
        if self.inflate is not None:
            self.feed(self.inflate.flush())
        return bytes(self.body)

    def _inflate(self, data: bytes) -> bytes:
        assert self.inflate is not None
        room = self.limit - len(self.body) + 1  # one byte more than allowed is enough to refuse
        try:
            return self.inflate.decompress(data, room)
        except zlib.error as exc:
            if self.bare_deflate_possible and not self.body:
                self.bare_deflate_possible = False
                self.inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                return self._inflate(data)
            # Not retried: the next attempt would get the same bytes.
            raise FeedError(f"{self.url}: the body is not in its Content-Encoding {self.coding!r} ({exc})",
                           refused=True) from None


def _credentials_apart(url: str) -> tuple[httpx.URL, httpx.BasicAuth | None]:
    """The URL without its ``user:password@``, and those as basic authentication: httpx sends them alike, but logs
    the URL it requests whole (INFO "HTTP Request: GET ...")."""
    target = httpx.URL(url)
    if not target.userinfo:
        return target, None
    return target.copy_with(userinfo=b""), httpx.BasicAuth(target.username, target.password)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _answer(response: httpx.Response) -> str:
    """'HTTP 404 NOT FOUND', or 'HTTP 599' when the source sent no reason."""
    return f"HTTP {response.status_code} {response.reason_phrase}".rstrip()


def _proxy_status(exc: httpx.ProxyError) -> int | None:
    """The status of a proxy's refused CONNECT ("407 Proxy Authentication Required"), if its message has one."""
    head = str(exc).split(" ", 1)[0]
    return int(head) if head.isdigit() else None


def _address(sender: str) -> str:
    """The address inside 'Name <address>' (the digest's sender is a reasonable contact by default)."""
    start, end = sender.find("<"), sender.rfind(">")
    return sender[start + 1 : end] if 0 <= start < end else sender

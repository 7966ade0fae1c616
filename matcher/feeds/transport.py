"""Which connections a feed opens: public internet addresses only (``matcher.services.feed_address``), directly or
through the operator's proxy.

- **Directly** (``PublicTransport``): every connection resolves its host once, refuses it when any address is not
  a public one, and opens the socket on an address it checked, so a name that resolves inward, or elsewhere a
  moment later, reaches nothing.
- **Through a proxy** (``MATCHER_FEEDS_PROXY``, ``PublicProxyTransport``): every request, each redirect hop and
  each request on a kept-alive connection or tunnel, first resolves its target host here and is refused, in the
  same words, when any address is not public, before anything is sent to the proxy; then it goes to the proxy
  (CONNECT for https, absolute-form for http). A name that cannot be resolved here is a lost connection
  (retried), not left to the proxy. The proxy's own address is the operator's choice and is not checked (it is
  usually private). What this does not cover: the proxy resolves the name again, and connects where its own
  answer leads, so a name that changes between the check and the proxy's lookup (DNS rebinding), or that the
  proxy's resolver answers differently (split DNS), can still lead the proxy inward. Give the proxy egress
  rules of its own (no private, loopback or link-local destinations) for the full guarantee.
- **Private addresses allowed** (``MATCHER_FEEDS_ALLOW_PRIVATE``): no check; the proxy when one is set, else
  httpx's own choice (a proxy from the environment, HTTPS_PROXY / NO_PROXY, as before). While the rule is on
  the environment's proxy variables are not read: a proxy that resolves names itself is used only when named.

Every connection these transports open (directly or to the proxy) also keeps the response's deadline
(``response_deadline``): each read and write waits at most until then, so a source that drips its headers a byte
within each read timeout ends with the whole response's, as a dripped body does. httpx's own transport (private
addresses allowed, no proxy named) keeps only the per-read timeout there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from matcher.services import feed_address

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Refused(Exception):
    """An address a feed may not fetch from; ``PoliteClient`` reports it as a FeedError naming the URL."""


def public_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, when all of them are public; Refused when one is not, and
    httpcore.ConnectError (retried, as httpx's own) when it does not resolve."""
    try:
        addresses = feed_address.resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
    problem = feed_address.refusal(host, addresses)
    if problem is not None:
        raise Refused(f"{problem}; refused")
    return addresses


class _Deadline(threading.local):
    """The monotonic time by which this thread's request must have its whole response, or None."""

    at: float | None = None


_DEADLINE = _Deadline()


@contextmanager
def response_deadline(seconds: float) -> Iterator[None]:
    """Within the block, every read and write on this thread's feed connections ends ``seconds`` from now."""
    _DEADLINE.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _DEADLINE.at = None


def _within_deadline(timeout: float | None, late: type[Exception]) -> float | None:
    if _DEADLINE.at is None:
        return timeout
    left = _DEADLINE.at - time.monotonic()
    if left <= 0:
        raise late("the response's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes wait no later than the response's deadline (``response_deadline``)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _within_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(
            ssl_context, server_hostname, _within_deadline(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    """httpcore's network backend, its connections keeping the response's deadline."""

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(super().connect_tcp(host, port, timeout, local_address, socket_options))


class _PublicOnly(_DeadlineBackend):
    """httpcore's network backend, connecting only to public addresses: the host is resolved once, every address
    checked, and the socket opened on a checked one (TLS still verifies the host name)."""

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: httpcore.ConnectError | None = None
        for address in public_addresses(host, port):  # as socket.create_connection does: the next when one fails
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"no address for {host!r}")


class PublicTransport(httpx.HTTPTransport):
    """httpx's own transport (TLS, keep-alive, limits as httpx sets them) over ``_PublicOnly``."""

    def __init__(self) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=100, max_keepalive_connections=20,
            keepalive_expiry=5.0, network_backend=_PublicOnly(),
        )


class ProxyTransport(httpx.HTTPTransport):
    """httpx's own transport through ``proxy`` (its pool built as httpx builds it), over connections that keep the
    response's deadline."""

    def __init__(self, proxy: str) -> None:
        super().__init__(proxy=proxy)
        via = httpx.Proxy(proxy)
        self._pool = httpcore.HTTPProxy(
            proxy_url=httpcore.URL(scheme=via.url.raw_scheme, host=via.url.raw_host, port=via.url.port,
                                   target=via.url.raw_path),
            proxy_auth=via.raw_auth, proxy_headers=via.headers.raw, ssl_context=httpx.create_ssl_context(),
            proxy_ssl_context=via.ssl_context, max_connections=100, max_keepalive_connections=20,
            keepalive_expiry=5.0, network_backend=_DeadlineBackend(),
        )


class PublicProxyTransport(ProxyTransport):
    """``ProxyTransport``, sending a request only when its target host resolves to public addresses alone
    (checked here, on every request, before the proxy is asked)."""

    def __init__(self, proxy: str) -> None:
        super().__init__(proxy)
        where = httpx.URL(proxy)
        self._proxy = f"{where.host}:{where.port or _DEFAULT_PORTS[where.scheme]}"  # never its credentials

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        try:
            public_addresses(url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS.get(url.scheme, 443))
        except httpcore.ConnectError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        try:
            return super().handle_request(request)
        except httpx.ConnectError as exc:  # every connection this transport opens is to the proxy
            raise httpx.ConnectError(f"cannot reach the feeds proxy {self._proxy}: {exc}", request=request) from exc


def for_feeds(proxy: str | None, allow_private: bool) -> httpx.BaseTransport | None:
    """The transport a feed client uses (None: httpx's default, which reads the environment's proxy)."""
    if proxy:
        return ProxyTransport(proxy) if allow_private else PublicProxyTransport(proxy)
    return None if allow_private else PublicTransport()

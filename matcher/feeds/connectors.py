"""The connector for a feed's kind (``matcher.store.feeds.FEED_KINDS``), for a row whose URL and page size every
connector can use."""

from __future__ import annotations

from collections.abc import Callable

from matcher.config import Settings
from matcher.errors import InvalidInput
from matcher.feeds.base import Connector
from matcher.feeds.http import PoliteClient
from matcher.feeds.ocds import OcdsConnector
from matcher.feeds.ted import TedConnector
from matcher.feeds.worldbank import WorldBankConnector
from matcher.services.feeds import MAX_PAGE_SIZE, is_http_url
from matcher.store.feeds import FeedSpec

_CONNECTORS: dict[str, Callable[[FeedSpec, PoliteClient, Settings], Connector]] = {
    "ted": TedConnector, "worldbank": WorldBankConnector, "ocds": OcdsConnector,
}


def connector_for(spec: FeedSpec, client: PoliteClient, settings: Settings) -> Connector:
    try:
        kind = _CONNECTORS[spec.kind]
    except KeyError:
        raise InvalidInput(f"feed {spec.name!r}: no connector for kind {spec.kind!r}") from None
    return kind(_usable(spec), client, settings)


def _usable(spec: FeedSpec) -> FeedSpec:
    """``spec``, or InvalidInput naming what no face lets in but a row edited by hand may hold: a URL that is not
    http(s) with a host (an IPv6 literal left open was a ValueError traceback; 'ftp://...' a "redirect"), a page
    size out of range (sent to the source as it was)."""
    if spec.url and not is_http_url(spec.url):
        raise InvalidInput(f"feed {spec.name!r}: url {spec.url[:200]!r}: expected an http:// or https:// URL "
                           "with a host")
    if spec.page_size is not None and not 1 <= spec.page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"feed {spec.name!r}: page size {spec.page_size}: expected 1 to {MAX_PAGE_SIZE}")
    return spec

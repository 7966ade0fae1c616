"""The connector for a feed's kind (``matcher.store.feeds.FEED_KINDS``)."""

from __future__ import annotations

from collections.abc import Callable

from matcher.config import Settings
from matcher.errors import InvalidInput
from matcher.feeds.base import Connector
from matcher.feeds.http import PoliteClient
from matcher.feeds.ocds import OcdsConnector
from matcher.feeds.ted import TedConnector
from matcher.feeds.worldbank import WorldBankConnector
from matcher.store.feeds import FeedSpec

_CONNECTORS: dict[str, Callable[[FeedSpec, PoliteClient, Settings], Connector]] = {
    "ted": TedConnector, "worldbank": WorldBankConnector, "ocds": OcdsConnector,
}


def connector_for(spec: FeedSpec, client: PoliteClient, settings: Settings) -> Connector:
    try:
        kind = _CONNECTORS[spec.kind]
    except KeyError:
        raise InvalidInput(f"feed {spec.name!r}: no connector for kind {spec.kind!r}") from None
    return kind(spec, client, settings)

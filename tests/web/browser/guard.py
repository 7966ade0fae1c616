"""Keeps every browser test on 127.0.0.1: requests to any other host are aborted and recorded, so a test can
assert that a page loaded nothing from elsewhere (the workspace ships every asset; issue 13)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Route

ALLOWED_HOSTS = frozenset({"127.0.0.1"})


@dataclass
class OffHostGuard:
    attempted: list[str] = field(default_factory=list)

    def install(self, context: BrowserContext) -> None:
        context.route("**/*", self._handle)

    def _handle(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in ALLOWED_HOSTS:
            route.continue_()
        else:
            self.attempted.append(url)
            route.abort("blockedbyclient")

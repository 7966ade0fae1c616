"""Browser fixtures (issue 13): a real ``matcher serve --demo`` on 127.0.0.1, Debian's Chromium driven by
Playwright, and browser contexts that never reach another host.

Playwright's own browser download is impossible here, so it launches the ``chromium`` on PATH (CI installs
it from Debian in .ci/run); without one the browser tests skip and say why. Every context gets a fixed
viewport, a locale (Accept-Language), a guard that aborts and records requests to any host but 127.0.0.1,
and a record of dialogs and console errors; closing it fails the test if an off-host request was attempted.
Set MATCHER_SCREENSHOTS=1 to write each page's screenshot to docs/screenshots/<page>-<lang>.png (the servers
then run the shipped multilingual encoder instead of the fake one, so the pages show real matches).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, ViewportSize, sync_playwright

from tests.web.browser.guard import OffHostGuard
from tests.web.browser.server import ROOT, SCREENSHOTS_ENV, DemoServer, demo_server

Lang = Literal["en", "ko"]
LOCALES: dict[Lang, str] = {"en": "en-GB", "ko": "ko-KR"}
VIEWPORT = ViewportSize(width=1280, height=900)
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("browser tests need Debian's chromium on PATH (apt-get install chromium; .ci/run installs it)")
    return path


@pytest.fixture(scope="module")
def browser(chromium_executable: str) -> Iterator[Browser]:
    """Chromium for one test module. Playwright's sync API keeps an event loop running on the main thread while
    it is open: kept for the whole session, it made ``asyncio.run`` fail ("cannot be called from a running event
    loop") in every test that ran after a browser test (``pytest tests/web/browser/test_decisions.py
    tests/api/test_single_flight.py``: 7 of 9 failed). Closed after each module, it leaves nothing behind."""
    # Chromium's sandbox refuses to start as root (CI runs as root); the tests only open 127.0.0.1 pages.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_executable, args=args)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One demo server for the session: tests that change state (decisions, notes, subscriptions) use
    items no other test relies on."""
    with demo_server(tmp_path_factory.mktemp("web-home"), secrets.token_urlsafe(32)) as server:
        yield server


@pytest.fixture(scope="session")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A server over an empty store, for an officer to load the demo notices into; one officer key."""
    home = tmp_path_factory.mktemp("web-empty-home")
    with demo_server(home, secrets.token_urlsafe(32), demo=False) as server:
        yield server


@dataclass
class Browsing:
    """A browser context in one language, its page, and what the page did that a test may assert on."""

    lang: Lang
    context: BrowserContext
    page: Page
    guard: OffHostGuard
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)


OpenBrowsing = Callable[..., Browsing]


@pytest.fixture
def open_browsing(browser: Browser) -> Iterator[OpenBrowsing]:
    """Opens a fresh context (its own cookies) per call: ``open_browsing("ko")``."""
    opened: list[Browsing] = []

    def open_one(lang: Lang = "en") -> Browsing:
        context = browser.new_context(locale=LOCALES[lang], viewport=VIEWPORT, accept_downloads=True)
        # Every page here is local: 10 s is ample with the fake encoder, and a missing element fails without the
        # default 30 s wait. The real encoder's first ranking after start takes ~20 s (2 cores), hence 90 s then.
        context.set_default_timeout(90_000 if os.environ.get(SCREENSHOTS_ENV) == "1" else 10_000)
        guard = OffHostGuard()
        guard.install(context)
        browsing = Browsing(lang, context, context.new_page(), guard)
        browsing.page.on("dialog", browsing._on_dialog)
        browsing.page.on("console", browsing._on_console)
        browsing.page.on("pageerror", lambda error: browsing.console_errors.append(str(error)))
        opened.append(browsing)
        return browsing

    yield open_one
    for browsing in opened:
        browsing.context.close()
    attempted = [url for b in opened for url in b.guard.attempted]
    assert not attempted, f"pages tried to load from another host than 127.0.0.1: {attempted}"


@pytest.fixture
def browsing(open_browsing: OpenBrowsing) -> Browsing:
    return open_browsing("en")


Screenshot = Callable[[Browsing, str], Path | None]


@pytest.fixture
def screenshot() -> Screenshot:
    """``screenshot(browsing, "firm")`` saves docs/screenshots/firm-<lang>.png when MATCHER_SCREENSHOTS=1."""

    def take(browsing: Browsing, name: str) -> Path | None:
        if os.environ.get(SCREENSHOTS_ENV) != "1":
            return None
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{browsing.lang}.png"
        browsing.page.screenshot(path=path, full_page=False)
        return path

    return take

"""Issue 13, the officer in a real browser: over an empty store, upload the demo notices through the officer
page's file field, read the import report and watch the index job until it is done (htmx polls it); the
notices are then stored and searchable by the API. The officer and import pages pass axe in both languages."""

from __future__ import annotations

import re
import tarfile

import pytest

from matcher.demo import demo_data
from tests.web.browser.api import call
from tests.web.browser.axe import check_accessibility
from tests.web.browser.flows import say, sign_in
from tests.web.browser.server import DemoServer
from tests.web.conftest import Browsing, OpenBrowsing, Screenshot

pytestmark = pytest.mark.slow  # an upload, an index build and two languages: ~10 s


def _checked(browsing: Browsing, screenshot: Screenshot, name: str) -> None:
    assert browsing.page.get_attribute("html", "lang") == browsing.lang
    check_accessibility(browsing.page)
    screenshot(browsing, name)


def _upload_demo(empty_server: DemoServer, officer: Browsing, screenshot: Screenshot) -> str:
    """Uploads the demo archive from the officer page; the import page's address."""
    page = sign_in(officer, empty_server, "officer")
    page.get_by_role("link", name=say(officer, "nav_officer")).click()
    page.get_by_role("heading", name=say(officer, "officer_title"), level=1).wait_for()
    _checked(officer, screenshot, "officer")
    page.get_by_label(say(officer, "upload_file"), exact=True).set_input_files(demo_data().tenders)
    page.get_by_role("button", name=say(officer, "upload_button")).click()
    page.wait_for_url(re.compile(r"/web/officer/imports/[^/]+$"))
    return page.url


def test_officer_uploads_the_demo_notices_and_sees_the_job_finish(
    empty_server: DemoServer, open_browsing: OpenBrowsing, screenshot: Screenshot
) -> None:
    with tarfile.open(demo_data().tenders) as archive:
        notices = sum(1 for m in archive.getmembers() if m.name.endswith(".xml"))
    officer = open_browsing("en")
    import_url = _upload_demo(empty_server, officer, screenshot)
    page = officer.page
    assert page.locator('dd[data-count="new"]').inner_text() == str(notices)
    assert page.locator('dd[data-count="rejected"]').inner_text() == "0"
    check_accessibility(page)  # while the job may still run
    # No reload: htmx replaces the status block until the job has ended.
    page.locator('#job-status[data-state="done"]').wait_for(timeout=60_000)
    assert say(officer, "index_job_done") in page.get_by_role("status").inner_text()
    _checked(officer, screenshot, "import")
    assert call(empty_server, "GET", "/tenders?limit=1", "officer")["total"] == notices
    assert call(empty_server, "GET", "/health/ready", "officer")["status"] == "ready"

    korean = open_browsing("ko")
    sign_in(korean, empty_server, "officer")
    korean.page.goto(import_url)
    assert say(korean, "index_job_done") in korean.page.get_by_role("status").inner_text()
    _checked(korean, screenshot, "import")
    korean.page.goto(empty_server.url("/web/officer"))
    _checked(korean, screenshot, "officer")
    assert officer.console_errors == [] and korean.console_errors == []

"""The addresses the officer pages poll (an import's index job, a feed run) answer htmx with the fragment it swaps
in; opened as a page (a bookmark, the address copied from the browser's network panel, a link shared) they sent
the bare fragment: no stylesheet, no title, no language, no way back. They now send the reader to the page the
fragment belongs to (303)."""

# The API tests' demo fixtures are imported by name (tests/web/conftest.py is the browser tests'), and pytest
# hands them to the tests as arguments of the same name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from tests.api.conftest import OWN, World, api_settings, database_url, demo_template, world  # noqa: F401
from tests.web.pages_world import Visitor, visitor  # noqa: F401
from tests.web.test_web_officer import OFFICER, tender_line, upload

RUN = "0123456789abcdef"


def test_a_feed_runs_polled_block_opened_as_a_page_leads_to_the_officer_page(visitor: Visitor) -> None:
    officer = visitor("officer")
    status = f"{OFFICER}/feeds/runs/{RUN}/status"
    opened = officer.get(status, follow_redirects=False)
    assert opened.status_code == 303, opened.text
    assert opened.headers["location"] == f"{OFFICER}?run={RUN}#feeds"
    polled = officer.get(status, headers={"HX-Request": "true"}, follow_redirects=False)
    assert polled.status_code == 200 and "<html" not in polled.text and 'id="feeds-live"' in polled.text


def test_an_imports_polled_status_opened_as_a_page_leads_to_the_import_page(visitor: Visitor) -> None:
    officer = visitor("officer")
    import_path = upload(officer, "one.jsonl", tender_line("t:polled").encode()).headers["location"]
    opened = officer.get(f"{import_path}/status", follow_redirects=False)
    assert opened.status_code == 303, opened.text
    assert opened.headers["location"] == import_path
    polled = officer.get(f"{import_path}/status", headers={"HX-Request": "true"}, follow_redirects=False)
    assert polled.status_code == 200 and "<html" not in polled.text and 'id="job-status"' in polled.text


def test_the_polled_addresses_still_refuse_who_is_no_officer(world: World, visitor: Visitor) -> None:
    partner = visitor("partner")
    for path in (f"{OFFICER}/feeds/runs/{RUN}/status", f"{OFFICER}/imports/{RUN}/status"):
        assert partner.get(path, follow_redirects=False).status_code == 403, path

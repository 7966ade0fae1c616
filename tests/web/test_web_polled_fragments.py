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


def test_a_feed_runs_address_with_no_job_id_is_not_found(visitor: Visitor) -> None:
    """A run id no job has the shape of (the registry's are 16 hex digits) is the 404 page, opened or polled: it was
    sent back whole in the redirect to the officer page (a 30,000-character id made as long a ``Location``)."""
    officer = visitor("officer")
    for run in ("x" * 30_000, "not-a-job", RUN.upper()):
        for headers in ({}, {"HX-Request": "true"}):
            answer = officer.get(f"{OFFICER}/feeds/runs/{run}/status", headers=headers, follow_redirects=False)
            assert answer.status_code == 404, (run[:20], headers, answer.status_code)
            assert "location" not in answer.headers

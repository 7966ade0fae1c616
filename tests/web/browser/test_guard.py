"""The two checks every browser test leans on can fail: the off-host guard sees a request to another host,
and the accessibility check names a broken rule and its element."""

from __future__ import annotations

import pytest

from tests.web.browser.axe import check_accessibility
from tests.web.conftest import Browsing

pytestmark = pytest.mark.slow  # each test drives Chromium: 2 to 20 s

BROKEN = """<!DOCTYPE html><html lang="en"><head><title>broken</title></head>
<body><main><img src="/logo.png" id="no-alt"></main></body></html>"""


def test_a_request_to_another_host_is_aborted_and_recorded(browsing: Browsing) -> None:
    page = browsing.page
    page.set_content('<html lang="en"><body><img src="http://example.invalid/pixel.png"></body></html>')
    page.wait_for_function("() => document.images[0].complete")
    assert browsing.guard.attempted == ["http://example.invalid/pixel.png"]
    browsing.guard.attempted.clear()  # seen, and the fixture's own check must not fail this test


def test_the_accessibility_check_names_the_rule_and_the_element(browsing: Browsing) -> None:
    browsing.page.set_content(BROKEN)
    with pytest.raises(AssertionError) as failure:
        check_accessibility(browsing.page)
    assert "image-alt [critical]" in str(failure.value)
    assert "#no-alt" in str(failure.value)

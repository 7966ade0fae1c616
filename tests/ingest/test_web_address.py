"""A notice's address is an http(s) one: pages, shortlist exports, calendar files and digests link to it, and an
outside trial got a notice's 'javascript:alert(4)' into the exports' Link column and the calendar's URL line."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from matcher.schema import Tender

BASE = {"tender_id": "t:1", "source": "t", "title": "Supply of water meters"}


@pytest.mark.parametrize("url", ["https://ted.europa.eu/udl?uri=TED:NOTICE:1", "HTTP://example.org/a"])
def test_an_http_address_is_kept(url: str) -> None:
    assert Tender.model_validate(BASE | {"url": url}).url == url


@pytest.mark.parametrize("url", ["javascript:alert(4)", "JavaScript:alert(1)", "data:text/html,x", "ftp://x/y",
                                 "www.example.org"])
def test_any_other_address_rejects_the_record_and_names_it(url: str) -> None:
    with pytest.raises(ValidationError, match="is not an http\\(s\\) address"):
        Tender.model_validate(BASE | {"url": url})


def test_one_read_back_from_an_older_store_is_dropped_not_an_error() -> None:
    stored = Tender.model_validate(BASE).model_dump_json().replace('"url":null', '"url":"javascript:alert(4)"')
    assert '"url":"javascript:alert(4)"' in stored
    assert Tender.from_stored(stored).url is None


def test_an_empty_address_is_no_address() -> None:
    assert Tender.model_validate(BASE | {"url": "  "}).url is None


@pytest.mark.parametrize(("url", "read"), [
    ("https://example.org/a\r\nb", "https://example.org/ab"),  # tab and line breaks removed, as a browser reads it
    ("https://example.org/\tcall?id=1", "https://example.org/call?id=1"),
    ("https://example.org/call for tenders.pdf", "https://example.org/call%20for%20tenders.pdf"),
])
def test_an_address_is_kept_as_a_browser_reads_it(url: str, read: str) -> None:
    """A line break inside an address (a feed's, an API client's) broke the calendar export's URL line, and a
    space is no part of an address: the WHATWG URL standard's reading (tab and newline removed, a space
    percent-encoded), so every link, export and calendar file holds one line."""
    assert Tender.model_validate(BASE | {"url": url}).url == read


@pytest.mark.parametrize("url", ["https://example.org/a\x1bb", "https://example.org/\x85a", "https://example.org/\x7f"])
def test_an_address_with_another_control_character_rejects_the_record(url: str) -> None:
    with pytest.raises(ValidationError, match="holds the control character U\\+00"):
        Tender.model_validate(BASE | {"url": url})
    stored = Tender.model_validate(BASE).model_dump_json().replace('"url":null', f'"url":{json.dumps(url)}')
    assert Tender.from_stored(stored).url is None  # read back from a store written before the rule: dropped

"""A notice's address is an http(s) one: pages, shortlist exports, calendar files and digests link to it, and an
outside trial got a notice's 'javascript:alert(4)' into the exports' Link column and the calendar's URL line."""

from __future__ import annotations

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

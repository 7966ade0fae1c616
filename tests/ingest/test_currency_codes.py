"""A currency written in a notice that is no ISO 4217 code rejects the notice by name, from every reader: the
schema refuses it (tests/test_currencies.py) and TED's reader always passed it on, but OCDS's read a code not of
three letters ('EURO') as none without a word, and a real Mexican release's 'MNX' was stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.ingest.base import Rejected
from matcher.ingest.ocds import read_ocds
from matcher.schema import Tender


def read_with(tmp_path: Path, currency: str) -> Tender | Rejected:
    release = {"ocid": "ocds-x-1", "id": "r1", "date": "2021-01-01T00:00:00Z", "tag": ["tender"], "language": "es",
               "tender": {"id": "t1", "title": "Bombas de agua", "value": {"amount": 1500.5, "currency": currency}}}
    path = tmp_path / "releases.json"
    path.write_text(json.dumps({"releases": [release]}), encoding="utf-8")
    (item,) = read_ocds(path)
    return item


@pytest.mark.parametrize("currency", ["MNX", "EURO", "€", "XXX"])
def test_a_currency_that_is_no_iso_code_rejects_the_release_naming_it(tmp_path: Path, currency: str) -> None:
    item = read_with(tmp_path, currency)
    assert isinstance(item, Rejected), item
    assert item.record == "ocds-x-1" and item.reason.startswith(f"currency: unknown currency {currency!r}")


@pytest.mark.parametrize(("currency", "read"), [("MXN", "MXN"), ("mxn", "MXN"), ("", None)])
def test_a_real_or_absent_currency_still_loads(tmp_path: Path, currency: str, read: str | None) -> None:
    item = read_with(tmp_path, currency)
    assert isinstance(item, Tender), item
    assert (item.value, item.currency) == (1500.5, read)

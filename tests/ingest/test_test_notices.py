"""Test notices are rejected at ingest by every tender reader, and real notices are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.ingest.base import TEST_NOTICE, Rejected, is_test_notice
from matcher.ingest.ocds import read_ocds
from matcher.ingest.tabular import read_tender_table
from matcher.ingest.ted import parse_ted_document, read_ted
from matcher.schema import Tender
from tests.conftest import FIXTURES, shared_path, ted_sample

CASES = FIXTURES / "ted_cases"


def notice(**fields: object) -> Tender:
    return Tender.model_validate({"tender_id": "x:1", "source": "x", "title": "Supply of pumps", **fields})


@pytest.mark.parametrize("name", ["test_notice_en_254315-2016.xml", "test_notice_en_074776-2018.xml"])
def test_the_sample_test_notices_are_rejected(name: str) -> None:
    assert parse_ted_document((CASES / name).read_bytes(), name) == Rejected(name, TEST_NOTICE)


def test_real_notices_beside_them_load() -> None:
    loaded = [item for item in read_ted(FIXTURES / "ted") if isinstance(item, Tender)]
    assert len(loaded) == len(list((FIXTURES / "ted").glob("*.xml")))
    for name in ("design_contest_fr_602576-2020.xml", "republished_fr_358055-2020.xml"):
        assert isinstance(parse_ted_document((CASES / name).read_bytes(), name), Tender)


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "Test"},  # the whole text is "test"
        {"title": "TEST NOTICE", "description": "Test notice - please ignore."},
        {"title": "Test", "description": "Tessttesst.", "buyer": "Acme"},
        {"title": "Dummy tender", "description": "Supply of pumps", "value": 1234},
        {"title": "Supply of pumps", "description": "Pumps.", "buyer": "test", "value": 123456},
        # the eForms SDK's example notices in the TED sample (cn_24_maximal.xml, cn_24_maximal_100_lots.xml):
        # template labels, a 9,999,999.99 value and a buyer "Financial Adinistration for ..."
        {"title": "Procurement Title ---", "description": "Description ---\nDescription of Lot 1",
         "buyer": "Financial Adinistration for ...", "value": 9999999.99},
        {"title": "Procurement Title ---", "description": "Description ---"},
    ],
)
def test_what_counts_as_a_test_notice(fields: dict[str, object]) -> None:
    assert is_test_notice(notice(**fields))


@pytest.mark.parametrize(
    ("fields", "notes"),
    [
        ({"title": "Test", "description": "Non-destructive testing of the rail network"}, ()),  # one sign
        ({"title": "Testing services", "description": "Laboratory tests of drinking water"}, ()),
        ({"title": "Pumps", "description": "Supply of pumps", "value": 123456}, ()),  # one sign: the value
        ({"title": "Pumps", "description": "Supply of pumps"}, ("Test.",)),  # one sign: the note
        ({"title": "Pressure test equipment", "description": "Test benches for valves"}, ()),
        ({"title": "Supply of laboratory ...", "description": "Centrifuges and incubators"}, ()),  # a cut title
        ({"title": "Bridge repairs", "description": "Repairs of two bridges", "value": 999999.99}, ()),
    ],
)
def test_one_sign_alone_keeps_a_notice(fields: dict[str, object], notes: tuple[str, ...]) -> None:
    assert not is_test_notice(notice(**fields), notes)


def test_ocds_and_table_readers_reject_test_notices(tmp_path: Path) -> None:
    release = {"ocid": "ocds-x-9", "id": "9", "date": "2017-01-01T00:00:00Z", "tag": ["tender"],
               "tender": {"id": "9", "title": "TEST", "description": "test", "value": {"amount": 123}}}
    ocds = tmp_path / "release.json"
    ocds.write_text(json.dumps({"releases": [release]}))
    assert list(read_ocds(ocds)) == [Rejected("ocds-x-9", TEST_NOTICE)]
    table = tmp_path / "tenders.csv"
    table.write_text("tender_id,title,description\na,Test,\nb,Water meters,Smart water meters\n", encoding="utf-8")
    first, second = list(read_tender_table(table))
    assert first == Rejected("tenders.csv:2", TEST_NOTICE)
    assert isinstance(second, Tender) and second.tender_id == "csv:b"


@pytest.mark.shared
@pytest.mark.slow
def test_only_the_test_notices_and_template_examples_of_the_real_samples_are_rejected() -> None:
    """The whole TED sample (3,476 notices) and the OCDS real examples (12 publishers): the two test notices
    and the eForms SDK's two example notices ("Procurement Title ---"), besides the second copies of a notice
    (tests/ingest/test_duplicate_ids.py)."""
    rejected = [item.record.rsplit("/", 1)[-1].split("_", 1)[-1] for item in ted_sample()
                if isinstance(item, Rejected) and not item.reason.startswith("duplicate ")]
    assert sorted(rejected) == ["074776-2018.xml", "254315-2016.xml", "cn_24_maximal.xml",
                                "cn_24_maximal_100_lots.xml"]
    ocds = shared_path("ocds_real_examples", "real-examples.tar.gz")
    assert [item for item in read_ocds(ocds) if isinstance(item, Rejected) and item.reason == TEST_NOTICE] == []

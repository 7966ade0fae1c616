"""Hostile files (issue 15): non-finite numbers are rejected by name, and JSON nested too deeply for the
parser is a one-line UnreadableFile naming the file, never a RecursionError."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from matcher.errors import UnreadableFile
from matcher.ingest.base import Rejected
from matcher.ingest.detect import read_tenders
from matcher.ingest.firms import read_firms
from matcher.ingest.ocds import read_ocds
from matcher.ingest.tabular import read_tender_table
from matcher.schema import FirmProfile, Tender
from tests.conftest import FIXTURES

#: Far past Python's recursion limit (1,000): the size the adversarial test uploaded.
DEPTH = 100_000
FINITE = "Input should be a finite number"


def deep_array() -> str:
    return "[" * DEPTH + "]" * DEPTH


def only(items: Iterable[object]) -> object:
    (item,) = list(items)
    return item


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity", "nan", "1e999"])
def test_csv_tender_value_that_is_not_finite_is_rejected_by_name(tmp_path: Path, cell: str) -> None:
    path = tmp_path / "tenders.csv"
    path.write_text(f"tender_id,title,value\n1,Water meters,{cell}\n2,Pumps,1000\n")
    bad, good = list(read_tender_table(path))
    assert isinstance(bad, Rejected) and bad.record == "tenders.csv:2"
    assert bad.reason.startswith("value: ") and "finite number" in bad.reason, bad.reason
    assert isinstance(good, Tender) and good.value == 1000.0


@pytest.mark.parametrize("literal", ["Infinity", "NaN", "1e999", "-Infinity"])
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_json_tender_value_that_is_not_finite_is_rejected_by_name(tmp_path: Path, literal: str,
                                                                  suffix: str) -> None:
    record = f'{{"tender_id": "t:1", "source": "t", "title": "Pumps", "value": {literal}}}'
    path = tmp_path / f"tenders{suffix}"
    path.write_text(f"[{record}]" if suffix == ".json" else record + "\n")
    bad = only(read_tender_table(path))
    assert isinstance(bad, Rejected)
    assert bad.reason.startswith("value: ") and "finite number" in bad.reason, bad.reason


@pytest.mark.parametrize(("cells", "field"), [("inf,", "min_value"), (",1e999", "max_value"),
                                              ("Infinity,", "min_value")])
def test_firm_value_range_that_is_not_finite_is_rejected_by_name(tmp_path: Path, cells: str, field: str) -> None:
    path = tmp_path / "firms.csv"
    path.write_text(f"firm_id,name,description,min_value,max_value\nf1,F,Pumps,{cells}\n")
    bad = only(read_firms(path))
    assert isinstance(bad, Rejected), bad
    assert bad.reason.startswith(f"{field}: ") and "finite number" in bad.reason, bad.reason


def test_json_firm_with_infinite_maximum_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "firms.json"
    path.write_text('[{"firm_id": "f1", "name": "F", "description": "Pumps", "max_value": Infinity}]')
    bad = only(read_firms(path))
    assert isinstance(bad, Rejected) and bad.reason.startswith("max_value: ") and "finite" in bad.reason


@pytest.mark.parametrize("literal", ["Infinity", "NaN", "1e999", '"inf"'])
def test_ocds_amount_that_is_not_finite_rejects_the_release_by_name(tmp_path: Path, literal: str) -> None:
    release = {"ocid": "ocds-x-1", "id": "1", "date": "2021-01-01T00:00:00Z", "tag": ["tender"],
               "tender": {"id": "1", "title": "Pumps", "value": {"amount": 1.0, "currency": "EUR"}}}
    text = json.dumps({"releases": [release]}).replace('"amount": 1.0', f'"amount": {literal}')
    path = tmp_path / "package.json"
    path.write_text(text)
    assert only(read_ocds(path)) == Rejected("ocds-x-1", f"value: {FINITE}")


def test_models_refuse_non_finite_numbers_naming_the_field() -> None:
    with pytest.raises(ValueError, match=f"value\n.*{FINITE}"):
        Tender(tender_id="t:1", source="t", title="x", value=float("inf"))
    with pytest.raises(ValueError, match=f"max_value\n.*{FINITE}"):
        FirmProfile(firm_id="f", name="F", description="d", max_value=float("inf"))
    with pytest.raises(ValueError, match=f"min_value\n.*{FINITE}"):
        FirmProfile(firm_id="f", name="F", description="d", min_value=float("nan"))


DEEP_FILES: list[tuple[str, str, Callable[[Path], Iterable[object]]]] = [
    ("tenders.json", deep_array(), read_tender_table),
    ("tenders.jsonl", deep_array() + "\n", read_tender_table),
    ("firms.json", deep_array(), read_firms),
    ("firms.jsonl", deep_array() + "\n", read_firms),
    ("package.json", '{"releases": ' + deep_array() + "}", read_ocds),
    ("releases.jsonl", '{"ocid": "x", "tender": ' + "[" * DEPTH + "]" * DEPTH + "}\n", read_ocds),
    ("upload.json", '{"releases": ' + deep_array() + "}", read_tenders),
    ("plain.json", deep_array(), read_tenders),
]


@pytest.mark.parametrize(("name", "text", "reader"), DEEP_FILES, ids=[f"{r.__name__}-{n}" for n, _, r in DEEP_FILES])
def test_json_nested_too_deeply_is_an_unreadable_file_naming_it(
    tmp_path: Path, name: str, text: str, reader: Callable[[Path], Iterable[object]]
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(UnreadableFile) as caught:
        list(reader(path))
    message = str(caught.value)
    assert name in message and "nested too deeply" in message and "\n" not in message, message


def test_a_lone_surrogate_in_a_json_file_is_read_as_the_replacement_character(matcher_on_each_store: Any) -> None:
    """JSON may escape half of a UTF-16 pair ("\\ud800"); no store can encode it. In an OCDS release's ocid and
    title it was a UnicodeEncodeError traceback from ``matcher ingest tenders`` (the rejected release's name went to
    the ingest ledger); the feeds read it as U+FFFD already (matcher.feeds.http). Every JSON file reader does now."""
    matcher = matcher_on_each_store
    package = json.loads((FIXTURES / "ocds" / "jalisco_record_package.json").read_text())
    text = json.dumps(package).replace('"ocid": "', '"ocid": "\\ud800').replace('"title": "', '"title": "\\ud800')
    folder = matcher.settings.home.parent / "hostile"
    folder.mkdir()
    (folder / "package.json").write_text(text)
    (folder / "tenders.jsonl").write_text('{"tender_id": "t:1", "source": "t", "title": "Pumps \\udfff"}\n')
    report = matcher.ingest_tenders([folder / "package.json", folder / "tenders.jsonl"], sync=False).report
    assert report.new == 2 and report.rejected == [], report
    titles = sorted(t.title for t in matcher.all_tenders())
    assert titles[0] == "Pumps \ufffd" and titles[1].startswith("\ufffd")
    assert sorted(t.tender_id for t in matcher.all_tenders()) == ["ocds:\ufffdocds-xs1qbl-SFIN-03-0007-00-2017", "t:1"]


def test_a_titles_cell_nested_too_deeply_rejects_its_row_by_name(tmp_path: Path) -> None:
    """A CSV cell of titles is read as JSON when it is JSON; 50,000 '[' in one was a RecursionError traceback."""
    path = tmp_path / "tenders.csv"
    path.write_text(f'tender_id,source,title,titles\nt:1,t,Pumps,"{"[" * 50_000}"\n'
                    't:2,t,Meters,"{""fr"": ""Compteurs \\ud800""}"\n')
    bad, good = list(read_tender_table(path))
    assert isinstance(bad, Rejected) and bad.record == "tenders.csv:2" and bad.reason.startswith("titles: "), bad
    assert isinstance(good, Tender) and good.titles == {"fr": "Compteurs \ufffd"}


LONG = "9" * 5_001  # past Python's 4,300-digit int conversion limit
LONG_FILES: list[tuple[str, str, Callable[[Path], Iterable[object]]]] = [
    ("tenders.json", f'[{{"tender_id": "t:1", "source": "t", "title": "x", "value": {LONG}}}]', read_tender_table),
    ("firms.json", f'[{{"firm_id": "f", "name": "F", "description": "d", "max_value": {LONG}}}]', read_firms),
    ("package.json", f'{{"releases": [{{"ocid": "x", "tender": {{"value": {{"amount": {LONG}}}}}}}]}}', read_ocds),
    ("plain.json", f'[{{"tender_id": "t:1", "source": "t", "title": "x", "value": {LONG}}}]', read_tenders),
]


@pytest.mark.parametrize(("name", "text", "reader"), LONG_FILES, ids=[f"{r.__name__}-{n}" for n, _, r in LONG_FILES])
def test_a_number_too_long_to_read_is_an_unreadable_file_naming_it(
    tmp_path: Path, name: str, text: str, reader: Callable[[Path], Iterable[object]]
) -> None:
    """json.loads refuses an int of more than 4,300 digits with a bare ValueError, which no reader caught: a firm
    file holding one stopped the import worker (the API's 503 "worker stopped") and was a traceback from the CLI."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(UnreadableFile) as caught:
        list(reader(path))
    message = str(caught.value)
    assert name in message and "a number of 5001 digits is too long to read (at most 4300)" in message, message
    assert "\n" not in message


def test_a_jsonl_line_with_a_number_too_long_to_read_is_rejected_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "firms.jsonl"
    path.write_text(f'{{"firm_id": "a", "name": "A", "description": "d", "max_value": {LONG}}}\n'
                    '{"firm_id": "b", "name": "B", "description": "d"}\n')
    read = list(read_firms(path))
    assert read[0] == Rejected("firms.jsonl:1", "not valid JSON at column 64 (a number of 5001 digits is too long to "
                                                "read (at most 4300))")
    assert isinstance(read[1], FirmProfile) and read[1].firm_id == "b"



@pytest.mark.parametrize("name", ["firms.json", "firms.jsonl"])
def test_a_record_naming_a_key_twice_is_rejected_and_the_rest_read(tmp_path: Path, name: str) -> None:
    """'{"firm_id": "q1", "firm_id": "q2"}' stored q2 without a word (json.loads keeps the last value), which the
    JSON API refuses; a key repeated inside a nested object (titles) is as ambiguous."""
    records = ['{"firm_id": "q1", "firm_id": "q2", "name": "Q", "description": "d"}',
               '{"firm_id": "ok", "name": "OK", "description": "d"}']
    path = tmp_path / name
    path.write_text("[" + ", ".join(records) + "]" if name.endswith(".json") else "\n".join(records) + "\n")
    first, second = list(read_firms(path))
    assert isinstance(first, Rejected) and first.reason == (
        "names 'firm_id' more than once: give each key once (which value was meant is unknown)"), first
    assert isinstance(second, FirmProfile) and second.firm_id == "ok"


def test_a_tender_whose_nested_object_repeats_a_key_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "tenders.jsonl"
    path.write_text('{"tender_id": "t:1", "source": "t", "title": "x", "titles": {"en": "a", "en": "b"}}\n'
                    '{"tender_id": "t:2", "source": "t", "title": "y", "titles": {"en": "\\ud800", "fr": "b"}}\n'
                    '{"tender_id": "t:3", "source": "t", "title": "z", "titles": {"en": "\\ud800", "en": "b"}}\n')
    first, second, third = list(read_tender_table(path))
    assert isinstance(first, Rejected) and "names 'en' more than once" in first.reason
    assert isinstance(third, Rejected) and "names 'en' more than once" in third.reason  # a surrogate read too
    assert isinstance(second, Tender) and second.titles == {"en": "\ufffd", "fr": "b"}

"""Tender tables (CSV / JSON / JSONL) with UNGM and World Bank style aliases."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from matcher.errors import UnreadableFile
from matcher.ingest.base import NO_RECORDS, Rejected
from matcher.ingest.tabular import read_tender_table
from matcher.schema import Tender

TABLES = Path(__file__).resolve().parents[1] / "fixtures" / "tables"


def accepted(items: list[Tender | Rejected]) -> list[Tender]:
    return [item for item in items if isinstance(item, Tender)]


def test_csv_with_aliases_maps_every_column() -> None:
    items = list(read_tender_table(TABLES / "tenders_aliases.csv"))
    nsw, uganda, canada, rfp = items
    assert nsw == Tender(
        tender_id="nsw:RFT17%2F18-09",
        source="nsw",
        notice_type="open_call",
        title="RFT17/18-09, Design and Construction of three Gross Pollutant Traps (GPTs)",
        language="en",
        buyer="Penrith City Council",
        countries=["AU"],
        codes=["UNSPSC:41103419"],
        published=date(2017, 11, 29),
        deadline=datetime(2018, 1, 25, tzinfo=UTC),
    )
    assert isinstance(uganda, Tender)
    assert uganda.tender_id == "ppda:ocds-rdvc92-1508162377"
    assert (uganda.countries, uganda.value, uganda.currency) == (["UG"], 371049525.0, "UGX")  # "Uganda"
    assert isinstance(canada, Tender)
    assert canada.tender_id == "csv:01044-060931%2F001%2FUSW"  # no source column value: default csv
    assert canada.codes == ["UNSPSC:43222500", "UNSPSC:43233200"]
    assert canada.countries == ["CA", "GB"]
    assert canada.url == "https://buyandsell.gc.ca"
    # An export's wording for the notice type ("Request for proposal", as UNGM and NSW write it) is read.
    assert isinstance(rfp, Tender) and rfp.notice_type == "open_call"


def test_notice_type_wording_and_unknown_types(tmp_path: Path) -> None:
    table = tmp_path / "types.csv"
    table.write_text(
        "Reference,Title,Type of opportunity\n"
        "a,Water pumps,Invitation to bid\nb,Road works,Pre-bid notice\nc,Vehicles,Contract award\n"
        "d,Generators,Not set\ne,Tents,Lottery\n", encoding="utf-8")
    a, b, c, d, e = read_tender_table(table, source="ungm")
    assert [t.notice_type for t in (a, b, c, d) if isinstance(t, Tender)] == [
        "open_call", "prior_information", "award", "open_call"]
    assert isinstance(a, Tender) and a.tender_id == "ungm:a" and a.source == "ungm"
    assert e == Rejected("types.csv:6",
                         "notice_type: Input should be 'open_call', 'prior_information', 'award' or 'other'")


def _write_csv(tenders: list[Tender], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        fields = [name for name in Tender.model_fields if name != "titles"]
        writer.writerow(fields)
        for tender in tenders:
            data = tender.model_dump(mode="json")
            writer.writerow(
                [
                    ";".join(data[f]) if isinstance(data[f], list) else ("" if data[f] is None else data[f])
                    for f in fields
                ]
            )


def test_csv_and_jsonl_round_trip(tmp_path: Path) -> None:
    tenders = accepted(list(read_tender_table(TABLES / "tenders_aliases.csv")))
    _write_csv(tenders, tmp_path / "tenders.csv")
    assert list(read_tender_table(tmp_path / "tenders.csv")) == tenders
    lines = "\n".join(t.model_dump_json() for t in tenders)
    (tmp_path / "tenders.jsonl").write_text(lines, encoding="utf-8")
    assert list(read_tender_table(tmp_path / "tenders.jsonl")) == tenders
    (tmp_path / "tenders.json").write_text(json.dumps([t.model_dump(mode="json") for t in tenders]))
    assert list(read_tender_table(tmp_path / "tenders.json")) == tenders


def test_jsonl_with_field_names_prefixes_ids_and_splits_code_strings() -> None:
    jalisco, canada = list(read_tender_table(TABLES / "tenders.jsonl"))
    assert isinstance(jalisco, Tender)
    assert jalisco.tender_id == "ocds:ocds-xs1qbl-SFIN-03-0007-00-2017"  # already prefixed: unchanged
    assert (jalisco.buyer_country, jalisco.value, jalisco.published) == ("MX", 290400.0, date(2018, 1, 18))
    assert isinstance(canada, Tender)
    assert canada.tender_id == "buyandsell:PW-14-00627094"
    assert canada.codes == ["GSIN:F029"]
    assert canada.notice_type == "open_call"


def test_unknown_column_stops_the_file_naming_it_and_the_accepted_columns(tmp_path: Path) -> None:
    table = tmp_path / "ungm.csv"
    table.write_text("Reference,Title,Budget\nRFQ-1,Laptops,1000\n", encoding="utf-8")
    with pytest.raises(UnreadableFile) as error:
        list(read_tender_table(table))
    message = str(error.value)
    assert message.startswith(f"{table}: unknown column 'Budget' (accepted: tender_id, source, notice_type")
    assert "aliases: reference, id" in message


def test_two_columns_for_one_field_stop_the_file(tmp_path: Path) -> None:
    table = tmp_path / "wb.csv"
    table.write_text("id,reference,title\n1,2,Roads\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="columns 'id' and 'reference' both give tender_id"):
        list(read_tender_table(table))


def test_bad_rows_are_rejected_with_their_line(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text(
        "tender_id,title,buyer_country,value\n"
        "A1,School roof,Narnia,\nA2,,,\nA3,Bridge,KE,lots\nA4,Well,KE,12 500\n",
        encoding="utf-8",
    )
    items = list(read_tender_table(table))
    assert items[:3] == [
        Rejected("t.csv:2", "buyer_country: unknown country 'Narnia' (expected ISO 3166 alpha-2, e.g. 'KR')"),
        Rejected("t.csv:3", "title: Field required"),
        Rejected("t.csv:4", "value: Input should be a valid number, unable to parse string as a number"),
    ]
    assert isinstance(items[3], Tender)
    assert (items[3].tender_id, items[3].value) == ("csv:A4", 12500.0)


def test_empty_csv_and_unknown_extension_are_unreadable(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(UnreadableFile, match=f"empty.csv: {NO_RECORDS}$"):
        list(read_tender_table(tmp_path / "empty.csv"))
    (tmp_path / "t.xlsx").write_bytes(b"PK")
    with pytest.raises(UnreadableFile, match="unknown table format"):
        list(read_tender_table(tmp_path / "t.xlsx"))


def test_dates_out_of_range_are_rejected_with_their_line_and_the_rest_loads(tmp_path: Path) -> None:
    """9999-12-31T23:59:59-05:00 is in the year 10000 in UTC and 0001-01-01T00:00+01:00 in the year 0: each
    crashed the reader (OverflowError), so that nothing of the file was stored."""
    table = tmp_path / "farfuture.csv"
    table.write_text(
        "tender_id,title,published,deadline\n"
        "z1,Water meters,2021-03-01,2021-06-30T12:00:00Z\n"
        "z9,Far future,,9999-12-31T23:59:59-05:00\n"
        "z8,Far past,0001-01-01T00:00:00+01:00,\n"
        "z7,Placeholder,2021-03-01,9999-12-31T23:59:59-05:00\n", encoding="utf-8")
    good, far_future, far_past, placeholder = read_tender_table(table)
    assert isinstance(good, Tender) and good.deadline == datetime(2021, 6, 30, 12, tzinfo=UTC)
    assert far_future == Rejected("farfuture.csv:3", "deadline: 9999-12-31T23:59:59-05:00 is out of range "
                                                     "(expected a year from 1900 to 2200, in UTC)")
    assert far_past == Rejected("farfuture.csv:4", "published: 0001-01-01 is out of range "
                                                   "(expected a year from 1900 to 2200, in UTC)")
    # With a publication day, a far deadline is the placeholder for none, as 2099-12-31 is.
    assert isinstance(placeholder, Tender) and (placeholder.published, placeholder.deadline) == (
        date(2021, 3, 1), None)


def test_dates_out_of_range_in_jsonl_are_rejected(tmp_path: Path) -> None:
    table = tmp_path / "far.jsonl"
    table.write_text("\n".join(json.dumps(row) for row in [
        {"tender_id": "a", "title": "Far", "deadline": "9999-12-31T23:59:59-05:00"},
        {"tender_id": "b", "title": "Fine", "deadline": "2021-06-30"},
    ]) + "\n", encoding="utf-8")
    far, fine = read_tender_table(table)
    assert isinstance(far, Rejected) and far.record == "far.jsonl:1" and "deadline: 9999-12-31T23:59:59-05:00" in (
        far.reason)
    assert isinstance(fine, Tender) and fine.deadline == datetime(2021, 6, 30, tzinfo=UTC)

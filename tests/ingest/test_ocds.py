"""OCDS reader: packages, records, merging, notice types and file errors, on small real fixtures."""

from __future__ import annotations

import gzip
import shutil
import tarfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from matcher.errors import UnreadableFile
from matcher.ingest.base import NO_RECORDS, Rejected
from matcher.ingest.ocds import notice_type, read_ocds, tender_from_process
from matcher.ingest.ocds_package import DRAFT_REASON, OcdsProcess, merge
from matcher.normalize.text import country_code, safe_id
from matcher.schema import Tender

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocds"
UK_OCID = "ocds-b5fd17-2c435b84-adc8-11e6-9901-0019b9f3037b"


def split(items: list[Tender | Rejected]) -> tuple[list[Tender], list[Rejected]]:
    return [i for i in items if isinstance(i, Tender)], [i for i in items if isinstance(i, Rejected)]


def test_releases_of_one_ocid_merge_in_date_order_later_title_wins_items_by_id() -> None:
    # Line 1 is a (derived) tenderAmendment dated after the real Contracts Finder release on line 2.
    tenders, _ = split(list(read_ocds(FIXTURES / "releases_with_update.jsonl")))
    uk = next(t for t in tenders if t.tender_id == f"ocds:{UK_OCID}")
    assert uk.title == "P2014/156/EG 7 Year Lease of Rowan East Gypsy and Traveller site (amended)"
    # item 1 kept its CPV classification and took the new description; item 2 was added.
    assert uk.codes == ["CPV:80000000", "CPV:50000000"]
    assert uk.description == (
        "7 Year Lease of Rowan East Gypsy and Traveller site.\nLease of the Rowan East site\nSite maintenance"
    )
    assert uk.notice_type == "open_call"  # the amendment re-opened it (status active)
    assert uk.published == date(2014, 12, 17)  # earliest release date
    assert uk.deadline == datetime(2015, 1, 12, tzinfo=UTC)
    assert (uk.buyer, uk.buyer_country, uk.language) == ("Darlington Borough Council", "GB", "en")
    assert (uk.value, uk.currency) == (17788589.0, "GBP")


def test_jsonl_bad_line_is_rejected_and_the_rest_loads() -> None:
    tenders, rejected = split(list(read_ocds(FIXTURES / "releases_with_update.jsonl")))
    assert [r.record for r in rejected] == ["releases_with_update.jsonl:3"]
    assert rejected[0].reason.startswith("not valid JSON at column")
    assert [t.tender_id for t in tenders] == [f"ocds:{UK_OCID}", "ocds:ocds-rdvc92-1508162377"]
    uganda = tenders[1]
    assert uganda.notice_type == "prior_information"
    assert (uganda.buyer, uganda.buyer_country) == ("Courts of Judicature", "UG")
    assert (uganda.value, uganda.currency) == (371049525.0, "UGX")


def test_gzipped_jsonl_reads_the_same(tmp_path: Path) -> None:
    packed = tmp_path / "releases.jsonl.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "releases_with_update.jsonl").read_bytes()))
    assert list(read_ocds(packed))[1:] == list(read_ocds(FIXTURES / "releases_with_update.jsonl"))[1:]


def test_release_folder_merges_planning_tender_and_award_files() -> None:
    [tender] = list(read_ocds(FIXTURES / "paraguay_277004"))
    assert isinstance(tender, Tender)
    assert tender.tender_id == "ocds:ocds-03ad3f-277004"
    assert tender.notice_type == "award"
    assert tender.title == "ADQUISICION DE EQUIPOS E INSUMOS INFORMATICOS"
    assert tender.buyer == "Municipalidad de Asunción"
    assert tender.language == "es"
    assert tender.published == date(2017, 9, 8)
    assert tender.deadline == datetime(2015, 5, 7, 13, 0, tzinfo=UTC)
    assert tender.description.split("\n")[:3] == [
        "Computadoras personales (PC) de escritorio",
        "Escaner",
        "Impresora plotter",
    ]
    # The DNCP catalogue is not UNSPSC by name, so its ids are kept as OTHER codes.
    assert tender.codes[:2] == ["OTHER:43211508-001", "OTHER:44101504-001"]


def test_record_package_uses_the_compiled_release() -> None:
    [tender] = list(read_ocds(FIXTURES / "jalisco_record_package.json"))
    assert tender == Tender(
        tender_id="ocds:ocds-xs1qbl-SFIN-03-0007-00-2017",
        source="ocds",
        notice_type="award",
        title="PAQUETES Y PROGRAMAS(SOFTWARE)",
        description="PARA LA DGTI\nLICENCIAMIENTO DE USO DE SOFTWARE LICENCIAMIENTO DE CREATIVE CLOUD "
        "ALL APPS ALL MULTIPLE PLATFORM MULTI NORTH AMERICAN LENGUAGE TEAM LICENSING SUBSCRIPTION "
        "RENEWAL 1 USER",
        language="es",
        buyer="SEPAF | SECRETARíA DE PLANEACIóN, ADMINISTRACIóN Y FINANZAS (SUB-FINANZAS)",
        buyer_country="MX",
        codes=["OTHER:007-011", "OTHER:007"],
        value=290400.0,
        currency="MXN",
        published=date(2018, 1, 18),
        url="https://contratacionesabiertas.jalisco.gob.mx/apiDocumentosOcds/descarga/documento/5/id/183233",
        contract_nature="supplies",  # the compiled release's mainProcurementCategory "goods"
    )


def test_bare_record_with_slashes_in_its_ocid_and_language_suffixed_fields() -> None:
    [tender] = list(read_ocds(FIXTURES / "buyandsell_record.json"))
    assert isinstance(tender, Tender)
    assert tender.tender_id == "ocds:ocds-34a6hz-01044-060931%2F001%2FUSW"
    assert tender.title == "Other Cryptologic Equipment and Components"  # contracts[].title_en
    assert tender.buyer == "Agriculture and Agri-Food Canada"  # name_en preferred for an 'en' release
    assert (tender.buyer_country, tender.codes, tender.notice_type) == ("CA", ["GSIN:N5811"], "award")


def test_canada_2014_tender_file_is_supported() -> None:
    tenders, rejected = split(list(read_ocds(FIXTURES / "canada_tenders_2014.json.gz")))
    assert rejected == []
    first, second, _ = tenders
    assert first.tender_id == "ocds:PW-14-00627094"
    assert first.title == "Canine Control of the Canada Geese (14-2015)"
    assert first.language == "en"  # published as "English"
    assert first.deadline == datetime(2014, 4, 15, 18, 0, tzinfo=UTC)  # 14:00 EDT
    assert first.codes == ["GSIN:F029"]
    assert second.codes == ["GSIN:5131BI", "GSIN:5131C"]
    assert second.deadline == datetime(2014, 4, 22, 19, 0, tzinfo=UTC)  # 14:00 CDT


def test_pre_1_0_draft_contract_releases_are_rejected_once_per_ocid() -> None:
    assert list(read_ocds(FIXTURES / "canada_contracts_draft.json")) == [
        Rejected("PW-$$FK-252-12175", DRAFT_REASON)
    ]


def test_bad_json_raises_unreadable_file_naming_file_and_position() -> None:
    with pytest.raises(UnreadableFile) as error:
        list(read_ocds(FIXTURES / "truncated.json"))
    message = str(error.value)
    assert "truncated.json: not valid JSON at line 40 column 7" in message
    assert "\n" not in message


def test_empty_file_raises_unreadable_file() -> None:
    with pytest.raises(UnreadableFile, match=r"empty\.json: empty file"):
        list(read_ocds(FIXTURES / "empty.json"))


def test_non_utf8_file_raises_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.json"
    bad.write_bytes('{"ocid": "ocds-x", "tender": {"title": "Café"}}'.encode("latin-1"))
    with pytest.raises(UnreadableFile, match=r"latin1\.json: not UTF-8 text"):
        list(read_ocds(bad))


def test_folder_rejects_an_unreadable_member_and_loads_the_others(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "paraguay_277004", tmp_path / "data")
    shutil.copy(FIXTURES / "empty.json", tmp_path / "data" / "empty.json")
    tenders, rejected = split(list(read_ocds(tmp_path / "data")))
    assert rejected == [Rejected("empty.json", NO_RECORDS)]
    assert [t.tender_id for t in tenders] == ["ocds:ocds-03ad3f-277004"]


def test_tar_gz_archive_reads_json_and_jsonl_members(tmp_path: Path) -> None:
    archive = tmp_path / "ocds.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(FIXTURES / "jalisco_record_package.json", arcname="a/record.json")
        tar.add(FIXTURES / "releases_with_update.jsonl", arcname="b/releases.jsonl")
    tenders, rejected = split(list(read_ocds(archive)))
    assert [r.record for r in rejected] == ["b/releases.jsonl:3"]  # named by its path in the archive
    assert [t.tender_id for t in tenders] == [
        "ocds:ocds-xs1qbl-SFIN-03-0007-00-2017",
        f"ocds:{UK_OCID}",
        "ocds:ocds-rdvc92-1508162377",
    ]


def test_merge_rules() -> None:
    earlier = {"tender": {"title": "A", "items": [{"id": 1, "quantity": 2}], "tags": ["x"]}, "note": "keep"}
    later = {"tender": {"items": [{"id": "1", "unit": "kg"}, {"id": 2}], "tags": ["y"]}, "note": None}
    # ids match as text (1 and "1"); the later release's values win; null removes; other arrays replaced
    items = [{"id": "1", "quantity": 2, "unit": "kg"}, {"id": 2}]
    assert merge(earlier, later) == {"tender": {"title": "A", "items": items, "tags": ["y"]}}
    assert earlier["note"] == "keep"  # inputs are not changed


@pytest.mark.parametrize(
    ("release", "expected"),
    [
        ({"tag": ["planning"], "planning": {}}, "prior_information"),
        ({"tag": ["tender"], "tender": {"status": "planned"}}, "prior_information"),
        ({"tag": ["tender"], "tender": {"status": "active"}}, "open_call"),
        ({"tag": ["tenderUpdate"], "tender": {}}, "open_call"),
        ({"tag": ["tender"], "tender": {"status": "cancelled"}}, "other"),
        ({"tag": ["tender"], "tender": {"status": "withdrawn"}}, "other"),
        ({"tag": ["award"], "tender": {"status": "active"}}, "award"),
        ({"tag": "awardNotice"}, "award"),
        ({"tag": ["compiled"], "tender": {"status": "complete"}, "awards": [{"id": 1}]}, "award"),
        ({"tag": ["compiled"], "tender": {"status": "complete"}}, "other"),
        (
            {
                "tag": ["compiled"],
                "tender": {"status": "unsuccessful"},
                "awards": [{"status": "unsuccessful"}],
            },
            "other",
        ),
        ({"tag": ["compiled"], "contracts": [{"status": "active"}]}, "award"),
        ({"tag": ["compiled"], "tender": {"title": "x"}}, "open_call"),
        ({}, "other"),
    ],
)
def test_notice_type_mapping(release: dict[str, Any], expected: str) -> None:
    assert notice_type(release) == expected


def test_unknown_country_name_and_odd_values_do_not_crash() -> None:
    release = {
        "ocid": "ocds-test-1",
        "language": "Klingon",
        "buyer": {"name": "  City   Hall ", "address": {"countryName": "Narnia"}},
        "tender": {
            "title": "Road works",
            "value": {"amount": "-5", "currency": "euro"},
            "items": [
                {"id": 1, "classification": {"scheme": "CPV", "id": "4523"}},
                {"id": 2, "classification": {"scheme": "CPV", "id": "45233140-2"}},
                {"id": 3, "classification": {"scheme": "ДКПП", "id": "42.11.1"}},
                {"id": 4, "deliveryAddress": {"countryName": "México"}},
            ],
        },
    }
    tender = tender_from_process(OcdsProcess("ocds-test-1", release, None))
    assert isinstance(tender, Tender)
    assert (tender.buyer, tender.buyer_country, tender.language) == ("City Hall", None, None)
    assert (tender.value, tender.currency) == (None, None)
    assert tender.codes == ["CPV:45233140", "OTHER:42.11.1"]  # the 4-digit CPV is dropped
    assert tender.countries == ["MX"]


def test_no_title_is_rejected_by_ocid() -> None:
    release = {"ocid": "ocds-test-2", "tender": {"title": "."}}
    result = tender_from_process(OcdsProcess("ocds-test-2", release, None))
    assert isinstance(result, Rejected)
    assert result.record == "ocds-test-2"
    assert result.reason.startswith("no title")


@pytest.mark.parametrize("end", ["9999-12-31T23:59:59-05:00", "9999-12-31 23:30 Eastern Daylight Time (EDT)"])
def test_a_deadline_out_of_range_is_rejected_by_ocid(end: str) -> None:
    """A deadline in the year 10000 in UTC was an OverflowError out of the reader, and the file loaded nothing."""
    release = {"ocid": "ocds-test-3", "tender": {"title": "Far", "tenderPeriod": {"endDate": end}}}
    result = tender_from_process(OcdsProcess("ocds-test-3", release, None))
    assert isinstance(result, Rejected) and result.record == "ocds-test-3"
    assert result.reason.startswith("deadline: 9999-12-31T23:") and result.reason.endswith(
        "is out of range (expected a year from 1900 to 2200, in UTC)"), result.reason


def test_a_named_zone_deadline_with_a_one_digit_hour_or_an_impossible_day_does_not_crash() -> None:
    """The 2014 Canada shape: '9:00' and '2014-02-30' were a ValueError out of the reader (the whole file lost).
    No such day rejects that release only, naming it (tests/ingest/test_ocds_dates.py): read as no deadline, the
    notice counted as open for 60 days after publication."""
    def read(end: str) -> Tender | Rejected:
        release = {"ocid": "ocds-test-4", "tender": {"title": "Pumps", "tenderPeriod": {"endDate": end}}}
        return tender_from_process(OcdsProcess("ocds-test-4", release, None))

    one_digit = read("2014-04-15 9:00 Eastern Daylight Time (EDT)")
    assert isinstance(one_digit, Tender) and one_digit.deadline == datetime(2014, 4, 15, 13, tzinfo=UTC)
    no_such_day = read("2014-02-30 10:00 Eastern Standard Time (EST)")
    assert isinstance(no_such_day, Rejected) and "tenderPeriod.endDate: cannot read '2014-02-30" in no_such_day.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("México  ", "MX"),
        ("Україна", "UA"),
        ("Украина", "UA"),
        (" United Kingdom", "GB"),
        ("uk", "GB"),
        ("Mexico.", "MX"),
        ("CAN", "CA"),
        ("E.E.U.U.", "US"),
        ("0", None),
        ("Narnia", None),
        (None, None),
    ],
)
def test_country_code(value: str | None, expected: str | None) -> None:
    assert country_code(value) == expected


def test_safe_id_only_encodes_what_the_schema_forbids() -> None:
    assert safe_id("ocds-34a6hz-01044-060931/001/USW") == "ocds-34a6hz-01044-060931%2F001%2FUSW"
    assert safe_id("PW-$$FK-252-12175") == "PW-$$FK-252-12175"
    assert safe_id("EOI -00001") == "EOI%20-00001"

"""What a notice buys (supplies, services, works) from every tender reader, and what a firm sells from the
firm reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from matcher.ingest.base import Rejected
from matcher.ingest.firms import read_firms
from matcher.ingest.ocds import read_ocds
from matcher.ingest.tabular import read_tender_table
from matcher.ingest.ted import parse_ted_document
from matcher.schema import FirmProfile, Tender
from tests.conftest import FIXTURES

TED, CASES, OCDS = FIXTURES / "ted", FIXTURES / "ted_cases", FIXTURES / "ocds"


def ted_notice(path: Path, data: bytes | None = None) -> Tender:
    result = parse_ted_document(path.read_bytes() if data is None else data, path.name)
    assert isinstance(result, Tender), result
    return result


@pytest.mark.parametrize(
    ("path", "nature"),
    [
        (TED / "award_it_331730-2021.xml", "supplies"),  # NC_CONTRACT_NATURE 2
        (TED / "pin_pt_629765-2021.xml", "supplies"),
        (TED / "contract_notice_ro_306344-2022.xml", "services"),  # NC_CONTRACT_NATURE 4 (guarding)
        (TED / "defence_contract_notice_fr_029213-2021.xml", "works"),  # NC_CONTRACT_NATURE 1
        (TED / "eforms_cn_it_open_accel.xml", "supplies"),  # eForms ProcurementTypeCode contract-nature
        (CASES / "design_contest_fr_602576-2020.xml", "services"),  # design contest (form F12)
        (CASES / "republished_fr_226574-2021.xml", "services"),  # cleaning of rolling stock
    ],
)
def test_ted_notices_state_their_nature(path: Path, nature: str) -> None:
    assert ted_notice(path).contract_nature == nature


def _edited(path: Path, edit: str) -> bytes:
    root = etree.fromstring(path.read_bytes())
    for element in root.xpath("//*[local-name()='NC_CONTRACT_NATURE']"):
        element.getparent().remove(element)
    for element in root.xpath("//*[local-name()='TYPE_CONTRACT']"):
        if edit == "drop":
            element.getparent().remove(element)
        else:
            element.set("CTYPE" if element.get("CTYPE") else "VALUE", edit)
    return bytes(etree.tostring(root))


def test_without_the_coded_nature_the_form_type_counts() -> None:
    """TYPE_CONTRACT is read from the form: CTYPE in the 2014 forms, VALUE in the defence forms."""
    notice = TED / "contract_notice_ro_306344-2022.xml"
    assert ted_notice(notice, _edited(notice, "SUPPLIES")).contract_nature == "supplies"
    defence = TED / "defence_contract_notice_fr_029213-2021.xml"
    assert ted_notice(defence, _edited(defence, "SERVICES")).contract_nature == "services"
    assert ted_notice(notice, _edited(notice, "drop")).contract_nature is None


def test_a_design_contest_is_services_whatever_the_coded_nature_says() -> None:
    contest = CASES / "design_contest_fr_602576-2020.xml"
    data = contest.read_bytes().replace(b'NC_CONTRACT_NATURE CODE="4"', b'NC_CONTRACT_NATURE CODE="1"')
    assert ted_notice(contest, data).contract_nature == "services"


def test_eforms_main_nature_is_not_an_additional_one() -> None:
    notice = TED / "eforms_cn_it_open_accel.xml"
    root = etree.fromstring(notice.read_bytes())
    ns = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
          "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    project = root.find("cac:ProcurementProject", ns)
    for code in root.iterfind(".//cbc:ProcurementTypeCode[@listName='contract-nature']", ns):
        code.getparent().remove(code)
    extra = etree.SubElement(etree.SubElement(project, f"{{{ns['cac']}}}ProcurementAdditionalType"),
                             f"{{{ns['cbc']}}}ProcurementTypeCode", listName="contract-nature")
    extra.text = "works"
    assert ted_notice(notice, etree.tostring(root)).contract_nature is None
    main = etree.SubElement(project, f"{{{ns['cbc']}}}ProcurementTypeCode", listName="contract-nature")
    main.text = "services"
    assert ted_notice(notice, etree.tostring(root)).contract_nature == "services"


def _ocds_release(tmp_path: Path, name: str, **tender: object) -> Tender:
    release = {"ocid": "ocds-x-1", "id": "1", "date": "2017-01-01T00:00:00Z", "tag": ["tender"],
               "tender": {"id": "1", "title": "Rehabilitation of a water main", **tender}}
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"releases": [release]}))
    [read] = list(read_ocds(path))
    assert isinstance(read, Tender), read
    return read


def test_ocds_main_procurement_category(tmp_path: Path) -> None:
    [jalisco] = list(read_ocds(OCDS / "jalisco_record_package.json"))  # a real record: "goods"
    assert isinstance(jalisco, Tender) and jalisco.contract_nature == "supplies"
    for category, nature in {"works": "works", "services": "services", "goods": "supplies"}.items():
        assert _ocds_release(tmp_path, category, mainProcurementCategory=category).contract_nature == nature
    assert _ocds_release(tmp_path, "none").contract_nature is None
    consulting = _ocds_release(tmp_path, "additional", additionalProcurementCategories=["consultingServices"])
    assert consulting.contract_nature == "services"
    mixed = _ocds_release(tmp_path, "mixed", additionalProcurementCategories=["goods", "works"])
    assert mixed.contract_nature is None


def test_tender_table_column_and_its_aliases(tmp_path: Path) -> None:
    table = tmp_path / "tenders.csv"
    table.write_text(
        "tender_id,title,contract_nature\n"
        "a,Ultrasound scanners,Goods\n"
        "b,Design of a clinic,Consultant Services\n"
        "c,Road rehabilitation,works\n"
        "d,Vaccines,\n"
        "e,Something,combined\n",
        encoding="utf-8",
    )
    items = list(read_tender_table(table))
    natures = [item.contract_nature for item in items if isinstance(item, Tender)]
    assert natures == ["supplies", "services", "works", None]
    [bad] = [item for item in items if isinstance(item, Rejected)]
    assert bad.record == "tenders.csv:6" and bad.reason.startswith("contract_nature: Input should be")
    aliased = tmp_path / "wb.csv"
    aliased.write_text("id,title,procurement_category\nP1,Laptops,Goods\n", encoding="utf-8")
    [laptops] = list(read_tender_table(aliased))
    assert isinstance(laptops, Tender) and laptops.contract_nature == "supplies"


def test_firm_offers_from_csv_and_json(tmp_path: Path) -> None:
    table = tmp_path / "firms.csv"
    table.write_text(
        "firm_id,name,description,offers\n"
        "kr-xray,X-ray Co,디지털 X선 촬영 장치 제조,goods;services\n"
        "kr-build,Build Co,road construction,works\n"
        "kr-none,Quiet Co,we make things,\n"
        "kr-bad,Bad Co,we make things,software\n",
        encoding="utf-8",
    )
    items = list(read_firms(table))
    offers = {item.firm_id: item.offers for item in items if isinstance(item, FirmProfile)}
    assert offers == {"kr-xray": ["supplies", "services"], "kr-build": ["works"], "kr-none": []}
    [bad] = [item for item in items if isinstance(item, Rejected)]
    assert bad.record == "firms.csv:5" and bad.reason.startswith("offers.0: Input should be")
    listed = tmp_path / "firms.json"
    listed.write_text(json.dumps([{"firm_id": "a", "name": "A", "description": "pumps", "offers": ["supplies"]}]))
    [firm] = list(read_firms(listed))
    assert isinstance(firm, FirmProfile) and firm.offers == ["supplies"]


@pytest.mark.parametrize(("path", "contest"), [
    (CASES / "design_contest_school_fr_046639-2019.xml", True),  # TD_DOCUMENT_TYPE D, form F12
    (CASES / "design_contest_health_centre_fr_286093-2021.xml", True),
    (CASES / "school_new_build_de_282113-2016.xml", False),  # a contract notice for the works
    (TED / "award_it_331730-2021.xml", False),
])
def test_ted_design_contests_are_marked(path: Path, contest: bool) -> None:
    assert ted_notice(path).design_contest is contest


def test_a_design_contest_result_is_marked_too() -> None:
    contest = CASES / "design_contest_school_fr_046639-2019.xml"
    data = contest.read_bytes().replace(b'TD_DOCUMENT_TYPE CODE="D"', b'TD_DOCUMENT_TYPE CODE="R"')
    result = ted_notice(contest, data)
    assert (result.design_contest, result.notice_type) == (True, "award")


@pytest.mark.parametrize(("code", "contest", "nature"), [
    ("cn-standard", False, "supplies"), ("cn-desg", True, "services"), ("can-desg", True, "services"),
])
def test_eforms_design_contests_are_marked_and_buy_a_design(code: str, contest: bool, nature: str) -> None:
    notice = TED / "eforms_cn_it_open_accel.xml"
    data = notice.read_bytes()
    assert b">cn-standard<" in data
    read = ted_notice(notice, data.replace(b">cn-standard<", f">{code}<".encode()))
    assert (read.design_contest, read.contract_nature) == (contest, nature)


def test_a_notice_stored_before_design_contests_were_read_hashes_as_it_was_indexed() -> None:
    """``Tender.design_contest`` came after stores were written: a stored notice, read back with the field at
    its default, must keep the hash its index recorded (the index serves only notices whose hash it holds)."""
    import hashlib

    notice = ted_notice(CASES / "school_new_build_de_282113-2016.xml")
    before = {k: v for k, v in notice.model_dump(mode="json").items() if k != "design_contest"}
    old_hash = hashlib.sha256(json.dumps(before, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert Tender.from_stored(json.dumps(before)).content_hash() == old_hash == notice.content_hash()
    assert notice.model_copy(update={"design_contest": True}).content_hash() != old_hash


def test_tender_table_design_contest_column(tmp_path: Path) -> None:
    table = tmp_path / "tenders.csv"
    table.write_text("tender_id,title,design_contest\na,School design contest,true\nb,School works,\n"
                     "c,Something,perhaps\n", encoding="utf-8")
    items = list(read_tender_table(table))
    assert [item.design_contest for item in items if isinstance(item, Tender)] == [True, False]
    [bad] = [item for item in items if isinstance(item, Rejected)]
    assert bad.record == "tenders.csv:4" and bad.reason.startswith("design_contest: Input should be a valid boolean")

"""Award history: the JSONL format (gzip or plain) and awards taken from OCDS."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from matcher.ingest.awards import awards_from_ocds, read_awards
from matcher.ingest.base import Rejected
from matcher.schema import Award

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_gzip_award_history_first_row_exactly() -> None:
    rows = list(read_awards(FIXTURES / "awards" / "canada_pwgsc_head.jsonl.gz"))
    assert len(rows) == 5
    assert rows[0] == Award(
        award_id="5FUSA-09T030/001/BM",
        date=date(2009, 1, 30),
        title="Miscellaneous Weapons",
        description="",
        buyer="Canadian Commercial Corporation",
        buyer_country="CA",
        codes=["GSIN:N1095"],
        supplier="Bristol Aerospace Limited",
        supplier_country="CA",
        value=4128194.0,
        currency="CAD",
        language="en",
    )


def test_empty_strings_and_missing_placeholders_mean_absent() -> None:
    cnrs, stockholm, stfc, toronto, jisc = list(read_awards(FIXTURES / "awards" / "mixed_real_rows.jsonl"))
    assert isinstance(cnrs, Award)
    assert (cnrs.currency, cnrs.language) == ("EUR", None)  # "language": ""
    assert isinstance(stockholm, Award)
    # "title": "Missing: Title", "currency": "Missing: Value", "value": null in the TED cryogenics file
    assert (stockholm.title, stockholm.currency, stockholm.value) == ("", None, None)
    assert stockholm.description == "The second package concerns two identical, compact cryostats."
    assert isinstance(stfc, Award)
    assert stfc.currency == "GBP"
    assert isinstance(toronto, Award)
    assert (toronto.supplier_country, toronto.value) == (None, 0.0)
    assert isinstance(jisc, Award)
    assert (jisc.currency, jisc.codes) == (None, ["CPV:80000000"])


def test_bad_rows_are_rejected_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "awards.jsonl"
    path.write_text(
        '{"award_id": "a1", "date": "2020-01-02", "supplier": "Acme", "buyer_country": "XX1"}\n'
        "\n"
        '{"award_id": "a2", "date": "2020-01-02", "supplier": "Acme", "winner": "Acme"}\n'
        '{"award_id": "a3", "date": "2020-01-02", "supplier": "Acme", "codes": ["CPV:45000000-7"]}\n',
        encoding="utf-8",
    )
    first, second, third = list(read_awards(path))
    assert first == Rejected(
        "awards.jsonl:1", "buyer_country: unknown country 'XX1' (expected ISO 3166 alpha-2, e.g. 'KR')"
    )
    assert second == Rejected("awards.jsonl:3", "winner: Extra inputs are not permitted")
    assert isinstance(third, Award)
    assert third.codes == ["CPV:45000000"]


def test_awards_from_ocds_one_row_per_supplier() -> None:
    rows = list(awards_from_ocds(FIXTURES / "ocds" / "paraguay_277004"))
    assert all(isinstance(row, Award) for row in rows)
    awards = [row for row in rows if isinstance(row, Award)]
    assert [a.supplier for a in awards] == [
        "DATA LAB SA",
        "MARCELO ADDARIO PAVON",
        "MARCELO ADDARIO PAVON",
        "PARASUR SA",
    ]
    first = awards[0]
    assert first.award_id == "ocds-03ad3f-277004/277004-adquisicion-equipos-e-insumos-informaticos-1"
    assert (first.date, first.value, first.currency) == (date(2016, 2, 26), 2116219396.0, "PYG")
    assert (first.buyer, first.supplier_country, first.language) == ("Municipalidad de Asunción", "PY", "es")
    assert first.title == "ADQUISICION DE EQUIPOS E INSUMOS INFORMATICOS"


def test_awards_from_a_record_package_use_award_text() -> None:
    [award] = list(awards_from_ocds(FIXTURES / "ocds" / "jalisco_record_package.json"))
    assert award == Award(
        award_id="ocds-xs1qbl-SFIN-03-0007-00-2017/IN496529-OC64003-2017",
        date=date(2017, 4, 26),
        title="PAQUETES Y PROGRAMAS(SOFTWARE)",
        description="Se adjudica 1 progresivos del proceso de compra número 03-0007-00-2017 al proveedor "
        "COMPUCAD, S.A. DE C.V.",
        buyer="SEPAF | SECRETARíA DE PLANEACIóN, ADMINISTRACIóN Y FINANZAS (SUB-FINANZAS)",
        buyer_country="MX",
        codes=["OTHER:007-011", "OTHER:007"],
        supplier="COMPUCAD, S.A. DE C.V.",
        supplier_country="MX",
        value=179568.0,
        currency="MXN",
        language="es",
    )

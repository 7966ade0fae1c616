"""A World Bank notice's country names: every name the Bank writes maps to its ISO code, a region or multi-country
label ('Eastern and Southern Africa', 'World') deliberately names no single country, and any other name (a typo,
'Republic of Atlantis') rejects the notice naming the field and the value, as a tender table's unknown country
does. Until readers version 16 an unknown name became no country without a word."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from matcher.ingest.base import Rejected
from matcher.ingest.worldbank import map_notice, read_worldbank
from matcher.ingest.worldbank_names import country_of, is_region
from matcher.reference.worldbank_names import BANK_REGIONS
from matcher.schema import Tender
from tests.conftest import FIXTURES

PAGE = FIXTURES / "feeds" / "worldbank" / "page-1.json"
#: The Bank's short names of the countries it lends to and reports on (its projects' and notices' spelling),
#: with the older forms its past notices carry.
_BANK_NAMES = (
    "Afghanistan|Albania|Algeria|Angola|Antigua and Barbuda|Argentina|Armenia|Azerbaijan|Bahamas, The|Bangladesh|"
    "Barbados|Belarus|Belize|Benin|Bhutan|Bolivia|Bosnia and Herzegovina|Botswana|Brazil|Bulgaria|Burkina Faso|"
    "Burundi|Cabo Verde|Cambodia|Cameroon|Central African Republic|Chad|Chile|China|Colombia|Comoros|"
    "Congo, Democratic Republic of|Congo, Republic of|Costa Rica|Cote d'Ivoire|Croatia|Czech Republic|Djibouti|"
    "Dominica|Dominican Republic|Ecuador|Egypt, Arab Republic of|El Salvador|Equatorial Guinea|Eritrea|Eswatini|"
    "Ethiopia|Fiji|Gabon|Gambia, The|Georgia|Ghana|Grenada|Guatemala|Guinea|Guinea-Bissau|Guyana|Haiti|Honduras|"
    "India|Indonesia|Iran, Islamic Republic of|Iraq|Jamaica|Jordan|Kazakhstan|Kenya|Kiribati|Korea, Republic of|"
    "Kosovo|Kyrgyz Republic|Lao People's Democratic Republic|Lebanon|Lesotho|Liberia|Libya|Madagascar|Malawi|"
    "Malaysia|Maldives|Mali|Marshall Islands|Mauritania|Mauritius|Mexico|Micronesia, Federated States of|Moldova|"
    "Mongolia|Montenegro|Morocco|Mozambique|Myanmar|Namibia|Nauru|Nepal|Nicaragua|Niger|Nigeria|North Macedonia|"
    "Pakistan|Palau|Panama|Papua New Guinea|Paraguay|Peru|Philippines|Poland|Romania|Russian Federation|Rwanda|"
    "Samoa|Sao Tome and Principe|Senegal|Serbia|Seychelles|Sierra Leone|Solomon Islands|Somalia|South Africa|"
    "South Sudan|Sri Lanka|St. Kitts and Nevis|St. Lucia|St. Vincent and the Grenadines|Sudan|Suriname|"
    "Syrian Arab Republic|Tajikistan|Tanzania|Thailand|Timor-Leste|Togo|Tonga|Trinidad and Tobago|Tunisia|Turkiye|"
    "Turkey|Turkmenistan|Tuvalu|Uganda|Ukraine|Uruguay|Uzbekistan|Vanuatu|Venezuela, Republica Bolivariana de|"
    "Viet Nam|West Bank and Gaza|Yemen, Republic of|Zambia|Zimbabwe|Slovak Republic|Brunei Darussalam|"
    "Hong Kong SAR, China|Macao SAR, China|Taiwan, China|Curacao|Sint Maarten|"
    "Macedonia, former Yugoslav Republic of|Swaziland|Cape Verde|Lao PDR|Congo, Dem. Rep.|Congo, Rep.|"
    "Saint Lucia|Saint Kitts and Nevis|Saint Vincent and the Grenadines|Virgin Islands (U.S.)|Ivory Coast|Burma|"
    "East Timor"
)
BANK_NAMES = [name for name in _BANK_NAMES.split("|") if name]


def notice(**change: Any) -> dict[str, Any]:
    """The fixture's Kenyan notice (project_ctry_name 'Kenya', contact_ctry_name 'Kenya', no country code),
    changed."""
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    raw: dict[str, Any] = copy.deepcopy(next(n for n in page["procnotices"] if n["id"] == "OP00467118"))
    raw.pop("project_ctry_code", None)
    return {**raw, **change}


def mapped(raw: dict[str, Any]) -> Tender | Rejected:
    return map_notice(raw, "page-1 notice OP00467118")


@pytest.mark.parametrize("name", BANK_NAMES)
def test_every_country_name_the_bank_writes_maps(name: str) -> None:
    assert country_of(name) is not None, name


@pytest.mark.parametrize("name", sorted(BANK_REGIONS))
def test_a_region_label_is_no_country_and_no_typo(name: str) -> None:
    assert (country_of(name), is_region(name)) == (None, True)
    tender = mapped(notice(project_ctry_name=name))
    assert isinstance(tender, Tender), tender
    assert tender.countries == []


@pytest.mark.parametrize("name", ["Eastern & Southern Africa", "  world ", "WESTERN AND CENTRAL AFRICA"])
def test_region_labels_are_compared_as_country_names_are(name: str) -> None:
    tender = mapped(notice(project_ctry_name=name))
    assert isinstance(tender, Tender) and tender.countries == [], tender


@pytest.mark.parametrize(("field", "name"), [
    ("project_ctry_name", "Republic of Atlantis"), ("project_ctry_name", "Keyna"),
    ("project_ctry_name", "Eastern and Southern Afrca"), ("contact_ctry_name", "Keyna"),
    ("project_ctry_name", ["Kenya", "Ugnada"]),
])
def test_an_unknown_country_name_rejects_the_notice_naming_it(field: str, name: str | list[str]) -> None:
    rejected = mapped(notice(**{field: name}))
    typo = name[-1] if isinstance(name, list) else name
    assert rejected == Rejected(
        "page-1 notice OP00467118",
        f"{field}: unknown country {typo!r} (expected a World Bank country name such as 'Kenya' or 'Congo, "
        "Democratic Republic of', or a region such as 'Eastern and Southern Africa')")


def test_an_unknown_name_with_the_banks_iso_code_keeps_the_code() -> None:
    tender = mapped(notice(project_ctry_name="Keyna", project_ctry_code="ke"))
    assert isinstance(tender, Tender) and tender.countries == ["KE"], tender
    assert isinstance(mapped(notice(project_ctry_name="Keyna", project_ctry_code="3A")), Rejected)  # a region code


def test_a_country_code_alone_that_is_no_country_is_named() -> None:
    rejected = mapped(notice(project_ctry_name=None, project_ctry_code="QQ"))
    assert rejected == Rejected("page-1 notice OP00467118", "project_ctry_code: unknown country 'QQ' (expected "
                                "ISO 3166 alpha-2, e.g. 'KE', or a World Bank region code such as '3A')")
    region = mapped(notice(project_ctry_name=None, project_ctry_code="3A"))
    assert isinstance(region, Tender) and region.countries == []


def test_a_saved_answer_keeps_the_good_notices_and_names_the_unknown_country(tmp_path: Path) -> None:
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    page["procnotices"][1]["project_ctry_name"] = "Inida"
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    read = list(read_worldbank(path))
    assert [r.tender_id if isinstance(r, Tender) else r.record for r in read] == [
        "wb:OP00467118", "answer.json notice OP00467020", "wb:OP00466911"]
    assert isinstance(read[1], Rejected) and read[1].reason.startswith("project_ctry_name: unknown country 'Inida'")


def test_names_joined_by_semicolons_are_each_read() -> None:
    """A multi-country project's names as one text ('Kenya;Uganda'): each name read, none lost as one unknown."""
    tender = mapped(notice(project_ctry_name="Kenya; Uganda;;Eastern and Southern Africa"))
    assert isinstance(tender, Tender) and tender.countries == ["KE", "UG"], tender
    rejected = mapped(notice(project_ctry_name="Kenya;Ugnada"))
    assert isinstance(rejected, Rejected) and "unknown country 'Ugnada'" in rejected.reason


@pytest.mark.parametrize(("names", "codes"), [
    # as the Bank's documents API writes a multi-country project (a public dump of it holds this very value)
    ("Bolivia,Brazil,Ecuador,Colombia,Guyana,Suriname,Peru", ["BO", "BR", "EC", "CO", "GY", "SR", "PE"]),
    ("Kenya,Congo, Republic of", ["KE", "CG"]), ("Gambia, The, Senegal", ["GM", "SN"]),
    ("Kenya, Uganda, Eastern and Southern Africa", ["KE", "UG"]), ("Gambia, The", ["GM"]),
])
def test_names_joined_by_commas_are_each_read(names: str, codes: list[str]) -> None:
    tender = mapped(notice(project_ctry_name=names))
    assert isinstance(tender, Tender) and tender.countries == codes, tender


def test_an_unknown_name_among_commas_is_named() -> None:
    rejected = mapped(notice(project_ctry_name="Kenya,Keyna"))
    assert isinstance(rejected, Rejected) and rejected.reason.startswith(
        "project_ctry_name: unknown country 'Keyna'"), rejected

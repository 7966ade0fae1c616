"""Supplier name resolution on real published spellings (TED cryogenics and Canada award files)."""

from __future__ import annotations

import pytest

from matcher.normalize.suppliers import SupplierResolver, edit_distance, name_key

# Real spellings, each group one firm.
SAME_FIRM = [
    ["Bluefors Oy", "BlueFors Cryogenics Oy Ltd", "BLUEFORS OY", "Blue fors Oy", "DE_Bluefors Oy", "bluefors",
     "BlueFors Cryogenics Oy Ltd.", "Société Bluefors Cryogénies", "Bluefors GmbH"],
    ["ICE Oxford", "ICE Oxford Ltd", "ICEOXFORD Limited", "Ice Oxford Limited", "IceOxford"],
    ["Leiden Cryogenics B.V", "Leiden Cryogenics B.V.", "Leiden Cryogenics BV", "Leiden Cryogenics bv"],
    ["Hitachi High Technologies Eurpore GmbH", "Hitachi High-Technologies Europe GmbH"],
    ["QINU GmBH", "Qinu GmbH", "qinu gmbh"],
    ["Agilent Technologies LDA UK Limited", "Agilent Technologies LDA UK Ltd"],
    ["J.H. Ryder Machinery Limited", "J.H. Ryder Machinery Ltd.", "J.H. Ryder Mchinery Limited"],
    ["Hewitt Equipment Limited / Hewitt Équipement limitée", "HEWITT EQUIPMENT LTD / HEWITT EQUIPEMENT LTEE"],
]
DIFFERENT_FIRMS = [
    ("Premiere Executive Suites Edmonton", "Premiere Executive Suites Moncton Limited"),
    ("Sandman Hotel & Suites Calgary South", "Sandman Hotel & Suites Calgary West"),
    ("Oxford Instruments Nanotechnology Ltd", "Oxford Instruments Plasma Technology"),
    ("Canadian Airmotive Limited", "Canadian Commercial Corporation"),
]


@pytest.fixture(scope="module")
def resolver() -> SupplierResolver:
    names = [n for group in SAME_FIRM for n in group] + [n for pair in DIFFERENT_FIRMS for n in pair]
    return SupplierResolver().fit([*names, "Oxford Instruments", "Canadian"])


@pytest.mark.parametrize("group", SAME_FIRM, ids=lambda g: g[0])
def test_spellings_of_one_firm_resolve_together(resolver: SupplierResolver, group: list[str]) -> None:
    assert len({resolver.resolve(name) for name in group}) == 1


@pytest.mark.parametrize("pair", DIFFERENT_FIRMS, ids=lambda p: p[0])
def test_different_firms_stay_apart(resolver: SupplierResolver, pair: tuple[str, str]) -> None:
    assert resolver.resolve(pair[0]) != resolver.resolve(pair[1])


def test_keys_fold_case_accents_punctuation_and_legal_forms() -> None:
    assert name_key("BLUEFORS OY") == name_key("Bluefors Oy") == "bluefors"
    assert name_key("Rohde & Schwarz GmbH & Co. KG.") == "rohde and schwarz"
    assert name_key("Physik Instruments GmbH & Co. KG") == "physik instruments"
    assert name_key("PASQAL SAS") == "pasqal"
    assert name_key("Le Grand Hôtel") == "le grand hotel"


@pytest.mark.parametrize("placeholder", ["TBC", "TBC X 3", "No award made", "n/a"])
def test_placeholders_are_not_suppliers(placeholder: str) -> None:
    assert SupplierResolver().fit([placeholder]).resolve(placeholder) is None


def test_a_short_name_shared_by_two_firms_joins_neither(resolver: SupplierResolver) -> None:
    # "Oxford Instruments" leads two different identities' keys, so it stays on its own.
    longer = ["Oxford Instruments Nanotechnology Ltd", "Oxford Instruments Plasma Technology"]
    assert resolver.resolve("Oxford Instruments") not in {resolver.resolve(n) for n in longer}


def test_edit_distance_counts_transpositions_once() -> None:
    assert edit_distance("laboratories", "laboratoires") == 1
    assert edit_distance("edmonton", "moncton") == 3

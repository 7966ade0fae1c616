"""The World Bank's own country names and its region labels, as its procurement notices write them
(``project_ctry_name``, ``contact_ctry_name``; read by ``matcher.ingest.worldbank``).

Names CLDR words the same way ('Kenya', 'Gambia, The' once 'the' is dropped) come from babel; these are the
Bank's short names that CLDR words differently, and older forms its past notices still carry.

A regional or multi-country project ('Digital Transformation for Africa') is published under a region label, not
a country: such a notice names no single country, deliberately, while a name that is neither (a typo, 'Keyna')
rejects the notice. The labels are the Bank's regions (its six operational regions, the 2020 split of Africa, and
its lending groups of several countries: 'OECS Countries', 'Pacific Islands', 'Mekong') and 'World'. A label not
listed here is rejected by name, which says what to add.
"""

from __future__ import annotations

#: The Bank's names (and older forms) -> ISO 3166 alpha-2, where CLDR's English names differ.
BANK_COUNTRY_NAMES: dict[str, str] = {
    "Congo, Democratic Republic of": "CD", "Democratic Republic of the Congo": "CD", "Congo, Dem. Rep.": "CD",
    "Congo, Republic of": "CG", "Republic of Congo": "CG", "Congo, Rep.": "CG",
    "Egypt, Arab Republic of": "EG", "Egypt, Arab Rep.": "EG", "Yemen, Republic of": "YE", "Yemen, Rep.": "YE",
    "Iran, Islamic Republic of": "IR", "Korea, Republic of": "KR", "Korea, Democratic People's Republic of": "KP",
    "Kyrgyz Republic": "KG", "Lao People's Democratic Republic": "LA", "Lao PDR": "LA",
    "Micronesia, Federated States of": "FM", "Slovak Republic": "SK", "Czech Republic": "CZ",
    "Venezuela, Republica Bolivariana de": "VE", "Venezuela, RB": "VE", "Viet Nam": "VN",
    "West Bank and Gaza": "PS", "Turkey": "TR", "Syrian Arab Republic": "SY", "Russian Federation": "RU",
    "Macedonia, former Yugoslav Republic of": "MK", "Cabo Verde": "CV", "Swaziland": "SZ",
    "St. Vincent and the Grenadines": "VC", "Brunei Darussalam": "BN", "Hong Kong SAR, China": "HK",
    "Macao SAR, China": "MO", "Taiwan, China": "TW", "Virgin Islands (U.S.)": "VI", "Ivory Coast": "CI",
    "Burma": "MM", "East Timor": "TL",
}  # fmt: skip

#: Region and multi-country labels: a notice under one names no single country.
BANK_REGIONS: frozenset[str] = frozenset({
    "World", "Africa", "Eastern and Southern Africa", "Western and Central Africa", "Sub-Saharan Africa",
    "Eastern Africa", "Western Africa", "Southern Africa", "Central Africa", "East Asia and Pacific",
    "Europe and Central Asia", "Latin America and Caribbean", "Latin America", "Middle East and North Africa",
    "South Asia", "Central Asia", "Caribbean", "Central America", "Andean Countries", "OECS Countries",
    "Pacific Islands", "Mekong", "Western Balkans", "South Eastern Europe and Balkans", "Multi-Regional",
})  # fmt: skip


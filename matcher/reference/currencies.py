"""ISO 4217 currency codes: CLDR's list through babel (the library the reasons already name countries with), current
and withdrawn alike, since notices published before the euro state values in DEM, FRF or ESP. Left out: XXX ("no
currency") and XTS (reserved for testing), which no value is stated in."""

from __future__ import annotations

from babel.numbers import list_currencies

ISO_CURRENCIES: frozenset[str] = frozenset(list_currencies()) - {"XXX", "XTS"}

"""An amount of 10^28 or more (a value typed with too many zeros, an eForms or CSV amount of 32 digits: every
reader accepts any finite number) stopped the page showing it: babel rounds in the decimal context, whose default
28 digits raised InvalidOperation, a 500 (found by an adversarial test of the ingest)."""

# The API tests' demo fixtures are imported by name, and pytest passes them as the tests' arguments.
# ruff: noqa: F811
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.web.i18n import Formatter
from api.web.messages import Language
from tests.api.conftest import (  # noqa: F401
    World,
    api_settings,
    database_url,
    demo_template,
    world,
)
from tests.web.pages_world import Visitor, visitor  # noqa: F401

#: A Czech call for tenders in the demo, with a value in CZK.
CZECH = "ted:178549-2021"


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize(("value", "currency", "shown"), [
    (1e28, "EUR", "€10,000,000,000,000,000,000,000,000,000"),
    (1.5e308, "KRW", "₩150,000,000,000,000,000,"),
    (1e28, None, "10,000,000,000,000,000,000,000,000,000"),
    (1234.4, "EUR", "€1,234"),
])
def test_any_finite_amount_is_shown_whole(language: Language, value: float, currency: str | None, shown: str) -> None:
    assert Formatter(language, datetime(2021, 4, 28, tzinfo=UTC)).money(value, currency).startswith(shown)


def test_the_tender_page_of_a_notice_of_an_absurd_value_is_shown(world: World, visitor: Visitor) -> None:
    notice = world.matcher.get_tender(CZECH)
    world.matcher.upsert_tenders([notice.model_copy(update={"value": 1e30, "currency": "EUR"})], sync=False)
    response = visitor("officer").get(f"/web/tenders/{CZECH}")
    assert response.status_code == 200, response.text[:300]
    assert "€1,000,000,000,000,000,000,000,000,000,000" in response.text

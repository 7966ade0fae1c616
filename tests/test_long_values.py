"""An error quoting a refused id quoted all of it: a judged profile's id of 10,000 characters made a 10,181-character
error line (the helper's adversarial test of the evaluation commands). It quotes the first 80 and the length."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from matcher.schema import FirmProfile


def test_a_long_bad_id_is_quoted_in_part_with_its_length() -> None:
    with pytest.raises(ValidationError) as refused:
        FirmProfile(firm_id="k" * 10_000, name="A", description="Pumps")
    message = str(refused.value)
    assert f"bad id {'k' * 80!r}... (10,000 characters) (expected 1-200 characters" in message
    assert len(message) < 600


def test_a_short_bad_id_is_quoted_whole() -> None:
    with pytest.raises(ValidationError, match=r"bad id 'a/b' \(expected 1-200 characters"):
        FirmProfile(firm_id="a/b", name="A", description="Pumps")

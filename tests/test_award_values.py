"""An award row with a negative value (a refund, a typo) was stored, and the tender the award is read as, which
refuses a negative value, stopped the recommendations of every firm linked to its supplier with a traceback (the
helper's adversarial test of the commands). It is now rejected by name at ingest; one stored before still reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from matcher.pipeline import Matcher
from matcher.ranking.priors import award_tender
from matcher.schema import STORED, Award

ROW = {"award_id": "A1", "date": "2020-03-01", "title": "Water meters", "supplier": "Hanbit Water", "currency": "EUR"}


def test_a_negative_award_value_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match=r"a negative value -200000 \(expected an amount of 0 or more\)"):
        Award.model_validate({**ROW, "value": -200000.0})
    assert Award.model_validate({**ROW, "value": 0}).value == 0


def test_an_award_file_row_of_a_negative_value_is_rejected_and_the_rest_stored(matcher: Matcher,
                                                                               tmp_path: Path) -> None:
    path = tmp_path / "awards.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in (
        {**ROW, "value": 1000.0}, {**ROW, "award_id": "A2", "value": -1.0})) + "\n", encoding="utf-8")
    report, _ = matcher.awards.ingest([path])
    assert report.new == 1
    assert [reason for _, reason in report.rejected] == ["value: a negative value -1 (expected an amount of 0 or more)"]


def test_an_award_stored_with_a_negative_value_is_read_as_a_tender_without_one() -> None:
    stored = Award.model_validate({**ROW, "value": -5.0}, context=STORED)
    assert stored.value == -5.0
    tender = award_tender(stored, "award:A1")
    assert (tender.value, tender.title) == (None, "Water meters")

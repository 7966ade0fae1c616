"""The one rule for the dates the product accepts (``matcher.dates``): a year from 1900 to 2200 in UTC, applied
where a date comes in (records, the clock) and not to what is already stored."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from matcher.config import Settings
from matcher.dates import DATE_RANGE, in_range, utc_year
from matcher.schema import DAY_PATTERN, MOMENT_PATTERN, Award, Correction, Tender

EAST, WEST = timezone(timedelta(hours=5)), timezone(timedelta(hours=-5))
#: The tester's far dates: 9999-12-31T23:59:59-05:00 is in the year 10000 in UTC, 0001-01-01T00:00+01:00 in 0.
FAR_FUTURE = "9999-12-31T23:59:59-05:00"
FAR_PAST = "0001-01-01T00:00:00+01:00"


def tender(**fields: Any) -> Tender:
    return Tender.model_validate({"tender_id": "api:12b", "source": "api", "title": "t", **fields})


def problems(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, str]]:
    return [(".".join(map(str, e["loc"])), str(e["msg"])) for e in exc.value.errors()]


def test_utc_year_also_where_utc_cannot_hold_the_moment() -> None:
    assert utc_year(datetime(2021, 1, 1, 2, tzinfo=EAST)) == 2020  # 2020-12-31T21:00Z
    assert utc_year(datetime(2021, 1, 1)) == 2021  # naive is UTC
    assert utc_year(datetime(9999, 12, 31, 23, 59, 59, tzinfo=WEST)) == 10000  # 10000-01-01T04:59:59Z
    assert utc_year(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == 0  # 0000-12-31T23:00Z


@pytest.mark.parametrize(("value", "kept"), [
    (date(1900, 1, 1), True), (date(2200, 12, 31), True), (date(1899, 12, 31), False), (date(2201, 1, 1), False),
    (date(1, 1, 1), False), (date(9999, 12, 31), False),
    (datetime(1900, 1, 1, tzinfo=UTC), True), (datetime(2200, 12, 31, 23, 59, tzinfo=UTC), True),
    (datetime(1900, 1, 1, 2, tzinfo=EAST), False),  # 1899-12-31T21:00Z
    (datetime(2200, 12, 31, 20, tzinfo=WEST), False),  # 2201-01-01T01:00Z
    (datetime(1, 1, 1), False), (datetime(9999, 12, 31, 23, 59, 59), False),
])
def test_the_rule_is_a_year_from_1900_to_2200_in_utc(value: date, kept: bool) -> None:
    assert in_range(value) is kept


@pytest.mark.parametrize(("fields", "field", "value"), [
    ({"deadline": FAR_FUTURE}, "deadline", FAR_FUTURE),
    ({"deadline": FAR_PAST}, "deadline", FAR_PAST),
    ({"deadline": "1899-06-30T12:00:00Z"}, "deadline", "1899-06-30T12:00:00+00:00"),
    ({"published": "0001-01-01"}, "published", "0001-01-01"),
    ({"published": "9999-12-31"}, "published", "9999-12-31"),
    ({"corrects": [{"notice": "ted:1-2021", "deadline": FAR_FUTURE}]}, "corrects.0.deadline", FAR_FUTURE),
])
def test_a_record_with_a_date_out_of_range_is_refused_naming_the_field_and_the_value(
    fields: dict[str, Any], field: str, value: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        tender(**fields)
    assert problems(exc) == [(field, f"Value error, {value} is out of range (expected {DATE_RANGE})")]


def test_an_award_date_out_of_range_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Award.model_validate({"award_id": "a", "date": "0001-01-01", "supplier": "s"})
    assert problems(exc) == [("date", f"Value error, 0001-01-01 is out of range (expected {DATE_RANGE})")]


def test_a_far_deadline_of_a_dated_notice_is_still_the_placeholder_for_none() -> None:
    """Buyers write 9999-12-31 for "no deadline" as they write 2099-12-31: with a publication day, both are the
    placeholder ``Tender._placeholder_deadline`` drops (the notice keeps its publication window)."""
    for deadline in ("2099-12-31", "9999-12-31T00:00:00Z", FAR_FUTURE):
        assert tender(published="2021-03-01", deadline=deadline).deadline is None
    with pytest.raises(ValidationError, match="deadline"):
        tender(published="2021-03-01", deadline=FAR_PAST)  # too early is no placeholder
    with pytest.raises(ValidationError, match="published"):
        tender(published="0001-01-01", deadline=FAR_FUTURE)  # nor with a publication day that is refused itself


def test_dates_in_range_keep_their_zone() -> None:
    assert tender(published="1900-01-01").published == date(1900, 1, 1)
    kept = tender(deadline="2200-12-31T18:00:00-05:00").deadline
    assert kept == datetime(2200, 12, 31, 23, tzinfo=UTC) and kept.utcoffset() == timedelta(hours=-5)


def test_records_stored_before_the_rule_still_load() -> None:
    for field, value in (("published", date(1, 1, 1)), ("deadline", datetime(9999, 12, 31, tzinfo=UTC))):
        stored = Tender.model_construct(**{**tender().model_dump(), field: value})
        assert getattr(Tender.from_stored(stored.model_dump_json()), field) == value
    correction = Correction.model_construct(notice="ted:1-2021", deadline=datetime(1, 1, 1, tzinfo=UTC))
    assert Correction.from_stored(correction.model_dump_json()).deadline == datetime(1, 1, 1, tzinfo=UTC)
    award = Award.model_construct(award_id="a", date=date(1850, 1, 1), supplier="s")
    assert Award.from_stored(award.model_dump_json()).date == date(1850, 1, 1)


@pytest.mark.parametrize("clock", ["0001-01-01", "9999-12-31T23:59:59", "1900-01-01T02:00:00+05:00"])
def test_the_clock_is_refused_out_of_range(clock: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Settings(clock=clock)  # as MATCHER_CLOCK gives it: text
    ((where, message),) = problems(exc)
    assert where == "clock" and message.endswith(f"is out of range (expected {DATE_RANGE})"), message
    assert Settings(clock="2200-12-31T23:59:59").clock == datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_the_json_schema_states_the_rule_as_strictly_or_more() -> None:
    """Clients and the property-based tests send what the document allows: a day of 1900-2200, a moment of
    1901-2199 (whatever its offset, in UTC that is within 1900-2200)."""
    properties = Tender.model_json_schema()["properties"]
    assert {"type": "string", "format": "date", "pattern": DAY_PATTERN}.items() <= (
        properties["published"]["anyOf"][0].items())
    assert {"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}.items() <= (
        properties["deadline"]["anyOf"][0].items())
    assert MOMENT_PATTERN in json.dumps(Tender.model_json_schema()["$defs"]["Correction"])
    for day in ("1900-01-01", "2200-12-31", "1899-12-31", "2201-01-01", "0001-01-01", "9999-12-31"):
        assert bool(re.match(DAY_PATTERN, day)) is in_range(date.fromisoformat(day)), day
    for moment in ("1901-01-01T00:00:00+23:59", "2199-12-31T23:59:59-23:59"):
        assert re.match(MOMENT_PATTERN, moment) and in_range(datetime.fromisoformat(moment)), moment
    for moment in ("1900-01-01T00:00:00Z", "2200-01-01T00:00:00Z", "9999-12-31T23:59:59Z", FAR_PAST):
        assert not re.match(MOMENT_PATTERN, moment), moment


def test_a_deadline_just_past_the_range_of_a_notice_published_near_its_end_is_refused() -> None:
    """Only a deadline over ``MAX_DEADLINE_YEARS`` after publication is a placeholder; 2201 after 2195 is refused."""
    with pytest.raises(ValidationError, match="deadline"):
        tender(published="2195-01-01", deadline="2201-01-01T00:00:00Z")

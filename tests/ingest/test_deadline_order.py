"""A call whose deadline falls before its publication day (the rule is ``Tender._deadline``'s; docs/formats.md).

Typed in (a tender table, the API's body), it is a typo that would hide the notice for ever (closed before it is
visible): refused, naming both dates; in a file, that row alone. Published by a feed, such a pair is real and kept as
published (measured on the shared data: 6 of the 1,228 TED sample notices with both dates, all opportunity notices
TED published after their deadline; 150 of the 248 OCDS examples with both, awards and other records published as
data after the call; 2 of the 5,513 Canada 2014 tender releases): the notice is closed on arrival, which is true,
where dropping its deadline would show it open for the 60 days (180 for prior information) after publication.
"""

from __future__ import annotations

import json
import tarfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from api.schemas import TenderBatch
from matcher.cli import app
from matcher.ingest.base import Rejected
from matcher.ingest.ocds import read_ocds
from matcher.ingest.ted import parse_ted_document
from matcher.schema import AS_PUBLISHED, STORED, Tender
from tests.conftest import shared_path

runner = CliRunner()
MAY_1 = date(2024, 5, 1)
APRIL_30_NOON = datetime(2024, 4, 30, 12, tzinfo=UTC)


def fields(**changes: object) -> dict[str, object]:
    return {"tender_id": "x:1", "source": "test", "title": "Water meters", "published": MAY_1,
            "deadline": APRIL_30_NOON, **changes}


@pytest.mark.parametrize("notice_type", ["open_call", "prior_information"])
def test_a_call_closing_before_its_publication_day_is_refused_naming_both_dates(notice_type: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Tender.model_validate(fields(notice_type=notice_type))
    (error,) = caught.value.errors()
    assert error["loc"] == ("deadline",)
    assert error["msg"] == ("Value error, deadline 2024-04-30T12:00:00+00:00 is before the publication date "
                            "2024-05-01 (a call cannot close before it is published)")


@pytest.mark.parametrize("deadline", [
    datetime(2024, 5, 1, 0, 30, tzinfo=UTC),  # closes on its publication day
    datetime(2024, 5, 1, 8, 0).astimezone(UTC).replace(tzinfo=None),  # a naive time is UTC
    "2024-05-01T08:00:00+09:00",  # the buyer's 1 May (30 April 23:00 UTC): its own day is the publication day
    "2024-06-30",
])
def test_a_deadline_on_or_after_the_publication_day_is_kept(deadline: object) -> None:
    assert Tender.model_validate(fields(deadline=deadline)).deadline is not None


@pytest.mark.parametrize("notice_type", ["award", "other"])
def test_an_award_or_other_notice_may_name_a_deadline_before_its_publication(notice_type: str) -> None:
    """The call closes before its award is published: history, never open."""
    assert Tender.model_validate(fields(notice_type=notice_type)).deadline == APRIL_30_NOON


@pytest.mark.parametrize("context", [AS_PUBLISHED, STORED])
def test_a_published_or_stored_record_keeps_its_dates(context: dict[str, bool]) -> None:
    tender = Tender.model_validate(fields(), context=context)
    assert (tender.published, tender.deadline) == (MAY_1, APRIL_30_NOON)


def test_the_api_body_is_refused_at_the_deadline_field() -> None:
    """The API's tender body is the schema's (``api.schemas.TenderIn``): FastAPI answers 422 with this error."""
    with pytest.raises(ValidationError) as caught:
        TenderBatch.model_validate({"tenders": [fields(published="2024-05-01", deadline="2024-04-30T12:00:00Z")]})
    (error,) = caught.value.errors()
    assert error["loc"] == ("tenders", 0, "deadline") and "before the publication date 2024-05-01" in error["msg"]


def test_a_table_row_is_rejected_with_its_line_and_the_rest_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    table = tmp_path / "calls.csv"
    table.write_text("tender_id,title,published,deadline\n"
                     "a,Water meters,2024-05-01,2024-05-30T12:00Z\n"
                     "b,Pumps,2024-05-01,2024-04-30T12:00Z\n"
                     "c,Valves,2024-05-01,\n")
    result = runner.invoke(app, ["ingest", "tenders", str(table), "--no-index"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "tenders: 2 new, 0 updated, 0 unchanged, 1 rejected\n"
    assert result.stderr == ("  rejected calls.csv:3: deadline: deadline 2024-04-30T12:00:00+00:00 is before the "
                             "publication date 2024-05-01 (a call cannot close before it is published)\n")


def test_an_ocds_release_is_kept_as_published(tmp_path: Path) -> None:
    """An OCDS release's date is when the data was published, which may be after the call closed."""
    package = {"releases": [{
        "ocid": "ocds-x-1", "id": "1", "date": "2013-11-13T00:00:00Z", "tag": ["tender"],
        "tender": {"title": "Snow removal", "status": "active", "tenderPeriod": {"endDate": "2013-10-04T18:00:00Z"}},
    }]}
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package))
    (tender,) = read_ocds(path)
    assert isinstance(tender, Tender) and tender.notice_type == "open_call"
    assert (tender.published, tender.deadline) == (date(2013, 11, 13), datetime(2013, 10, 4, 18, tzinfo=UTC))


@pytest.mark.shared
def test_a_ted_call_published_after_its_deadline_is_kept_as_published() -> None:
    """274449-2018: sent 18 May 2018, tenders due 29 May, published by TED on 26 June."""
    sample = shared_path("ted_xml_sample", "ted_xml_notices_3476.tar.gz")
    with tarfile.open(sample) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("_274449-2018.xml"))
        data = archive.extractfile(member).read()  # type: ignore[union-attr]
    tender = parse_ted_document(data, member.name)
    assert not isinstance(tender, Rejected) and tender.notice_type == "open_call"
    assert tender.published == date(2018, 6, 26) and tender.deadline is not None
    assert tender.deadline.date() == date(2018, 5, 29)

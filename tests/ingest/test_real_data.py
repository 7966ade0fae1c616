"""Every real OCDS example and every real award-history file, from ../shared/data (skipped if absent)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from matcher.ingest.awards import awards_from_ocds, read_awards
from matcher.ingest.base import NO_RECORDS, Rejected
from matcher.ingest.ocds import read_ocds
from matcher.schema import Award, Tender

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
NO_TITLE = (
    "no title (tender.title, award and contract titles, item descriptions and planning.budget.description "
    "are all empty)"
)

pytestmark = pytest.mark.shared


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data folder beside the project), which is absent")
    return path


def test_all_real_ocds_examples() -> None:
    items = list(read_ocds(shared("ocds_real_examples", "real-examples.tar.gz")))
    tenders = [item for item in items if isinstance(item, Tender)]
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert len(tenders) == 597
    # 11 Taiwan releases keep their title in a non-OCDS 'name' field; one Mexico record's title is '.';
    # three Paraguay record files are empty; 31 releases come twice, in two release files of one sample (Canada's
    # buyandsell 11, UK Contracts Finder 10, Mexico's Grupo Aeroportuario 10: tests/ingest/test_duplicate_ids.py);
    # one Mexico release states its value in 'MNX', no ISO 4217 code (tests/test_currencies.py).
    assert Counter(r.reason.split(" '")[0] for r in rejected) == {
        NO_TITLE: 12, NO_RECORDS: 3, "duplicate release": 31, "currency: unknown currency": 1}
    assert Counter(t.notice_type for t in tenders) == {
        "award": 435,
        "prior_information": 84,
        "open_call": 43,
        "other": 35,
    }
    assert len({t.tender_id for t in tenders}) == len(tenders)


@pytest.mark.slow
def test_canada_2014_tender_releases() -> None:
    items = list(read_ocds(shared("ocds_canada_2009_2014", "tenders_releases.json.gz")))
    assert all(isinstance(item, Tender) for item in items)
    assert len(items) == 5513


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("canada_pwgsc_2009_2014.jsonl.gz", 26435),
        ("toronto_2022_2024.jsonl.gz", 706),
        ("ted_sample_2016_2022.jsonl.gz", 6060),
        ("ted_cryogenics_2015_2025.jsonl.gz", 511),
    ],
)
def test_every_real_award_row_is_accepted(name: str, rows: int) -> None:
    items = list(read_awards(shared("awards", name)))
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert rejected == []
    assert len(items) == rows


def test_awards_from_real_ocds_examples() -> None:
    items = list(awards_from_ocds(shared("ocds_real_examples", "real-examples.tar.gz")))
    awards = [item for item in items if isinstance(item, Award)]
    rejected = Counter(item.reason.split(" '")[0] for item in items if isinstance(item, Rejected))
    assert len(awards) == 438
    # Taiwan puts suppliers under awards.items[]; two Mexico awards list none; the 31 releases read twice and the
    # value in 'MNX' (above).
    assert rejected == {"award has no suppliers": 13, NO_RECORDS: 3, "duplicate release": 31,
                        "currency: unknown currency": 1}

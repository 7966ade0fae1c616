"""The full real samples from ../shared/data load through the pipeline (skipped when the folder is absent)."""

from __future__ import annotations

import pytest

from matcher.pipeline import Matcher
from tests.conftest import shared_path

pytestmark = [pytest.mark.shared, pytest.mark.slow]


def test_full_ted_sample_and_ocds_examples_ingest_and_index(matcher: Matcher) -> None:
    ted = shared_path("ted_xml_sample", "ted_xml_notices_3476.tar.gz")
    ocds = shared_path("ocds_real_examples", "real-examples.tar.gz")
    first = matcher.ingest_tenders([ted, ocds]).report
    # 3,476 TED notices hold 3,469 distinct ids (7 appear twice), two of them test notices and two the eForms
    # SDK's examples (rejected: see tests/ingest/test_test_notices.py); the OCDS examples give 597 tenders.
    assert first.new == 3469 - 4 + 597
    assert first.updated == 0 and first.unchanged == 0
    # OCDS: 11 Taiwan titles in a non-standard field, 1 '.', 3 empty files, 31 releases read twice, 1 value in 'MNX';
    # TED: the 2 test notices, the 2 eForms examples and the 7 second copies (tests/ingest/test_duplicate_ids.py)
    assert len(first.rejected) == 20 + 31 + 7
    assert sum(reason.startswith("duplicate ") for _, reason in first.rejected) == 31 + 7
    assert sum(reason == "test notice" for _, reason in first.rejected) == 4
    report = matcher.build_index()
    assert report.added == first.new
    again = matcher.ingest_tenders([ted, ocds])
    assert again.report.unchanged == first.new and again.report.new == again.report.updated == 0
    assert again.index is not None and again.index.added == again.index.updated == 0

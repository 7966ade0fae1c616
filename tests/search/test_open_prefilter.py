"""Searching within a subset (the tenders open now): inside FAISS, exact, and invisible in the results."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender
from matcher.search.encoders import FakeEncoder, normalize_rows
from matcher.search.retrieve import MatchQuery
from matcher.search.vector_index import VectorIndex
from tests.conftest import NOW


@pytest.mark.parametrize("exact_max", [10_000, 100])  # flat, IVF
def test_search_within_a_subset_returns_only_its_members_best_first(exact_max: int) -> None:
    rng = np.random.default_rng(3)
    vectors = normalize_rows(rng.normal(size=(2_000, 16)).astype(np.float32))
    ids = [f"t{i}" for i in range(2_000)]
    index = VectorIndex.build(vectors, ids, "test", exact_max=exact_max, nprobe=64)
    allowed = ids[::50]  # 40 of 2,000
    hits = index.search(vectors[:3], 10, index.subset([*allowed, "not-indexed"]))
    members = np.array([int(t[1:]) for t in allowed])
    for query, row in enumerate(hits):
        assert len(row) == 10 and {t for t, _ in row} <= set(allowed)
        best = members[np.argsort(-(vectors[members] @ vectors[query]))[:10]]
        assert [t for t, _ in row] == [f"t{i}" for i in best]
    assert len(index.subset([*allowed, "not-indexed"])) == 40
    assert index.search(vectors[:1], 5, index.subset([])) == [[]]


def test_recommendations_on_a_mostly_closed_store_are_those_of_the_unfiltered_scan(matcher: Matcher) -> None:
    """Nine in ten notices closed (a year-long feed): the open-now prefilter must change nothing but speed."""
    words = ["pump", "valve", "scanner", "vaccine", "bridge", "laptop", "boiler", "tractor"]
    tenders = [
        Tender(tender_id=f"x:{i}", source="test", title=f"{words[i % 8]} {words[(i // 8) % 8]} supply lot {i}",
               buyer_country="FR", deadline=NOW + timedelta(days=5) if i % 10 == 0 else NOW - timedelta(days=5))
        for i in range(600)
    ]
    matcher.upsert_tenders(tenders)
    matcher.upsert_firms([FirmProfile(firm_id="f", name="F", description="pump and valve supply")])
    matcher.build_index()
    fast = matcher.recommend("f", MatchQuery(k=20))
    assert len(fast) == 20 and all(int(m.tender_id[2:]) % 10 == 0 for m in fast)
    matcher.recommender._open_now = lambda loaded, now: None  # type: ignore[method-assign,assignment,return-value]
    slow = matcher.recommend("f", MatchQuery(k=20))
    assert [(m.tender_id, m.score) for m in fast] == [(m.tender_id, m.score) for m in slow]


def test_the_compression_setting_reaches_the_built_index(settings: Settings) -> None:
    compressed = Matcher(settings.model_copy(update={"index_compression": "sq8"}), encoder=FakeEncoder())
    compressed.upsert_tenders([Tender(tender_id=f"c:{i}", source="test", title=f"pump lot {i}") for i in range(30)])
    compressed.build_index()
    assert compressed.index.current().vectors.manifest.compression == "sq8"
    compressed.close()

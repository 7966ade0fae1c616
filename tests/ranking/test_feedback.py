"""Partner decisions' code closeness (``matcher.ranking.feedback.code_closeness``) on real notices' codes."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from matcher.demo import demo_data
from matcher.ingest.detect import read_tenders
from matcher.ranking.features import code_similarity
from matcher.ranking.feedback import code_closeness
from matcher.schema import Tender


def _pairwise(a: Sequence[str], b: Sequence[str]) -> float:
    """The definition: the closest pair of codes of two notices, either way round, every pair compared."""
    return max((max(code_similarity(x, y), code_similarity(y, x)) for x in a for y in b), default=0.0)


def test_the_table_gives_what_comparing_every_pair_of_codes_gives() -> None:
    notices = [list(t.codes) for t in read_tenders(demo_data().tenders) if isinstance(t, Tender)]
    rng = random.Random(7)
    for _ in range(5):
        mine = [*rng.sample(notices, 40), [], ["UNSPSC:43211500"], ["CPV:45000000", "UNSPSC:43211503"]]
        theirs = [*rng.sample(notices, 25), [], ["CPV:33111000"]]
        expected = np.array([[_pairwise(a, b) for b in theirs] for a in mine], dtype=np.float32)
        closeness = code_closeness(mine, theirs)
        assert closeness.shape == (len(mine), len(theirs)) and np.array_equal(closeness, expected)
        assert (expected > 0).sum() > len(mine)  # the sample holds near pairs, not only zeros
    assert code_closeness([], [["CPV:33111000"]]).shape == (0, 1)
    assert code_closeness([["CPV:33111000"]], [[]]).tolist() == [[0.0]]

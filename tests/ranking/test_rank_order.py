"""``order``: best first, ties broken by key, and the top-k shortcut returns exactly the full sort's head."""

from __future__ import annotations

import numpy as np

from matcher.ranking.fusion import order


def test_ties_are_broken_by_key_and_top_k_equals_the_head_of_the_full_order() -> None:
    scores = np.array([0.5, 0.9, 0.5, 0.7, 0.5, 0.1])
    keys = ["e", "a", "b", "c", "d", "f"]
    assert order(scores, keys) == [1, 3, 2, 4, 0, 5]
    for k in range(1, 7):
        assert order(scores, keys, k) == order(scores, keys)[:k]
    rng = np.random.default_rng(0)
    many = rng.integers(0, 20, 500) / 20  # many ties
    names = [f"t{i:03d}" for i in rng.permutation(500)]
    assert order(many, names, 10) == order(many, names)[:10]

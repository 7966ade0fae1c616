"""Metrics against examples computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher.evaluate.metrics import average, firm_metrics, rank_positions, recall_curve


def test_ranks_with_ties_follow_the_tiebreak() -> None:
    scores = np.array([0.9, 0.5, 0.5, 0.1])
    assert rank_positions(scores, [2], tiebreak=np.array([0, 1, 2, 3])).tolist() == [3]
    assert rank_positions(scores, [2], tiebreak=np.array([0, 2, 1, 3])).tolist() == [2]


def test_hand_computed_example() -> None:
    # 20 candidates; the firm won those ranked 2, 5 and 15.
    ranks = np.array([2, 5, 15])
    got = firm_metrics(ranks, k=10)
    assert got["recall@10"] == pytest.approx(2 / 3)
    assert got["hr@10"] == 1.0
    assert got["mrr"] == pytest.approx(0.5)
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    ideal = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert got["ndcg@10"] == pytest.approx(dcg / ideal)


def test_a_miss_scores_zero_except_mrr() -> None:
    got = firm_metrics(np.array([11, 40]), k=10)
    assert got == {"recall@10": 0.0, "hr@10": 0.0, "mrr": pytest.approx(1 / 11), "ndcg@10": 0.0}


def test_ndcg_is_one_for_a_perfect_ranking_and_k_names_the_keys() -> None:
    assert firm_metrics(np.array([1, 2]), k=5) == {"recall@5": 1.0, "hr@5": 1.0, "mrr": 1.0, "ndcg@5": 1.0}


def test_macro_average_counts_each_firm_once() -> None:
    firms = [firm_metrics(np.array([1]), 10), firm_metrics(np.array([20, 30, 40]), 10)]
    assert average(firms)["recall@10"] == 0.5
    assert recall_curve([np.array([1]), np.array([3, 30])], [1, 3]) == [0.5, 0.75]


def test_scores_to_ranks_to_metrics() -> None:
    scores = np.array([0.1, 0.8, 0.3, 0.9, 0.2])  # order: 3, 1, 2, 4, 0
    ranks = rank_positions(scores, [1, 0], tiebreak=np.arange(5))
    assert ranks.tolist() == [2, 5]
    assert firm_metrics(ranks, 2)["recall@2"] == 0.5

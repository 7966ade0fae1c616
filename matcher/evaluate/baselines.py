"""Naive baselines from ``../shared/data/README.md``: random, exact-label history, label+buyer history and
TF-IDF of past titles. They see the same profiles (wins before the cut) as the product."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.evaluate.split import TimeSplit
from matcher.ranking.features import buyer_key

Baseline = Callable[[str], np.ndarray]


def random_baseline(split: TimeSplit, seed: int = 1) -> Baseline:
    rng = np.random.default_rng(seed)
    return lambda identity: rng.random(len(split.candidates))


def label_history(split: TimeSplit) -> Baseline:
    """1 when the candidate's title is exactly the title of a past win."""
    titles = np.array([a.title for a in split.candidates], dtype=object)

    def score(identity: str) -> np.ndarray:
        past = {a.title for a in split.profiles[identity]}
        return np.array([t in past for t in titles], dtype=np.float64)

    return score


def label_buyer_history(split: TimeSplit) -> Baseline:
    """2 for a (title, buyer) seen among past wins, 1 for a seen title, 0.5 for a seen buyer."""
    pairs = [(a.title, buyer_key(a.buyer)) for a in split.candidates]

    def score(identity: str) -> np.ndarray:
        wins = split.profiles[identity]
        seen_pairs = {(a.title, buyer_key(a.buyer)) for a in wins}
        seen_titles = {a.title for a in wins}
        seen_buyers = {buyer_key(a.buyer) for a in wins if a.buyer}
        return np.array(
            [2.0 * (p in seen_pairs) + (p[0] in seen_titles) + 0.5 * (p[1] in seen_buyers) for p in pairs]
        )

    return score


def tfidf_past_titles(split: TimeSplit) -> Baseline:
    """Cosine between TF-IDF of the firm's past titles (joined) and each candidate's title; the
    vocabulary and IDF come from titles before the cut only."""
    vectorizer = TfidfVectorizer(sublinear_tf=True).fit([a.title for a in split.history if a.title] or ["-"])
    candidates = vectorizer.transform([a.title for a in split.candidates])

    def score(identity: str) -> np.ndarray:
        query = vectorizer.transform([" ".join(a.title for a in split.profiles[identity])])
        return np.asarray((candidates @ query.T).toarray()).ravel()

    return score


def baselines(split: TimeSplit) -> dict[str, Baseline]:
    return {
        "baseline:random": random_baseline(split),
        "baseline:label-history": label_history(split),
        "baseline:label+buyer-history": label_buyer_history(split),
        "baseline:tfidf-past-titles": tfidf_past_titles(split),
    }

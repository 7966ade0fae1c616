"""The rankings ``matcher evaluate --judged`` compares, over the opportunity notices of one store.

- ``default``: the product itself, ``Matcher.recommend`` (closed notices included: judged relevance is about
  what a firm could bid for, not about the day the notices were read), retrieving as deep as for a list of 10.
- ``previous default``: the ranking this product shipped before judged relevance existed, rebuilt from its
  definition: the notice text without code labels for the dense and TF-IDF parts, the firm's confirmed
  codes only, no contract-nature fit and no duplicate collapse, fused by the old weights with the term guard.
- ``dense:<encoder>``: cosine between the profile and each notice with one encoder, nothing else.
- ``lexical``: TF-IDF cosine alone (fitted on the same notices).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.evaluate.judged import DEPTH, Ranker
from matcher.pipeline import Matcher
from matcher.ranking.features import prepare_candidates, signal_matrix, term_guards
from matcher.ranking.fusion import WeightedScorer, fuse_matrix, order
from matcher.schema import OPPORTUNITY_TYPES, FirmProfile, Tender
from matcher.search.encoders import Embedder
from matcher.search.lexical import LexicalModel
from matcher.search.retrieve import MatchQuery

#: The weights the product shipped before judged relevance (matcher/ranking/fusion.py at commit 3bf3058).
PREVIOUS_WEIGHTS = {"dense": 0.50, "lexical": 0.20, "codes": 0.15, "country": 0.08, "value": 0.04, "feedback": 0.03}


@dataclass
class Corpus:
    """The opportunity notices of a store, in a fixed order."""

    tenders: list[Tender]

    @classmethod
    def of(cls, matcher: Matcher) -> Corpus:
        return cls(sorted((t for t in matcher.all_tenders() if t.notice_type in OPPORTUNITY_TYPES),
                          key=lambda t: t.tender_id))

    @property
    def ids(self) -> list[str]:
        return [t.tender_id for t in self.tenders]

    def languages(self) -> dict[str, str | None]:
        return {t.tender_id: t.language for t in self.tenders}


def _top(scores: np.ndarray, ids: Sequence[str]) -> list[str]:
    return [ids[i] for i in order(scores, ids, DEPTH)]


def shipped(matcher: Matcher) -> Ranker:
    """The product's own ranking: a list of 50, whose first 10 are the product's list of 10 (every list up to
    ``min_candidates`` is ranked from the same pool)."""

    def rank(profile: FirmProfile) -> list[str]:
        return [m.tender_id for m in matcher.recommend(profile, MatchQuery(k=DEPTH, include_closed=True))]
    return rank


def dense(embedder: Embedder, corpus: Corpus, legacy: bool = False) -> Ranker:
    documents = embedder.encode_documents([t.text(labels=not legacy) for t in corpus.tenders])
    ids = corpus.ids

    def rank(profile: FirmProfile) -> list[str]:
        return _top(documents @ embedder.encode_queries([profile.text()])[0], ids)
    return rank


def lexical(corpus: Corpus, legacy: bool = False) -> tuple[Ranker, LexicalModel]:
    texts = [t.text(labels=not legacy) for t in corpus.tenders]
    model = LexicalModel().fit(texts, languages=[t.language for t in corpus.tenders])
    matrix = model.transform(texts)
    ids = corpus.ids

    def rank(profile: FirmProfile) -> list[str]:
        query = model.transform([profile.text()])
        return _top(np.asarray((matrix @ query.T).toarray()).ravel(), ids)
    return rank, model


def previous_default(embedder: Embedder, corpus: Corpus) -> Ranker:
    """The old fused ranking, rebuilt from its parts (see the module docstring)."""
    documents = embedder.encode_documents([t.text(labels=False) for t in corpus.tenders])
    _, model = lexical(corpus, legacy=True)
    batch = prepare_candidates(corpus.tenders, model, labels=False)
    scorer = WeightedScorer(name="previous", weight=dict(PREVIOUS_WEIGHTS))
    ids = corpus.ids

    def rank(profile: FirmProfile) -> list[str]:
        similarity = documents @ embedder.encode_queries([profile.text()])[0]
        features = signal_matrix(profile, batch, similarity, model)
        guards = np.array([g.multiplier for g in term_guards(profile, batch, model)], dtype=np.float64)
        return _top(fuse_matrix(features, guards, scorer), ids)
    return rank


def judged_methods(matcher: Matcher, corpus: Corpus, embedders: Mapping[str, Embedder]) -> dict[str, Ranker]:
    """Every method the judged report compares, the shipped default first."""
    default_embedder = matcher.embedder
    methods: dict[str, Ranker] = {
        "default": shipped(matcher),
        "previous default": previous_default(default_embedder, corpus),
    }
    for name, embedder in embedders.items():
        methods[f"dense:{name}"] = dense(embedder, corpus)
    methods["lexical"] = lexical(corpus)[0]
    return methods

"""Everything one evaluation needs, prepared once: candidates as tenders, a lexical model fitted on the
history before the cut, unique-text vectors per encoder, and per-firm profiles and features computed by the
product's own code (``profile_with_history``, ``signal_matrix``, ``history_parts``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.evaluate.split import TimeSplit
from matcher.ranking.features import CandidateBatch, prepare_candidates, signal_matrix, term_guards
from matcher.ranking.priors import (
    Market,
    MarketView,
    WinHistory,
    award_tender,
    history_parts,
    market_parts,
    profile_with_history,
    win_similarity,
)
from matcher.schema import FirmProfile, Tender
from matcher.search.encoders import Embedder
from matcher.search.lexical import LexicalModel

log = logging.getLogger(__name__)


@dataclass
class TextVectors:
    """Unit vectors of the distinct texts, and each text's row."""

    row: dict[str, int]
    vectors: np.ndarray

    @classmethod
    def build(cls, embedder: Embedder, texts: Sequence[str], progress: bool) -> TextVectors:
        unique = list(dict.fromkeys(texts))
        return cls({t: i for i, t in enumerate(unique)}, embedder.encode_documents(unique, progress=progress))

    def rows(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.row[t] for t in texts], dtype=np.int64)


@dataclass
class FirmView:
    identity: str
    profile: FirmProfile
    history: WinHistory
    features: np.ndarray  # (candidates, len(FEATURES))
    guards: np.ndarray


@dataclass
class EvalContext:
    split: TimeSplit
    tenders: list[Tender]
    lexical: LexicalModel
    batch: CandidateBatch
    embedders: Mapping[str, Embedder]
    default_encoder: str
    texts: dict[str, TextVectors] = field(default_factory=dict)
    profile_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    profiles: dict[str, FirmProfile] = field(default_factory=dict)
    market: MarketView | None = None

    @classmethod
    def build(
        cls, split: TimeSplit, embedders: Mapping[str, Embedder], default_encoder: str, progress: bool = False
    ) -> EvalContext:
        tenders = [award_tender(a, f"award:{i}") for i, a in enumerate(split.candidates)]
        past = [award_tender(a, "past") for a in split.history]
        # Lexical statistics (IDF) come from the history before the cut only.
        lexical = LexicalModel().fit([t.text() for t in past], languages=[t.language for t in past])
        context = cls(split, tenders, lexical, prepare_candidates(tenders, lexical), embedders, default_encoder)
        # every award before the cut, any supplier, weighted by age at the cut
        context.market = MarketView.build(Market.from_awards(split.history, as_of=split.cutoff), context.batch)
        for identity in split.firms:
            wins = split.profiles[identity]
            base = FirmProfile(firm_id="eval", name=split.resolver.name(identity), description="-")
            context.profiles[identity] = profile_with_history(base.model_copy(update={"description": ""}), wins)
        win_texts = [award_tender(a, "past").text() for wins in split.profiles.values() for a in wins]
        for name, embedder in embedders.items():
            context.texts[name] = TextVectors.build(embedder, [*context.batch.documents, *win_texts], progress)
            firms = split.firms
            vectors = embedder.encode_queries([context.profiles[f].text() for f in firms], progress=progress)
            for identity, vector in zip(firms, vectors, strict=True):
                context.profile_vectors[f"{name}\x00{identity}"] = vector
        return context

    def dense(self, identity: str, encoder: str) -> np.ndarray:
        """Cosine between the firm's profile and every candidate, with one encoder."""
        texts = self.texts[encoder]
        candidates = texts.vectors[texts.rows(self.batch.documents)]
        return np.asarray(candidates @ self.profile_vectors[f"{encoder}\x00{identity}"], dtype=np.float64)

    def win_similarity(self, identity: str, encoder: str) -> np.ndarray:
        texts = self.texts[encoder]
        wins = [award_tender(a, "past").text() for a in self.split.profiles[identity]]
        unique_wins = np.unique(texts.rows(wins), return_inverse=True)
        unique_cands = np.unique(texts.rows(self.batch.documents), return_inverse=True)
        sim = win_similarity(texts.vectors[unique_wins[0]], texts.vectors[unique_cands[0]])
        return sim[unique_wins[1]][:, unique_cands[1]]

    def firm(self, identity: str) -> FirmView:
        """The firm's features against every candidate, exactly as ``recommend`` computes them."""
        profile = self.profiles[identity]
        wins = self.split.profiles[identity]
        history = WinHistory.from_awards(wins, self.split.cutoff)
        market = market_parts(wins, self.market, self.batch) if self.market is not None else None
        extra = history_parts(history, self.batch, self.win_similarity(identity, self.default_encoder), market)
        dense = self.dense(identity, self.default_encoder)
        features = signal_matrix(profile, self.batch, dense, self.lexical, extra)
        guards = np.array([g.multiplier for g in term_guards(profile, self.batch, self.lexical)])
        return FirmView(identity, profile, history, features, guards)

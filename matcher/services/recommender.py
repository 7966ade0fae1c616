"""Recommendations: the open tenders that fit a firm (and the firms that fit a tender), ranked, explained and
calibrated, with the per-process cache of finished lists."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np

from matcher.errors import IndexNotReady
from matcher.normalize.openness import OpenAt, next_day
from matcher.ranking.calibration import Calibration, load_calibration
from matcher.ranking.explain import make_match
from matcher.ranking.features import (
    code_prefixes,
    lexical_one_notice,
    prepare_candidates,
    signal_matrix,
    term_guards,
)
from matcher.ranking.feedback import Decided, feedback_signal
from matcher.ranking.fusion import Scorer, WeightedScorer, fuse_matrix, order
from matcher.ranking.judged_reranker import JudgedReranker, ProfileView, Suggested, load_judged_reranker
from matcher.ranking.reranker import load_reranker, pick_scorer
from matcher.ranking.signals import NEUTRAL, ScoredCandidates, describe, score_candidates
from matcher.schema import Award, FirmProfile, Match, Tender
from matcher.search.index_sync import LoadedIndex, indexed_hash
from matcher.search.open_now import OpenNow
from matcher.search.retrieve import MatchQuery, collapse_duplicates, passes, restricts_to_open, retrieve_many
from matcher.search.vector_index import Subset
from matcher.services import code_suggestions
from matcher.services.awards import AwardHistory
from matcher.services.catalog import Catalog
from matcher.services.code_suggestions import CodeSuggestions
from matcher.services.result_cache import ResultCache, fresh_until
from matcher.services.shortlists import Shortlists
from matcher.store.shortlists import Status

#: Notices fetched by the firm's codes beside the vector search's candidates (``_with_code_candidates``).
CODE_CANDIDATES = 200

Candidates = list[tuple[Tender, float]]  # (tender, dense similarity to the firm)


def first_stage(
    firms: Sequence[FirmProfile], tender: Tender, dense: np.ndarray, loaded: LoadedIndex, scorer: Scorer,
    inferred: Sequence[Sequence[tuple[str, float]]] | None = None,
) -> list[int]:
    """Firms-for's first stage: the firms' indices, best first, on each one's description (``dense``, its cosine
    with the tender), confirmed codes and ``inferred`` codes (each firm's suggested codes as kept in the store,
    ``CodeSuggestions.kept_for_ranking``; none when None), by the weighted scorer. The notice is prepared once and
    no reason is worded: over 10,000 firms, signals with reasons took 18 s a notice."""
    lexical = loaded.lexical
    batch = prepare_candidates([tender], lexical)
    codes = inferred if inferred is not None else [()] * len(firms)
    words = lexical_one_notice(firms, batch, lexical, codes)
    features = np.vstack([signal_matrix(f, batch, [float(d)], lexical, inferred=c, lexical_column=words[i : i + 1])
                          for i, (f, d, c) in enumerate(zip(firms, dense, codes, strict=True))])
    guards = np.array([term_guards(f, batch, lexical)[0].multiplier for f in firms], dtype=np.float64)
    return order(fuse_matrix(features, guards, scorer), [f.firm_id for f in firms])


@dataclass(frozen=True, eq=False)  # array fields: no value equality
class Ranked:
    """A firm's candidates scored: what ``Recommender._explained`` turns into matches."""

    firm: FirmProfile  # as scored (award history may have added its signals' view of the firm)
    tenders: list[Tender]
    scored: ScoredCandidates
    scores: np.ndarray
    weights: dict[str, float]
    calibration: Calibration | None


class Recommender:
    def __init__(
        self, catalog: Catalog, shortlists: Shortlists, suggestions: CodeSuggestions, awards: AwardHistory
    ) -> None:
        self.catalog = catalog
        self.engine = catalog.engine
        self.settings = catalog.engine.settings
        self.shortlists = shortlists
        self.suggestions = suggestions
        self.awards = awards
        self.open_now = OpenNow(self.engine.db, catalog.tenders)
        self.scorer: Scorer = WeightedScorer()
        # Finished lists per (firm, query, index build, store state); see ``recommendation_key``.
        self._results: ResultCache[list[Match]] = ResultCache(self.settings.result_cache_size)

    @cached_property
    def reranker(self) -> Scorer | None:
        """The saved re-ranker, loaded on first use so that ``train-ranker`` runs past a stale one."""
        return load_reranker(self.settings.models_dir)

    @cached_property
    def judged_reranker(self) -> JudgedReranker | None:
        """The re-ranker learned from judged relevance, for firms without award history (loaded on first use)."""
        return load_judged_reranker(self.settings.models_dir)

    @cached_property
    def calibration(self) -> Calibration | None:
        """Raw score -> calibrated fit and band (``matcher.ranking.calibration``), loaded on first use."""
        return load_calibration(self.settings.models_dir)

    def default_min_fit(self) -> float:
        """A digest's default minimum fit: the floor of the calibration's lowest band worth sending."""
        return self.calibration.default_min_fit if self.calibration is not None else 0.0

    # ------------------------------------------------------------------ tenders for a firm
    def recommend(self, firm: str | FirmProfile, query: MatchQuery | None = None) -> list[Match]:
        """The best open tenders for a firm, each with its score parts and reasons. Tenders its partner
        rejected never appear; approved ones and ones like them rise (see matcher.ranking.feedback)."""
        key = self.recommendation_key(firm, query) if isinstance(firm, str) else None
        if key is None:
            return self.recommend_many([firm], query)[0]
        now = self.engine.now()
        found = self._results.get(key, now)
        if found is None:
            found = self.recommend_many([firm], query, now=now)[0]
            self._results.put(key, found, self.fresh_until(found, now), since=now)
        return [m.model_copy() for m in found]  # callers may annotate their copy

    def recommendation_key(self, firm_id: str, query: MatchQuery | None = None) -> Hashable | None:
        """What ``recommend(firm_id, query)`` depends on besides the clock, read in one query: equal keys
        mean equal answers (until ``fresh_until``). None when results are not cached (cache off, no index)."""
        if self._results.size <= 0:
            return None
        try:
            build = self.engine.index.current().build_id
        except IndexNotReady:
            return None
        return (firm_id, query or MatchQuery(), build, self.catalog.state())

    def fresh_until(self, matches: list[Match], ranked_at: datetime) -> datetime:
        """Until when a list ranked at ``ranked_at`` may be served again (``matcher.services.result_cache``),
        and no later than the next UTC midnight, when notices leave their open window or become published."""
        until = fresh_until(matches, ranked_at, timedelta(seconds=self.settings.result_cache_max_age))
        return min(until, next_day(ranked_at))

    def recommend_as_firm(self, firm_id: str, query: MatchQuery | None = None) -> list[Match]:
        """What the firm itself may see. A firm sees the items its partner approved, not those still proposed
        (the shortlist's rule), so it is ranked as if proposed items were not on the shortlist: no "awaiting
        the partner's decision" note, feedback part or boost gives a proposal away. Rejected items stay out and
        approved ones keep their reason. Cached apart from the partner's view."""
        key = self.recommendation_key(firm_id, query)
        view = (key, "firm's own view") if key is not None else None
        now = self.engine.now()
        found = self._results.get(view, now) if view is not None else None
        if found is None:
            stored = self.shortlists.decisions([firm_id]).get(firm_id, {})
            decisions = {firm_id: {tender: status for tender, status in stored.items() if status != "proposed"}}
            found = self.recommend_many([firm_id], query, decisions=decisions, now=now)[0]
            if view is not None:
                self._results.put(view, found, self.fresh_until(found, now), since=now)
        return [m.model_copy() for m in found]

    def recommend_many(
        self, firms: Sequence[str | FirmProfile], query: MatchQuery | Sequence[MatchQuery] | None = None,
        progress: bool = False, decisions: Mapping[str, Mapping[str, Status]] | None = None,
        now: datetime | None = None,
    ) -> list[list[Match]]:
        """``recommend`` for many firms with batched vector search (digests rank every firm at once).
        ``query`` is one query for every firm, or one per firm (a digest subscription's own filters).
        ``decisions`` (firm_id -> {tender_id: status}) replaces the stored partner decisions: the judged
        evaluation asks "what if the partner approved this one" without writing to the store. ``now`` is the
        moment they are ranked at (the clock when not given; a cached list is kept from the moment it was ranked)."""
        profiles = [self.catalog.get_firm(f) if isinstance(f, str) else f for f in firms]
        base = list(query) if isinstance(query, Sequence) else [query or MatchQuery()] * len(profiles)
        loaded = self.engine.index.current()
        vectors = self.engine.embedder.encode_queries([p.text() for p in profiles], progress=progress)
        statuses = self.shortlists.decisions([p.firm_id for p in profiles]) if decisions is None else {
            p.firm_id: dict(decisions.get(p.firm_id, {})) for p in profiles}
        queries = [
            replace(q, exclude=q.exclude | {t for t, s in statuses[p.firm_id].items() if s == "rejected"})
            for p, q in zip(profiles, base, strict=True)
        ]
        # One moment for the whole batch: the open rule, the cancelled ids, award history and the deadline notes
        # all read at it (each step read the clock and the store's cancellations again, once per firm).
        at = self.open_now.at(self.engine.now() if now is None else now)
        now = at.now
        candidates = retrieve_many(
            loaded.vectors, vectors, self.catalog.fetch_tenders, queries, at,
            self.settings.min_candidates, progress=progress,
            open_now=self._open_now(loaded, now) if any(restricts_to_open(q) for q in queries) else None,
        )
        inferred = [self.suggestions.for_ranking(p) for p in profiles]
        keywords = [self.suggestions.translated_keywords(p) for p in profiles]
        candidates = [
            self._with_code_candidates(p, found, q, vector, codes, loaded, at)
            for p, found, q, vector, codes in zip(profiles, candidates, queries, vectors, inferred, strict=True)
        ]
        wins = self.awards.wins_many([p.firm_id for p in profiles], before=now)
        return [
            self._rank_tenders(p, c, loaded, q.k, statuses[p.firm_id], wins[p.firm_id], codes, words, at)
            for p, c, q, codes, words in zip(profiles, candidates, queries, inferred, keywords, strict=True)
        ]

    def _open_now(self, loaded: LoadedIndex, now: datetime) -> Subset:
        """The indexed tenders open now, as a FAISS prefilter (``matcher.search.open_now``)."""
        return self.open_now.subset(loaded, now)

    def _with_code_candidates(
        self, firm: FirmProfile, found: Candidates, query: MatchQuery, vector: np.ndarray,
        inferred: Sequence[tuple[str, float]], loaded: LoadedIndex, at: OpenAt,
    ) -> Candidates:
        """Hybrid retrieval: the vector search's candidates plus the notices that carry one of the firm's
        codes, confirmed or inferred, at product-class level (``code_prefixes``), which the encoder may place
        far from the profile (a Bulgarian water-meter notice for a Korean profile).

        Only notices the serving index holds as they are stored are added, as for the vector search: a notice
        stored or changed but not yet indexed joins when the index job that embeds it ends. Embedding them
        here instead put an import's encoder work on the serving processes' CPU (issue 15 item 10: p99 3.7 s
        during an index sync, 76 ms with this rule; ``python -m benchmarks.import_load``). Indexed notices'
        vectors are in the embedding cache, so ``encode_documents`` below reads them."""
        prefixes = code_prefixes([*firm.codes, *(c for c, _ in inferred)])
        if not prefixes:
            return found
        ids = self.catalog.ids_with_codes(prefixes, CODE_CANDIDATES)
        seen = {t.tender_id for t, _ in found}
        fetched = self.catalog.fetch_tenders([i for i in ids if i not in seen and i in loaded.hashes]).values()
        extra = [
            t for t in fetched
            if passes(t, query, at) and loaded.hashes[t.tender_id] == indexed_hash(t.content_hash())
        ]
        if not extra:
            return found
        dense = self.engine.embedder.encode_documents([t.text() for t in extra]) @ vector
        return collapse_duplicates(found + list(zip(extra, dense.tolist(), strict=True)))

    def _feedback(self, candidates: list[Tender], statuses: dict[str, Status]) -> list[tuple[float, str]]:
        if not statuses:
            return [(NEUTRAL, "")] * len(candidates)
        decided = self.catalog.fetch_tenders([t for t, s in statuses.items() if s != "proposed"])
        encode = self.engine.embedder.encode_documents

        def of(kind: Status) -> Decided:
            chosen = [t for tid, t in decided.items() if statuses[tid] == kind]
            return Decided(encode([t.text() for t in chosen]), [t.codes for t in chosen])

        return feedback_signal(
            [t.tender_id for t in candidates], encode([t.text() for t in candidates]), statuses,
            of("approved"), of("rejected"), [t.codes for t in candidates],
        )

    def _rank_tenders(
        self, firm: FirmProfile, candidates: Candidates, loaded: LoadedIndex, k: int,
        statuses: dict[str, Status], wins: list[Award], inferred: Sequence[tuple[str, float]],
        keywords: Mapping[str, str] | None, at: OpenAt,
    ) -> list[Match]:
        ranked = self._score_tenders(firm, candidates, loaded, statuses, wins, inferred, at.now, keywords)
        best = order(ranked.scores, [t.tender_id for t in ranked.tenders], k)
        return self._explained(ranked, best, loaded, at)

    def _score_tenders(
        self, firm: FirmProfile, candidates: Candidates, loaded: LoadedIndex, statuses: dict[str, Status],
        wins: list[Award], inferred: Sequence[tuple[str, float]], now: datetime,
        keywords: Mapping[str, str] | None = None, best_confidence: float | None = None,
    ) -> Ranked:
        """Every candidate's final score for the firm, by the scorer that ranks it (the judged trees, the
        award-history re-ranker or the weighted mean), with that scorer's weights and calibration.
        ``best_confidence`` is the firm's ``CodeSuggestions.best_confidence`` when already known."""
        tenders = [t for t, _ in candidates]
        extra: dict[str, Sequence[tuple[float, str]]] = {"feedback": self._feedback(tenders, statuses)}
        if wins:
            firm, history = self.awards.signals(
                firm, wins, tenders, self.engine.embedder, loaded.lexical, now)
            extra = {**extra, **history}
        scored = score_candidates(firm, tenders, [d for _, d in candidates], loaded.lexical, extra, inferred,
                                  keywords)
        scorer = pick_scorer(self.scorer, self.reranker, has_history=bool(wins))
        judged = None if wins else self.judged_reranker
        if (judged is not None and judged.applies_to(self.settings.encoder, loaded.lexical.n_docs)
                and isinstance(scorer, WeightedScorer)):
            best = self.suggestions.best_confidence(firm) if best_confidence is None else best_confidence
            profile = ProfileView.of(firm, best, Suggested.of(inferred, keywords or {}))
            scores = judged.scores(scored.matrix, scored.multipliers, tenders, profile, scorer)
            # What the trees split on, as the award-history trees report it; their scores are on their own
            # scale, which their own calibration maps.
            return Ranked(firm, tenders, scored, scores, judged.trees.weights(), judged.calibration)
        scores = fuse_matrix(scored.matrix, scored.multipliers, scorer)
        return Ranked(firm, tenders, scored, scores, scorer.weights(), self.calibration)

    def _explained(self, ranked: Ranked, chosen: Sequence[int], loaded: LoadedIndex, at: OpenAt) -> list[Match]:
        """Matches for the candidates at ``chosen`` (indices, best first), explained and calibrated at ``at``."""
        return self._calibrated(ranked.calibration, [
            make_match(ranked.firm, ranked.tenders[i], describe(ranked.scored, i, loaded.lexical),
                       ranked.scores[i], rank, ranked.weights, at.now, ranked.tenders[i].tender_id in at.cancelled)
            for rank, i in enumerate(chosen, start=1)
        ])

    @staticmethod
    def _calibrated(calibration: Calibration | None, matches: list[Match]) -> list[Match]:
        if calibration is None:
            return matches
        for match in matches:
            fit = float(calibration.fit(match.score))
            band = calibration.band(fit)
            match.fit, match.fit_band, match.fit_band_share = round(fit, 3), band.name, band.relevant_share
        return matches

    def feature_matrix(self, firm: FirmProfile, tenders: list[Tender]) -> np.ndarray:
        """The ranking features of ``tenders`` for ``firm`` (rows in order), feedback left neutral: the
        training pairs ``matcher.evaluate.decision_pairs`` builds from partner decisions."""
        loaded = self.engine.index.current()
        embedder, now = self.engine.embedder, self.engine.now()
        dense = embedder.encode_documents([t.text() for t in tenders]) @ embedder.encode_queries([firm.text()])[0]
        extra: dict[str, Sequence[tuple[float, str]]] = {}
        wins = self.awards.wins(firm.firm_id, before=now)
        if wins:
            firm, extra = self.awards.signals(firm, wins, tenders, embedder, loaded.lexical, now)
        return score_candidates(firm, tenders, [float(d) for d in dense], loaded.lexical, extra).matrix

    # ------------------------------------------------------------------ firms for a tender
    def firms_for(self, tender_id: str, k: int = 10, firm_ids: Iterable[str] | None = None) -> list[Match]:
        """The firms that fit one tender best (for officers; partners pass their own firms' ids).

        Each firm's match is the one its own list would hold for the tender: the same signals (its suggested
        codes and keywords' translations, its partner's decisions, its award history), the same scorer, score,
        fit and reasons. Ranked by fit, then score: firms with award history are scored by another model than
        firms without, and fit is the scale they share (a firm with award history gets the weighted scorer's
        calibration: no judged profile has award history to fit its own). A firm whose partner rejected the
        tender is left out, as its own list leaves the tender out. Before this, officers saw a Korean firm
        without codes ranked on its description's similarity alone (issue 11's first complaint): a
        hypochlorite maker scored 0.44 here, no code reason, and 0.94 with "same product: Sodium hypochlorite"
        in its own list."""
        now = self.engine.now()  # one moment for the tender and every firm's match (``recommend_many``)
        tender = self.catalog.visible_tender(tender_id, now)
        firms = self.catalog.all_firms(firm_ids)
        statuses = self.shortlists.decisions([f.firm_id for f in firms])
        firms = [f for f in firms if statuses[f.firm_id].get(tender_id) != "rejected"]
        if not firms:
            return []
        at = self.open_now.at(now)
        loaded = self.engine.index.current()
        tender_vector = self.engine.embedder.encode_documents([tender.text()])[0]
        dense = self.engine.embedder.encode_queries([f.text() for f in firms]) @ tender_vector
        depth = max(code_suggestions.FIRMS_FOR_DEPTH, k)  # read at the call: one setting for both
        if len(firms) > depth:
            codes = self.suggestions.kept_for_ranking(firms)
            kept = first_stage(firms, tender, dense, loaded, self.scorer, codes)[:depth]
            firms, dense = [firms[i] for i in kept], dense[kept]
        wins = self.awards.wins_many([f.firm_id for f in firms], before=now)
        ranked = [
            self._score_tenders(
                firm, [(tender, float(similarity))], loaded, statuses[firm.firm_id], wins[firm.firm_id],
                view.codes, now, dict(view.keywords or ()), view.best,
            )
            for firm, similarity, view in zip(firms, dense, self.suggestions.for_scoring(firms), strict=True)
        ]

        def best_first(r: Ranked) -> tuple[float, float, str]:
            score = float(r.scores[0])
            fit = float(r.calibration.fit(score)) if r.calibration is not None else score
            return -fit, -score, r.firm.firm_id

        matches = [self._explained(r, [0], loaded, at)[0] for r in sorted(ranked, key=best_first)[:k]]
        for rank, match in enumerate(matches, start=1):
            match.rank = rank
        return matches

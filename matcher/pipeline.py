"""The Matcher facade: the one object the API, the CLI and the digest job call.

It wires the stages (ingest -> store -> embed -> index -> retrieve -> rank -> explain) and owns nothing
they could own themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import numpy as np
from pydantic import ValidationError

from matcher.config import Settings, get_settings
from matcher.errors import IndexNotReady, InvalidInput, NotFound, UnreadableFile
from matcher.ingest.base import Rejected, source_digest
from matcher.ingest.detect import read_tenders, tender_format
from matcher.ingest.firms import read_firms
from matcher.normalize.openness import OpenRule, next_day
from matcher.ranking.calibration import Calibration, load_calibration
from matcher.ranking.explain import make_match
from matcher.ranking.features import InferredRule, code_prefixes, weigh_inferred
from matcher.ranking.feedback import Decided, feedback_signal
from matcher.ranking.fusion import Scorer, WeightedScorer, fuse, fuse_matrix, order
from matcher.ranking.reranker import load_reranker, pick_scorer
from matcher.ranking.signals import NEUTRAL, compute_signals, describe, score_candidates
from matcher.schema import Award, FirmProfile, IngestReport, Match, Tender
from matcher.search.code_inference import (
    MAX_SUGGESTIONS,
    SUGGESTION_CACHE_SIZE,
    SUGGESTION_MAX_AGE,
    SuggestedCode,
    infer_codes,
    parse_codes,
)
from matcher.search.code_labels import Scheme
from matcher.search.encoders import Embedder, EmbeddingCache, Encoder, make_encoder
from matcher.search.index_folder import IndexFolder
from matcher.search.index_sync import IndexService, LoadedIndex, SyncReport
from matcher.search.open_now import OpenNow
from matcher.search.retrieve import MatchQuery, collapse_duplicates, passes, restricts_to_open, retrieve_many
from matcher.search.vector_index import Subset
from matcher.services.awards import AwardHistory
from matcher.services.result_cache import ResultCache, fresh_until
from matcher.store import Database, FirmRepository, TenderFilter, TenderRepository, versions
from matcher.store.ingest_ledger import IngestLedger, LedgerEntry
from matcher.store.shortlists import FeedbackEvent, ShortlistItem, ShortlistRepository, Status
from matcher.store.tenders import TenderCache

log = logging.getLogger(__name__)

#: How the suggested codes feed a firm's code, contract-nature and lexical signals (``weigh_inferred``; chosen
#: on the judged tuning half with scripts/tune_judged.py).
INFERRED_RULE: InferredRule = "flat"
INFERRED_FOR_RANKING = 5
#: Notices fetched by the firm's codes beside the vector search's candidates (``_with_code_candidates``).
CODE_CANDIDATES = 200

T = TypeVar("T", Tender, FirmProfile)


@dataclass
class IngestResult:
    report: IngestReport
    index: SyncReport | None = None
    files: list[str] = field(default_factory=list)


class Matcher:
    """Everything the product does, over one store and one index."""

    def __init__(self, settings: Settings | None = None, encoder: Encoder | None = None) -> None:
        self.settings = settings or get_settings()
        self.settings.home.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.settings.db_url)
        self.db.create_all()
        self.open_rule = OpenRule.from_settings(self.settings)  # what "open" means (matcher.openness)
        self.tenders = TenderRepository(self.open_rule)
        self._tender_cache = TenderCache(self.tenders)
        self.firms = FirmRepository()
        self.shortlists = ShortlistRepository()
        self.ledger = IngestLedger()
        self.open_now = OpenNow(self.db, self.tenders)
        self._results: ResultCache[list[Match]] = ResultCache(self.settings.result_cache_size)
        self._encoder = encoder
        self.scorer: Scorer = WeightedScorer()
        self.awards = AwardHistory(self.db)  # award history; firms linked to suppliers rank with it

    # ------------------------------------------------------------------ components
    @cached_property
    def reranker(self) -> Scorer | None:
        """The saved re-ranker, loaded on first use so that ``train-ranker`` runs past a stale one."""
        return load_reranker(self.settings.models_dir)

    @cached_property
    def embedder(self) -> Embedder:
        encoder = self._encoder or make_encoder(self.settings.encoder, cache_dir=self.settings.cache_dir / "onnx")
        cache = EmbeddingCache(self.settings.cache_dir / "embeddings.sqlite")
        return Embedder(encoder, cache, self.settings.embed_batch_size)

    @cached_property
    def index(self) -> IndexService:
        folder = IndexFolder(self.settings.indexes_dir / self.settings.index_name)
        return IndexService(folder, self.embedder, self.settings.exact_index_max, self.settings.ivf_nprobe,
                            compression=self.settings.index_compression)

    def close(self) -> None:
        self.db.dispose()

    # ------------------------------------------------------------------ ingest
    def ingest_tenders(self, paths: Sequence[Path], sync: bool = True, progress: bool = False) -> IngestResult:
        """Load tender files. Every file is read completely before anything is written, so an unreadable
        file changes nothing; malformed records are rejected one by one and the rest load. A file already
        ingested byte for byte, whose tenders are still stored as it left them, is not parsed again."""
        skipped, to_read = self._unchanged_files([Path(p) for p in paths])
        read = [(path, digest, *_collect([path], read_tenders, Tender)) for path, digest in to_read]
        items = [t for _, _, file_items, _ in read for t in file_items]
        rejected = [r for _, _, _, file_rejected in read for r in file_rejected]
        produced = [{t.tender_id: t.content_hash() for t in file_items} for _, _, file_items, _ in read]
        with self.db.begin() as conn:
            report = self.tenders.upsert(conn, items, {tid: h for file in produced for tid, h in file.items()})
            for (path, digest, _, file_rejected), file_hashes in zip(read, produced, strict=True):
                self.ledger.record(conn, LedgerEntry(
                    digest, str(path), file_hashes, [(r.record, r.reason) for r in file_rejected]))
        report.unchanged += sum(len(entry.tenders) for entry in skipped)
        report.rejected = [(r.record, r.reason) for r in rejected] + [r for e in skipped for r in e.rejected]
        index = self.sync_index(progress=progress) if sync and self.index.exists() else None
        return IngestResult(report, index)

    def _unchanged_files(self, paths: list[Path]) -> tuple[list[LedgerEntry], list[tuple[Path, str]]]:
        """Split files into those the ledger says are unchanged and intact, and those to read."""
        skipped: list[LedgerEntry] = []
        to_read: list[tuple[Path, str]] = []
        with self.db.connect() as conn:
            for path in paths:
                if not path.exists():
                    raise UnreadableFile(f"no such file or folder: {path}")
                digest = source_digest(path, tender_format(path))  # the same bytes in another format differ
                entry = self.ledger.get(conn, digest)
                if entry is not None and entry.intact(self.tenders.hashes(conn, list(entry.tenders))):
                    skipped.append(entry)
                else:
                    to_read.append((path, digest))
        return skipped, to_read

    def upsert_tenders(self, items: Sequence[Tender], sync: bool = True, progress: bool = False) -> IngestResult:
        with self.db.begin() as conn:
            report = self.tenders.upsert(conn, items)
        index = self.sync_index(progress=progress) if sync and self.index.exists() else None
        return IngestResult(report, index)

    def delete_tenders(self, ids: list[str], sync: bool = True) -> int:
        with self.db.begin() as conn:
            removed = self.tenders.delete(conn, ids)
        if sync and removed and self.index.exists():
            self.sync_index()
        return removed

    def ingest_firms(self, paths: Sequence[Path]) -> IngestResult:
        items, rejected = _collect(paths, read_firms, FirmProfile)
        report = self.upsert_firms(items)
        report.rejected = [(r.record, r.reason) for r in rejected]
        return IngestResult(report)

    def upsert_firms(self, items: Sequence[FirmProfile]) -> IngestReport:
        with self.db.begin() as conn:
            return self.firms.upsert(conn, items)

    # ------------------------------------------------------------------ lookups
    def get_tender(self, tender_id: str) -> Tender:
        with self.db.connect() as conn:
            tender = self.tenders.get(conn, tender_id)
        if tender is None:
            raise NotFound(f"unknown tender {tender_id!r}")
        return tender

    def get_firm(self, firm_id: str) -> FirmProfile:
        with self.db.connect() as conn:
            firm = self.firms.get(conn, firm_id)
        if firm is None:
            raise NotFound(f"unknown firm {firm_id!r}")
        return firm

    def fetch_tenders(self, ids: list[str]) -> dict[str, Tender]:
        with self.db.connect() as conn:
            return self._tender_cache.get_many(conn, ids)

    def all_tenders(self) -> Iterator[Tender]:
        with self.db.connect() as conn:
            yield from self.tenders.iter_all(conn)

    # ------------------------------------------------------------------ inferred codes (matcher.code_inference)
    @cached_property
    def _suggestions(self) -> ResultCache[tuple[SuggestedCode, ...]]:
        # Keyed by (profile text, index build, schemes): a new build or text gives a new key; bounded LRU.
        return ResultCache(SUGGESTION_CACHE_SIZE)

    def suggest_codes(self, firm: str | FirmProfile, k: int = 10) -> list[SuggestedCode]:
        """CPV codes (UNSPSC too where stored notices use it) inferred from the profile's description and
        keywords in any language, most confident first: from the codes' labels and the codes of the nearest
        stored notices (labels alone before an index is built)."""
        if not 1 <= k <= MAX_SUGGESTIONS:
            raise InvalidInput(f"k must be between 1 and {MAX_SUGGESTIONS}, got {k}")
        profile = self.get_firm(firm) if isinstance(firm, str) else firm
        try:
            loaded: LoadedIndex | None = self.index.current()
        except IndexNotReady:
            loaded = None
        build = loaded.build_id if loaded is not None else None
        schemes = self._schemes_in_use(profile, build)
        key = (profile.text(), build, schemes)
        now = self.settings.now()
        found = self._suggestions.get(key, now)
        if found is None:
            search = loaded.vectors.search if loaded is not None else None
            found = tuple(infer_codes(self.embedder, [profile.text()], search, self._codes_of, schemes,
                                      MAX_SUGGESTIONS)[0])
            self._suggestions.put(key, found, now + SUGGESTION_MAX_AGE)
        return list(found[:k])

    def accept_codes(self, firm_id: str, codes: list[str], actor: str) -> FirmProfile:
        """Add codes (suggested or not) to a firm's confirmed ``codes``; each must be in the shipped CPV or
        UNSPSC list, and one already there is not added twice."""
        accepted = parse_codes(codes)
        firm = self.get_firm(firm_id)
        added = [c for c in accepted if c not in firm.codes]
        if not added:
            return firm
        try:
            updated = FirmProfile.model_validate({**firm.model_dump(), "codes": [*firm.codes, *added]})
        except ValidationError as exc:
            raise InvalidInput(f"firm {firm_id!r}: {exc.errors()[0]['msg']}") from exc
        self.upsert_firms([updated])
        log.info("%s accepted codes %s for firm %s", actor, ", ".join(added), firm_id)
        return updated

    def _codes_of(self, tender_ids: list[str]) -> dict[str, list[str]]:
        return {tid: t.codes for tid, t in self.fetch_tenders(tender_ids).items()}

    @cached_property
    def _unspsc_in_use(self) -> ResultCache[bool]:
        return ResultCache(4)  # per index build: whether any stored notice has a UNSPSC code

    def _schemes_in_use(self, firm: FirmProfile, build: str | None) -> tuple[Scheme, ...]:
        """CPV always; UNSPSC when the firm or any stored notice uses it (looked up once per index build)."""
        now = self.settings.now()
        used = self._unspsc_in_use.get(build, now)
        if used is None:
            with self.db.connect() as conn:
                used = bool(self.tenders.search(conn, TenderFilter(code_prefix="UNSPSC:"), 0, 1))
            self._unspsc_in_use.put(build, used, now + SUGGESTION_MAX_AGE)
        if used or any(c.startswith("UNSPSC:") for c in firm.codes):
            return ("CPV", "UNSPSC")
        return ("CPV",)

    # ------------------------------------------------------------------ index
    def build_index(self, rebuild: bool = False, progress: bool = False) -> SyncReport:
        """Rebuild from scratch, or (default) bring the existing index up to date incrementally."""
        if rebuild or not self.index.exists():
            return self.index.build(self.all_tenders(), progress=progress)
        return self.sync_index(progress=progress)

    def sync_index(self, progress: bool = False) -> SyncReport:
        with self.db.connect() as conn:
            stored = self.tenders.hashes(conn)
        return self.index.sync(stored, self.fetch_tenders, self.all_tenders, progress=progress)

    # ------------------------------------------------------------------ matching
    def recommend(self, firm: str | FirmProfile, query: MatchQuery | None = None) -> list[Match]:
        """The best open tenders for a firm, each with its score parts and reasons. Tenders its partner
        rejected never appear; approved ones and ones like them rise (see matcher.feedback)."""
        key = self.recommendation_key(firm, query) if isinstance(firm, str) else None
        if key is None:
            return self.recommend_many([firm], query)[0]
        now = self.settings.now()
        found = self._results.get(key, now)
        if found is None:
            found = self.recommend_many([firm], query)[0]
            self._results.put(key, found, self.fresh_until(found, now))
        return [m.model_copy() for m in found]  # callers may annotate their copy

    def recommendation_key(self, firm_id: str, query: MatchQuery | None = None) -> Hashable | None:
        """What ``recommend(firm_id, query)`` depends on besides the clock, read in one query: equal keys
        mean equal answers (until ``fresh_until``). None when results are not cached (cache off, no index)."""
        if self._results.size <= 0:
            return None
        try:
            build = self.index.current().build_id
        except IndexNotReady:
            return None
        with self.db.connect() as conn:
            state = versions.read_all(conn)
        return (firm_id, query or MatchQuery(), build, state)

    def fresh_until(self, matches: list[Match], ranked_at: datetime) -> datetime:
        """Until when a list ranked at ``ranked_at`` may be served again (``matcher.result_cache``), and no
        later than the next UTC midnight, when notices leave their open window or become published."""
        until = fresh_until(matches, ranked_at, timedelta(seconds=self.settings.result_cache_max_age))
        return min(until, next_day(ranked_at))

    def recommend_many(
        self, firms: Sequence[str | FirmProfile], query: MatchQuery | Sequence[MatchQuery] | None = None,
        progress: bool = False, decisions: Mapping[str, Mapping[str, Status]] | None = None,
    ) -> list[list[Match]]:
        """``recommend`` for many firms with batched vector search (digests rank every firm at once).
        ``query`` is one query for every firm, or one per firm (a digest subscription's own filters).
        ``decisions`` (firm_id -> {tender_id: status}) replaces the stored partner decisions: the judged
        evaluation asks "what if the partner approved this one" without writing to the store."""
        profiles = [self.get_firm(f) if isinstance(f, str) else f for f in firms]
        base = list(query) if isinstance(query, Sequence) else [query or MatchQuery()] * len(profiles)
        loaded = self.index.current()
        vectors = self.embedder.encode_queries([p.text() for p in profiles], progress=progress)
        statuses = self.decisions([p.firm_id for p in profiles]) if decisions is None else {
            p.firm_id: dict(decisions.get(p.firm_id, {})) for p in profiles}
        queries = [
            replace(q, exclude=q.exclude | {t for t, s in statuses[p.firm_id].items() if s == "rejected"})
            for p, q in zip(profiles, base, strict=True)
        ]
        candidates = retrieve_many(
            loaded.vectors, vectors, self.fetch_tenders, queries, self.open_now.at(self.settings.now()),
            self.settings.overfetch,
            self.settings.min_candidates, progress=progress,
            open_now=self._open_now(loaded) if any(restricts_to_open(q) for q in queries) else None,
        )
        inferred = [self.inferred_codes(p) for p in profiles]
        candidates = [
            self._with_code_candidates(p, found, q, vector, codes)
            for p, found, q, vector, codes in zip(profiles, candidates, queries, vectors, inferred, strict=True)
        ]
        wins = self.awards.wins_many([p.firm_id for p in profiles], before=self.settings.now())
        return [
            self._rank_tenders(p, c, loaded, q.k, statuses[p.firm_id], wins[p.firm_id], codes)
            for p, c, q, codes in zip(profiles, candidates, queries, inferred, strict=True)
        ]

    def _with_code_candidates(
        self, firm: FirmProfile, found: list[tuple[Tender, float]], query: MatchQuery, vector: np.ndarray,
        inferred: Sequence[tuple[str, float]],
    ) -> list[tuple[Tender, float]]:
        """Hybrid retrieval: the vector search's candidates plus the notices that carry one of the firm's
        codes, confirmed or inferred, at product-class level (``code_prefixes``), which the encoder may place
        far from the profile (a Bulgarian water-meter notice for a Korean profile)."""
        prefixes = code_prefixes([*firm.codes, *(c for c, _ in inferred)])
        if not prefixes:
            return found
        with self.db.connect() as conn:
            ids = self.tenders.ids_with_codes(conn, prefixes, CODE_CANDIDATES)
        seen = {t.tender_id for t, _ in found}
        at = self.open_now.at(self.settings.now())
        extra = [t for t in self.fetch_tenders([i for i in ids if i not in seen]).values() if passes(t, query, at)]
        if not extra:
            return found
        dense = self.embedder.encode_documents([t.text() for t in extra]) @ vector
        return collapse_duplicates(found + list(zip(extra, dense.tolist(), strict=True)))

    def _open_now(self, loaded: LoadedIndex) -> Subset:
        """The indexed tenders open now, as a FAISS prefilter (``matcher.open_now``)."""
        return self.open_now.subset(loaded, self.settings.now())

    def decisions(self, firm_ids: list[str]) -> dict[str, dict[str, Status]]:
        """firm_id -> {tender_id: shortlist status} for these firms."""
        with self.db.connect() as conn:
            return self.shortlists.statuses(conn, firm_ids)

    def _feedback(self, candidates: list[Tender], statuses: dict[str, Status]) -> list[tuple[float, str]]:
        if not statuses:
            return [(NEUTRAL, "")] * len(candidates)
        decided = self.fetch_tenders([t for t, s in statuses.items() if s != "proposed"])
        encode = self.embedder.encode_documents

        def of(kind: Status) -> Decided:
            chosen = [t for tid, t in decided.items() if statuses[tid] == kind]
            return Decided(encode([t.text() for t in chosen]), [t.codes for t in chosen])

        return feedback_signal(
            [t.tender_id for t in candidates], encode([t.text() for t in candidates]), statuses,
            of("approved"), of("rejected"), [t.codes for t in candidates],
        )

    def _rank_tenders(
        self, firm: FirmProfile, candidates: list[tuple[Tender, float]], loaded: LoadedIndex, k: int,
        statuses: dict[str, Status], wins: list[Award], inferred: Sequence[tuple[str, float]],
    ) -> list[Match]:
        tenders = [t for t, _ in candidates]
        extra: dict[str, Sequence[tuple[float, str]]] = {"feedback": self._feedback(tenders, statuses)}
        if wins:
            firm, history = self.awards.signals(firm, wins, tenders, self.embedder, loaded.lexical, self.settings.now())
            extra = {**extra, **history}
        scored = score_candidates(firm, tenders, [d for _, d in candidates], loaded.lexical, extra, inferred)
        scorer = pick_scorer(self.scorer, self.reranker, has_history=bool(wins))
        scores = fuse_matrix(scored.matrix, scored.multipliers, scorer)
        ranking = order(scores, [t.tender_id for t in tenders], k)
        weights, now = scorer.weights(), self.settings.now()
        return self._calibrated([
            make_match(firm, tenders[i], describe(scored, i, loaded.lexical), scores[i], rank, weights, now)
            for rank, i in enumerate(ranking, start=1)
        ])

    @cached_property
    def calibration(self) -> Calibration | None:
        """Raw score -> calibrated fit and band (``matcher.calibration``), loaded on first use."""
        return load_calibration(self.settings.models_dir)

    def default_min_fit(self) -> float:
        """A digest's default minimum fit: the floor of the calibration's lowest band worth sending."""
        return self.calibration.default_min_fit if self.calibration is not None else 0.0

    def _calibrated(self, matches: list[Match]) -> list[Match]:
        calibration = self.calibration
        if calibration is None:
            return matches
        for match in matches:
            fit = float(calibration.fit(match.score))
            band = calibration.band(fit)
            match.fit, match.fit_band, match.fit_band_share = round(fit, 3), band.name, band.relevant_share
        return matches

    def inferred_codes(self, firm: FirmProfile) -> list[tuple[str, float]]:
        """The (code, confidence) pairs ranking adds to a firm's confirmed codes (``suggest_codes``)."""
        suggested = [(s.code, s.confidence) for s in self.suggest_codes(firm, k=INFERRED_FOR_RANKING)]
        return weigh_inferred(suggested, INFERRED_RULE, INFERRED_FOR_RANKING)

    def decision_features(self, before: datetime | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per firm with partner decisions made before ``before`` (the latest per tender): the ranking features
        of its approved and of its rejected tenders, with the feedback column left neutral so that a decision
        never explains itself. ``matcher train-ranker`` learns from them as extra labelled pairs."""
        with self.db.connect() as conn:
            events = self.shortlists.events(conn, before=before)
        latest: dict[str, dict[str, Status]] = {}
        for event in events:
            latest.setdefault(event.firm_id, {})[event.tender_id] = event.decision
        out: list[tuple[np.ndarray, np.ndarray]] = []
        for firm_id, decided in latest.items():
            tenders = self.fetch_tenders([t for t, s in decided.items() if s in ("approved", "rejected")])
            if not tenders:
                continue
            ids = list(tenders)
            matrix = self._feature_matrix(self.get_firm(firm_id), [tenders[t] for t in ids])
            approved = np.array([decided[t] == "approved" for t in ids])
            out.append((matrix[approved], matrix[~approved]))
        return out

    def _feature_matrix(self, firm: FirmProfile, tenders: list[Tender]) -> np.ndarray:
        loaded = self.index.current()
        dense = self.embedder.encode_documents([t.text() for t in tenders]) @ self.embedder.encode_queries(
            [firm.text()])[0]
        extra: dict[str, Sequence[tuple[float, str]]] = {}
        wins = self.awards.wins(firm.firm_id, before=self.settings.now())
        if wins:
            firm, extra = self.awards.signals(firm, wins, tenders, self.embedder, loaded.lexical, self.settings.now())
        return score_candidates(firm, tenders, [float(d) for d in dense], loaded.lexical, extra).matrix

    def firms_for(self, tender_id: str, k: int = 10, firm_ids: Iterable[str] | None = None) -> list[Match]:
        """The firms that fit one tender best (for officers; partners pass their own firms' ids)."""
        tender = self.get_tender(tender_id)
        if not self.open_rule.visible(tender.published, self.settings.now()):  # a replay must not see its future
            raise NotFound(f"tender {tender_id!r} is published on {tender.published}, after now "
                           f"({self.settings.now():%Y-%m-%d %H:%M} UTC)")
        with self.db.connect() as conn:
            firms = self.firms.list(conn, ids=list(firm_ids) if firm_ids is not None else None)
        if not firms:
            return []
        loaded = self.index.current()
        tender_vector = self.embedder.encode_documents([tender.text()])[0]
        firm_vectors = self.embedder.encode_queries([f.text() for f in firms])
        dense = firm_vectors @ tender_vector
        signals = [
            compute_signals(f, [tender], [float(d)], loaded.lexical)[0] for f, d in zip(firms, dense, strict=True)
        ]
        scores = fuse(signals, self.scorer)
        ranking = order(scores, [f.firm_id for f in firms])[:k]
        weights, now = self.scorer.weights(), self.settings.now()
        return [
            make_match(firms[i], tender, signals[i], scores[i], rank, weights, now)
            for rank, i in enumerate(ranking, start=1)
        ]

    # ------------------------------------------------------------------ listing and shortlists (API)
    def search_tenders(self, flt: TenderFilter, offset: int = 0, limit: int = 50) -> tuple[int, list[Tender]]:
        """(total matching, one page) of stored tenders, newest publication first."""
        with self.db.connect() as conn:
            return self.tenders.count(conn, flt), self.tenders.search(conn, flt, offset, limit)

    def list_firms(
        self, ids: list[str] | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[int, list[FirmProfile]]:
        """(total, one page) of firms in id order; ``ids`` restricts to those firms."""
        with self.db.connect() as conn:
            return self.firms.count(conn, ids), self.firms.list(conn, ids, offset, limit)

    def propose(self, firm_id: str, tender_id: str, actor: str, note: str = "",
                score: float | None = None) -> ShortlistItem:
        """Put a tender on a firm's shortlist (logged as feedback); both must exist."""
        self.get_firm(firm_id)
        self.get_tender(tender_id)
        with self.db.begin() as conn:
            return self.shortlists.propose(conn, firm_id, tender_id, actor, note, score)

    def decide(self, firm_id: str, tender_id: str, status: Status, actor: str,
               note: str | None = None) -> ShortlistItem:
        """Approve or reject a shortlist item; the decision is appended to the feedback log."""
        with self.db.begin() as conn:
            item = self.shortlists.decide(conn, firm_id, tender_id, status, actor, note)
        if item is None:
            raise NotFound(f"tender {tender_id!r} is not on the shortlist of firm {firm_id!r}")
        return item

    def shortlist(self, firm_id: str, status: Status | None = None) -> list[ShortlistItem]:
        with self.db.connect() as conn:
            return self.shortlists.list(conn, firm_id, status)

    def feedback_events(self, firm_id: str) -> list[FeedbackEvent]:
        """The append-only decision log of one firm, oldest first."""
        with self.db.connect() as conn:
            return self.shortlists.events(conn, firm_id=firm_id)


def _collect(
    paths: Sequence[Path], reader: Callable[[Path], Iterable[T | Rejected]], kind: type[T]
) -> tuple[list[T], list[Rejected]]:
    """Read every file completely (raising on an unreadable one) before anything is written."""
    items: list[T] = []
    rejected: list[Rejected] = []
    for path in paths:
        for record in reader(Path(path)):
            if isinstance(record, Rejected):
                rejected.append(record)
            elif isinstance(record, kind):
                items.append(record)
    return items, rejected

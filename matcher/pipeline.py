"""The Matcher facade: the one object the API, the CLI and the digest job call.

Each method is one line handing the call to the service that owns it (``matcher.services``); the facade wires
them over one store and one index and owns nothing itself. Faces never reach past it to a connection, a
repository or a cache.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from matcher.config import Settings
from matcher.errors import StoredRecordInvalid
from matcher.ingest.base import Rejected
from matcher.normalize.openness import OpenAt
from matcher.ranking.calibration import Calibration
from matcher.ranking.reasons import ReasonLanguage
from matcher.schema import FirmProfile, IngestReport, Match, Tender
from matcher.search.encoders import Embedder, Encoder
from matcher.search.index_sync import IndexService, LoadedIndex, SyncReport
from matcher.search.retrieve import MatchQuery
from matcher.services.access import AccessControl
from matcher.services.awards import AwardHistory
from matcher.services.catalog import Catalog, IngestResult
from matcher.services.code_suggestions import CodeSuggestion, CodeSuggestions, KeptRefresh
from matcher.services.engine import Engine
from matcher.services.feeds import Feeds
from matcher.services.keyword_suggestions import KeywordSuggestions
from matcher.services.notice_search import NoticeHit, NoticeSearch
from matcher.services.notice_status import NoticeStatus, notice_status
from matcher.services.recommender import Recommender
from matcher.services.sessions import NewSession, WebSession, WebSessions
from matcher.services.shortlists import ShortlistEntry, Shortlists
from matcher.services.stored_ids import IdNormalisation, StoredIds
from matcher.services.stored_records import check_records
from matcher.services.subscriptions import DigestLedger, Subscriptions
from matcher.store import TenderFilter
from matcher.store.digests import DigestRecord
from matcher.store.feeds import Feed, FeedSpec
from matcher.store.locks import Lease
from matcher.store.record_check import CheckReport
from matcher.store.shortlists import FeedbackEvent, Proposal, Status
from matcher.store.subscriptions import Subscription, SubscriptionSpec

__all__ = ["IngestResult", "Matcher"]


class Matcher:
    """Everything the product does, over one store and one index."""

    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self.engine = Engine(settings, encoder)
        self.catalog = Catalog(self.engine)
        self.shortlists = Shortlists(self.catalog)
        self.suggestions = CodeSuggestions(self.catalog, self.shortlists)
        self.keyword_suggestions = KeywordSuggestions(self.catalog)  # a Korean description's product phrases
        self.awards = AwardHistory(self.engine.db)  # award history; firms linked to suppliers rank with it
        self.recommender = Recommender(self.catalog, self.shortlists, self.suggestions, self.awards)
        self.notices = NoticeSearch(self.catalog, self.recommender.open_now)  # search by meaning, any language
        self.subscriptions = Subscriptions(self.catalog)
        self.digests = DigestLedger(self.catalog)
        self.feeds = Feeds(self.catalog)  # live feeds' specs, cursors and run results
        self.access = AccessControl(self.engine.db)  # API keys, roles and partners' firms
        self.sessions = WebSessions(self.engine.db, self.access)  # the web workspace's sign-ins
        self.stored_ids = StoredIds(self.engine)  # ids a store kept in another form than NFC

    def close(self) -> None:
        self.engine.close()

    # ------------------------------------------------------------------ components
    @property
    def embedder(self) -> Embedder:
        return self.engine.embedder

    @property
    def index(self) -> IndexService:
        return self.engine.index

    @property
    def calibration(self) -> Calibration | None:
        return self.recommender.calibration

    def store_backend(self) -> str:
        return self.engine.backend

    def current_index(self) -> LoadedIndex:
        return self.engine.index.current()

    # ------------------------------------------------------------------ catalog
    def ingest_tenders(
        self, paths: Sequence[Path], sync: bool = True, progress: bool = False, table_source: str | None = None,
    ) -> IngestResult:
        return self.catalog.ingest_tenders(paths, sync, progress, table_source)

    def upsert_tenders(self, items: Sequence[Tender], sync: bool = True, progress: bool = False) -> IngestResult:
        return self.catalog.upsert_tenders(items, sync, progress)

    def update_tenders(self, items: Sequence[Tender], sync: bool = True) -> IngestResult:
        return self.catalog.update_tenders(items, sync)

    def delete_tenders(self, ids: list[str], sync: bool = True) -> int:
        return self.catalog.delete_tenders(ids, sync)

    def ingest_firms(self, paths: Sequence[Path]) -> IngestResult:
        """Load firm files (the CLI's ``ingest firms``, the API's upload), then keep the suggested codes of the
        new and changed firms when the register is above ``FIRMS_FOR_DEPTH``, so that firms-for's first stage
        does not compute a bulk import's at a call (49 s for 10,214 firms, benchmark part 8)."""
        result = self.catalog.ingest_firms(paths)
        if result.report.new or result.report.updated:
            self.suggestions.keep_new()
        return result

    def upsert_firms(self, items: Sequence[FirmProfile]) -> IngestReport:
        return self.catalog.upsert_firms(items)

    def get_tender(self, tender_id: str, published_by: datetime | None = None) -> Tender:
        return self.catalog.get_tender(tender_id, published_by)

    def get_firm(self, firm_id: str) -> FirmProfile:
        return self.catalog.get_firm(firm_id)

    def create_firm(self, firm: FirmProfile) -> FirmProfile:
        return self.catalog.create_firm(firm)

    def change_firm(self, firm_id: str, change: Callable[[FirmProfile], FirmProfile]) -> FirmProfile:
        return self.catalog.change_firm(firm_id, change)

    def change_firm_version(
        self, firm_id: str, change: Callable[[FirmProfile], FirmProfile], if_version: Collection[str] | None = None,
    ) -> tuple[FirmProfile, str]:
        return self.catalog.change_firm_version(firm_id, change, if_version)

    def firm_version(self, firm_id: str) -> tuple[FirmProfile, str]:
        return self.catalog.firm_version(firm_id)

    def get_firms(self, ids: list[str]) -> dict[str, FirmProfile]:
        return self.catalog.get_firms(ids)

    def fetch_tenders(self, ids: list[str]) -> dict[str, Tender]:
        return self.catalog.fetch_tenders(ids)

    def all_tenders(self) -> Iterator[Tender]:
        return self.catalog.all_tenders()

    def search_tenders(self, flt: TenderFilter, offset: int = 0, limit: int = 50) -> tuple[int, list[Tender]]:
        return self.catalog.search_tenders(flt, offset, limit)

    def list_firms(
        self, ids: list[str] | None = None, offset: int = 0, limit: int = 50, text: str | None = None
    ) -> tuple[int, list[FirmProfile]]:
        return self.catalog.list_firms(ids, offset, limit, text)

    def search_notices(self, text: str, k: int = 20, open_only: bool = False) -> list[NoticeHit]:
        return self.notices.search(text, k, open_only)

    def build_index(self, rebuild: bool = False, progress: bool = False) -> SyncReport:
        return self.catalog.build_index(rebuild, progress)

    def sync_index(self, progress: bool = False) -> SyncReport:
        return self.catalog.sync_index(progress)

    def normalize_ids(self, dry_run: bool = False) -> IdNormalisation:
        return self.stored_ids.normalise(dry_run)

    def check_store(self, report: CheckReport, progress: bool = False) -> Iterator[StoredRecordInvalid]:
        return check_records(self.engine.db, report, progress)

    # ------------------------------------------------------------------ inferred codes
    def suggest_codes(self, firm: str | FirmProfile, k: int = 10, translate: bool = True) -> list[CodeSuggestion]:
        return self.suggestions.suggest(firm, k, translate)

    def accept_codes(self, firm_id: str, codes: list[str], actor: str) -> FirmProfile:
        return self.suggestions.accept(firm_id, codes, actor)[0]

    def accept_codes_version(
        self, firm_id: str, codes: list[str], actor: str, if_version: Collection[str] | None = None,
    ) -> tuple[FirmProfile, str]:
        return self.suggestions.accept(firm_id, codes, actor, if_version)

    def decline_codes(self, firm_id: str, codes: list[str], actor: str) -> FirmProfile:
        return self.suggestions.decline(firm_id, codes, actor)[0]

    def decline_codes_version(
        self, firm_id: str, codes: list[str], actor: str, if_version: Collection[str] | None = None,
    ) -> tuple[FirmProfile, str]:
        return self.suggestions.decline(firm_id, codes, actor, if_version)

    def inferred_codes(self, firm: FirmProfile) -> list[tuple[str, float]]:
        return self.suggestions.for_ranking(firm)

    def refresh_kept_suggestions(self) -> KeptRefresh:
        return self.suggestions.refresh_kept()

    # ------------------------------------------------------------------ suggested keywords
    def suggest_keywords(self, firm: str | FirmProfile) -> list[str]:
        return self.keyword_suggestions.suggest(firm)

    def accept_keywords(self, firm_id: str, keywords: list[str], actor: str) -> FirmProfile:
        return self.keyword_suggestions.accept(firm_id, keywords, actor)[0]

    def accept_keywords_version(
        self, firm_id: str, keywords: list[str], actor: str, if_version: Collection[str] | None = None,
    ) -> tuple[FirmProfile, str]:
        return self.keyword_suggestions.accept(firm_id, keywords, actor, if_version)

    # ------------------------------------------------------------------ recommendations
    def recommend(self, firm: str | FirmProfile, query: MatchQuery | None = None) -> list[Match]:
        return self.recommender.recommend(firm, query)

    def recommend_as_firm(self, firm_id: str, query: MatchQuery | None = None) -> list[Match]:
        return self.recommender.recommend_as_firm(firm_id, query)

    def recommend_many(
        self, firms: Sequence[str | FirmProfile], query: MatchQuery | Sequence[MatchQuery] | None = None,
        progress: bool = False, decisions: Mapping[str, Mapping[str, Status]] | None = None,
    ) -> list[list[Match]]:
        return self.recommender.recommend_many(firms, query, progress, decisions)

    def recommendation_key(self, firm_id: str, query: MatchQuery | None = None) -> Hashable | None:
        return self.recommender.recommendation_key(firm_id, query)

    def fresh_until(self, matches: list[Match], ranked_at: datetime) -> datetime:
        return self.recommender.fresh_until(matches, ranked_at)

    def firms_for(self, tender_id: str, k: int = 10, firm_ids: Iterable[str] | None = None) -> list[Match]:
        return self.recommender.firms_for(tender_id, k, firm_ids)

    def open_at(self, now: datetime | None = None) -> OpenAt:
        """The open rule at ``now`` (default: the clock) with the notices cancelled by then."""
        return self.recommender.open_now.at(now or self.settings.now())

    def notice_status(self, tender: Tender, language: ReasonLanguage = "en", at: OpenAt | None = None) -> NoticeStatus:
        """Whether ``tender`` is open at ``at`` (default: the open rule at the clock), and why not, in words."""
        return notice_status(tender, at or self.open_at(), language)

    def default_min_fit(self) -> float:
        return self.recommender.default_min_fit()

    def feature_matrix(self, firm: FirmProfile, tenders: list[Tender]) -> np.ndarray:
        return self.recommender.feature_matrix(firm, tenders)

    # ------------------------------------------------------------------ shortlists
    def propose(self, firm_id: str, tender_id: str, actor: str, note: str = "", score: float | None = None,
                at: OpenAt | None = None, if_version: Collection[str | None] | None = None) -> ShortlistEntry:
        return self.shortlists.propose(firm_id, tender_id, actor, note, score, at, if_version)

    def propose_many(self, firm_id: str, proposals: Sequence[Proposal], actor: str, note: str = "",
                     at: OpenAt | None = None) -> list[ShortlistEntry]:
        return self.shortlists.propose_many(firm_id, proposals, actor, note, at)

    def decide(self, firm_id: str, tender_id: str, status: Status, actor: str, note: str | None = None,
               published_by: datetime | None = None, if_version: Collection[str] | None = None) -> ShortlistEntry:
        return self.shortlists.decide(firm_id, tender_id, status, actor, note, published_by, if_version)

    def list_and_decide(self, firm_id: str, tender_id: str, status: Status, actor: str, note: str | None = None,
                        at: OpenAt | None = None, if_version: Collection[str | None] | None = None) -> ShortlistEntry:
        return self.shortlists.list_and_decide(firm_id, tender_id, status, actor, note, at, if_version)

    def shortlist_item(self, firm_id: str, tender_id: str, published_by: datetime | None = None) -> ShortlistEntry:
        return self.shortlists.item(firm_id, tender_id, published_by)

    def shortlist(self, firm_id: str, status: Status | None = None,
                  published_by: datetime | None = None) -> list[ShortlistEntry]:
        return self.shortlists.items(firm_id, status, published_by)

    def decisions(self, firm_ids: list[str], published_by: datetime | None = None) -> dict[str, dict[str, Status]]:
        return self.shortlists.decisions(firm_ids, published_by)

    def feedback_events(self, firm_id: str | None = None, before: datetime | None = None) -> list[FeedbackEvent]:
        return self.shortlists.events(firm_id, before)

    # ------------------------------------------------------------------ subscriptions and the digest ledger
    def subscribe(self, spec: SubscriptionSpec, actor: str) -> Subscription:
        return self.subscriptions.add(spec, actor)

    def subscription(self, subscription_id: str) -> Subscription:
        return self.subscriptions.get(subscription_id)

    def firm_subscriptions(self, firm_id: str, active_only: bool = False) -> list[Subscription]:
        return self.subscriptions.for_firm(firm_id, active_only)

    def unsubscribe(self, subscription_id: str, firm_id: str | None = None) -> bool:
        return self.subscriptions.unsubscribe(subscription_id, firm_id)

    def digest_lease(self, name: str, ttl: timedelta) -> Lease:
        return self.digests.lease(name, ttl)

    def digest_records(self, subscription_id: str) -> list[DigestRecord]:
        return self.digests.for_subscription(subscription_id)

    # ------------------------------------------------------------------ live feeds (matcher.feeds runs them)
    def add_feed(self, spec: FeedSpec, actor: str) -> Feed:
        return self.feeds.add(spec, actor)

    def feed(self, name: str) -> Feed:
        return self.feeds.get(name)

    def all_feeds(self) -> list[Feed]:
        return self.feeds.all()

    def remove_feed(self, name: str) -> None:
        return self.feeds.remove(name)

    def reset_feed(self, name: str) -> None:
        return self.feeds.reset(name)

    def start_feed_run(self, name: str) -> None:
        return self.feeds.start_run(name)

    def commit_feed_page(
        self, name: str, tenders: Sequence[Tender], rejected: Sequence[Rejected], cursor: dict[str, object],
        after: Mapping[str, object] | None = None,
    ) -> IngestReport:
        return self.feeds.commit_page(name, tenders, rejected, cursor, after)

    def finish_feed_run(self, name: str, error: str | None) -> Feed:
        return self.feeds.finish_run(name, error)

    def feed_lease(self, name: str, ttl: timedelta) -> Lease:
        return self.feeds.lease(name, ttl)

    def claim_slot(self, job: str, slot: str) -> bool:
        return self.feeds.claim_slot(job, slot)

    # ------------------------------------------------------------------ web sessions and visits (api.web)
    def sign_in(self, token: str | None) -> NewSession:
        return self.sessions.sign_in(token)

    def web_session(self, session_id: str | None) -> WebSession:
        return self.sessions.resolve(session_id)

    def sign_out(self, session_id: str | None) -> bool:
        return self.sessions.sign_out(session_id)

    def record_visit(self, principal: str, firm_id: str) -> None:
        return self.sessions.record_visit(principal, firm_id)

    def unseen_tenders(self, principal: str, firm_id: str, tender_ids: Sequence[str]) -> set[str]:
        return self.sessions.unseen(principal, firm_id, tender_ids)

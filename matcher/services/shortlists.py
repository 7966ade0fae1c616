"""Partners' shortlists: proposals, approvals and rejections, and the append-only decision log ranking learns from."""

from __future__ import annotations

from datetime import datetime

from matcher.errors import NotFound
from matcher.services.catalog import Catalog
from matcher.store.shortlists import FeedbackEvent, ShortlistItem, ShortlistRepository, Status


class Shortlists:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.db = catalog.db
        self.repository = ShortlistRepository()

    def propose(self, firm_id: str, tender_id: str, actor: str, note: str = "",
                score: float | None = None) -> ShortlistItem:
        """Put a tender on a firm's shortlist (logged as feedback); both must exist."""
        self.catalog.get_firm(firm_id)
        self.catalog.get_tender(tender_id)
        with self.db.begin() as conn:
            return self.repository.propose(conn, firm_id, tender_id, actor, note, score)

    def decide(self, firm_id: str, tender_id: str, status: Status, actor: str,
               note: str | None = None) -> ShortlistItem:
        """Approve or reject a shortlist item; the decision is appended to the feedback log."""
        with self.db.begin() as conn:
            item = self.repository.decide(conn, firm_id, tender_id, status, actor, note)
        if item is None:
            raise NotFound(f"tender {tender_id!r} is not on the shortlist of firm {firm_id!r}")
        return item

    def items(self, firm_id: str, status: Status | None = None) -> list[ShortlistItem]:
        with self.db.connect() as conn:
            return self.repository.list(conn, firm_id, status)

    def decisions(self, firm_ids: list[str]) -> dict[str, dict[str, Status]]:
        """firm_id -> {tender_id: shortlist status} for these firms."""
        with self.db.connect() as conn:
            return self.repository.statuses(conn, firm_ids)

    def events(self, firm_id: str | None = None, before: datetime | None = None) -> list[FeedbackEvent]:
        """The append-only decision log, oldest first: of one firm, or of all made before ``before``."""
        with self.db.connect() as conn:
            return self.repository.events(conn, before=before, firm_id=firm_id)

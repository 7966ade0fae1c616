"""Partners' shortlists: proposals, approvals and rejections, and the append-only decision log ranking learns from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from matcher.errors import NotFound
from matcher.schema import Tender
from matcher.services.catalog import Catalog
from matcher.store.shortlists import FeedbackEvent, ShortlistItem, ShortlistRepository, Status


@dataclass(frozen=True)
class ShortlistEntry(ShortlistItem):
    """A stored shortlist item with the fields of its tender a reader needs to decide without looking the
    tender up. A tender deleted since it was shortlisted keeps its item (the decision is history): its
    fields are then None, and ``tender_known`` is False.

    A subclass of the stored item, so code written against ``ShortlistItem`` reads entries unchanged."""

    title: str | None = None
    buyer: str | None = None
    buyer_country: str | None = None
    deadline: datetime | None = None
    url: str | None = None

    @property
    def tender_known(self) -> bool:
        return self.title is not None

    @classmethod
    def of(cls, item: ShortlistItem, tender: Tender | None) -> ShortlistEntry:
        if tender is None:
            return cls(**vars(item))
        return cls(
            **vars(item), title=tender.title, buyer=tender.buyer, buyer_country=tender.buyer_country,
            deadline=tender.deadline, url=tender.url,
        )


class Shortlists:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.db = catalog.db
        self.repository = ShortlistRepository()

    def propose(self, firm_id: str, tender_id: str, actor: str, note: str = "",
                score: float | None = None) -> ShortlistEntry:
        """Put a tender on a firm's shortlist (logged as feedback); both must exist, and the tender must be
        published by now (``Catalog.visible_tender``). A closed notice or an award may be shortlisted, as
        firms-for ranks firms for them: recommendations' ``include_closed`` proposes closed ones."""
        self.catalog.get_firm(firm_id)
        tender = self.catalog.visible_tender(tender_id)
        with self.db.begin() as conn:
            item = self.repository.propose(conn, firm_id, tender_id, actor, note, score)
        return ShortlistEntry.of(item, tender)

    def decide(self, firm_id: str, tender_id: str, status: Status, actor: str,
               note: str | None = None) -> ShortlistEntry:
        """Approve or reject a shortlist item; the decision is appended to the feedback log."""
        with self.db.begin() as conn:
            item = self.repository.decide(conn, firm_id, tender_id, status, actor, note)
        if item is None:
            raise NotFound(f"tender {tender_id!r} is not on the shortlist of firm {firm_id!r}")
        return self._joined([item])[0]

    def items(self, firm_id: str, status: Status | None = None) -> list[ShortlistEntry]:
        """A firm's shortlist in the order items were proposed, each with its tender's fields."""
        with self.db.connect() as conn:
            items = self.repository.list(conn, firm_id, status)
        return self._joined(items)

    def _joined(self, items: list[ShortlistItem]) -> list[ShortlistEntry]:
        # One lookup for the whole list, through the catalog's tender cache; a deleted tender is simply absent.
        tenders = self.catalog.fetch_tenders([i.tender_id for i in items])
        return [ShortlistEntry.of(item, tenders.get(item.tender_id)) for item in items]

    def decisions(self, firm_ids: list[str]) -> dict[str, dict[str, Status]]:
        """firm_id -> {tender_id: shortlist status} for these firms."""
        with self.db.connect() as conn:
            return self.repository.statuses(conn, firm_ids)

    def events(self, firm_id: str | None = None, before: datetime | None = None) -> list[FeedbackEvent]:
        """The append-only decision log, oldest first: of one firm, or of all made before ``before``."""
        with self.db.connect() as conn:
            return self.repository.events(conn, before=before, firm_id=firm_id)

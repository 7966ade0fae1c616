"""Partners' shortlists: proposals, approvals and rejections, and the append-only decision log ranking learns from."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from matcher.errors import InvalidInput, NotFound, PreconditionFailed
from matcher.normalize.openness import OpenAt
from matcher.schema import Tender, bidi_problem, quoted
from matcher.services.catalog import Catalog
from matcher.services.notice_status import notice_status
from matcher.store.shortlists import FeedbackEvent, Proposal, ShortlistItem, ShortlistRepository, Status


@dataclass(frozen=True)
class ShortlistEntry(ShortlistItem):
    """A stored shortlist item with the fields of its tender a reader needs to decide without looking the
    tender up. A tender deleted since it was shortlisted keeps its item (the decision is history): its
    fields are then None, and ``tender_known`` is False. ``published_after_now`` marks a notice published after
    the clock's day (only an officer's list holds one: ``Shortlists.items``). ``created`` is True on the entry
    ``Shortlists.propose`` answers when that proposal put the tender on the shortlist, False on every other.

    A subclass of the stored item, so code written against ``ShortlistItem`` reads entries unchanged."""

    title: str | None = None
    buyer: str | None = None
    buyer_country: str | None = None
    deadline: datetime | None = None
    url: str | None = None
    published: date | None = None
    published_after_now: bool = False
    created: bool = False

    @property
    def tender_known(self) -> bool:
        return self.title is not None

    @classmethod
    def of(cls, item: ShortlistItem, tender: Tender | None, published_after_now: bool = False,
           created: bool = False) -> ShortlistEntry:
        if tender is None:
            return cls(**vars(item), created=created)
        return cls(
            **vars(item), title=tender.title, buyer=tender.buyer, buyer_country=tender.buyer_country,
            deadline=tender.deadline, url=tender.url, published=tender.published,
            published_after_now=published_after_now, created=created,
        )


def bid_refusal(tender: Tender, at: OpenAt) -> str | None:
    """Why no firm can bid on ``tender`` at ``at.now``, or None while it is open, by the product's one rule
    (``OpenAt.closure``) in its one wording (``notice_status``, the line ``matcher firms-for`` prints first, with
    its dates and the moment judged at), naming the tender. A notice published after now is not asked about: it
    is hidden as if it were not stored (``Catalog.visible_tender``)."""
    status = notice_status(tender, at)
    return None if status.open else f"tender {tender.tender_id!r}: {status.detail}"


def checked_note(note: str) -> str:
    """``note`` as it is, if a shortlist may keep it: text a person types for others to read, held to
    ``matcher.schema.typed_text``'s rule (no bidirectional embedding, override or isolate: 'call \\u202eretaw'
    displays as 'call water') and without a NUL (PostgreSQL stores none). The core's check, whoever calls (a
    script, the CLI); the API's ``Note`` and the workspace's form say the same first. InvalidInput naming the
    field and the character."""
    if (nul := note.find("\x00")) >= 0:
        raise InvalidInput(f"shortlist note holds a NUL character (\\x00) at position {nul + 1}, which text may not")
    if problem := bidi_problem(note):
        raise InvalidInput(f"shortlist note {problem}")
    return note


def changed_meanwhile(firm_id: str, tender_id: str, version: str | None) -> PreconditionFailed:
    """A note or decision refused because the item is no longer the version it was made on (If-Match, the
    workspace's form), naming the version stored now (None: not on the shortlist)."""
    now = "it is not on the shortlist" if version is None else f'its ETag is now "{version}"'
    return PreconditionFailed(
        f"shortlist item {tender_id!r} of firm {firm_id!r} has changed since the version sent in If-Match (another "
        f"note or decision was stored meanwhile; {now}): read it again and write from there; nothing was stored")


class Shortlists:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.db = catalog.db
        self.repository = ShortlistRepository()

    def propose(self, firm_id: str, tender_id: str, actor: str, note: str = "", score: float | None = None,
                at: OpenAt | None = None, if_version: Collection[str | None] | None = None) -> ShortlistEntry:
        """Put a tender on a firm's shortlist (logged as feedback): ``propose_many`` of one. With ``if_version``
        (the versions of the item the caller saw, None: not on the shortlist), only while the stored item is one of
        them, compared in the proposal's transaction: PreconditionFailed once another note or decision is stored
        (a note written over a colleague's, unseen), nothing stored."""
        expected = None if if_version is None else {tender_id: if_version}
        return self.propose_many(firm_id, [Proposal(tender_id, score)], actor, note, at, expected)[0]

    def propose_many(self, firm_id: str, proposals: Sequence[Proposal], actor: str, note: str = "",
                     at: OpenAt | None = None,
                     expected: Mapping[str, Collection[str | None]] | None = None) -> list[ShortlistEntry]:
        """Put tenders on a firm's shortlist (each logged as feedback), all in one transaction: a refusal or a
        store fault at any one stores none of them, so a caller told the call failed finds nothing of it stored.
        The firm and every tender must exist, and each tender be published by now (``Catalog.visible_tender``).
        With ``at`` (the API, the workspace), a tender not yet on the firm's shortlist must also be open then
        (``bid_refusal``); one listed before it closed keeps taking notes and decisions. Each entry, in the order
        proposed, is ``created`` when this call put its tender on the shortlist; a proposal of a tender already
        there, also one proposed by another caller at the same moment, answers the stored item (its note
        replaced by a new one) and stores nothing else. A note is ``checked_note``'s."""
        checked_note(note)
        self.catalog.get_firm(firm_id)
        tenders = [self.catalog.visible_tender(p.tender_id) for p in proposals]
        if not tenders:
            return []  # no transaction: on SQLite it would take the write lock for nothing
        with self.db.begin() as conn:
            if at is not None:
                self._refuse_closed(conn, firm_id, tenders, at)
            unlisted = {tender_id for tender_id, versions in (expected or {}).items()
                        if self._refuse_changed(conn, firm_id, tender_id, versions) is None}
            stored = self.repository.propose_many(conn, firm_id, proposals, actor, note)
            for item, created in stored:
                if item.tender_id in unlisted and not created:  # another proposal stored it since it was read
                    raise changed_meanwhile(firm_id, item.tender_id, item.version)  # the note rolls back
        return [ShortlistEntry.of(item, tender, created=created)
                for (item, created), tender in zip(stored, tenders, strict=True)]

    def _refuse_changed(self, conn: Connection, firm_id: str, tender_id: str,
                        versions: Collection[str | None]) -> ShortlistItem | None:
        """The stored item (None: not on the shortlist); PreconditionFailed unless it is one of ``versions``, its
        row read locked for update (PostgreSQL; SQLite's writing transaction holds the write lock). No row is
        locked while none is stored: an item another proposal stores meanwhile is found by ``propose_many``."""
        item = self.repository.get(conn, firm_id, tender_id, for_update=True)
        if (None if item is None else item.version) not in versions:
            raise changed_meanwhile(firm_id, tender_id, None if item is None else item.version)
        return item

    def _refuse_closed(self, conn: Connection, firm_id: str, tenders: Sequence[Tender], at: OpenAt) -> None:
        """InvalidInput naming the first of ``tenders`` not yet on the firm's shortlist that no firm can bid on at
        ``at``, read in the proposals' transaction."""
        for tender in tenders:
            if self.repository.get(conn, firm_id, tender.tender_id) is None:
                refusal = bid_refusal(tender, at)
                if refusal is not None:
                    raise InvalidInput(f"{refusal}; it cannot be shortlisted")

    # A reader who may not know of the notices published after now (a firm's or partner's key or session) reads
    # with ``published_by`` = now: an item whose notice is published after that day is not on the shortlist for
    # them, in every list, count and decision, exactly as an id never stored (README, "Open"). Without it (an
    # officer, the core's own jobs) every item is there, ``published_after_now`` marking those.
    def decide(self, firm_id: str, tender_id: str, status: Status, actor: str, note: str | None = None,
               published_by: datetime | None = None, if_version: Collection[str] | None = None) -> ShortlistEntry:
        """Approve or reject a shortlist item; the decision is appended to the feedback log. NotFound for a
        tender not on the shortlist, and with ``published_by`` for one published after it (nothing stored), its
        date read in the decision's transaction: an officer moving it meanwhile cannot let a decision through. With
        ``if_version`` (If-Match), made only while the stored item is one of those versions
        (``ShortlistItem.version``), compared in the decision's transaction: PreconditionFailed once another
        decision or note is stored, nothing stored. A note is ``checked_note``'s."""
        if note is not None:
            checked_note(note)
        missing = NotFound(f"tender {quoted(tender_id)} is not on the shortlist of firm {quoted(firm_id)}")
        with self.db.begin() as conn:
            # The day is read in the decision's transaction, after its write: on PostgreSQL the notice's row stays
            # locked for share, so an officer moving its date waits for the decision, or the decision waits and
            # reads the new date; on SQLite the transaction holds the write lock from its first statement.
            decision = self.repository.decide(conn, firm_id, tender_id, status, actor, note, if_version)
            if decision is not None and published_by is not None and not self.catalog.engine.open_rule.visible(
                    self.catalog.tenders.published_day(conn, tender_id), published_by):
                raise missing  # the write is rolled back with the transaction
        if decision is None:
            raise missing
        if not decision.made:  # after the 404: a partner learns nothing of an item published after now
            raise changed_meanwhile(firm_id, tender_id, decision.item.version)
        return self._joined([decision.item])[0]

    def item(self, firm_id: str, tender_id: str, published_by: datetime | None = None) -> ShortlistEntry:
        """One item of the firm's shortlist, with its tender's fields (its ``version`` the ETag); NotFound for a
        tender not on it, and with ``published_by`` for one published after it, as ``items`` leaves it out."""
        with self.db.connect() as conn:
            item = self.repository.get(conn, firm_id, tender_id)
        entries = [] if item is None else self._joined([item])
        if entries and published_by is not None and not self.catalog.engine.open_rule.visible(
                entries[0].published, published_by):
            entries = []
        if not entries:
            raise NotFound(f"tender {quoted(tender_id)} is not on the shortlist of firm {quoted(firm_id)}")
        return entries[0]

    def list_and_decide(self, firm_id: str, tender_id: str, status: Status, actor: str, note: str | None = None,
                        at: OpenAt | None = None, if_version: Collection[str | None] | None = None) -> ShortlistEntry:
        """``decide``, on a tender first proposed when it is not on the firm's shortlist yet (``propose_many``'s
        rules, ``at`` as there), in one transaction: a refusal or a store fault at the decision leaves it neither
        proposed nor logged. The workspace's approve and reject buttons, which every recommendation carries. With
        ``if_version``, only while the item is one of those versions (None among them: not on the shortlist yet),
        as ``decide`` compares them: PreconditionFailed once another decision is stored, nothing stored."""
        if note is not None:
            checked_note(note)
        self.catalog.get_firm(firm_id)
        tender = self.catalog.visible_tender(tender_id)
        with self.db.begin() as conn:
            if at is not None:
                self._refuse_closed(conn, firm_id, [tender], at)
            # Stores nothing when it is listed already; listed by this call, it is the version the form showed
            # as not listed (None), the one it is decided on.
            item, created = self.repository.propose(conn, firm_id, tender_id, actor)
            on = if_version
            if if_version is not None and created:
                on = {item.version} if None in if_version else set()
            decision = self.repository.decide(conn, firm_id, tender_id, status, actor, note,
                                              None if on is None else {v for v in on if v is not None})
            assert decision is not None  # listed above, in this transaction
            if not decision.made:
                raise changed_meanwhile(firm_id, tender_id, decision.item.version)  # the proposal rolls back too
        return self._joined([decision.item])[0]

    def items(self, firm_id: str, status: Status | None = None,
              published_by: datetime | None = None) -> list[ShortlistEntry]:
        """A firm's shortlist in the order items were proposed, each with its tender's fields; with
        ``published_by`` without the items whose notice is published after it."""
        with self.db.connect() as conn:
            items = self.repository.list(conn, firm_id, status)
        entries = self._joined(items)
        if published_by is None:
            return entries
        return [e for e in entries if self.catalog.engine.open_rule.visible(e.published, published_by)]

    def _joined(self, items: list[ShortlistItem]) -> list[ShortlistEntry]:
        # One lookup for the whole list, through the catalog's tender cache; a deleted tender is simply absent.
        tenders = self.catalog.fetch_tenders([i.tender_id for i in items])
        later = self._published_after(tenders, self.catalog.engine.now())
        return [ShortlistEntry.of(item, tenders.get(item.tender_id), item.tender_id in later) for item in items]

    def decisions(self, firm_ids: list[str], published_by: datetime | None = None) -> dict[str, dict[str, Status]]:
        """firm_id -> {tender_id: shortlist status} for these firms; with ``published_by`` without the tenders
        published after it."""
        with self.db.connect() as conn:
            statuses = self.repository.statuses(conn, firm_ids)
        if published_by is None:
            return statuses
        hidden = self._hidden(sorted({t for listed in statuses.values() for t in listed}), published_by)
        return {firm: {t: s for t, s in listed.items() if t not in hidden} for firm, listed in statuses.items()}

    def _hidden(self, tender_ids: list[str], published_by: datetime) -> set[str]:
        """Those of ``tender_ids`` whose stored notice is published after ``published_by``'s day."""
        return self._published_after(self.catalog.fetch_tenders(tender_ids), published_by)

    def _published_after(self, tenders: dict[str, Tender], moment: datetime) -> set[str]:
        """The ids of ``tenders`` published after ``moment``'s day: the open rule's visibility, as listings and
        ``Catalog.visible_tender`` read it (an undated notice is never one, nor a deleted one, being absent)."""
        rule = self.catalog.engine.open_rule
        return {tid for tid, tender in tenders.items() if not rule.visible(tender.published, moment)}

    def events(self, firm_id: str | None = None, before: datetime | None = None) -> list[FeedbackEvent]:
        """The append-only decision log, oldest first: of one firm, or of all made before ``before``."""
        with self.db.connect() as conn:
            return self.repository.events(conn, before=before, firm_id=firm_id)

"""The catalog: tenders and firms in the store, the ingest ledger, and the index kept in step with them."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from matcher.characters import shown_text
from matcher.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from matcher.ingest.base import TABLE_FILE, Rejected, collect, regular_file, source_digest, table_format
from matcher.ingest.detect import read_tenders, tender_format
from matcher.ingest.firms import read_firms
from matcher.ingest.tabular import read_tender_table
from matcher.normalize.text import fold
from matcher.paths import existing
from matcher.schema import DATE_PAIR_FIELDS, STORED, FirmProfile, IngestReport, Tender, closes_before_published, quoted
from matcher.search.index_sync import SyncReport
from matcher.services.engine import Engine
from matcher.store import FirmRepository, TenderFilter, TenderRepository, firm_suggestions, tender_owners, versions
from matcher.store.firm_suggestions import KeptSuggestions
from matcher.store.ingest_ledger import IngestLedger, LedgerEntry
from matcher.store.tender_cache import TenderCache

T = TypeVar("T", Tender, FirmProfile)

#: How often ``Catalog.change_firm`` applies a change again when other changes of the profile keep committing
#: between its read and its write (each try is a read and one UPDATE; more contention than this is a 409).
FIRM_CHANGE_ATTEMPTS = 5

#: Firms whose folded name and id a firm search keeps (``_held``): more than the 10,214 of the largest benchmark.
FIRMS_FOLDED = 65_536


@dataclass
class IngestResult:
    report: IngestReport
    index: SyncReport | None = None
    files: list[str] = field(default_factory=list)


class Catalog:
    """Stored tenders and firms: ingest, lookups, listing, and index build and sync."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.db = engine.db
        self.tenders = TenderRepository(engine.open_rule)
        self.firms = FirmRepository()
        self.ledger = IngestLedger()
        self._tender_cache = TenderCache(self.tenders)
        self._firms: tuple[int, list[FirmProfile]] | None = None  # (firms counter, every firm): ``all_firms``
        self._firms_lock = threading.Lock()

    # ------------------------------------------------------------------ ingest
    def ingest_tenders(
        self, paths: Sequence[Path], sync: bool = True, progress: bool = False, table_source: str | None = None,
    ) -> IngestResult:
        """Load tender files. Every file is read completely before anything is written, so an unreadable
        file changes nothing; malformed records are rejected one by one and the rest load. A file already
        ingested byte for byte, whose tenders are still stored as it left them, is not parsed again.
        ``table_source`` reads every file as a tender table of that source (``ungm``: a UNGM export)."""
        reader: Callable[[Path], Iterable[Tender | Rejected]] = read_tenders
        if table_source is not None:
            reader = partial(read_tender_table, source=table_source)
        skipped, to_read = self._unchanged_files([Path(p) for p in paths], table_source)
        read = [(path, digest, *_collect([path], reader, Tender)) for path, digest in to_read]
        items = [t for _, _, file_items, _ in read for t in file_items]
        rejected = [r for _, _, _, file_rejected in read for r in file_rejected]
        produced = [{t.tender_id: t.content_hash() for t in file_items} for _, _, file_items, _ in read]

        with self.db.begin() as conn:
            report = self.tenders.upsert(conn, items, {tid: h for file in produced for tid, h in file.items()},
                                         owner=tender_owners.FILE)
            # The ledger keeps the hashes as stored: a corrigendum may have rewritten a notice of this file
            # (matcher.store.corrections), and "intact" must compare with what the store holds.
            stored = self.tenders.hashes(conn, [tid for file in produced for tid in file])
            for (path, digest, _, file_rejected), file_hashes in zip(read, produced, strict=True):
                self.ledger.record(conn, LedgerEntry(
                    digest, str(path), {tid: stored.get(tid, h) for tid, h in file_hashes.items()},
                    [(r.record, r.reason) for r in file_rejected]))
        report.unchanged += sum(len(entry.tenders) for entry in skipped)
        report.rejected = [(r.record, r.reason) for r in rejected] + [r for e in skipped for r in e.rejected]
        return IngestResult(report, self._synced(sync, progress))

    def _unchanged_files(
        self, paths: list[Path], table_source: str | None = None,
    ) -> tuple[list[LedgerEntry], list[tuple[Path, str]]]:
        """Split files into those the ledger says are unchanged and intact, and those to read."""
        skipped: list[LedgerEntry] = []
        to_read: list[tuple[Path, str]] = []
        with self.db.connect() as conn:
            for path in paths:
                if table_source is None:
                    existing(path)
                else:  # a source's table is one file, and the message says so (not "a folder or an archive")
                    regular_file(path, TABLE_FILE)
                # The same bytes read in another format (or as another source's table) give other records.
                kind = tender_format(path) if table_source is None else f"{table_format(path)} table of {table_source}"
                digest = source_digest(path, kind)
                entry = self.ledger.get(conn, digest)
                if entry is not None and entry.intact(self.tenders.hashes(conn, list(entry.tenders))):
                    skipped.append(entry)
                else:
                    to_read.append((path, digest))
        return skipped, to_read

    def upsert_tenders(self, items: Sequence[Tender], sync: bool = True, progress: bool = False) -> IngestResult:
        with self.db.begin() as conn:
            report = self.tenders.upsert(conn, items, owner=tender_owners.API)
        return IngestResult(report, self._synced(sync, progress))

    def store_feed_page(
        self, conn: Connection, feed: str, items: Sequence[Tender], rejected: Sequence[Rejected],
    ) -> IngestReport:
        """Store a feed's page in the caller's transaction (the one that moves its cursor): its new notices and
        changes of its own; a notice another feed, a file or the API stored first is left as it is and reported
        with the page's rejections, saying whose it is (``matcher.store.tender_owners``)."""
        report = self.tenders.upsert(conn, items, owner=tender_owners.feed(feed))
        report.rejected = [*((r.record, r.reason) for r in rejected), *report.rejected]
        return report

    def update_tenders(self, items: Sequence[Tender], sync: bool = True) -> IngestResult:
        """Store notices sent field by field (the API's batch): a new notice as sent; a stored one changes the
        fields each item was given (pydantic's ``model_fields_set``: what the client sent, an explicit null
        included) and keeps every other field as stored. An outside trial replaced a full TED notice with a
        title-only stub and lost its description, codes, deadline and value; a feed's record is replaced whole
        by ``ingest_tenders``, never here. The merge starts from the source's record of a corrected notice, so its
        corrections hold after the update and still come off with their corrigendum. A notice keeps its source:
        an item naming another is a Conflict; one whose date or notice type sent makes a call close before it is
        published, with the fields stored, is an InvalidInput (``_check_typed_dates``); either way nothing of
        the batch is stored. The merge is made in the store's transaction, over the notices as they are stored when
        it writes (``TenderRepository.upsert``'s ``onto``): a request racing another's is answered as if sent after
        it, and neither's fields are lost."""
        positions = {t.tender_id: position for position, t in enumerate(items)}
        with self.db.begin() as conn:
            report = self.tenders.upsert(
                conn, items, onto=lambda stored, sent: _updated(stored, sent, positions[sent.tender_id]),
                owner=tender_owners.API)
        return IngestResult(report, self._synced(sync, progress=False))

    def delete_tenders(self, ids: list[str], sync: bool = True) -> int:
        with self.db.begin() as conn:
            removed = self.tenders.delete(conn, ids)
        if removed:
            self._synced(sync, progress=False)
        return removed

    def ingest_firms(self, paths: Sequence[Path]) -> IngestResult:
        items, rejected = _collect(paths, read_firms, FirmProfile)
        report = self.upsert_firms(items)
        report.rejected = [(r.record, r.reason) for r in rejected]
        return IngestResult(report)

    def upsert_firms(self, items: Sequence[FirmProfile]) -> IngestReport:
        """Store the firms (new, changed or unchanged); one another writer stored meanwhile is stored again, as if
        this batch came after (``FirmRepository.upsert``)."""
        with self.db.begin() as conn:
            return self.firms.upsert(conn, items)

    def create_firm(self, firm: FirmProfile) -> FirmProfile:
        """Store a new firm; one of its id stored already (by a request a moment earlier too) is a Conflict and is
        left as it is."""
        exists = Conflict(f"firm {firm.firm_id!r} already exists")
        try:
            with self.db.begin() as conn:
                if not self.firms.insert_new(conn, firm):
                    raise exists
        except IntegrityError as exc:  # inserted by another transaction since this one looked (PostgreSQL)
            raise exists from exc
        return firm

    def change_firm(self, firm_id: str, change: Callable[[FirmProfile], FirmProfile]) -> FirmProfile:
        """Apply ``change`` to the stored profile and store what it returns, unless the profile changed in between
        (another request's change committed after this one read it): then ``change`` is applied again to the
        profile as it now is, so that neither change is lost. ``change`` may raise to refuse (nothing stored).
        The profile stored (or, when ``change`` changed nothing, the one read) is returned."""
        return self.change_firm_version(firm_id, change)[0]

    def change_firm_version(
        self, firm_id: str, change: Callable[[FirmProfile], FirmProfile], if_version: Collection[str] | None = None,
    ) -> tuple[FirmProfile, str]:
        """``change_firm``, and the version of the profile it leaves stored (``FirmRepository.version_of``). With
        ``if_version``, only while the stored profile is one of those versions: once another change is stored
        (before this one read it, or between its read and its write) it is PreconditionFailed, nothing stored."""
        version_of = self.firms.version_of
        for _ in range(FIRM_CHANGE_ATTEMPTS):
            firm, was = self._stored_firm(firm_id)
            if if_version is not None and version_of(was) not in if_version:
                raise PreconditionFailed(
                    f"firm {firm_id!r} has changed since the version sent in If-Match: read it again (its ETag is "
                    f'now "{version_of(was)}") and make the change from there')
            changed = change(firm)
            if changed == firm:
                return firm, version_of(was)
            with self.db.begin() as conn:
                if self.firms.replace(conn, changed, was):
                    return changed, version_of(changed.model_dump_json())
        raise Conflict(f"firm {firm_id!r} was changed by {FIRM_CHANGE_ATTEMPTS} other requests while this change "
                       "was being made; send it again")

    def firm_version(self, firm_id: str) -> tuple[FirmProfile, str]:
        """The stored profile and its version (``FirmRepository.version_of``), read together."""
        firm, data = self._stored_firm(firm_id)
        return firm, self.firms.version_of(data)

    def _stored_firm(self, firm_id: str) -> tuple[FirmProfile, str]:
        with self.db.connect() as conn:
            stored = self.firms.get_stored(conn, firm_id)
        if stored is None:
            raise NotFound(f"unknown firm {quoted(firm_id)}")
        return stored

    # ------------------------------------------------------------------ lookups
    def get_tender(self, tender_id: str, published_by: datetime | None = None) -> Tender:
        """The stored tender. With ``published_by`` (a firm's or partner's key reading at now), one published after
        that moment's day is refused exactly as an id never stored: the answer does not tell that it exists."""
        with self.db.connect() as conn:
            tender = self.tenders.get(conn, tender_id, published_by)
        if tender is None:
            raise NotFound(f"unknown tender {quoted(tender_id)}")
        return tender

    def visible_tender(self, tender_id: str, now: datetime | None = None) -> Tender:
        """The stored tender as ``now`` (the clock when not given) sees it: one published after now's day is
        refused as unknown, naming its day (a replay at a fixed clock must not see its future; README, "Open").
        Shortlisting and firms-for read a notice through this, as listings and recommendations filter by the
        same rule."""
        tender = self.get_tender(tender_id)
        now = self.engine.now() if now is None else now
        if not self.engine.open_rule.visible(tender.published, now):
            raise NotFound(f"tender {quoted(tender_id)} is published on {tender.published}, after now "
                           f"({now:%Y-%m-%d %H:%M} UTC)")
        return tender

    def get_firm(self, firm_id: str) -> FirmProfile:
        with self.db.connect() as conn:
            firm = self.firms.get(conn, firm_id)
        if firm is None:
            raise NotFound(f"unknown firm {quoted(firm_id)}")
        return firm

    def get_firms(self, ids: list[str]) -> dict[str, FirmProfile]:
        """firm_id -> profile for the ids that exist (unknown ids are left out)."""
        with self.db.connect() as conn:
            return self.firms.get_many(conn, ids)

    def fetch_tenders(self, ids: list[str]) -> dict[str, Tender]:
        with self.db.connect() as conn:
            return self._tender_cache.get_many(conn, ids)

    def all_tenders(self) -> Iterator[Tender]:
        with self.db.connect() as conn:
            yield from self.tenders.iter_all(conn)

    def ids_with_codes(self, prefixes: Sequence[str], limit: int) -> list[str]:
        """Stored tenders carrying a code under one of ``prefixes`` (hybrid retrieval's code candidates)."""
        with self.db.connect() as conn:
            return self.tenders.ids_with_codes(conn, prefixes, limit)

    def uses_scheme(self, prefix: str) -> bool:
        """Whether any stored tender has a code starting with ``prefix`` ("UNSPSC:")."""
        with self.db.connect() as conn:
            return bool(self.tenders.search(conn, TenderFilter(code_prefix=prefix), 0, 1))

    def state(self) -> Hashable:
        """The store's change counters: equal states mean nothing a ranking reads has changed."""
        with self.db.connect() as conn:
            return versions.read_all(conn)

    # ------------------------------------------------------------------ listing
    def search_tenders(self, flt: TenderFilter, offset: int = 0, limit: int = 50) -> tuple[int, list[Tender]]:
        """(total matching, one page) of stored tenders, newest publication first."""
        with self.db.connect() as conn:
            return self.tenders.count(conn, flt), self.tenders.search(conn, flt, offset, limit)

    def list_firms(
        self, ids: list[str] | None = None, offset: int = 0, limit: int = 50, text: str | None = None
    ) -> tuple[int, list[FirmProfile]]:
        """(total, one page) of firms in id order; ``ids`` restricts to those firms, ``text`` to those whose name
        or id holds each of its words, in any case and with or without accents (``firm_named``)."""
        if text is None:
            with self.db.connect() as conn:
                return self.firms.count(conn, ids), self.firms.list(conn, ids, offset, limit)
        words = fold(shown_text(text)).split()
        if not words:
            raise InvalidInput("empty firm search (expected some letters of a firm's name or id)")
        # The parsed firms every firms-for call reads (``all_firms``), matched in Python: a name is inside each
        # stored profile's JSON, not a column SQL could search. 10,000 firms: 185 ms a search when each name was
        # folded again, 20 ms once folded names are kept (``_held``; the first search folds them: 200 ms).
        named = [firm for firm in self.all_firms(ids) if firm_named(firm, words)]
        return len(named), named[offset: offset + limit]

    def all_firms(self, ids: Iterable[str] | None = None) -> list[FirmProfile]:
        """Every firm (or those of ``ids``), in id order. The parsed firms are kept until a write to firms
        commits (the store's "firms" counter): firms-for reads every firm for each notice, and parsing 10,000
        stored profiles took 0.7 s a call."""
        with self.db.connect() as conn:
            version = versions.read(conn, "firms")
            with self._firms_lock:
                held = self._firms if self._firms is not None and self._firms[0] == version else None
            if held is None:
                held = (version, self.firms.list(conn))
                with self._firms_lock:
                    self._firms = held
        if ids is None:
            return list(held[1])
        wanted = set(ids)
        return [firm for firm in held[1] if firm.firm_id in wanted]

    # ------------------------------------------------------------------ kept suggestions
    def kept_suggestions(self, ids: Sequence[str] | None = None) -> dict[str, KeptSuggestions]:
        """The suggestions kept for these firms (every firm's with None) whose profile has not changed since."""
        with self.db.connect() as conn:
            return firm_suggestions.read(conn, ids)

    def keep_suggestions(self, kept: Mapping[str, KeptSuggestions]) -> None:
        """Keep these firms' suggestions, and drop those of firms no longer stored."""
        with self.db.begin() as conn:
            firm_suggestions.write(conn, kept)
            firm_suggestions.prune(conn)

    # ------------------------------------------------------------------ index
    def build_index(self, rebuild: bool = False, progress: bool = False) -> SyncReport:
        """Rebuild from scratch, or (default) bring the existing index up to date incrementally."""
        if rebuild or not self.engine.index.exists():
            return self.engine.index.build(self.all_tenders(), progress=progress)
        return self.sync_index(progress=progress)

    def sync_index(self, progress: bool = False) -> SyncReport:
        with self.db.connect() as conn:
            stored = self.tenders.hashes(conn)
        return self.engine.index.sync(stored, self.fetch_tenders, self.all_tenders, progress=progress)

    def _synced(self, sync: bool, progress: bool) -> SyncReport | None:
        """Bring an existing index up to date after a write (a store without an index stays without one)."""
        return self.sync_index(progress=progress) if sync and self.engine.index.exists() else None


def _updated(stored: Tender | None, sent: Tender, position: int) -> Tender:
    """``sent`` over ``stored``: the fields ``sent`` was given replace the stored ones (``update_tenders``)."""
    if stored is None:
        return sent
    if sent.source != stored.source:
        raise Conflict(
            f"tender {sent.tender_id!r} (tenders.{position}) is stored from source {stored.source!r}, not "
            f"{sent.source!r}: an update keeps a notice's source (delete the notice first to replace it)")
    data = {**stored.model_dump(), **sent.model_dump(include=sent.model_fields_set)}
    # Both parts passed the rules for what comes in; a stored one is not held to rules added since it was stored.
    merged = Tender.model_validate(data, context=STORED)
    _check_typed_dates(merged, sent.model_fields_set, position)
    return merged


def _check_typed_dates(merged: Tender, sent: set[str], position: int) -> None:
    """A date or notice type sent is typed input: the notice an update gives is held to the rule an item meets
    (``closes_before_published``) with the stored fields it pairs with, which the item alone could not be. A
    feed's pair that no update touches stays as published (AS_PUBLISHED). InvalidInput names both dates."""
    typed = [name for name in DATE_PAIR_FIELDS if name in sent]
    if not typed:
        return
    try:
        closes_before_published(merged.notice_type, merged.published, merged.deadline)
    except ValueError as exc:
        kept = " and ".join(repr(name) for name in DATE_PAIR_FIELDS if name not in typed)
        stored_part = f" with its stored {kept}" if kept else ""
        raise InvalidInput(f"tender {merged.tender_id!r} (tenders.{position}){stored_part}: {exc}") from None


def _collect(
    paths: Sequence[Path], reader: Callable[[Path], Iterable[T | Rejected]], kind: type[T]
) -> tuple[list[T], list[Rejected]]:
    """Read every file completely (raising on an unreadable one) before anything is written."""
    return collect(itertools.chain.from_iterable(reader(Path(path)) for path in paths), kind)


def firm_named(firm: FirmProfile, words: Sequence[str]) -> bool:
    """Whether the firm's name or id holds each of the (folded) words."""
    held = _held(firm.name, firm.firm_id)
    return all(word in held for word in words)


@lru_cache(maxsize=FIRMS_FOLDED)
def _held(name: str, firm_id: str) -> str:
    """A firm's name and id as a search reads them (``fold``), kept: folding is the search's whole cost."""
    return f"{fold(name)} {fold(firm_id)}"

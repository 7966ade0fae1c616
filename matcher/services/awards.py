"""Award history in the product: ingest it, link firms to supplier identities, and turn a firm's past wins
into history signals and a richer profile when it is ranked. The Matcher facade delegates here."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection

from matcher.ingest.awards import awards_from_ocds, read_awards
from matcher.ingest.base import Rejected
from matcher.ingest.detect import ARCHIVES
from matcher.normalize.suppliers import SupplierResolver
from matcher.ranking.features import HISTORY_PARTS, prepare_candidates
from matcher.ranking.priors import (
    Market,
    MarketView,
    WinHistory,
    award_tender,
    history_notes,
    history_parts,
    market_parts,
    profile_with_history,
    win_similarity,
)
from matcher.schema import Award, FirmProfile, IngestReport, Tender
from matcher.search.encoders import Embedder
from matcher.search.lexical import LexicalModel
from matcher.store import Database, versions
from matcher.store.awards import AwardRepository
from matcher.store.firms import firms as firms_table

log = logging.getLogger(__name__)

Extra = dict[str, Sequence[tuple[float, str]]]


def read_award_file(path: Path) -> list[Award | Rejected]:
    """The award-history format (JSONL, gzip JSONL, JSON array, CSV), or OCDS awards: from an archive of OCDS
    data (.zip, .tar, .tar.gz, .tgz), and from a JSON file that holds no award rows."""
    if path.name.lower().endswith(ARCHIVES):
        return list(awards_from_ocds(path))
    rows = list(read_awards(path))
    if (rows and all(isinstance(r, Rejected) for r in rows)) or not rows:
        ocds = list(awards_from_ocds(path))
        if any(isinstance(r, Award) for r in ocds):
            return ocds
    return rows


class AwardHistory:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.repo = AwardRepository()
        self._market: tuple[tuple[date, int], Market] | None = None

    def ingest(self, paths: Sequence[Path]) -> tuple[IngestReport, int]:
        """Read every file first (an unreadable one changes nothing), then store, resolve and link.
        Returns the report and how many firms were newly linked to supplier identities by name."""
        rows = [r for path in paths for r in read_award_file(Path(path))]
        items = [r for r in rows if isinstance(r, Award)]
        with self.db.begin() as conn:
            report = self.repo.upsert(conn, items)
            resolver = self._resolve(conn)
            firms = [(r.firm_id, resolver.resolve(r.name)) for r in conn.execute(firms_table.select())]
            linked = self.repo.link_by_identity(conn, firms)
        report.rejected = [(r.record, r.reason) for r in rows if isinstance(r, Rejected)]
        return report, linked

    def link(self, firm_id: str, supplier_name: str) -> str | None:
        """Explicitly link a firm to the identity of a published supplier name; returns the identity."""
        with self.db.begin() as conn:
            identity = self._resolve(conn).resolve(supplier_name)
            if identity is not None:
                self.repo.link(conn, firm_id, identity)
        return identity

    def _resolve(self, conn: Connection) -> SupplierResolver:
        """Fit the resolver on every stored supplier name and store what each resolves to: re-resolved on
        every write, because a new spelling can join two identities."""
        names = self.repo.supplier_names(conn)
        resolver = SupplierResolver().fit(names)
        self.repo.set_identities(conn, {name: resolver.resolve(name) for name in names})
        return resolver

    def market(self, before: date) -> Market:
        """Counts of every stored award before ``before``, rebuilt when the day changes or any award is written
        (the awards change counter: a rewritten award changes no count, but may change the market)."""
        with self.db.connect() as conn:
            key = (before, versions.read(conn, "awards"))
            if self._market is None or self._market[0] != key:
                self._market = (key, Market.from_awards(self.repo.before(conn, before), as_of=before))
        return self._market[1]

    def wins_many(self, firm_ids: list[str], before: datetime | None = None) -> dict[str, list[Award]]:
        """``wins`` for many firms: one query finds which have linked identities (most have none)."""
        with self.db.connect() as conn:
            linked = self.repo.links_many(conn, firm_ids)
            found = {firm_id: self.repo.wins(conn, identities) for firm_id, identities in linked.items()}
        return {
            firm_id: [a for a in found.get(firm_id, []) if before is None or a.date < before.date()]
            for firm_id in firm_ids
        }

    def wins(self, firm_id: str, before: datetime | None = None) -> list[Award]:
        """The firm's past wins (through its linked identities), only those before ``before``."""
        with self.db.connect() as conn:
            identities = self.repo.links(conn, firm_id)
            found = self.repo.wins(conn, identities) if identities else []
        return [a for a in found if before is None or a.date < before.date()]

    def signals(
        self, firm: FirmProfile, wins: Sequence[Award], tenders: Sequence[Tender], embedder: Embedder,
        lexical: LexicalModel, now: datetime,
    ) -> tuple[FirmProfile, Extra]:
        """The profile with its wins folded in, and the history columns (with reasons) for ``extra``."""
        profile = profile_with_history(firm, wins)
        history = WinHistory.from_awards(wins, now.date())
        batch = prepare_candidates(tenders, lexical)
        win_texts = [award_tender(w, "past").text() for w in wins]
        similarity = win_similarity(
            embedder.encode_documents(win_texts), embedder.encode_documents(batch.documents)
        )
        market = market_parts(wins, MarketView.build(self.market(now.date()), batch), batch)
        parts = history_parts(history, batch, similarity, market)
        notes = history_notes(history, batch, parts)
        extra: Extra = {name: [(float(v), "") for v in parts[name]] for name in HISTORY_PARTS}
        extra["history"] = [(float(v), note) for v, note in zip(parts["history"], notes, strict=True)]
        return profile, extra


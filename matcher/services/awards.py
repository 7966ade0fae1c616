"""Award history in the product: ingest it, link firms to supplier identities, and turn a firm's past wins
into history signals and a richer profile when it is ranked. The Matcher facade delegates here."""

from __future__ import annotations

import difflib
import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import overload

from sqlalchemy import Connection

from matcher.errors import InvalidInput, NotFound
from matcher.ingest.awards import awards_from_ocds, read_awards
from matcher.ingest.base import Rejected
from matcher.ingest.detect import ARCHIVES
from matcher.normalize.suppliers import SupplierResolver, name_key
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
from matcher.schema import Award, FirmProfile, IngestReport, Tender, quoted
from matcher.search.encoders import Embedder
from matcher.search.lexical import LexicalModel
from matcher.store import Database, versions
from matcher.store.awards import IDENTITY_LENGTH, AwardRepository
from matcher.store.firms import FirmRepository
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


@dataclass(frozen=True)
class SupplierLink:
    """What ``AwardHistory.link`` did: the identity, its commonest published spelling, whether the link is new
    (False: the firm was explicitly linked to it already, nothing written), and the identity's wins."""

    identity: str
    name: str
    new: bool
    wins: int  # the identity's stored awards


@overload
def _column(identity: str) -> str: ...
@overload
def _column(identity: None) -> None: ...
@overload
def _column(identity: str | None) -> str | None: ...
def _column(identity: str | None) -> str | None:
    """An identity as stored: one longer than the column (a key NFKD makes long: 500 of U+FDFA fold to 9,000
    characters, and PostgreSQL refused the whole ingest) is cut, with a digest of the whole to keep it apart."""
    if identity is None or len(identity) <= IDENTITY_LENGTH:
        return identity
    return f"{identity[:IDENTITY_LENGTH - 17]}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


def _require_firm(conn: Connection, firm_id: str) -> None:
    if FirmRepository().count(conn, [firm_id]) == 0:
        raise NotFound(f"unknown firm {quoted(firm_id)}")


def _joined(resolver: SupplierResolver, names: Sequence[str], name: str) -> str | None:
    """The stored identity a spelling not stored would join (spacing, a typo, a shortened name), as the resolver
    fitted with it merges it; None when it joins none. Joining two is ambiguous, and refused naming them."""
    key = name_key(name)
    joined = SupplierResolver().fit([*names, name]).identity_of_key
    found = {resolver.identity_of_key[k] for k, ident in joined.items() if ident == joined[key] and k != key}
    if len(found) > 1:
        shown = ", ".join(quoted(resolver.name(i)) for i in sorted(found)[:5])
        raise InvalidInput(f"{quoted(name)} is like {len(found)} stored suppliers ({shown}): give one as published")
    return found.pop() if found else None


def _nearest(resolver: SupplierResolver, name: str) -> str:
    """How many suppliers are stored, and the published names nearest ``name``'s key (difflib: 0.1 s over the
    9,795 identities of the Canada award file)."""
    identities = set(resolver.identity_of_key.values())
    if not identities:
        return "no award history is stored: load it with 'matcher ingest awards FILE'"
    close = difflib.get_close_matches(name_key(name), list(resolver.identity_of_key), n=3)
    nearest = list(dict.fromkeys(resolver.name(resolver.identity_of_key[k]) for k in close))
    shown = f"nearest: {', '.join(quoted(n) for n in nearest)}" if nearest else "none is near it"
    return f"{len(identities):,} supplier{'s' if len(identities) != 1 else ''} stored; {shown}"


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
            firms = [(r.firm_id, _column(resolver.resolve(r.name))) for r in conn.execute(firms_table.select())]
            linked = self.repo.link_by_identity(conn, firms)
        report.rejected = [(r.record, r.reason) for r in rows if isinstance(r, Rejected)]
        return report, linked

    def link(self, firm_id: str, supplier_name: str) -> SupplierLink:
        """Explicitly link a firm to the stored supplier identity a published name resolves to. A name no stored
        award names (as the resolver joins spellings) is refused: it would link the firm to nothing."""
        with self.db.begin() as conn:
            _require_firm(conn, firm_id)
            resolver, identity = self._identity(conn, supplier_name)
            if identity is None:
                raise NotFound(f"no stored award names a supplier like {quoted(supplier_name)} "
                               f"({_nearest(resolver, supplier_name)})")
            stored = _column(identity)
            new = self.repo.link(conn, firm_id, stored)
            wins = len(self.repo.wins(conn, [stored]))
        return SupplierLink(stored, resolver.name(identity), new, wins)

    def unlink(self, firm_id: str, supplier: str) -> str:
        """Remove the firm's link to a supplier (a published name, or the identity as ``link`` names it); returns
        the identity. Its wins no longer count, and the next ingest does not link it again by the firm's name."""
        with self.db.begin() as conn:
            _require_firm(conn, firm_id)
            linked = self.repo.links(conn, firm_id)
            identity = supplier if supplier in linked else _column(self._identity(conn, supplier)[1])
            if identity is None or not self.repo.unlink(conn, firm_id, identity):
                shown = ", ".join(linked[:5]) + (f", ... ({len(linked):,} in all)" if len(linked) > 5 else "")
                raise NotFound(f"firm {quoted(firm_id)} is not linked to a supplier like {quoted(supplier)} "
                               f"({f'its links: {shown}' if linked else 'it has no supplier links'})")
        return identity

    def _identity(self, conn: Connection, name: str) -> tuple[SupplierResolver, str | None]:
        """The resolver fitted on the stored names, and the stored identity ``name`` resolves to (as the resolver
        names it: ``_column`` gives the stored form): its key's, for a spelling not stored the one identity the
        resolver would join it to, or ``name`` itself when it is a stored identity (``sup:...``, as ``link``
        prints it). None: no stored identity."""
        names = sorted(self.repo.supplier_names(conn))  # sorted: of spellings as common, one shown every time
        resolver, stored = SupplierResolver().fit(names), self.repo.identities(conn)
        if name in stored:
            return resolver, name
        if not name_key(name):
            raise InvalidInput(f"{quoted(name)} is not a supplier name (expected a firm name as published)")
        identity = resolver.identity_of_key.get(name_key(name)) or _joined(resolver, names, name)
        return resolver, identity if _column(identity) in stored else None

    def _resolve(self, conn: Connection) -> SupplierResolver:
        """Fit the resolver on every stored supplier name and store what each resolves to: re-resolved on
        every write, because a new spelling can join two identities. Links follow: a firm linked to an identity
        that a name left keeps that name's wins through the identity it joined."""
        stored = self.repo.name_identities(conn)
        resolver = SupplierResolver().fit(sorted(stored))
        now = {name: _column(resolver.resolve(name)) for name in stored}
        self.repo.set_identities(conn, {name: ident for name, ident in now.items() if stored[name] != {ident}})
        moves: dict[str, set[str]] = defaultdict(set)
        for name, identity in now.items():
            for old in stored[name]:
                if old is not None and identity is not None:
                    moves[old].add(identity)
        self.repo.follow(conn, {old: new for old, new in moves.items() if new != {old}})
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


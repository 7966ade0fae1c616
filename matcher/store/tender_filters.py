"""Which stored notices a filter selects, and which are open or cancelled at a moment: the queries of listing,
search and retrieval (``matcher.normalize.openness`` says the rule they write in SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import CompoundSelect, Connection, and_, func, or_, select, union
from sqlalchemy.sql.elements import ColumnElement

from matcher.characters import shown_text
from matcher.normalize.openness import OpenRule, today
from matcher.schema import OPPORTUNITY_TYPES, Tender
from matcher.store import cancellations, corrections, notice_text, tender_owners
from matcher.store.tender_tables import notice, published_by_day, tender_codes, tender_countries, tenders


@dataclass(frozen=True)
class TenderFilter:
    """Filters for listing tenders. ``open_at`` keeps the notices open at that moment, ``published_by`` those
    published by that moment's day, open or not (``matcher.normalize.openness``, rules 2 and 1-4)."""

    country: str | None = None
    code_prefix: str | None = None
    notice_type: str | None = None
    open_at: datetime | None = None
    text: str | None = None
    source: str | None = None
    published_by: datetime | None = None


class TenderQueries:
    """Filtered and open-ness queries over the tender tables; every method takes the connection of the caller's
    transaction. ``open_rule`` says how long a notice without a deadline stays open (from Settings, via the
    Matcher)."""

    def __init__(self, open_rule: OpenRule) -> None:
        self.open_rule = open_rule

    def ids_with_codes(self, conn: Connection, prefixes: Sequence[str], limit: int) -> list[str]:
        """Ids of notices carrying a code that starts with one of ``prefixes``, newest publication first, at most
        ``limit`` (the code half of hybrid retrieval: open-ness and the other filters are applied after)."""
        if not prefixes:
            return []
        match = or_(*(tender_codes.c.code.startswith(p, autoescape=True) for p in prefixes))
        query = (select(tenders.c.tender_id).where(tenders.c.tender_id.in_(select(tender_codes.c.tender_id)
                                                                         .where(match)))
                 .order_by(tenders.c.published.desc(), tenders.c.tender_id).limit(limit))
        return list(conn.execute(query).scalars())

    def open_ids(self, conn: Connection, now: datetime) -> list[str]:
        """Ids of the notices open at ``now`` (``matcher.normalize.openness``: the same rule as ``OpenAt.is_open``)."""
        query = select(tenders.c.tender_id).where(*self._open_conditions(now))
        return list(conn.execute(query).scalars())

    def cancelled_ids(self, conn: Connection, now: datetime) -> frozenset[str]:
        """Ids that a stored notice published by ``now``'s day cancels (stored themselves or not)."""
        return frozenset(conn.execute(self._cancelled(today(now))).scalars())

    def _cancelled(self, day: date) -> CompoundSelect[str]:
        """Ids cancelled by a notice published by ``day``: named by id, or by an alias (an eForms change
        notice cancels the notice's '<uuid>-<version>', ``matcher.store.corrections``); not by a feed's notice
        closing one another source owns (``tender_owners.heeded``)."""
        links, aliases = cancellations.tender_cancellations, corrections.tender_aliases
        closer, closed = tender_owners.tender_owners.alias("closer"), tender_owners.tender_owners.alias("closed")
        public = published_by_day(day)
        by_id = (
            select(links.c.tender_id)
            .join(tenders, tenders.c.tender_id == links.c.cancelled_by)
            .outerjoin(closer, closer.c.tender_id == links.c.cancelled_by)
            .outerjoin(closed, closed.c.tender_id == links.c.tender_id)
            .where(public, tender_owners.heeded(closer.c.owner, closed.c.owner, links.c.tender_id))
        )
        by_alias = (
            select(aliases.c.tender_id)
            .join(links, links.c.tender_id == aliases.c.alias)
            .join(tenders, tenders.c.tender_id == links.c.cancelled_by)
            .outerjoin(closer, closer.c.tender_id == links.c.cancelled_by)
            .outerjoin(closed, closed.c.tender_id == aliases.c.tender_id)
            .where(public, tender_owners.heeded(closer.c.owner, closed.c.owner, aliases.c.tender_id))
        )
        return union(by_id, by_alias)

    def _open_conditions(self, now: datetime) -> list[ColumnElement[bool]]:
        """Opportunity, published by ``now``'s day, deadline not passed or (without one) within its type's
        window, or undated; and not cancelled."""
        day = today(now)
        windows = [
            and_(tenders.c.notice_type == kind, tenders.c.published >= first)
            for kind in sorted(OPPORTUNITY_TYPES)
            if (first := self.open_rule.first_day(kind, now)) is not None
        ]
        return [
            tenders.c.notice_type.in_(sorted(OPPORTUNITY_TYPES)),
            published_by_day(day),
            or_(
                tenders.c.deadline >= now,
                and_(tenders.c.deadline.is_(None), or_(tenders.c.published.is_(None), *windows)),
            ),
            tenders.c.tender_id.not_in(self._cancelled(day)),
        ]

    def count(self, conn: Connection, flt: TenderFilter | None = None) -> int:
        query = select(func.count()).select_from(tenders)
        if flt is not None:
            query = query.where(*self._conditions(flt))
        return int(conn.execute(query).scalar_one())

    def search(self, conn: Connection, flt: TenderFilter, offset: int = 0, limit: int = 50) -> list[Tender]:
        """Filtered tenders, newest publication first, paginated."""
        query = (
            select(tenders.c.tender_id, tenders.c.data)
            .where(*self._conditions(flt))
            .order_by(tenders.c.published.desc(), tenders.c.tender_id)
            .offset(offset)
            .limit(limit)
        )
        return [notice(r.tender_id, r.data) for r in conn.execute(query)]

    def _conditions(self, flt: TenderFilter) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if flt.country:
            conditions.append(
                tenders.c.tender_id.in_(
                    select(tender_countries.c.tender_id).where(tender_countries.c.country == flt.country.upper())
                )
            )
        if flt.code_prefix:
            conditions.append(
                tenders.c.tender_id.in_(
                    select(tender_codes.c.tender_id).where(tender_codes.c.code.startswith(flt.code_prefix))
                )
            )
        if flt.notice_type:
            conditions.append(tenders.c.notice_type == flt.notice_type)
        if flt.source:
            conditions.append(tenders.c.source == flt.source)
        if flt.open_at is not None:
            conditions.extend(self._open_conditions(flt.open_at))
        if flt.published_by is not None:
            conditions.append(published_by_day(today(flt.published_by)))
        if flt.text:
            # Read as titles and buyers are stored (shown_text: composed, no format characters that draw nothing):
            # 'e' and U+0301 typed on a Mac, or a soft hyphen pasted inside a word, find what 'é' and the word find.
            # Each word is found however a title or buyer cases or accents it (``spelled``): SQLite's lower() left
            # 'Études' and 'ΝΕΡΟ' as they were, and 'electricite' typed without its accents missed 'électricité'.
            # A pattern, not a wildcard: '%' and '_' in a search are characters. Text left without a word finds
            # nothing (AND of no condition would be every tender). On SQLite a trigram index of the folded titles
            # and buyers narrows the notices the patterns read (``notice_text``: 17-200 times faster a word).
            conditions.append(notice_text.literal(tenders, shown_text(flt.text).split()))
        return conditions

